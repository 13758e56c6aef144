import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/adapters/clock.js';
import { fetchWithRetry, HttpError, retryDelayMs } from '../../../src/adapters/http.js';
import { UnreachableError } from '../../../src/errors.js';

let server: Server | undefined;
afterEach(() => server?.close());

/** A real server on loopback answering from a script of [status, headers] per request. */
async function scripted(
  script: [number, Record<string, string>?][],
): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((_request, response) => {
    const [status, headers] = script[Math.min(hits, script.length - 1)]!;
    hits++;
    response.writeHead(status, headers).end(`body ${status}`);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits: () => hits };
}

function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, now: () => 0, sleep: async (ms) => void waits.push(ms) };
}

describe('fetchWithRetry', () => {
  it('retries 5xx with backoff and succeeds', async () => {
    const target = await scripted([[500], [503], [200]]);
    const clock = recordingClock();
    const response = await fetchWithRetry(target.url, {}, { what: 'OIDC token request', clock });
    expect(response.status).toBe(200);
    expect(target.hits()).toBe(3);
    expect(clock.waits).toHaveLength(2);
  });

  it('gives up after the bounded retries and says how many attempts', async () => {
    const target = await scripted([[500]]);
    const error = await fetchWithRetry(
      target.url,
      {},
      { what: 'OIDC token request', clock: recordingClock() },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toMatch(/OIDC token request failed with HTTP 500 after 4 attempts/);
    expect(target.hits()).toBe(4);
  });

  it('never retries other 4xx', async () => {
    const target = await scripted([[422], [200]]);
    const response = await fetchWithRetry(target.url, {}, { what: 'x', clock: recordingClock() });
    expect(response.status).toBe(422);
    expect(target.hits()).toBe(1);
  });

  it('honours Retry-After on 429', async () => {
    const target = await scripted([[429, { 'retry-after': '2' }], [200]]);
    const clock = recordingClock();
    await fetchWithRetry(target.url, {}, { what: 'x', clock });
    expect(clock.waits).toEqual([2000]);
  });

  it('reports an unreachable service with its origin and a fix', async () => {
    const target = await scripted([[200]]);
    await new Promise((resolve) => server!.close(resolve));
    const error = await fetchWithRetry(
      target.url,
      {},
      {
        what: 'Cloud Run Admin API',
        fix: 'check deploy-universe-domain',
        clock: recordingClock(),
        policy: { retries: 1 },
      },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error.oneLine()).toMatch(
      /Cloud Run Admin API unreachable at http:\/\/127\.0\.0\.1:\d+ after 2 attempts.*Fix: check deploy-universe-domain/,
    );
  });

  it('times out a call that never answers', async () => {
    server = createServer(() => {});
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const error = await fetchWithRetry(
      url,
      {},
      { what: 'STS', clock: recordingClock(), policy: { retries: 0, timeoutMs: 200 } },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    server.closeAllConnections();
  });

  it('jitters exponential backoff within bounds', () => {
    const policy = { retries: 3, baseDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 1 };
    expect(retryDelayMs(1, policy, null, () => 0)).toBe(250);
    expect(retryDelayMs(3, policy, null, () => 1)).toBe(2000);
    expect(retryDelayMs(10, policy, null, () => 1)).toBe(10_000);
  });
});
