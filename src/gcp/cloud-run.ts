/**
 * A small Cloud Run Admin API v2 client over REST (no gcloud process, no heavy generated client):
 * services get/patch-or-create/delete, revisions list/get/delete, and long-running operations.
 * Every call goes through fetchWithRetry (timeouts, bounded retries on 429/5xx, never on 4xx).
 */
import type { Clock } from '../adapters/clock.js';
import { systemClock } from '../adapters/clock.js';
import { fetchWithRetry, type RetryPolicy } from '../adapters/http.js';
import { ExitCode, OrchestraError } from '../errors.js';
import type { Operation, Revision, Service } from './cloud-run-types.js';

export interface CloudRunClientOptions {
  /** `https://run.googleapis.com` or an override. */
  baseUrl: string;
  accessToken: () => Promise<string>;
  clock?: Clock;
  signal?: AbortSignal;
  policy?: Partial<RetryPolicy>;
}

/** A Cloud Run API error with Google's status (`NOT_FOUND`, `INVALID_ARGUMENT`, ...). */
export class CloudRunError extends OrchestraError {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly googleStatus: string | undefined,
    hint?: string,
  ) {
    super(message, ExitCode.gateFailed, hint);
  }
}

export function serviceName(project: string, region: string, service: string): string {
  return `projects/${project}/locations/${region}/services/${service}`;
}

export class CloudRunClient {
  private readonly clock: Clock;
  constructor(private readonly options: CloudRunClientOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** The service, or undefined when it does not exist yet. */
  async getService(name: string): Promise<Service | undefined> {
    return this.call<Service>('GET', `/v2/${name}`, undefined, 'get the service', true);
  }

  /** Create-or-update in one call: PATCH with allowMissing=true replaces the whole service. */
  async applyService(service: Service & { name: string }): Promise<Operation> {
    const result = await this.call<Operation>(
      'PATCH',
      `/v2/${service.name}?allowMissing=true`,
      service,
      'deploy the service',
    );
    return result!;
  }

  async deleteService(name: string): Promise<Operation | undefined> {
    return this.call<Operation>('DELETE', `/v2/${name}`, undefined, 'delete the service', true);
  }

  async getOperation(name: string): Promise<Operation> {
    return (await this.call<Operation>('GET', `/v2/${name}`, undefined, 'poll the operation'))!;
  }

  async listRevisions(service: string): Promise<Revision[]> {
    const revisions: Revision[] = [];
    let pageToken = '';
    for (let page = 0; page < 50; page++) {
      const query = `?pageSize=100${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const body = await this.call<{ revisions?: Revision[]; nextPageToken?: string }>(
        'GET',
        `/v2/${service}/revisions${query}`,
        undefined,
        'list revisions',
      );
      revisions.push(...(body?.revisions ?? []));
      pageToken = body?.nextPageToken ?? '';
      if (!pageToken) break;
    }
    return revisions;
  }

  async getRevision(name: string): Promise<Revision | undefined> {
    return this.call<Revision>('GET', `/v2/${name}`, undefined, 'get the revision', true);
  }

  async deleteRevision(name: string): Promise<Operation | undefined> {
    return this.call<Operation>('DELETE', `/v2/${name}`, undefined, 'delete the revision', true);
  }

  /**
   * Polls `operations.get` until done or `timeoutMs` passes (then `done: false` comes back so the
   * caller can report what the revision is doing). Backoff 0.5 s doubling to 5 s.
   */
  async waitOperation(operation: Operation, timeoutMs: number): Promise<Operation> {
    const deadline = this.clock.now() + timeoutMs;
    let current = operation;
    let delay = 500;
    while (!current.done) {
      const left = deadline - this.clock.now();
      if (left <= 0) return current;
      await this.clock.sleep(Math.min(delay, left), this.options.signal);
      delay = Math.min(delay * 2, 5000);
      current = await this.getOperation(current.name);
    }
    return current;
  }

  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    what: string,
    allow404 = false,
  ): Promise<T | undefined> {
    const token = await this.options.accessToken();
    const response = await fetchWithRetry(
      `${this.options.baseUrl}${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
      {
        what: `Cloud Run Admin API: ${what}`,
        fix: 'check the region and network access to the Cloud Run API, then re-run',
        clock: this.clock,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        ...(this.options.policy ? { policy: this.options.policy } : {}),
      },
    );
    const text = await response.text();
    if (response.status === 404 && allow404) return undefined;
    if (!response.ok) throw apiError(what, response.status, text);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

function apiError(what: string, status: number, text: string): CloudRunError {
  let googleStatus: string | undefined;
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error?: { status?: string; message?: string } };
    googleStatus = parsed.error?.status;
    message = parsed.error?.message ?? message;
  } catch {
    // not JSON: keep the text
  }
  const hint =
    status === 403
      ? 'grant the deploying service account roles/run.admin (or run.developer) on the project and roles/iam.serviceAccountUser on the runtime service account'
      : status === 401
        ? 'the access token was refused; check the credentials'
        : status === 400
          ? 'the service definition was refused; check the deploy settings named in the message'
          : undefined;
  return new CloudRunError(
    `Cloud Run could not ${what}: HTTP ${status}${googleStatus ? ` ${googleStatus}` : ''}: ${message}`,
    status,
    googleStatus,
    hint,
  );
}
