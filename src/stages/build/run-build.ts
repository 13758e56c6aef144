/**
 * Carries a build plan out: schedules the tasks on real processes, prints each task's output as
 * one log group when it ends (never interleaved with another task's), and turns the records into
 * the result file's `build` section and, when tasks failed, one error with their output tails.
 */
import type { Clock } from '../../adapters/clock.js';
import type { ProcessRunner } from '../../adapters/process.js';
import { ExitCode, OrchestraError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { BuildResult, BuildTaskResult } from '../../result.js';
import { criticalPath } from './critical-path.js';
import { lastLines } from './output-tail.js';
import type { BuildPlan } from './plan.js';
import { processTaskRunner } from './process-task-runner.js';
import { formatMs, schedule, type TaskRecord, type TaskRunner } from './scheduler.js';

export const FAILURE_TAIL_LINES = 20;

/** One or more build tasks failed, or the run was cancelled (exit 1). */
export class BuildFailedError extends OrchestraError {
  constructor(
    message: string,
    readonly failures: readonly TaskRecord[],
    readonly build: BuildResult,
  ) {
    super(message, ExitCode.gateFailed, 'fix the failing task; its full output is in its log group above');
  }
}

export interface BuildRunDeps {
  logger: Logger;
  process: ProcessRunner;
  clock: Clock;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Replaces the process runner (benchmarks, tests of the scheduler on a fake). */
  runner?: TaskRunner;
}

export interface BuildRun {
  build: BuildResult;
  /** Set when the build failed or was cancelled; `build` is complete either way. */
  error?: BuildFailedError;
}

export async function runBuild(plan: BuildPlan, deps: BuildRunDeps): Promise<BuildRun> {
  const runner =
    deps.runner ??
    processTaskRunner({
      process: deps.process,
      workspace: plan.workspace,
      env: deps.env,
      killGraceMs: plan.killGraceMs,
      maxOutputBytes: plan.maxOutputBytes,
    });
  // Groups are printed one after another even when two tasks end in the same tick, because an
  // Actions group spans an await and a second group opened inside it would swallow the first.
  let printing = Promise.resolve();
  const outcome = await schedule(plan.graph, runner, {
    concurrency: plan.concurrency,
    failFast: plan.failFast,
    previousDurations: new Map(Object.entries(plan.previousDurations)),
    clock: deps.clock,
    signal: deps.signal,
    onTaskStart: ({ name }) => deps.logger.debug(`build task ${name} started`),
    onTaskEnd: (record) => {
      printing = printing.then(() => printTask(record, deps.logger)).catch(() => {});
    },
  });
  await printing;

  const durations = outcome.records.map((record) => record.durationMs);
  const critical = criticalPath(plan.graph, durations);
  const build: BuildResult = {
    totalMs: round(outcome.totalMs),
    criticalPathMs: round(critical.ms),
    tasks: outcome.records.map(toTaskResult),
    criticalPath: critical.path.map((i) => plan.graph.tasks[i]!.name),
  };
  const tolerated = outcome.records.filter(
    (r) => r.continueOnError && (r.status === 'failure' || r.status === 'timeout'),
  );
  for (const record of tolerated)
    deps.logger.warning(`build task ${record.name} failed (${record.reason}); continue-on-error is set`);
  for (const record of outcome.records) {
    if (record.missingOutputs) {
      deps.logger.warning(
        `build task ${record.name} succeeded but did not produce its declared outputs: ${record.missingOutputs.join(', ')}`,
      );
    }
  }

  if (outcome.failures.length === 0 && !outcome.cancelled) return { build };
  return { build, error: failureError(outcome.failures, outcome.cancelled, build) };
}

function failureError(
  failures: readonly TaskRecord[],
  cancelled: boolean,
  build: BuildResult,
): BuildFailedError {
  const what = failures.map((record) => `${record.name} (${record.reason})`).join(', ');
  const headline = cancelled
    ? `build cancelled${failures.length > 0 ? ` after failures: ${what}` : ''}`
    : `${failures.length} build task${failures.length === 1 ? '' : 's'} failed: ${what}`;
  const tails = failures.map((record) => {
    const lines = lastLines(record.output, FAILURE_TAIL_LINES);
    return lines.length > 0
      ? `--- ${record.name}: last ${lines.length} line${lines.length === 1 ? '' : 's'} ---\n${lines.join('\n')}`
      : `--- ${record.name}: no output ---`;
  });
  return new BuildFailedError([headline, ...tails].join('\n'), failures, build);
}

async function printTask(record: TaskRecord, logger: Logger): Promise<void> {
  if (record.startMs === undefined) {
    logger.info(`${record.name}: ${record.status} (${record.reason})`);
    return;
  }
  const title = `${record.name}: ${record.status} in ${formatMs(record.durationMs)}`;
  await logger.group(title, async () => {
    const parts: string[] = [];
    if (record.droppedBytes) parts.push(`[${record.droppedBytes} bytes of earlier output not kept]`);
    if (record.output) parts.push(record.output.replace(/\n$/, ''));
    if (record.reason) parts.push(`[${record.name}: ${record.reason}]`);
    if (parts.length > 0) logger.info(parts.join('\n'));
  });
}

function toTaskResult(record: TaskRecord): BuildTaskResult {
  return {
    name: record.name,
    durationMs: round(record.durationMs),
    status: record.status,
    ...(record.startMs !== undefined ? { startMs: round(record.startMs) } : {}),
    ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
    ...(record.reason !== undefined ? { reason: record.reason } : {}),
  };
}

const round = (ms: number) => Math.round(ms);
