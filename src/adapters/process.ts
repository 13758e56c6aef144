/**
 * Child processes, always with an argument array (never a shell of ours). A user's shell command
 * runs as `['/bin/sh', '-c', command]` and only because the user wrote one. Each child leads its
 * own process group, so stopping it stops its children too: SIGTERM, then SIGKILL after a grace.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed (e.g. a password for --password-stdin). */
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** Keep at most this many bytes of each stream (the tail). */
  maxOutputBytes?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface RunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** The spawn itself failed (command not found...). */
  spawnError?: Error;
}

export interface ProcessRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<RunOutcome>;
}

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

export const nodeProcessRunner: ProcessRunner = {
  run(argv, options = {}) {
    const [command, ...args] = argv;
    if (!command) return Promise.reject(new Error('empty command'));
    const started = performance.now();
    const limit = options.maxOutputBytes ?? 1024 * 1024;
    const stdout = new TailBuffer(limit);
    const stderr = new TailBuffer(limit);
    return new Promise((resolve) => {
      let timedOut = false;
      let cancelled = false;
      let settled = false;
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      const stop = () => {
        if (settled || child.pid === undefined) return;
        killGroup(child.pid, 'SIGTERM');
        const killer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), options.killGraceMs ?? 5000);
        killer.unref();
        child.once('close', () => clearTimeout(killer));
      };
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs)
        : undefined;
      const onAbort = () => {
        cancelled = true;
        stop();
      };
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        options.onStdout?.(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
        options.onStderr?.(chunk);
      });
      child.stdin.on('error', () => {}); // a child that exits before reading stdin is not our error
      child.stdin.end(options.input ?? '');
      const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        // The leader is gone; anything it left in its group goes too (no orphans).
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        resolve({
          exitCode,
          signal,
          stdout: stdout.text(),
          stderr: stderr.text(),
          timedOut,
          cancelled,
          durationMs: performance.now() - started,
          ...(spawnError ? { spawnError } : {}),
        });
      };
      // The leader is gone: anything left in its group (`cmd &`) would hold the pipes open and
      // delay 'close' past every timeout. End the group now.
      child.once('exit', () => {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      });
      child.on('error', (error) => finish(null, null, error));
      child.on('close', (code, signal) => finish(code, signal));
    });
  },
};

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
