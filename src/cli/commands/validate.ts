/**
 * `orchestra-perf validate [--config F] [--env NAME]`: checks the config and prints the resolved
 * plan per stage, and what will be skipped and why. Runs nothing.
 */
import { localRunContext } from '../../adapters/local-context.js';
import type { Config } from '../../config/schema.js';
import { resultMeta } from '../../pipeline.js';
import type { PerfResult } from '../../result.js';
import { PIPELINE_STAGES } from '../../stages/index.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { CONFIG_FLAGS, loadCliConfig } from '../config-flags.js';

const USAGE = 'orchestra-perf validate [--config F] [--env NAME] [--format text|json]';

/** Stand-ins for what earlier stages produce, so later stages can plan as they will at run time. */
const PROSPECTIVE: Partial<Record<string, Partial<PerfResult>>> = {
  image: {
    image: { ref: '<image built by the image stage>', digest: 'sha256:<digest>', sizeBytes: 0, buildMs: 0 },
  },
  deploy: {
    deploy: {
      target: 'prospective',
      url: 'http://deployed.invalid/',
      revision: '<new revision>',
      readyMs: 0,
    },
  },
};

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check the config and print the resolved plan; runs nothing',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseFlags(args, { ...CONFIG_FLAGS, format: { type: 'string' } }, USAGE);
    const { config, path, environment } = await loadCliConfig(values);
    const plan = describePlan(config, environment, io.cwd);
    if (values.format === 'json') {
      io.out(JSON.stringify({ config: path ?? null, environment, stages: plan }, null, 2));
      return 0;
    }
    io.out(`config ${path ?? '(none: defaults only)'} is valid for environment "${environment}"`);
    for (const stage of plan) {
      io.out(stage.run ? `  ${stage.stage}: runs` : `  ${stage.stage}: skipped: ${stage.reason}`);
      for (const line of stage.summary ?? []) io.out(`    ${line}`);
    }
    return 0;
  },
};

function describePlan(config: Config, environment: string, cwd: string) {
  const context = localRunContext(cwd, environment);
  let result: PerfResult = { schemaVersion: 1, meta: resultMeta(context) };
  return PIPELINE_STAGES.map((stage) => {
    const plan = stage.plan({ config, context, result });
    if (!plan.run) return { stage: stage.name, run: false, reason: plan.reason };
    result = { ...result, ...PROSPECTIVE[stage.name] };
    return { stage: stage.name, run: true, summary: plan.summary };
  });
}
