import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeProcessRunner } from '../../../src/adapters/process.js';

/** Running, not a zombie waiting for a reaper (PID 1 in a container may never reap). */
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('nodeProcessRunner', () => {
  it('passes arguments as an array: nothing is interpreted by a shell', async () => {
    const hostile = 'a";echo pwned;#$(id)';
    const run = await nodeProcessRunner.run(['printf', '%s', hostile]);
    expect(run).toMatchObject({ exitCode: 0, stdout: hostile });
  });

  it('feeds stdin (for --password-stdin) and reports a missing command without throwing', async () => {
    expect((await nodeProcessRunner.run(['cat'], { input: 'token-value' })).stdout).toBe('token-value');
    const missing = await nodeProcessRunner.run(['definitely-not-a-command-xyz']);
    expect(missing.spawnError?.message).toMatch(/ENOENT/);
  });

  it('kills the whole process group on timeout, even a child that ignores SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proc-'));
    const pidFile = join(dir, 'grandchild.pid');
    const run = await nodeProcessRunner.run(
      ['/bin/sh', '-c', `trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait`],
      { timeoutMs: 300, killGraceMs: 300 },
    );
    expect(run.timedOut).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const run = await nodeProcessRunner.run(['sleep', '30'], { signal: controller.signal });
    expect(run.cancelled).toBe(true);
  });

  it('keeps only the tail of huge output', async () => {
    const run = await nodeProcessRunner.run(
      ['/bin/sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" a; echo END'],
      { maxOutputBytes: 1000 },
    );
    expect(run.stdout.length).toBeLessThanOrEqual(1000);
    expect(run.stdout.endsWith('END\n')).toBe(true);
  });
});
