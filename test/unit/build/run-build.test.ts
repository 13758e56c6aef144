import { describe, expect, it } from 'vitest';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { configSchema } from '../../../src/config/schema.js';
import type { Logger } from '../../../src/logger.js';
import { planBuild } from '../../../src/stages/build/plan.js';
import { BuildFailedError, runBuild } from '../../../src/stages/build/run-build.js';
import { FakeRunner, type FakeTaskSpec, VirtualClock } from './virtual-time.js';

/** Records log calls; a group's lines are indented under it so interleaving would show. */
class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  private depth = 0;
  info(message: string) {
    this.lines.push(`${'  '.repeat(this.depth)}${message}`);
  }
  debug() {}
  warning(message: string) {
    this.lines.push(`warning: ${message}`);
  }
  error(message: string) {
    this.lines.push(`error: ${message}`);
  }
  notice() {}
  mask() {}
  async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.lines.push(`group ${name}`);
    this.depth++;
    // Yield inside the group, as @actions/core's group does, so an unserialized caller would interleave.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      return await body();
    } finally {
      this.depth--;
      this.lines.push('endgroup');
    }
  }
}

async function run(
  tasks: unknown[],
  specs: Record<string, FakeTaskSpec>,
  build: Record<string, unknown> = {},
) {
  const plan = planBuild(configSchema.parse({ build: { ...build, tasks } }).build, {
    workspace: '/w',
    cpuCount: 4,
  });
  if (!plan.run) throw new Error('expected a plan');
  const clock = new VirtualClock();
  const logger = new RecordingLogger();
  const outcome = await clock.drive(
    runBuild(plan.plan, {
      logger,
      clock,
      process: nodeProcessRunner,
      env: {},
      signal: new AbortController().signal,
      runner: new FakeRunner(clock, specs),
    }),
  );
  return { outcome, logger };
}

describe('runBuild', () => {
  it('records the build section with the critical path from actual durations', async () => {
    const { outcome } = await run(
      [
        { name: 'lint', run: 'x' },
        { name: 'unit', run: 'x' },
        { name: 'bundle', run: 'x', needs: ['lint'] },
      ],
      { lint: { ms: 100 }, unit: { ms: 250 }, bundle: { ms: 100 } },
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.build).toEqual({
      totalMs: 250,
      criticalPathMs: 250,
      criticalPath: ['unit'],
      tasks: [
        { name: 'lint', durationMs: 100, status: 'success', startMs: 0, exitCode: 0 },
        { name: 'unit', durationMs: 250, status: 'success', startMs: 0, exitCode: 0 },
        { name: 'bundle', durationMs: 100, status: 'success', startMs: 100, exitCode: 0 },
      ],
    });
  });

  it('prints each task as one group, never interleaved, even when tasks end together', async () => {
    const { logger } = await run(
      [
        { name: 'a', run: 'x' },
        { name: 'b', run: 'x' },
        { name: 'c', run: 'x' },
      ],
      { a: { ms: 10, output: 'a1\na2\n' }, b: { ms: 10, output: 'b1\nb2\n' }, c: { ms: 10, output: 'c1\n' } },
    );
    expect(logger.lines).toEqual([
      'group a: success in 10ms',
      '  a1\na2',
      'endgroup',
      'group b: success in 10ms',
      '  b1\nb2',
      'endgroup',
      'group c: success in 10ms',
      '  c1',
      'endgroup',
    ]);
  });

  it("fails with the failing tasks' last 20 lines in the error", async () => {
    const output = `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;
    const { outcome, logger } = await run(
      [
        { name: 'unit', run: 'x' },
        { name: 'e2e', run: 'x' },
        { name: 'pack', run: 'x', needs: ['unit'] },
      ],
      { unit: { ms: 10, exitCode: 1, output }, e2e: { ms: 100 } },
    );
    const error = outcome.error;
    expect(error).toBeInstanceOf(BuildFailedError);
    expect(error!.exitCode).toBe(1);
    const lines = error!.message.split('\n');
    expect(lines[0]).toBe('1 build task failed: unit (exit code 1)');
    expect(lines[1]).toBe('--- unit: last 20 lines ---');
    expect(lines.slice(2)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 11}`));
    expect(outcome.build.tasks.map((task) => task.status)).toEqual(['failure', 'cancelled', 'skipped']);
    expect(logger.lines).toContain('pack: skipped (needs "unit", which failed)');
  });

  it('without fail-fast, aggregates every failure into one error', async () => {
    const { outcome } = await run(
      [
        { name: 'a', run: 'x' },
        { name: 'b', run: 'x' },
        { name: 'c', run: 'x' },
      ],
      {
        a: { ms: 10, exitCode: 1, output: 'a broke\n' },
        b: { ms: 20, exitCode: 2, output: '' },
        c: { ms: 5 },
      },
      { 'fail-fast': false },
    );
    const lines = outcome.error!.message.split('\n');
    expect(lines).toEqual([
      '2 build tasks failed: a (exit code 1), b (exit code 2)',
      '--- a: last 1 line ---',
      'a broke',
      '--- b: no output ---',
    ]);
    expect(outcome.build.tasks.map((task) => task.status)).toEqual(['failure', 'failure', 'success']);
  });

  it('warns about a tolerated failure and succeeds', async () => {
    const { outcome, logger } = await run([{ name: 'flaky', run: 'x', 'continue-on-error': true }], {
      flaky: { ms: 10, exitCode: 3 },
    });
    expect(outcome.error).toBeUndefined();
    expect(logger.lines).toContain(
      'warning: build task flaky failed (exit code 3); continue-on-error is set',
    );
  });
});
