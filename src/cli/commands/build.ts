/**
 * `orchestra-perf build [--config F] [--env NAME] [--out F] [--previous F]`: the build DAG alone.
 * Exit 0 when every task succeeded (or none is configured), 1 when a task failed or the run was
 * cancelled, 2 on config errors. `--out` writes a result file with the `build` section;
 * `--previous` reads an earlier one so the longest chain of tasks starts first.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { writeJsonAtomic } from '../../adapters/atomic-file.js';
import { systemClock } from '../../adapters/clock.js';
import { nodeProcessRunner } from '../../adapters/process.js';
import { UsageError } from '../../errors.js';
import { type PerfResult, RESULT_SCHEMA_VERSION } from '../../result.js';
import { planBuild } from '../../stages/build/plan.js';
import { readPreviousDurations } from '../../stages/build/previous-durations.js';
import { runBuild } from '../../stages/build/run-build.js';
import { formatMs } from '../../stages/build/scheduler.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { CONFIG_FLAGS, loadCliConfig } from '../config-flags.js';
import { cliResultMeta } from '../result-meta.js';

const USAGE = 'orchestra-perf build [--config F] [--env NAME] [--out F] [--previous F]';

export const buildCommand: Command = {
  name: 'build',
  summary: 'run the build DAG only; --out writes a result file with the build section',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      { ...CONFIG_FLAGS, out: { type: 'string' }, previous: { type: 'string' } },
      USAGE,
    );
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
    if (values.out?.trim() === '') throw new UsageError('--out needs a file path', `usage: ${USAGE}`);
    const startedAt = new Date().toISOString();
    const { config, environment } = await loadCliConfig(values);

    let previousDurations: Record<string, number> = {};
    if (values.previous) {
      const previous = await readPreviousDurations(resolve(io.cwd, values.previous));
      if (previous.problem) io.logger.warning(`${previous.problem}; ordering by path length instead`);
      previousDurations = previous.durations;
    }

    const plan = planBuild(config.build, {
      workspace: io.cwd,
      cpuCount: availableParallelism(),
      previousDurations,
    });
    if (!plan.run) {
      io.logger.info(`build: skipped: ${plan.reason}`);
      return 0;
    }
    for (const line of plan.summary) io.logger.info(`build: ${line}`);

    const run = await runBuild(plan.plan, {
      logger: io.logger,
      process: nodeProcessRunner,
      clock: systemClock,
      signal: io.signal,
      env: io.env,
    });

    if (values.out) {
      const result: PerfResult = {
        schemaVersion: RESULT_SCHEMA_VERSION,
        meta: cliResultMeta(io, environment, startedAt),
        build: run.build,
      };
      await writeJsonAtomic(resolve(io.cwd, values.out), result);
    }

    const width = Math.max(...run.build.tasks.map((task) => task.name.length));
    for (const task of run.build.tasks) {
      io.out(`${task.name.padEnd(width)}  ${task.status.padEnd(9)}  ${formatMs(task.durationMs)}`);
    }
    io.out(
      `total ${formatMs(run.build.totalMs)}, critical path ${formatMs(run.build.criticalPathMs)}: ${(run.build.criticalPath ?? []).join(' -> ')}`,
    );

    if (run.error) {
      for (const line of run.error.message.split('\n')) io.logger.error(line);
      return run.error.exitCode;
    }
    return 0;
  },
};
