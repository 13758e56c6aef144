/**
 * A cache service in a directory, for `orchestra-perf run` outside GitHub. Layout:
 *   archives/<id>.tar   the layer (plain tar, absolute names for `~` paths, as @actions/cache does)
 *   entries/<id>.json   the index: one small file per entry { key, version, ref, sizeBytes, createdAt }
 *   tmp/                work files
 * Every file is written in tmp/ and renamed into place, and the entry file is renamed last: a
 * crash leaves at most a stray tmp file, never an entry without its archive. One file per entry
 * means no read-modify-write of a shared index, so concurrent saves need no lock.
 * Lookup follows the cache service: the run's own ref first, then the fallback refs; in each, the
 * exact key, then the newest entry starting with each restore key in order.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRunner } from '../../adapters/process.js';
import { describe } from '../../errors.js';
import type { CacheBackend, RestoreOptions, SaveOutcome } from './backend.js';
import { expandPath } from './paths.js';

export interface LocalBackendOptions {
  dir: string;
  /** Where relative layer paths live (the workspace). */
  cwd: string;
  process: ProcessRunner;
  /** The run's ref, and the refs it may read after its own (e.g. the default branch). */
  ref: string;
  fallbackRefs?: readonly string[];
  home?: string;
  timeoutMs?: number;
}

export interface LocalEntry {
  key: string;
  version: string;
  ref: string;
  sizeBytes: number;
  createdAt: number;
  archive: string;
}

const ENTRY_FORMAT = 1;

export class LocalCacheBackend implements CacheBackend {
  readonly kind = 'local';
  constructor(private readonly options: LocalBackendOptions) {}

  async restore(
    paths: readonly string[],
    key: string,
    restoreKeys: readonly string[],
    options: RestoreOptions,
  ): Promise<string | undefined> {
    const entry = await this.lookup(paths, key, restoreKeys);
    if (!entry) return undefined;
    if (options.lookupOnly) return entry.key;
    const archive = join(this.options.dir, 'archives', entry.archive);
    await this.tar(['-xf', archive, '-P', '-C', this.options.cwd]);
    return entry.key;
  }

  async save(paths: readonly string[], key: string): Promise<SaveOutcome> {
    const version = cacheVersion(paths);
    const id = entryId(this.options.ref, key, version);
    const entryPath = join(this.options.dir, 'entries', `${id}.json`);
    if (existsSync(entryPath)) return { saved: false, reason: `an entry for ${key} already exists` };
    const present = paths
      .map((p) => this.archiveName(p))
      .filter((p) => existsSync(expandPath(p, this.options.cwd, this.options.home)));
    if (present.length === 0) return { saved: false, reason: 'none of the layer paths exist' };

    const tmp = join(this.options.dir, 'tmp');
    await Promise.all(
      ['tmp', 'archives', 'entries'].map((d) => mkdir(join(this.options.dir, d), { recursive: true })),
    );
    const unique = `${process.pid}-${randomBytes(6).toString('hex')}`;
    const tmpArchive = join(tmp, `${id}.${unique}.tar`);
    const tmpEntry = join(tmp, `${id}.${unique}.json`);
    try {
      await this.tar(['--posix', '-cf', tmpArchive, '-P', '-C', this.options.cwd, '--', ...present]);
      const sizeBytes = (await stat(tmpArchive)).size;
      const entry: LocalEntry & { format: number } = {
        format: ENTRY_FORMAT,
        key,
        version,
        ref: this.options.ref,
        sizeBytes,
        createdAt: Date.now(),
        archive: `${id}.tar`,
      };
      await writeFile(tmpEntry, JSON.stringify(entry));
      await rename(tmpArchive, join(this.options.dir, 'archives', entry.archive));
      await rename(tmpEntry, entryPath);
      return { saved: true };
    } finally {
      await rm(tmpArchive, { force: true });
      await rm(tmpEntry, { force: true });
    }
  }

  /** Complete entries only: a parseable entry file whose archive exists. */
  async entries(): Promise<LocalEntry[]> {
    const dir = join(this.options.dir, 'entries');
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: LocalEntry[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const entry = JSON.parse(await readFile(join(dir, name), 'utf8')) as LocalEntry & { format?: number };
        if (entry.format !== ENTRY_FORMAT || typeof entry.key !== 'string') continue;
        if (!existsSync(join(this.options.dir, 'archives', entry.archive))) continue;
        out.push(entry);
      } catch {
        // A foreign or damaged file is not an entry.
      }
    }
    return out;
  }

  private async lookup(
    paths: readonly string[],
    key: string,
    restoreKeys: readonly string[],
  ): Promise<LocalEntry | undefined> {
    const version = cacheVersion(paths);
    const all = (await this.entries()).filter((e) => e.version === version);
    const refs = [this.options.ref, ...(this.options.fallbackRefs ?? [])];
    for (const ref of new Set(refs)) {
      const scoped = all.filter((e) => e.ref === ref).sort((a, b) => b.createdAt - a.createdAt);
      const exact = scoped.find((e) => e.key === key);
      if (exact) return exact;
      for (const prefix of restoreKeys) {
        const match = scoped.find((e) => e.key.startsWith(prefix));
        if (match) return match;
      }
    }
    return undefined;
  }

  /** `~` paths become absolute (stored with -P); relative ones stay relative to the workspace. */
  private archiveName(path: string): string {
    return path === '~' || path.startsWith('~/')
      ? expandPath(path, this.options.cwd, this.options.home)
      : path;
  }

  private async tar(args: string[]): Promise<void> {
    const outcome = await this.options.process.run(['tar', ...args], {
      timeoutMs: this.options.timeoutMs ?? 10 * 60_000,
      maxOutputBytes: 16 * 1024,
    });
    if (outcome.spawnError) throw new Error(`tar could not start: ${describe(outcome.spawnError)}`);
    if (outcome.timedOut) throw new Error('tar timed out');
    if (outcome.exitCode !== 0)
      throw new Error(
        `tar ${args[0]} exited with ${outcome.exitCode ?? outcome.signal}: ${outcome.stderr.trim().slice(-500)}`,
      );
  }
}

/** Like the service's version: entries saved for other paths never restore into these. */
export function cacheVersion(paths: readonly string[]): string {
  return createHash('sha256')
    .update([...paths, 'orchestra-perf-local-tar-v1'].join('|'))
    .digest('hex');
}

function entryId(ref: string, key: string, version: string): string {
  return createHash('sha256').update(`${ref}\0${key}\0${version}`).digest('hex').slice(0, 40);
}
