/**
 * Size of a restored layer on disk, for the telemetry. Bounded: it stops counting after
 * MAX_ENTRIES entries so a huge `target/` cannot stall the stage (the size is then a lower bound).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expandPath } from './paths.js';

const MAX_ENTRIES = 200_000;

export async function measurePaths(paths: readonly string[], cwd: string): Promise<number> {
  let total = 0;
  let budget = MAX_ENTRIES;
  const walk = async (path: string): Promise<void> => {
    if (budget-- <= 0) return;
    const stat = await lstat(path).catch(() => undefined);
    if (!stat) return;
    if (stat.isDirectory()) {
      const names = await readdir(path).catch(() => [] as string[]);
      for (const name of names) await walk(join(path, name));
    } else if (stat.isFile()) {
      total += stat.size;
    }
  };
  for (const path of new Set(paths.map((p) => expandPath(p, cwd)))) await walk(path);
  return total;
}
