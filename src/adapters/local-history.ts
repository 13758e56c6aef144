/**
 * Result history for local runs (`orchestra-perf run`): one JSON file per environment in the
 * output directory, bounded to the newest N results. Appends take a lock file and write
 * atomically, so a failed or concurrent run never loses or corrupts what is there; a corrupt or
 * foreign file is reported and left untouched.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PerfResult } from '../result.js';
import { writeJsonAtomic } from './atomic-file.js';

export interface ResultHistory {
  /** Where it lives, for messages. */
  location(environment: string): string;
  /** Oldest first; throws HistoryUnusableError for a corrupt or foreign file. */
  read(environment: string): Promise<PerfResult[]>;
  append(environment: string, result: PerfResult, keep: number): Promise<void>;
}

export class HistoryUnusableError extends Error {}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

export class LocalHistory implements ResultHistory {
  constructor(private readonly directory: string) {}

  location(environment: string): string {
    return join(this.directory, `history-${environment.replace(/[^\w.-]/g, '_')}.json`);
  }

  async read(environment: string): Promise<PerfResult[]> {
    let text: string;
    try {
      text = await readFile(this.location(environment), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HistoryUnusableError(`${this.location(environment)} is not JSON`);
    }
    const results = (parsed as { schemaVersion?: unknown; results?: unknown }).results;
    if ((parsed as { schemaVersion?: unknown }).schemaVersion !== 1 || !Array.isArray(results)) {
      throw new HistoryUnusableError(
        `${this.location(environment)} is not an orchestra-perf history (schemaVersion 1)`,
      );
    }
    return results.filter((entry): entry is PerfResult => (entry as PerfResult)?.schemaVersion === 1);
  }

  async append(environment: string, result: PerfResult, keep: number): Promise<void> {
    const path = this.location(environment);
    const release = await acquireLock(`${path}.lock`);
    try {
      const results = await this.read(environment); // a corrupt file throws: never overwritten
      await writeJsonAtomic(path, { schemaVersion: 1, results: [...results, result].slice(-keep) });
    } finally {
      await release();
    }
  }
}

async function acquireLock(path: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(path).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await rm(path, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`history is locked by another run (${path}); remove it if no run is active`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
