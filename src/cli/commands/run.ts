/**
 * `orchestra-perf run`: the whole pipeline outside GitHub. The deploy target defaults to `local`,
 * the report goes to `--out` (default `.orchestra-perf/`): perf-result.json, report.md, and the
 * post hooks (cache save, cleanup) run at the end as the action's post step would.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { STATE_MAIN_EXIT } from '../../action/run-main.js';
import { renderRunSummary } from '../../action/run-summary.js';
import { writeFileAtomic, writeJsonAtomic } from '../../adapters/atomic-file.js';
import { systemClock } from '../../adapters/clock.js';
import { localRunContext } from '../../adapters/local-context.js';
import { nodeProcessRunner } from '../../adapters/process.js';
import { localServices } from '../../cli/local-services.js';
import type { StageName } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { parseStageSelection, runPipeline, runPostHooks } from '../../pipeline.js';
import { renderLatencySvg } from '../../report/svg-chart.js';
import type { PerfResult } from '../../result.js';
import { PIPELINE_STAGES } from '../../stages/index.js';
import type { BaseServices, StageDeps } from '../../stages/stage.js';
import { parseFlags } from '../args.js';
import { startBaselineService } from '../baseline-ref.js';
import type { Command } from '../command.js';
import { CONFIG_FLAGS, loadCliConfig } from '../config-flags.js';
import { FileStateStore } from '../file-state.js';

/** The previous run's result in the output directory, if any (the chart's baseline bars). */
async function readPreviousResult(path: string): Promise<PerfResult | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as PerfResult;
    return parsed.schemaVersion === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function dockerEngineRuns(deps: StageDeps): Promise<boolean> {
  const info = await deps.process.run(['docker', 'buildx', 'inspect'], {
    timeoutMs: 10_000,
    signal: deps.signal,
  });
  return info.exitCode === 0;
}

const USAGE = 'orchestra-perf run [--config F] [--env NAME] [--stages LIST] [--out DIR] [--baseline-ref REV]';

export const runCommand: Command = {
  name: 'run',
  summary: 'the whole pipeline locally (deploy target local, report to --out)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseFlags(
      args,
      {
        ...CONFIG_FLAGS,
        stages: { type: 'string' },
        out: { type: 'string' },
        'baseline-ref': { type: 'string' },
      },
      USAGE,
    );
    const selected = parseStageSelection(values.stages ?? 'all');
    if ('error' in selected) throw new UsageError(`--stages: ${selected.error}`, USAGE);
    const { config, environment } = await loadCliConfig(values);
    // Outside Actions nothing can reach Cloud Run: deploy locally unless the user said otherwise.
    config.deploy.target ??= 'local';
    const outDir = resolve(io.cwd, values.out ?? '.orchestra-perf');
    const context = { ...localRunContext(io.cwd, environment), tempDir: join(outDir, 'tmp') };

    const previous = await readPreviousResult(join(outDir, 'perf-result.json'));
    const summaryParts: string[] = [];
    const base: BaseServices = {
      outputs: { set: (name, value) => io.logger.debug(`output ${name}=${value}`) },
      writeSummary: async (markdown) => {
        summaryParts.push(markdown);
      },
    };
    const deps: StageDeps = {
      logger: io.logger,
      process: nodeProcessRunner,
      clock: systemClock,
      state: await FileStateStore.open(join(outDir, 'tmp', 'state.json')),
      signal: io.signal,
      env: io.env,
      services: { ...base, ...localServices({ outDir, logger: io.logger }) },
    };
    const unavailable: Partial<Record<StageName, string>> = {};
    if (selected.has('image') && config.image.name && !(await dockerEngineRuns(deps))) {
      unavailable.image =
        'no Docker engine with buildx runs on this machine (on Debian: bash .ci/setup-infra.sh); the local deploy runs deploy.command instead';
    }
    // A/B on a laptop: the base revision runs beside the working tree and the smoke stage
    // measures both in one window (the deploy stage's own baseline URL plays this part on a PR).
    const baseline = values['baseline-ref']
      ? await startBaselineService(values['baseline-ref'], config, { ...deps, cwd: io.cwd })
      : undefined;
    if (baseline) config.smoke['baseline-url'] ??= baseline.url;
    const outcome = await runPipeline(
      { config, context, selected, unavailable, stages: PIPELINE_STAGES },
      deps,
    ).finally(() => baseline?.stop());
    // What the action's post step learns from main's state: the cache saves only after a good run.
    deps.state.save(STATE_MAIN_EXIT, String(outcome.exitCode));
    await runPostHooks(PIPELINE_STAGES, deps);
    await writeJsonAtomic(join(outDir, 'perf-result.json'), outcome.result);
    // Wall time per stage, for `npm run bench:pipeline` and for people asking where the time went.
    await writeJsonAtomic(join(outDir, 'run-stages.json'), outcome.stages);
    const written = [join(outDir, 'perf-result.json'), join(outDir, 'report.md')];
    if (outcome.result.smoke) {
      const chart = join(outDir, 'latency.svg');
      await writeFileAtomic(
        chart,
        renderLatencySvg({
          title: `Latency, ${environment}: ${previous?.smoke ? 'previous run vs this run' : 'this run'}`,
          current: outcome.result.smoke.latencyMs,
          baseline: previous?.smoke?.latencyMs ?? null,
        }),
      );
      written.push(chart);
    }
    const report = [...summaryParts, renderRunSummary(outcome.result, outcome.stages)].join('\n');
    await writeFileAtomic(join(outDir, 'report.md'), report);
    io.out(report);
    io.out(`wrote ${written.join(', ')}`);
    if (outcome.error) io.logger.error(outcome.error.oneLine());
    return outcome.exitCode;
  },
};
