/**
 * The GitHub cache service through @actions/cache. With ACTIONS_CACHE_SERVICE_V2 and
 * ACTIONS_RESULTS_URL set it speaks the v2 Twirp API (GetCacheEntryDownloadURL, CreateCacheEntry,
 * FinalizeCacheEntryUpload) and moves archives through signed blob URLs; it reads the environment
 * at call time. The library swallows service errors itself (restore gives undefined, save gives
 * -1) but has no timeout on Twirp calls, so every call here is bounded.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import * as cache from '@actions/cache';
import { UsageError } from '../../errors.js';
import { type CacheBackend, type RestoreOptions, type SaveOutcome, withTimeout } from './backend.js';

export interface ActionsBackendOptions {
  restoreTimeoutMs?: number;
  saveTimeoutMs?: number;
  /**
   * Where relative layer paths start. @actions/cache globs relative paths from the process cwd,
   * which the action moves to `working-directory`; paths are re-expressed from there.
   */
  workspace?: string;
}

export const DEFAULT_RESTORE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_SAVE_TIMEOUT_MS = 10 * 60_000;

export class ActionsCacheBackend implements CacheBackend {
  readonly kind = 'actions';
  constructor(private readonly options: ActionsBackendOptions = {}) {}

  /** The runner offers a cache service (v2: ACTIONS_RESULTS_URL; v1: ACTIONS_CACHE_URL). */
  static available(): boolean {
    return cache.isFeatureAvailable() && Boolean(process.env.ACTIONS_RUNTIME_TOKEN);
  }

  async restore(
    paths: readonly string[],
    key: string,
    restoreKeys: readonly string[],
    options: RestoreOptions,
  ): Promise<string | undefined> {
    const local = this.fromCwd(paths);
    const work = validated(() =>
      cache.restoreCache(local, key, [...restoreKeys], { lookupOnly: options.lookupOnly }),
    );
    return withTimeout(
      work,
      this.options.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
      `cache restore of ${key}`,
    );
  }

  private fromCwd(paths: readonly string[]): string[] {
    return pathsFromCwd(paths, this.options.workspace, process.cwd());
  }

  async save(paths: readonly string[], key: string): Promise<SaveOutcome> {
    const local = this.fromCwd(paths);
    const work = validated(() => cache.saveCache(local, key));
    const id = await withTimeout(
      work,
      this.options.saveTimeoutMs ?? DEFAULT_SAVE_TIMEOUT_MS,
      `cache save of ${key}`,
    );
    // -1: the library logged why (entry exists, service error, write denied).
    return id === -1
      ? { saved: false, reason: 'the cache service did not accept the entry (see the message above)' }
      : { saved: true };
  }
}

/**
 * A workspace-relative path as the same file seen from `cwd`. `~` and absolute paths are left as
 * they are; when cwd is the workspace (the usual case) nothing changes, so neither does the cache
 * version the library derives from the path strings. @actions/glob refuses `..` and `.`, so a
 * path outside (or equal to) cwd becomes absolute.
 */
export function pathsFromCwd(paths: readonly string[], workspace: string | undefined, cwd: string): string[] {
  return paths.map((path) => {
    if (!workspace || path === '~' || path.startsWith('~/') || isAbsolute(path)) return path;
    const absolute = resolve(workspace, path);
    const fromCwd = relative(cwd, absolute);
    return fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? absolute : fromCwd;
  });
}

/** The library's ValidationError (bad key, no paths) is a usage error: it fails at once. */
async function validated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError') {
      throw new UsageError(
        `cache: ${error.message}`,
        'keep cache keys under 512 characters, without commas, at most 10 per layer, with at least one path',
      );
    }
    throw error;
  }
}
