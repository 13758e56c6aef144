/**
 * The load generator against real HTTP servers on 127.0.0.1 (test/fakes/http-target). No timed
 * assertions: counts and kinds are exact, latency checks are lower bounds only (a busy machine can
 * only make latencies longer, never hide a stall).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadTestOptions, mergeSmokeResults, runLoadTest } from '../../../src/loadgen/index.js';
import { ConsoleLogger, NullLogger } from '../../../src/logger.js';
import { decodeHistogram, encodeHistogram, mergeHistograms } from '../../../src/stats/hdr.js';
import { type HttpTarget, startHttpTarget } from '../../fakes/http-target/server.js';

let target: HttpTarget;

beforeAll(async () => {
  target = await startHttpTarget();
});
afterAll(async () => {
  await target.stop();
});

function options(overrides: Partial<LoadTestOptions> & { paths?: string[] }): LoadTestOptions {
  const { paths = ['/ok'], ...rest } = overrides;
  return {
    url: target.url,
    model: 'open',
    rate: 100,
    maxConnections: 64,
    durationMs: 1000,
    warmupMs: 0,
    timeoutMs: 2000,
    workload: { method: 'GET', headers: {}, paths: paths.map((path) => ({ path, weight: 1 })) },
    insecure: false,
    thresholds: [],
    logger: new NullLogger(),
    ...rest,
  };
}

describe('load generator against a real server', () => {
  it('closed model keeps exactly the requested number of connections busy', async () => {
    target.resetCounters();
    const result = await runLoadTest(
      options({ model: 'closed', rate: undefined, connections: 5, durationMs: 800 }),
    );
    expect(result.model).toBe('closed');
    expect(result.connections).toBe(5);
    expect(result.peakConnections).toBe(5);
    // One connection for the pre-flight, then the five of the run.
    expect(target.connections).toBe(6);
    expect(result.requests).toBeGreaterThan(10);
    expect(result.errors).toBe(0);
    expect(result.statusCodes).toEqual({ '200': result.requests });
    expect(result.rps).toBeGreaterThan(0);
  });

  it('open model sends exactly the schedule and excludes the warmup', async () => {
    // A path of its own, so stragglers of earlier tests cannot blur the server-side count.
    const result = await runLoadTest(
      options({ rate: 100, warmupMs: 500, durationMs: 1000, paths: ['/warmup-test'] }),
    );
    // Intended sends every 10 ms: 50 in the warmup, 100 in the measured second.
    expect(result.requests).toBe(100);
    expect(target.counts.get('/warmup-test')).toBe(1 + 150);
    expect(result.durationS).toBe(1);
    expect(result.rps).toBe(100);
    expect(result.coldStartMs).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
  });

  it('counts statuses and errors by kind without crashing', async () => {
    const result = await runLoadTest(
      options({
        rate: 60,
        durationMs: 1000,
        timeoutMs: 300,
        paths: ['/ok', '/status?code=503', '/reset', '/garbage', '/big-header', '/hang'],
      }),
    );
    expect(result.requests).toBe(60);
    expect(result.statusCodes['200']).toBe(10);
    expect(result.statusCodes['503']).toBe(10);
    expect(result.errorsByKind).toEqual({ 'http-status': 10, reset: 10, parse: 20, timeout: 10 });
    expect(result.errors).toBe(50);
    expect(result.errorRate).toBeCloseTo(50 / 60, 6);
    expect(result.errorMessages?.parse).toMatch(/malformed status line|exceeds 16384 bytes/);
    expect(result.errorMessages?.timeout).toMatch(/within 300 ms/);
    // Timeouts enter the histogram at the time waited.
    expect(result.latencyMs.max).toBeGreaterThanOrEqual(300);
    expect(result.paths?.['/hang']?.errors).toBe(10);
  });

  it('reads slow, chunked, close-delimited and Connection: close bodies', async () => {
    const result = await runLoadTest(
      options({
        model: 'closed',
        rate: undefined,
        connections: 4,
        durationMs: 800,
        paths: ['/slow-body?ms=80', '/chunked', '/until-close', '/close', '/split-head', '/ok'],
      }),
    );
    expect(result.errors).toBe(0);
    expect(result.statusCodes).toEqual({ '200': result.requests });
    for (const path of ['/slow-body?ms=80', '/chunked', '/until-close', '/close', '/split-head']) {
      expect(result.paths?.[path]?.requests, path).toBeGreaterThan(0);
    }
    // Slow bodies are timed to their last byte.
    expect(result.paths?.['/slow-body?ms=80']?.latencyMs.p50).toBeGreaterThanOrEqual(60);
  });

  it('open model shows a 1 s stall in p90/p99 (no coordinated omission)', async () => {
    const stall = setTimeout(() => target.stall(1000), 1000);
    const result = await runLoadTest(options({ rate: 50, durationMs: 3000 }));
    clearTimeout(stall);
    expect(result.requests).toBe(150);
    expect(result.errors).toBe(0);
    // A third of the requests arrive during the stall and wait up to 1 s.
    expect(result.latencyMs.p90).toBeGreaterThanOrEqual(300);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(700);
  });

  it('reports a schedule the allowed connections cannot absorb', async () => {
    target.resetCounters();
    const result = await runLoadTest(
      options({ rate: 50, durationMs: 600, maxConnections: 2, paths: ['/delay?ms=100'] }),
    );
    expect(result.scheduleMissed).toBe(true);
    expect(result.peakConnections).toBeLessThanOrEqual(2);
    expect(result.requests).toBe(30);
    // Queued requests are timed from their intended send, so the wait shows.
    expect(result.latencyMs.max).toBeGreaterThan(300);
  });

  it('pipelines requests on each connection when asked (closed model)', async () => {
    target.resetCounters();
    const result = await runLoadTest(
      options({
        model: 'closed',
        rate: undefined,
        connections: 2,
        pipelining: 4,
        durationMs: 800,
        paths: ['/delay?ms=20', '/chunked', '/ok'],
      }),
    );
    expect(result.errors).toBe(0);
    expect(result.statusCodes).toEqual({ '200': result.requests });
    expect(result.requests).toBeGreaterThan(8);
    expect(result.peakConnections).toBe(2);
    // The server saw more than one request outstanding on a connection.
    expect(target.maxInFlightPerConnection).toBeGreaterThan(1);
    expect(target.maxInFlightPerConnection).toBeLessThanOrEqual(4);
  });

  it('stops at max-requests', async () => {
    const result = await runLoadTest(options({ rate: 200, durationMs: 3000, maxRequests: 25 }));
    expect(result.requests).toBe(25);
    expect(result.durationS).toBeLessThan(3);
  });

  it('prints a progress line with req/s, p95 and errors', async () => {
    const lines: string[] = [];
    await runLoadTest(
      options({
        durationMs: 1000,
        progressEveryMs: 100,
        logger: new ConsoleLogger((line) => lines.push(line), false),
      }),
    );
    expect(lines.some((line) => /req\/s {2}p95 [\d.]+ ms {2}errors \d+/.test(line))).toBe(true);
  });

  it('marks the result generator-saturated when its own event loop is busy', async () => {
    // Something else hogs this thread almost all the time (20 ms busy slices back to back, yielding
    // only to I/O between them): latencies would be the generator's, not the server's. A timer-based
    // hog would leave idle gaps whose length depends on how loaded the machine is.
    let hogging = true;
    const hog = () => {
      const until = performance.now() + 20;
      while (performance.now() < until) {}
      if (hogging) setImmediate(hog);
    };
    setImmediate(hog);
    const result = await runLoadTest(options({ rate: 20, durationMs: 1000 })).finally(() => {
      hogging = false;
    });
    expect(result.generatorSaturated).toBe(true);
    expect(result.eventLoopUtilization).toBeGreaterThan(0.8);
  });

  it('thresholds are evaluated with their actual values', async () => {
    const { parseThreshold } = await import('../../../src/config/thresholds.js');
    const thresholds = ['p99<10s', 'rps>=100000', 'error-rate<1%'].map(
      (t) => parseThreshold(t) as Exclude<ReturnType<typeof parseThreshold>, { error: string }>,
    );
    const result = await runLoadTest(options({ rate: 50, durationMs: 500, thresholds }));
    expect(result.thresholds).toEqual([
      { expr: 'p99<10s', actual: result.latencyMs.p99, pass: true },
      { expr: 'rps>=100000', actual: result.rps, pass: false },
      { expr: 'error-rate<1%', actual: 0, pass: true },
    ]);
  });

  it('two shards merge into exactly the histogram of both, on one schedule', async () => {
    target.resetCounters();
    const [a, b] = await Promise.all([
      runLoadTest(
        options({
          rate: 100,
          durationMs: 1000,
          shard: { index: 1, count: 2 },
          paths: ['/ok', '/delay?ms=5'],
        }),
      ),
      runLoadTest(
        options({
          rate: 100,
          durationMs: 1000,
          shard: { index: 2, count: 2 },
          paths: ['/ok', '/delay?ms=5'],
        }),
      ),
    ]);
    expect(a!.rate).toBe(50);
    expect(a!.shard).toBe('1/2');
    expect(a!.requests + b!.requests).toBe(100);
    const merged = mergeSmokeResults([a!, b!]);
    expect(merged.requests).toBe(100);
    expect(merged.rate).toBe(100);
    expect(merged.rps).toBe(100);
    const both = mergeHistograms([decodeHistogram(a!.histogram), decodeHistogram(b!.histogram)]);
    expect(merged.histogram).toBe(encodeHistogram(both));
    expect(decodeHistogram(merged.histogram).totalCount).toBe(100);
    // Same path order as one unsharded run: the two paths alternate globally.
    expect(merged.paths?.['/ok']?.requests).toBe(50);
    expect(merged.paths?.['/delay?ms=5']?.requests).toBe(50);
    expect(merged.statusCodes).toEqual({ '200': 100 });
  });
});
