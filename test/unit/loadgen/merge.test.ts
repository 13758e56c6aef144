import { describe, expect, it } from 'vitest';
import { parseThreshold, type Threshold } from '../../../src/config/thresholds.js';
import { mergeSmokeResults } from '../../../src/loadgen/merge.js';
import { evaluateThresholds } from '../../../src/loadgen/thresholds.js';
import type { SmokeSideResult } from '../../../src/result.js';
import { createHistogram, encodeHistogram, type Histogram, summarize } from '../../../src/stats/hdr.js';

const threshold = (text: string) => parseThreshold(text) as Threshold;

function side(values: number[], extra: Partial<SmokeSideResult> = {}): SmokeSideResult {
  const h: Histogram = createHistogram();
  for (const v of values) h.recordValue(v);
  const latencyMs = summarize(h);
  return {
    url: 'http://127.0.0.1:1/',
    model: 'open',
    rate: 10,
    durationS: 2,
    requests: values.length,
    errors: 1,
    errorRate: 1 / values.length,
    rps: values.length / 2,
    coldStartMs: 5,
    latencyMs,
    statusCodes: { '200': values.length - 1, '503': 1 },
    histogram: encodeHistogram(h),
    thresholds: evaluateThresholds([threshold('p99<1s'), threshold('error-rate<20%')], {
      latencyMs,
      rps: values.length / 2,
      errorRate: 1 / values.length,
      coldStartMs: 5,
    }),
    errorsByKind: { 'http-status': 1 },
    paths: { '/': { requests: values.length, errors: 1, latencyMs, histogram: encodeHistogram(h) } },
    ...extra,
  };
}

describe('mergeSmokeResults', () => {
  it('adds counts and histograms and recomputes every number', () => {
    const a = side([1000, 2000, 3000, 4000], { coldStartMs: 9 });
    const b = side([500_000, 600_000, 700_000, 800_000, 900_000], { generatorSaturated: true });
    const merged = mergeSmokeResults([a, b]);
    expect(merged.requests).toBe(9);
    expect(merged.errors).toBe(2);
    expect(merged.errorRate).toBeCloseTo(2 / 9, 9);
    expect(merged.rps).toBe(4.5);
    expect(merged.rate).toBe(20);
    expect(merged.coldStartMs).toBe(9);
    expect(merged.statusCodes).toEqual({ '200': 7, '503': 2 });
    expect(merged.errorsByKind).toEqual({ 'http-status': 2 });
    expect(merged.generatorSaturated).toBe(true);
    expect(merged.paths?.['/']?.requests).toBe(9);
    // Percentiles come from the summed histogram, not from averaging the parts.
    const all = side([1000, 2000, 3000, 4000, 500_000, 600_000, 700_000, 800_000, 900_000]);
    expect(merged.latencyMs).toEqual(all.latencyMs);
    expect(merged.histogram).toBe(all.histogram);
    // Thresholds re-evaluated on the merged numbers: error rate 2/9 now fails 20%.
    expect(merged.thresholds).toEqual([
      { expr: 'p99<1s', actual: merged.latencyMs.p99, pass: true },
      { expr: 'error-rate<20%', actual: 2 / 9, pass: false },
    ]);
  });

  it('merges the paired baselines too, and refuses mixing', () => {
    const withBase = (values: number[]) => ({ ...side(values), baseline: side(values.map((v) => v * 2)) });
    const merged = mergeSmokeResults([withBase([1000]), withBase([2000])]);
    expect(merged.baseline?.requests).toBe(2);
    expect(merged.baseline?.latencyMs.max).toBeGreaterThanOrEqual(4);
    expect(() => mergeSmokeResults([withBase([1000]), side([1000])])).toThrow(/paired baseline/);
    expect(() => mergeSmokeResults([side([1]), side([1], { model: 'closed' })])).toThrow(/cannot merge/);
    expect(() => mergeSmokeResults([side([1], { histogram: 'garbage!' })])).toThrow(
      /not an encoded histogram/,
    );
  });
});
