import { describe, expect, it } from 'vitest';
import type { BuildTask } from '../../../src/config/schema.js';
import { buildGraph } from '../../../src/stages/build/graph.js';
import { exitCodeOf, type ScheduleOptions, schedule } from '../../../src/stages/build/scheduler.js';
import { FakeRunner, type FakeTaskSpec, task, VirtualClock } from './virtual-time.js';

function setup(
  tasks: BuildTask[],
  specs: Record<string, FakeTaskSpec>,
  options: Partial<ScheduleOptions> = {},
) {
  const clock = new VirtualClock();
  const runner = new FakeRunner(clock, specs);
  const ended: string[] = [];
  const run = () =>
    clock.drive(
      schedule(buildGraph(tasks), runner, {
        concurrency: 2,
        failFast: true,
        clock,
        onTaskEnd: (record) => ended.push(record.name),
        ...options,
      }),
    );
  return { clock, runner, run, ended };
}

const byName = <T extends { name: string }>(records: T[]): Record<string, T> =>
  Object.fromEntries(records.map((record) => [record.name, record]));

describe('schedule', () => {
  it('never runs more than `concurrency` tasks and starts a task only after its needs', async () => {
    const tasks = [task('a'), task('b'), task('c'), task('d', ['a']), task('e', ['d']), task('f')];
    const specs = Object.fromEntries(tasks.map((t) => [t.name, { ms: 10 }]));
    const { runner, run, ended } = setup(tasks, specs, { concurrency: 2 });
    const outcome = await run();
    expect(runner.maxRunning).toBe(2);
    expect(outcome.totalMs).toBe(30);
    const records = byName(outcome.records);
    expect(records.d!.startMs).toBeGreaterThanOrEqual(records.a!.startMs! + records.a!.durationMs);
    expect(records.e!.startMs).toBeGreaterThanOrEqual(records.d!.startMs! + records.d!.durationMs);
    expect(outcome.records.every((record) => record.status === 'success')).toBe(true);
    expect(ended.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(outcome.failures).toEqual([]);
  });

  it('starts the longest remaining path first (static path length without history)', async () => {
    // Config order would start the two short tasks first and finish at 40; critical path first: 30.
    const tasks = [task('short1'), task('short2'), task('long'), task('l2', ['long']), task('l3', ['l2'])];
    const specs = Object.fromEntries(tasks.map((t) => [t.name, { ms: 10 }]));
    const { runner, run } = setup(tasks, specs, { concurrency: 2 });
    const outcome = await run();
    expect(runner.started.slice(0, 2)).toEqual(['long', 'short1']);
    expect(outcome.totalMs).toBe(30);
  });

  it("uses the previous run's durations when known", async () => {
    const tasks = [task('a'), task('b'), task('c'), task('new')];
    const specs = { a: { ms: 50 }, b: { ms: 10 }, c: { ms: 100 }, new: { ms: 1 } };
    const previousDurations = new Map([
      ['a', 50],
      ['b', 10],
      ['c', 100],
    ]);
    const { runner, run } = setup(tasks, specs, { concurrency: 1, previousDurations });
    await run();
    // `new` has no history: it counts as the mean of the known (53 ms), between a and b.
    expect(runner.started).toEqual(['c', 'new', 'a', 'b']);
  });

  it('fail-fast: stops running siblings, starts nothing new, skips dependents, waits for the stopped', async () => {
    const tasks = [task('a'), task('b'), task('c'), task('d', ['a'])];
    const specs = { a: { ms: 10, exitCode: 2 }, b: { ms: 100, stopMs: 5 }, c: { ms: 10 }, d: { ms: 10 } };
    const { runner, run } = setup(tasks, specs, { concurrency: 2 });
    const outcome = await run();
    const records = byName(outcome.records);
    expect(records.a).toMatchObject({ status: 'failure', exitCode: 2, reason: 'exit code 2' });
    expect(records.b).toMatchObject({
      status: 'cancelled',
      reason: 'stopped because "a" failed (fail-fast)',
    });
    expect(records.c).toMatchObject({ status: 'skipped', durationMs: 0 });
    expect(records.c!.startMs).toBeUndefined();
    expect(records.d).toMatchObject({ status: 'skipped', reason: 'needs "a", which failed' });
    expect(runner.aborted).toEqual(['b']);
    expect(runner.running).toBe(0);
    expect(outcome.totalMs).toBe(15); // returned only after b had stopped
    expect(outcome.failures.map((record) => record.name)).toEqual(['a']);
    expect(outcome.cancelled).toBe(false);
  });

  it('without fail-fast: independent tasks go on, only dependents are skipped', async () => {
    const tasks = [task('a'), task('b'), task('c'), task('d', ['a']), task('e', ['d'])];
    const specs = { a: { ms: 10, exitCode: 1 }, b: { ms: 30 }, c: { ms: 10 } };
    const { run } = setup(tasks, specs, { concurrency: 2, failFast: false });
    const outcome = await run();
    expect(outcome.records.map((record) => record.status)).toEqual([
      'failure',
      'success',
      'success',
      'skipped',
      'skipped',
    ]);
    expect(byName(outcome.records).e!.reason).toBe('needs "d", skipped because "a" failed');
  });

  it('continue-on-error: the failure is recorded, dependents still run, the build does not fail', async () => {
    const tasks = [task('flaky', [], { 'continue-on-error': true }), task('after', ['flaky']), task('other')];
    const specs = { flaky: { ms: 10, exitCode: 1 }, after: { ms: 10 }, other: { ms: 50 } };
    const { run } = setup(tasks, specs);
    const outcome = await run();
    expect(outcome.records.map((record) => record.status)).toEqual(['failure', 'success', 'success']);
    expect(outcome.failures).toEqual([]);
  });

  it('times a task out, skips its dependents and stops its siblings', async () => {
    const tasks = [task('hang', [], { timeout: 50 }), task('after', ['hang']), task('sibling')];
    const specs = { hang: { ms: 10_000 }, sibling: { ms: 1_000 } };
    const { run } = setup(tasks, specs);
    const outcome = await run();
    const records = byName(outcome.records);
    expect(records.hang).toMatchObject({ status: 'timeout', durationMs: 50, reason: 'timed out after 50ms' });
    expect(records.after!.status).toBe('skipped');
    expect(records.sibling).toMatchObject({ status: 'cancelled', durationMs: 50 });
    expect(outcome.failures.map((record) => record.name)).toEqual(['hang']);
  });

  it('a timeout that does not fire leaves the task alone', async () => {
    const { run } = setup([task('quick', [], { timeout: 50 })], { quick: { ms: 49 } });
    expect((await run()).records[0]!.status).toBe('success');
  });

  it('cancels the whole run through the signal', async () => {
    const controller = new AbortController();
    const tasks = [task('a'), task('b'), task('c', ['a']), task('d')];
    const specs = { a: { ms: 100 }, b: { ms: 100 }, c: { ms: 10 }, d: { ms: 10 } };
    const { clock, run, runner } = setup(tasks, specs, { signal: controller.signal });
    void clock.sleep(25).then(() => controller.abort());
    const outcome = await run();
    expect(outcome.cancelled).toBe(true);
    expect(outcome.records.map((record) => record.status)).toEqual([
      'cancelled',
      'cancelled',
      'skipped',
      'cancelled',
    ]);
    expect(byName(outcome.records).d!.reason).toBe('the run was cancelled before it started');
    expect(runner.aborted.sort()).toEqual(['a', 'b']);
    expect(outcome.totalMs).toBe(25);
  });

  it('an already cancelled signal starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const { run, runner } = setup([task('a')], {}, { signal: controller.signal });
    const outcome = await run();
    expect(runner.started).toEqual([]);
    expect(outcome.records[0]!.status).toBe('cancelled');
  });

  it('a runner that throws fails its task instead of the scheduler', async () => {
    const clock = new VirtualClock();
    const outcome = await clock.drive(
      schedule(
        buildGraph([task('boom'), task('fine')]),
        { run: async () => Promise.reject(new Error('spawn EACCES')) },
        {
          concurrency: 1,
          failFast: false,
          clock,
        },
      ),
    );
    expect(outcome.records[0]).toMatchObject({ status: 'failure', reason: 'spawn EACCES' });
  });
});

describe('exitCodeOf', () => {
  it('maps a signal death to 128 + the signal number, as a shell reports it', () => {
    expect(exitCodeOf({ exitCode: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitCodeOf({ exitCode: null, signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeOf({ exitCode: 3, signal: null })).toBe(3);
    expect(exitCodeOf({ exitCode: null, signal: null })).toBeNull();
  });
});
