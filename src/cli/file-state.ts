/** Main-to-post state for local runs: a small JSON file, written atomically on every save. */
import { readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../adapters/atomic-file.js';
import type { StateStore } from '../stages/stage.js';

export class FileStateStore implements StateStore {
  private pending: Promise<void> = Promise.resolve();
  private constructor(
    private readonly path: string,
    private readonly values: Record<string, string>,
  ) {}

  static async open(path: string): Promise<FileStateStore> {
    let values: Record<string, string> = {};
    try {
      values = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    } catch {
      // first run or unreadable: start empty
    }
    return new FileStateStore(path, values);
  }

  save(key: string, value: string): void {
    this.values[key] = value;
    this.pending = this.pending.then(() => writeJsonAtomic(this.path, this.values));
  }

  get(key: string): string {
    return this.values[key] ?? '';
  }

  flush(): Promise<void> {
    return this.pending;
  }
}
