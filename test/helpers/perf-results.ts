/**
 * Result files for report and stats tests: seeded log-normal latency samples recorded into real
 * HdrHistograms (src/stats/hdr.ts, as the load generator records them), so comparisons run on the
 * same encoded histograms production files carry.
 */
import type { PerfResult, SmokeSideResult } from '../../src/result.js';
import { createHistogram, encodeHistogram, recordMicros, summarize } from '../../src/stats/hdr.js';
import { createRandom } from '../../src/stats/random.js';

export interface SideOptions {
  seed: number;
  requests?: number;
  medianMs?: number;
  sigma?: number;
  /** Multiplies every sample (1.2 = 20% slower). */
  slowdown?: number;
  errors?: number;
  durationS?: number;
  coldStartMs?: number;
}

export function smokeSide(options: SideOptions): SmokeSideResult {
  const random = createRandom(options.seed);
  const requests = options.requests ?? 3000;
  const durationS = options.durationS ?? 60;
  const errors = options.errors ?? 0;
  const histogram = createHistogram();
  for (let i = 0; i < requests; i++) {
    const ms =
      (options.medianMs ?? 40) * Math.exp((options.sigma ?? 0.4) * random.normal()) * (options.slowdown ?? 1);
    recordMicros(histogram, ms * 1000);
  }
  const side: SmokeSideResult = {
    url: 'http://127.0.0.1:8080',
    model: 'open',
    rate: requests / durationS,
    durationS,
    requests,
    errors,
    errorRate: errors / requests,
    rps: requests / durationS,
    coldStartMs: options.coldStartMs ?? 850,
    latencyMs: summarize(histogram),
    statusCodes: errors > 0 ? { '200': requests - errors, '503': errors } : { '200': requests },
    histogram: encodeHistogram(histogram),
    thresholds: [{ expr: 'p95<300ms', actual: 0, pass: true }],
  };
  side.thresholds[0]!.actual = side.latencyMs.p95;
  histogram.destroy();
  return side;
}

export function perfResult(
  parts: Partial<Omit<PerfResult, 'schemaVersion' | 'meta'>> & { meta?: Partial<PerfResult['meta']> } = {},
): PerfResult {
  const { meta, ...sections } = parts;
  return {
    schemaVersion: 1,
    meta: {
      tool: 'orchestra-perf',
      version: '0.1.0',
      commit: '3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b',
      ref: 'refs/pull/42/merge',
      environment: 'staging',
      startedAt: '2026-11-23T12:00:00Z',
      runUrl: 'https://github.com/acme/api/actions/runs/123',
      ...meta,
    },
    ...sections,
  };
}

export function buildSection(
  totalMs: number,
  tasks: [string, number][] = [
    ['lint', 4000],
    ['unit', 9000],
  ],
) {
  return {
    totalMs,
    criticalPathMs: Math.round(totalMs * 0.8),
    tasks: tasks.map(([name, durationMs]) => ({ name, durationMs, status: 'success' as const })),
    criticalPath: tasks.map(([name]) => name),
  };
}

export function imageSection(sizeBytes: number) {
  return {
    ref: 'us-docker.pkg.dev/acme/apps/api:pr-42',
    digest: `sha256:${'ab'.repeat(32)}`,
    sizeBytes,
    buildMs: 42_000,
  };
}
