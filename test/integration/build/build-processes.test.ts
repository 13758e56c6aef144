/**
 * The build stage on real processes: /bin/sh tasks that record their own timestamps and pids, so
 * ordering, the concurrency bound and "nothing left running" are measured by the tasks and by the
 * kernel, not by how long the test took.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { configSchema } from '../../../src/config/schema.js';
import type { Logger } from '../../../src/logger.js';
import { type BuildPlan, planBuild } from '../../../src/stages/build/plan.js';
import { runBuild } from '../../../src/stages/build/run-build.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchestra-build-'));
  await mkdir(join(dir, 'marks'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

class LinesLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string) {
    this.lines.push(message);
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
  async group<T>(name: string, body: () => Promise<T>) {
    this.lines.push(`group ${name}`);
    return body();
  }
}

function plan(
  build: Record<string, unknown>,
  options: { killGraceMs?: number; maxOutputBytes?: number } = {},
): BuildPlan {
  const planned = planBuild(configSchema.parse({ build }).build, {
    workspace: dir,
    cpuCount: 4,
    killGraceMs: 300,
    ...options,
  });
  if (!planned.run) throw new Error(planned.reason);
  return planned.plan;
}

async function run(p: BuildPlan, extra: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}) {
  const logger = new LinesLogger();
  const outcome = await runBuild(p, {
    logger,
    process: nodeProcessRunner,
    clock: systemClock,
    signal: extra.signal ?? new AbortController().signal,
    env: extra.env ?? { PATH: process.env.PATH, MARKS: join(dir, 'marks') },
  });
  return { ...outcome, logger };
}

/** A task body that records its own start and end (ns) around `body`. */
const timed = (name: string, body: string) =>
  `echo "$(date +%s%N)" > "$MARKS/${name}.start"; ${body}; echo "$(date +%s%N)" > "$MARKS/${name}.end"`;

async function mark(name: string): Promise<bigint> {
  return BigInt((await readFile(join(dir, 'marks', name), 'utf8')).trim());
}

/** Alive and not a zombie (an orphan reaped late by PID 1 is already dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function pids(): Promise<number[]> {
  const files = (await readdir(join(dir, 'marks'))).filter((file) => file.endsWith('.pid'));
  return Promise.all(
    files.map(async (file) => Number((await readFile(join(dir, 'marks', file), 'utf8')).trim())),
  );
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Every task leaves its shell's pid and a background child's pid behind, to check for orphans. */
const leavesPids = (name: string, body: string) =>
  `echo $$ > "$MARKS/${name}.pid"; sleep 60 & echo $! > "$MARKS/${name}-child.pid"; ${body}`;

describe('build tasks on real processes', () => {
  it('starts a task only after everything it needs has ended', async () => {
    const outcome = await run(
      plan({
        concurrency: 3,
        tasks: [
          { name: 'lint', run: timed('lint', 'sleep 0.2') },
          { name: 'unit', run: timed('unit', 'sleep 0.1') },
          { name: 'bundle', run: timed('bundle', 'true'), needs: ['lint'] },
          { name: 'pack', run: timed('pack', 'true'), needs: ['bundle', 'unit'] },
        ],
      }),
    );
    expect(outcome.error).toBeUndefined();
    expect(await mark('bundle.start')).toBeGreaterThanOrEqual(await mark('lint.end'));
    expect(await mark('pack.start')).toBeGreaterThanOrEqual(await mark('bundle.end'));
    expect(await mark('pack.start')).toBeGreaterThanOrEqual(await mark('unit.end'));
    expect(outcome.build.criticalPath).toEqual(['lint', 'bundle', 'pack']);
  });

  it('never runs more tasks at once than the concurrency, as the tasks measured it', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const outcome = await run(
      plan({ concurrency: 3, tasks: names.map((name) => ({ name, run: timed(name, 'sleep 0.15') })) }),
    );
    expect(outcome.error).toBeUndefined();
    const events: [bigint, number][] = [];
    for (const name of names) events.push([await mark(`${name}.start`), 1], [await mark(`${name}.end`), -1]);
    events.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
    let now = 0;
    let most = 0;
    for (const [, delta] of events) {
      now += delta;
      most = Math.max(most, now);
    }
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2); // it did run in parallel
  });

  it('a task killed with exit 137 stops its siblings and leaves no process behind', async () => {
    const outcome = await run(
      plan({
        concurrency: 3,
        tasks: [
          {
            name: 'crash',
            run: `while [ ! -f "$MARKS/slow-child.pid" ] || [ ! -f "$MARKS/other-child.pid" ]; do sleep 0.02; done; kill -9 $$`,
          },
          { name: 'slow', run: leavesPids('slow', 'wait') },
          { name: 'other', run: leavesPids('other', 'wait') },
          { name: 'after', run: 'echo never', needs: ['crash'] },
        ],
      }),
    );
    const byName = Object.fromEntries(outcome.build.tasks.map((task) => [task.name, task]));
    expect(byName.crash).toMatchObject({
      status: 'failure',
      exitCode: 137,
      reason: 'killed by SIGKILL (exit 137)',
    });
    expect(byName.slow!.status).toBe('cancelled');
    expect(byName.other!.status).toBe('cancelled');
    expect(byName.after!.status).toBe('skipped');
    expect(outcome.error?.exitCode).toBe(1);
    expect(outcome.error?.message.split('\n')[0]).toBe(
      '1 build task failed: crash (killed by SIGKILL (exit 137))',
    );
    const left = await pids();
    expect(left).toHaveLength(4);
    await waitFor(() => left.every((pid) => !alive(pid)), 'the stopped tasks to be gone');
  });

  it('a hanging task hits its timeout', async () => {
    const outcome = await run(
      plan({ tasks: [{ name: 'hang', run: leavesPids('hang', 'sleep 60'), timeout: '300ms' }] }),
    );
    expect(outcome.build.tasks[0]).toMatchObject({ status: 'timeout', reason: 'timed out after 300ms' });
    expect(outcome.error?.message).toContain('hang (timed out after 300ms)');
    const left = await pids();
    await waitFor(() => left.every((pid) => !alive(pid)), 'the timed-out task to be gone');
  });

  it('a task that ignores SIGTERM is killed with SIGKILL after the grace', async () => {
    const outcome = await run(
      plan(
        {
          tasks: [
            {
              name: 'stubborn',
              run: `trap '' TERM; echo $$ > "$MARKS/stubborn.pid"; sleep 60`,
              timeout: '300ms',
            },
          ],
        },
        { killGraceMs: 300 },
      ),
    );
    expect(outcome.build.tasks[0]).toMatchObject({ status: 'timeout', exitCode: 137 });
    const left = await pids();
    await waitFor(() => left.every((pid) => !alive(pid)), 'the stubborn task to be gone');
  });

  it('cancelling the whole run stops every task and leaves no process behind', async () => {
    const controller = new AbortController();
    const running = run(
      plan({
        concurrency: 2,
        tasks: [
          { name: 'a', run: leavesPids('a', 'wait') },
          { name: 'b', run: leavesPids('b', 'wait') },
          { name: 'c', run: 'echo never', needs: ['a'] },
          { name: 'd', run: 'echo never' },
        ],
      }),
      { signal: controller.signal },
    );
    await waitFor(
      () => existsSync(join(dir, 'marks', 'a-child.pid')) && existsSync(join(dir, 'marks', 'b-child.pid')),
      'tasks to start',
    );
    controller.abort();
    const outcome = await running;
    expect(outcome.build.tasks.map((task) => task.status)).toEqual([
      'cancelled',
      'cancelled',
      'skipped',
      'cancelled',
    ]);
    expect(outcome.error?.message.split('\n')[0]).toBe('build cancelled');
    const left = await pids();
    expect(left).toHaveLength(4);
    await waitFor(() => left.every((pid) => !alive(pid)), 'the cancelled tasks to be gone');
  });

  // A background child that keeps the task's stdout open must not outlive the shell: the process
  // runner ends the whole group as soon as the leader exits.
  it('a background child that holds the output open does not outlive its task', async () => {
    const outcome = await run(
      plan({ tasks: [{ name: 'bg', run: '(sleep 1; echo late) & echo started', timeout: '200ms' }] }),
    );
    const body = outcome.logger.lines.find((line) => line.includes('started'))!;
    expect(body).not.toContain('late');
  });

  it('keeps the tail of a 10 MB output', async () => {
    const outcome = await run(
      plan(
        { tasks: [{ name: 'loud', run: "head -c 10485760 /dev/zero | tr '\\0' 'x'; echo; echo last-line" }] },
        { maxOutputBytes: 64 * 1024 },
      ),
    );
    expect(outcome.error).toBeUndefined();
    const body =
      outcome.logger.lines[
        outcome.logger.lines.findIndex((line) => line.startsWith('group loud: success')) + 1
      ]!;
    expect(body).toMatch(/^\[\d+ bytes of earlier output not kept\]\n/);
    expect(body.endsWith('last-line')).toBe(true);
    expect(body.length).toBeLessThan(64 * 1024 + 100);
  });

  it('decodes non-UTF-8 output lossily and still reports the failure tail', async () => {
    const outcome = await run(
      plan({ tasks: [{ name: 'binary', run: "printf '\\377\\376ok\\n\\300bad\\n'; exit 4" }] }),
    );
    expect(outcome.build.tasks[0]).toMatchObject({ status: 'failure', exitCode: 4 });
    expect(outcome.error?.message).toContain('--- binary: last 2 lines ---\n\uFFFD\uFFFDok\n\uFFFDbad');
  });

  it('runs in the working directory with our tokens removed and the task env added, never through our shell', async () => {
    const odd = 'dir with $(touch pwned) and ; spaces';
    await mkdir(join(dir, odd));
    const outcome = await run(
      plan({
        tasks: [
          {
            name: 'env',
            run: 'pwd; echo "token=[$GITHUB_TOKEN] input=[$INPUT_CONFIG] oidc=[$ACTIONS_ID_TOKEN_REQUEST_TOKEN] own=[$OWN] path=[$(test -n "$PATH" && echo set)]"',
            'working-directory': odd,
            env: { OWN: '$(touch pwned2)' },
          },
        ],
      }),
      {
        env: {
          PATH: process.env.PATH,
          GITHUB_TOKEN: 'ghs_secret',
          INPUT_CONFIG: 'x',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
        },
      },
    );
    expect(outcome.error).toBeUndefined();
    const body = outcome.logger.lines.find((line) => line.includes('token='))!;
    expect(body).toBe(`${join(dir, odd)}\ntoken=[] input=[] oidc=[] own=[$(touch pwned2)] path=[set]`);
    expect(existsSync(join(dir, odd, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, odd, 'pwned2'))).toBe(false);
  });

  it('warns when a successful task did not produce its declared outputs', async () => {
    const outcome = await run(
      plan({
        tasks: [
          {
            name: 'dist',
            run: 'mkdir -p dist && touch dist/app.js',
            outputs: ['dist/app.js', 'dist/app.js.map'],
          },
        ],
      }),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.logger.lines).toContain(
      'warning: build task dist succeeded but did not produce its declared outputs: dist/app.js.map',
    );
  });

  it('fails a task whose working directory does not exist, with the reason', async () => {
    const outcome = await run(plan({ tasks: [{ name: 'lost', run: 'true', 'working-directory': 'nope' }] }));
    expect(outcome.build.tasks[0]!.status).toBe('failure');
    expect(outcome.build.tasks[0]!.reason).toBe(
      `working-directory "nope" does not exist (${join(dir, 'nope')})`,
    );
  });
});
