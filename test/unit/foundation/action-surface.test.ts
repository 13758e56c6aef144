/** action.yml, the input table in src/config/inputs.ts, the outputs and the README agree. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: a plain .mjs script without types
import { updateReadme } from '../../../scripts/readme-inputs.mjs';
import { RESULT_OUTPUTS } from '../../../src/action/outputs.js';
import { GENERAL_INPUTS, inputPath, STAGE_INPUTS } from '../../../src/config/inputs.js';
import { configSchema } from '../../../src/config/schema.js';

const action = parse(readFileSync('action.yml', 'utf8'));

describe('action.yml', () => {
  it('runs on node24 with main and post bundles', () => {
    expect(action.runs).toMatchObject({
      using: 'node24',
      main: 'dist/main/index.js',
      post: 'dist/post/index.js',
    });
  });

  it('declares exactly the general inputs and the stage inputs the code reads', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(
      [...GENERAL_INPUTS, ...Object.keys(STAGE_INPUTS)].sort(),
    );
  });

  it('maps every stage input onto a key of the config schema', () => {
    const shape = configSchema.shape as Record<
      string,
      { def: { innerType: { shape: Record<string, unknown> } } }
    >;
    for (const name of Object.keys(STAGE_INPUTS)) {
      const [stage, key] = inputPath(name);
      const section = shape[stage]!.def.innerType;
      expect(Object.keys(section.shape), name).toContain(key);
    }
  });

  it('gives stage inputs no default (an empty input means the file decides) and documents each default', () => {
    for (const name of Object.keys(STAGE_INPUTS)) {
      expect(action.inputs[name].default, name).toBeUndefined();
      expect(action.inputs[name].description, name).toMatch(/Default/);
    }
  });

  it('declares every output the code sets', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(
      [...RESULT_OUTPUTS, 'verdict', 'result-path', 'comment-url'].sort(),
    );
  });

  it('matches the tables in README.md', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(updateReadme(readme, readFileSync('action.yml', 'utf8'))).toBe(readme);
  });
});
