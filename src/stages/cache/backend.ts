/**
 * The cache service behind one small interface, so the stage runs the same against GitHub's cache
 * service (actions-backend.ts) and a local directory (local-backend.ts), and tests can pass either.
 */

export interface RestoreOptions {
  /** Only look the entry up: report what would be restored, download nothing. */
  lookupOnly: boolean;
}

export type SaveOutcome = { saved: true } | { saved: false; reason: string };

export interface CacheBackend {
  /** `actions` or `local`, for the log and the post step. */
  readonly kind: string;
  /**
   * Restores the first entry matching `key` exactly, else the newest whose key starts with a
   * restore key (in order). Returns the matched key, or undefined on a miss. Throws a UsageError
   * for an invalid key; other failures may throw and are warnings to the caller.
   */
  restore(
    paths: readonly string[],
    key: string,
    restoreKeys: readonly string[],
    options: RestoreOptions,
  ): Promise<string | undefined>;
  save(paths: readonly string[], key: string): Promise<SaveOutcome>;
}

/** Rejects when `work` takes longer than `ms`; the work itself cannot be cancelled and is left behind. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class CacheTimeoutError extends Error {
  override name = 'CacheTimeoutError';
}
