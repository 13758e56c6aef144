/** HTTPS targets: SNI and certificate checks on, `--insecure` only when asked. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnreachableError } from '../../../src/errors.js';
import { runLoadTest } from '../../../src/loadgen/index.js';
import { NullLogger } from '../../../src/logger.js';
import { type HttpTarget, startHttpsTarget } from '../../fakes/http-target/server.js';

let target: HttpTarget;
beforeAll(async () => {
  target = await startHttpsTarget();
});
afterAll(async () => {
  await target.stop();
});

const options = (insecure: boolean) => ({
  url: target.url,
  model: 'closed' as const,
  connections: 2,
  maxConnections: 8,
  durationMs: 400,
  warmupMs: 0,
  timeoutMs: 2000,
  workload: {
    method: 'GET',
    headers: {},
    paths: [
      { path: '/ok', weight: 1 },
      { path: '/chunked', weight: 1 },
    ],
  },
  insecure,
  thresholds: [],
  logger: new NullLogger(),
});

describe('HTTPS', () => {
  it('refuses a self-signed certificate unless --insecure, naming the fix', async () => {
    const error = await runLoadTest(options(false)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).oneLine()).toMatch(/SELF_SIGNED|self-signed|certificate/i);
    expect((error as UnreachableError).oneLine()).toMatch(/--insecure/);
  });

  it('loads an HTTPS target over keep-alive TLS connections with --insecure', async () => {
    target.resetCounters();
    const result = await runLoadTest(options(true));
    expect(result.requests).toBeGreaterThan(4);
    expect(result.errors).toBe(0);
    expect(result.statusCodes).toEqual({ '200': result.requests });
    // Pre-flight plus the two kept-alive connections.
    expect(target.connections).toBe(3);
  });
});
