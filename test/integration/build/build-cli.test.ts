/** `orchestra-perf build` end to end through the CLI dispatcher, on real processes. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { ConsoleLogger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchestra-build-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(config: string, extra: string[] = []) {
  await writeFile(join(dir, 'orchestra-perf.yml'), config);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(['build', '--config', join(dir, 'orchestra-perf.yml'), ...extra], {
    cwd: dir,
    env: { PATH: process.env.PATH },
    out: (text) => stdout.push(text),
    logger: new ConsoleLogger((line) => stderr.push(line)),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

describe('orchestra-perf build', () => {
  it('runs the DAG and writes the build section atomically to --out', async () => {
    const { code, stdout, stderr } = await cli(
      [
        'build:',
        '  concurrency: 2',
        '  tasks:',
        '    - { name: lint, run: "echo linting" }',
        '    - { name: bundle, run: "echo bundling > bundle.txt", needs: [lint] }',
      ].join('\n'),
      ['--out', 'out/result.json'],
    );
    expect(code).toBe(0);
    expect(stderr).toContain('▶ lint: success');
    expect(stderr).toContain('linting');
    expect(stdout).toMatch(/critical path .*: lint -> bundle/);
    const result = JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')) as PerfResult;
    expect(result.schemaVersion).toBe(1);
    expect(result.meta.tool).toBe('orchestra-perf');
    expect(result.build!.tasks.map((task) => [task.name, task.status])).toEqual([
      ['lint', 'success'],
      ['bundle', 'success'],
    ]);
    expect(result.build!.criticalPath).toEqual(['lint', 'bundle']);
    expect(await readdir(join(dir, 'out'))).toEqual(['result.json']); // no temp file left
    expect(await readFile(join(dir, 'bundle.txt'), 'utf8')).toBe('bundling\n');
  });

  it('exits 1 when a task fails, with its tail, and still writes the result', async () => {
    const { code, stderr } = await cli(
      [
        'build:',
        '  tasks:',
        '    - { name: unit, run: "echo assertion failed at x.test.ts:3; exit 1" }',
      ].join('\n'),
      ['--out', 'r.json'],
    );
    expect(code).toBe(1);
    expect(stderr).toContain('error: 1 build task failed: unit (exit code 1)');
    expect(stderr).toContain('error: assertion failed at x.test.ts:3');
    const result = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as PerfResult;
    expect(result.build!.tasks[0]).toMatchObject({ name: 'unit', status: 'failure', exitCode: 1 });
  });

  it('exits 2 on a dependency cycle, printing it, and runs nothing', async () => {
    const { code, stderr } = await cli(
      [
        'build:',
        '  tasks:',
        '    - { name: a, run: "touch ran", needs: [c] }',
        '    - { name: b, run: "touch ran", needs: [a] }',
        '    - { name: c, run: "touch ran", needs: [b] }',
      ].join('\n'),
    );
    expect(code).toBe(2);
    expect(stderr).toContain('config error: build.tasks[0].needs: dependency cycle: a -> c -> b -> a');
    expect(await readdir(dir)).toEqual(['orchestra-perf.yml']);
  });

  it('exits 2 on an unknown need with a did-you-mean', async () => {
    const { code, stderr } = await cli(
      [
        'build:',
        '  tasks:',
        '    - { name: lint, run: "true" }',
        '    - { name: test, run: "true", needs: [lnit] }',
      ].join('\n'),
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      'config error: build.tasks[1].needs: task "test" needs unknown task "lnit" (did you mean "lint"?)',
    );
  });

  it('orders by the durations in --previous', async () => {
    await writeFile(
      join(dir, 'prev.json'),
      JSON.stringify({
        build: {
          tasks: [
            { name: 'slow', durationMs: 5000, status: 'success' },
            { name: 'fast', durationMs: 1, status: 'success' },
          ],
        },
      }),
    );
    const { code, stderr } = await cli(
      [
        'build:',
        '  concurrency: 1',
        '  tasks:',
        '    - { name: fast, run: "true" }',
        '    - { name: slow, run: "true" }',
      ].join('\n'),
      ['--previous', 'prev.json'],
    );
    expect(code).toBe(0);
    expect(stderr).toContain("from the previous run's durations (2 of 2 tasks known)");
    expect(stderr.indexOf('▶ slow')).toBeLessThan(stderr.indexOf('▶ fast'));
  });

  it('says why it skips when there are no tasks, and rejects stray arguments', async () => {
    expect(await cli('build: {}\n')).toMatchObject({
      code: 0,
      stderr: expect.stringContaining('build: skipped: no build tasks configured'),
    });
    expect((await cli('build: {}\n', ['extra'])).code).toBe(2);
  });
});
