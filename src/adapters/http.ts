/**
 * The network policy in one place: every call has a timeout, 429/5xx and network errors are
 * retried a bounded number of times with backoff (honouring Retry-After), 4xx are not, and the
 * final error names the service, what failed and how to fix it.
 */
import { UnreachableError } from '../errors.js';
import { type Clock, systemClock } from './clock.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  timeoutMs: 30_000,
};

export interface HttpCallOptions {
  /** Names the call in errors: "Google STS token exchange". */
  what: string;
  /** How to fix it when every attempt failed. */
  fix?: string;
  policy?: Partial<RetryPolicy>;
  clock?: Clock;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export class HttpError extends Error {
  constructor(
    readonly what: string,
    readonly status: number,
    readonly body: string,
    readonly attempts: number,
  ) {
    super(
      `${what} failed with HTTP ${status}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${body.slice(0, 500)}`,
    );
    this.name = 'HttpError';
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Delay before retry `attempt` (1-based): Retry-After if the server gave one, else jittered backoff. */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: string | null,
  random = Math.random,
): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.min(seconds * 1000, policy.maxDelayMs * 6);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, Math.min(date - Date.now(), policy.maxDelayMs * 6));
  }
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return exponential / 2 + random() * (exponential / 2);
}

/**
 * fetch with the policy above. Resolves with a Response whose status is 2xx/3xx or a
 * non-retryable 4xx (the caller decides what a 404 means); throws HttpError or UnreachableError.
 */
export async function fetchWithRetry(
  url: string | URL,
  init: RequestInit,
  options: HttpCallOptions,
): Promise<Response> {
  const policy = { ...DEFAULT_RETRY, ...options.policy };
  const clock = options.clock ?? systemClock;
  const fetchImpl = options.fetchImpl ?? fetch;
  let lastError: unknown;
  for (let attempt = 1; attempt <= policy.retries + 1; attempt++) {
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const response = await fetchImpl(url, { ...init, signal });
      if (!isRetryableStatus(response.status)) return response;
      const body = await response.text().catch(() => '');
      lastError = new HttpError(options.what, response.status, body, attempt);
      if (attempt > policy.retries) break;
      await clock.sleep(retryDelayMs(attempt, policy, response.headers.get('retry-after')), options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      lastError = error;
      if (attempt > policy.retries) break;
      await clock.sleep(retryDelayMs(attempt, policy, null), options.signal);
    }
  }
  const attempts = policy.retries + 1;
  if (lastError instanceof HttpError) {
    throw new HttpError(options.what, lastError.status, lastError.body, attempts);
  }
  const reason =
    lastError instanceof Error
      ? lastError.cause instanceof Error
        ? lastError.cause.message
        : lastError.message
      : String(lastError);
  throw new UnreachableError(
    `${options.what} unreachable at ${new URL(url).origin} after ${attempts} attempts: ${reason}`,
    options.fix ?? 'check the endpoint and the runner network, then re-run',
    { cause: lastError },
  );
}
