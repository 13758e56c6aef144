/**
 * The build stage's plan, as a value: the validated DAG and how to run it. Pure: the CPU count,
 * the workspace and earlier timings are passed in, so tests assert on plans without a machine.
 */
import type { BuildConfig } from '../../config/schema.js';
import { type StagePlan, skip } from '../stage.js';
import { type BuildGraph, buildGraph } from './graph.js';
import { formatMs } from './scheduler.js';

export interface BuildPlan {
  graph: BuildGraph;
  concurrency: number;
  failFast: boolean;
  /** Where relative `working-directory` values start. */
  workspace: string;
  /** Task name -> duration of its last successful run (ms); empty when unknown. */
  previousDurations: Readonly<Record<string, number>>;
  /** Grace between SIGTERM and SIGKILL when a task is stopped. */
  killGraceMs: number;
  /** Bytes of each task's output kept (the tail) for its log group and error. */
  maxOutputBytes: number;
}

export interface BuildPlanInput {
  workspace: string;
  /** `os.availableParallelism()`: the default concurrency. */
  cpuCount: number;
  previousDurations?: Readonly<Record<string, number>>;
  killGraceMs?: number;
  maxOutputBytes?: number;
}

export const DEFAULT_KILL_GRACE_MS = 5000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export function planBuild(config: BuildConfig, input: BuildPlanInput): StagePlan<BuildPlan> {
  if (config.tasks.length === 0) return skip('no build tasks configured (build.tasks is empty)');
  const graph = buildGraph(config.tasks); // throws ConfigError on duplicates, unknown needs, cycles
  const concurrency = Math.max(1, Math.min(config.concurrency ?? input.cpuCount, config.tasks.length));
  const previousDurations = input.previousDurations ?? {};
  const known = config.tasks.filter((task) => previousDurations[task.name] !== undefined).length;
  const timed = config.tasks.filter((task) => task.timeout !== undefined);
  const summary = [
    `${config.tasks.length} task${config.tasks.length === 1 ? '' : 's'}, concurrency ${concurrency}${config.concurrency === undefined ? ' (CPU count)' : ''}, ${config['fail-fast'] ? 'fail-fast' : 'no fail-fast'}`,
    known > 0
      ? `order: critical path first, from the previous run's durations (${known} of ${config.tasks.length} tasks known)`
      : 'order: critical path first, by path length (no previous durations)',
    ...(timed.length > 0
      ? [`timeouts: ${timed.map((task) => `${task.name} ${formatMs(task.timeout!)}`).join(', ')}`]
      : []),
  ];
  return {
    run: true,
    summary,
    plan: {
      graph,
      concurrency,
      failFast: config['fail-fast'],
      workspace: input.workspace,
      previousDurations,
      killGraceMs: input.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      maxOutputBytes: input.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    },
  };
}
