/**
 * Virtual time for scheduler tests: a Clock whose sleeps complete only when the test advances
 * time, and a fake TaskRunner whose tasks "run" for a known number of virtual milliseconds. Runs
 * are deterministic and instant, so makespans and orderings can be asserted exactly.
 */
import type { Clock } from '../../../src/adapters/clock.js';
import type { BuildTask } from '../../../src/config/schema.js';
import type { TaskExit, TaskRunner } from '../../../src/stages/build/scheduler.js';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export class VirtualClock implements Clock {
  time = 0;
  private timers: Timer[] = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.time + ms,
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((candidate) => candidate !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Advances time timer by timer until `work` settles; fails if it would wait forever. */
  async drive<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    for (let steps = 0; steps < 100_000; steps++) {
      await idle();
      if (settled) return watched;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('deadlock: the work is waiting and no timer is pending');
      this.time = Math.max(this.time, next.at);
      next.fire();
    }
    throw new Error('too many steps');
  }
}

async function idle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

export interface FakeTaskSpec {
  ms: number;
  exitCode?: number;
  /** Keeps running this long after being aborted (a task slow to stop). */
  stopMs?: number;
  output?: string;
}

/** Runs each task for its spec's virtual duration; records what ran when. */
export class FakeRunner implements TaskRunner {
  running = 0;
  maxRunning = 0;
  readonly started: string[] = [];
  readonly events: string[] = [];
  readonly aborted: string[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly specs: Record<string, FakeTaskSpec>,
  ) {}

  async run(task: BuildTask, signal: AbortSignal): Promise<TaskExit> {
    const spec = this.specs[task.name] ?? { ms: 1 };
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.started.push(task.name);
    this.events.push(`start ${task.name} @${this.clock.now()}`);
    try {
      await this.clock.sleep(spec.ms, signal);
      this.events.push(`end ${task.name} @${this.clock.now()}`);
      return { exitCode: spec.exitCode ?? 0, signal: null, output: spec.output ?? `${task.name} output\n` };
    } catch {
      this.aborted.push(task.name);
      if (spec.stopMs) await this.clock.sleep(spec.stopMs);
      this.events.push(`stopped ${task.name} @${this.clock.now()}`);
      return { exitCode: null, signal: 'SIGTERM', output: spec.output ?? '' };
    } finally {
      this.running--;
    }
  }
}

/** A task as the schema would produce it (defaults filled in). */
export function task(name: string, needs: string[] = [], extra: Partial<BuildTask> = {}): BuildTask {
  return { name, run: `run ${name}`, needs, env: {}, outputs: [], 'continue-on-error': false, ...extra };
}
