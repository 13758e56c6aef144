/**
 * The build scheduler's pure core: which task runs when. It knows nothing of processes: a
 * TaskRunner runs one task and resolves when it has ended (the real one spawns a shell, tests pass
 * a fake), and the Clock supplies time and the per-task timeouts. Rules:
 * - at most `concurrency` tasks run at once; a task starts when everything it needs succeeded;
 * - ready tasks start longest remaining path first (priority.ts);
 * - a failed or timed-out task skips its dependents; with fail-fast (the default) it also stops
 *   every running sibling (their runner sees the abort signal) and starts nothing new;
 * - `continue-on-error` tolerates a task's failure: recorded as failed, dependents still run;
 * - aborting `signal` cancels the whole run: running tasks are stopped, the rest never start.
 * The scheduler waits for every stopped task to end before returning, so nothing outlives it.
 */
import { constants } from 'node:os';
import type { Clock } from '../../adapters/clock.js';
import type { BuildTask } from '../../config/schema.js';
import type { TaskStatus } from '../../result.js';
import type { BuildGraph } from './graph.js';
import { byPriority, estimateDurations, remainingPath } from './priority.js';

/** How one task's command ended, as the runner saw it. */
export interface TaskExit {
  /** null when the process was ended by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The tail of its combined output, decoded. */
  output: string;
  /** Bytes of output dropped from the front to keep the tail bounded. */
  droppedBytes?: number;
  /** The command could not be started at all (missing working directory, spawn failure). */
  error?: string;
  /** Declared `outputs` that a successful task did not produce. */
  missingOutputs?: string[];
}

export interface TaskRunner {
  run(task: BuildTask, signal: AbortSignal): Promise<TaskExit>;
}

export interface TaskRecord {
  index: number;
  name: string;
  status: TaskStatus;
  /** Milliseconds from the start of the run; absent when the task never started. */
  startMs?: number;
  durationMs: number;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  output: string;
  droppedBytes?: number;
  /** Why the task was skipped, cancelled or failed, in words. */
  reason?: string;
  missingOutputs?: string[];
  continueOnError: boolean;
}

export interface ScheduleOptions {
  concurrency: number;
  failFast: boolean;
  /** Task name -> duration of its previous run (ms), for critical-path-first ordering. */
  previousDurations?: ReadonlyMap<string, number>;
  clock: Clock;
  signal?: AbortSignal;
  onTaskStart?(record: { index: number; name: string; startMs: number }): void;
  onTaskEnd?(record: TaskRecord): void;
}

export interface ScheduleOutcome {
  /** One record per task, in config order. */
  records: TaskRecord[];
  totalMs: number;
  /** The whole run was cancelled through the signal. */
  cancelled: boolean;
  /** Failed or timed-out tasks that fail the build (not continue-on-error), in the order they ended. */
  failures: TaskRecord[];
}

type StopReason = 'timeout' | 'fail-fast' | 'cancelled';

export async function schedule(
  graph: BuildGraph,
  runner: TaskRunner,
  options: ScheduleOptions,
): Promise<ScheduleOutcome> {
  const { clock } = options;
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const count = graph.tasks.length;
  const remaining = remainingPath(graph, estimateDurations(graph, options.previousDurations ?? new Map()));
  const compare = byPriority(graph, remaining);

  const records: (TaskRecord | undefined)[] = new Array(count);
  const waiting = graph.needs.map((list) => list.length);
  const ready: number[] = [];
  for (let i = 0; i < count; i++) if (waiting[i] === 0) ready.push(i);
  const running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  const failures: TaskRecord[] = [];
  const started = clock.now();
  let stopping: { reason: StopReason; why: string } | undefined;

  const notStarted = (i: number, status: TaskStatus, reason: string) => {
    if (records[i]) return;
    records[i] = {
      index: i,
      name: graph.tasks[i]!.name,
      status,
      durationMs: 0,
      output: '',
      reason,
      continueOnError: graph.tasks[i]!['continue-on-error'],
    };
    options.onTaskEnd?.(records[i]!);
  };

  /** Skips what waits on task i, directly or through other skipped tasks, naming the root cause. */
  const skipDependents = (i: number, what: string) => {
    const root = graph.tasks[i]!.name;
    const stack = graph.dependents[i]!.map((next) => [next, i] as const);
    while (stack.length > 0) {
      const [next, via] = stack.pop()!;
      if (records[next] || running.has(next)) continue;
      const reason =
        via === i
          ? `needs "${root}", which ${what}`
          : `needs "${graph.tasks[via]!.name}", skipped because "${root}" ${what}`;
      notStarted(next, 'skipped', reason);
      stack.push(...graph.dependents[next]!.map((after) => [after, next] as const));
    }
  };

  const stopAll = (reason: StopReason, why: string) => {
    if (stopping) return;
    stopping = { reason, why };
    for (const { controller } of running.values()) controller.abort(reason);
  };

  const onCancel = () => stopAll('cancelled', 'the run was cancelled');
  if (options.signal?.aborted) onCancel();
  options.signal?.addEventListener('abort', onCancel, { once: true });

  const finish = (i: number, record: TaskRecord) => {
    running.delete(i);
    records[i] = record;
    options.onTaskEnd?.(record);
    const task = graph.tasks[i]!;
    const failed = record.status === 'failure' || record.status === 'timeout';
    if (record.status === 'success' || (failed && task['continue-on-error'])) {
      for (const dependent of graph.dependents[i]!) {
        if (--waiting[dependent]! === 0 && !records[dependent]) ready.push(dependent);
      }
      return;
    }
    skipDependents(i, record.status === 'cancelled' ? 'was cancelled' : 'failed');
    if (failed) {
      failures.push(record);
      if (options.failFast) stopAll('fail-fast', `stopped because "${task.name}" failed (fail-fast)`);
    }
  };

  const launch = (i: number) => {
    const task = graph.tasks[i]!;
    const controller = new AbortController();
    const startMs = clock.now() - started;
    options.onTaskStart?.({ index: i, name: task.name, startMs });
    const timer = new AbortController();
    if (task.timeout !== undefined) {
      clock.sleep(task.timeout, timer.signal).then(
        () => controller.abort('timeout' satisfies StopReason),
        () => {},
      );
    }
    const done = runSafely(runner, task, controller.signal).then((exit) => {
      timer.abort();
      const durationMs = clock.now() - started - startMs;
      finish(i, toRecord(i, task, exit, startMs, durationMs, controller.signal, stopping?.why));
    });
    running.set(i, { controller, done });
  };

  while (true) {
    if (!stopping && ready.length > 0 && running.size < concurrency) {
      ready.sort(compare);
      while (running.size < concurrency && ready.length > 0) launch(ready.shift()!);
    }
    if (running.size === 0) break;
    await Promise.race([...running.values()].map((entry) => entry.done));
  }
  options.signal?.removeEventListener('abort', onCancel);

  const cancelled = stopping?.reason === 'cancelled';
  for (let i = 0; i < count; i++) {
    if (cancelled) notStarted(i, 'cancelled', 'the run was cancelled before it started');
    else if (stopping) notStarted(i, 'skipped', `not started: ${stopping.why}`);
    // Only a dependency cycle could leave a task unreached, and buildGraph rejects cycles.
    else notStarted(i, 'skipped', 'never became ready');
  }
  return { records: records as TaskRecord[], totalMs: clock.now() - started, cancelled, failures };
}

async function runSafely(runner: TaskRunner, task: BuildTask, signal: AbortSignal): Promise<TaskExit> {
  try {
    return await runner.run(task, signal);
  } catch (error) {
    return {
      exitCode: null,
      signal: null,
      output: '',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function toRecord(
  index: number,
  task: BuildTask,
  exit: TaskExit,
  startMs: number,
  durationMs: number,
  signal: AbortSignal,
  stopWhy: string | undefined,
): TaskRecord {
  const base = {
    index,
    name: task.name,
    startMs,
    durationMs,
    exitCode: exitCodeOf(exit),
    signal: exit.signal,
    output: exit.output,
    ...(exit.droppedBytes ? { droppedBytes: exit.droppedBytes } : {}),
    ...(exit.missingOutputs?.length ? { missingOutputs: exit.missingOutputs } : {}),
    continueOnError: task['continue-on-error'],
  };
  if (signal.aborted && signal.reason === 'timeout') {
    return { ...base, status: 'timeout', reason: `timed out after ${formatMs(task.timeout ?? 0)}` };
  }
  if (signal.aborted) return { ...base, status: 'cancelled', reason: stopWhy ?? 'stopped' };
  if (exit.error !== undefined) return { ...base, status: 'failure', reason: exit.error };
  if (exit.exitCode === 0 && exit.signal === null) return { ...base, status: 'success' };
  return { ...base, status: 'failure', reason: describeExit(exit) };
}

/** A shell's view of the exit: a signal death counts as 128 + the signal number (SIGKILL: 137). */
export function exitCodeOf(exit: Pick<TaskExit, 'exitCode' | 'signal'>): number | null {
  if (exit.exitCode !== null) return exit.exitCode;
  if (exit.signal) return 128 + (constants.signals[exit.signal] ?? 0);
  return null;
}

function describeExit(exit: TaskExit): string {
  if (exit.signal) return `killed by ${exit.signal} (exit ${exitCodeOf(exit)})`;
  return `exit code ${exit.exitCode}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
