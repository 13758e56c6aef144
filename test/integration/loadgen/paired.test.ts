/**
 * Paired A/B runs (issue 10): one schedule to two real servers, alternating request by request,
 * each side with its own histogram, statuses and errors. Latency checks are lower bounds only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadTestOptions, runLoadTest } from '../../../src/loadgen/index.js';
import { ConsoleLogger, NullLogger } from '../../../src/logger.js';
import { decodeHistogram } from '../../../src/stats/hdr.js';
import { type HttpTarget, startHttpTarget } from '../../fakes/http-target/server.js';
import { freePort } from '../../helpers/ports.js';

const targets: HttpTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((target) => target.stop()));
});

async function target(latencyMs = 0): Promise<HttpTarget> {
  const started = await startHttpTarget({ latencyMs });
  targets.push(started);
  return started;
}

function options(
  url: string,
  baselineUrl: string,
  overrides: Partial<LoadTestOptions> = {},
): LoadTestOptions {
  return {
    url,
    baselineUrl,
    model: 'open',
    rate: 50,
    maxConnections: 64,
    durationMs: 1000,
    warmupMs: 0,
    timeoutMs: 2000,
    workload: {
      method: 'GET',
      headers: {},
      paths: [
        { path: '/a', weight: 1 },
        { path: '/b', weight: 1 },
      ],
    },
    insecure: false,
    thresholds: [],
    logger: new NullLogger(),
    ...overrides,
  };
}

describe('paired A/B load', () => {
  it('open model: the same schedule and paths to both targets, separate histograms', async () => {
    const pr = await target(0);
    const base = await target(40);
    const result = await runLoadTest(options(pr.url, base.url));
    expect(result.requests).toBe(50);
    expect(result.baseline?.requests).toBe(50);
    expect(result.baseline?.url).toBe(`${base.url}/`);
    // Each side saw the pre-flight plus its 50, with the same paths.
    expect(pr.requests).toBe(51);
    expect(base.requests).toBe(51);
    expect(pr.counts.get('/b')).toBe(base.counts.get('/b'));
    expect(decodeHistogram(result.histogram).totalCount).toBe(50);
    expect(decodeHistogram(result.baseline!.histogram).totalCount).toBe(50);
    // The slower side's latency is its own, not mixed into the other's.
    expect(result.baseline!.latencyMs.p50).toBeGreaterThanOrEqual(40);
    expect(result.paths?.['/a']?.requests).toBe(25);
    expect(result.baseline?.paths?.['/a']?.requests).toBe(25);
  });

  it('closed model: workers alternate between the targets with the connections asked', async () => {
    const pr = await target(0);
    const base = await target(0);
    const result = await runLoadTest(
      options(pr.url, base.url, { model: 'closed', rate: undefined, connections: 3, durationMs: 600 }),
    );
    expect(result.connections).toBe(3);
    expect(result.baseline?.connections).toBe(3);
    // Pre-flight connection plus three per target.
    expect(pr.connections).toBe(4);
    expect(base.connections).toBe(4);
    expect(result.requests).toBeGreaterThan(10);
    // Each worker finishes a pair before the next: the sides differ by at most one request per worker.
    expect(Math.abs(result.requests - result.baseline!.requests)).toBeLessThanOrEqual(3);
    expect(result.errors + result.baseline!.errors).toBe(0);
  });

  it('a target dying mid-run is reported on its side only', async () => {
    const pr = await target(0);
    const base = await target(0);
    const kill = setTimeout(() => void base.stop(), 400);
    const result = await runLoadTest(
      options(pr.url, base.url, { rate: 50, durationMs: 1000, timeoutMs: 500 }),
    );
    clearTimeout(kill);
    expect(result.errors).toBe(0);
    expect(result.statusCodes).toEqual({ '200': 50 });
    expect(result.baseline!.errors).toBeGreaterThan(0);
    expect(result.baseline!.requests).toBe(50);
    expect(Object.keys(result.baseline!.errorsByKind ?? {})).toEqual(
      expect.arrayContaining([expect.stringMatching(/connect-refused|reset/)]),
    );
  });

  it('an unreachable baseline: the target is measured alone, with a notice', async () => {
    const pr = await target(0);
    const lines: string[] = [];
    const dead = `http://127.0.0.1:${await freePort()}`;
    const result = await runLoadTest(
      options(pr.url, dead, {
        durationMs: 400,
        logger: new ConsoleLogger((line) => lines.push(line), false),
      }),
    );
    expect(result.baseline).toBeUndefined();
    expect(result.requests).toBe(20);
    expect(lines.join('\n')).toMatch(/notice: smoke: the baseline is not reachable/);
  });
});
