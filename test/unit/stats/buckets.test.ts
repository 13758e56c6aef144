import { describe, expect, it } from 'vitest';
import { bucketsFromEncoded, fromCounts, percentileOf, valueAtRank } from '../../../src/stats/buckets.js';
import { createHistogram, encodeHistogram, recordMicros, summarize } from '../../../src/stats/hdr.js';
import { createRandom } from '../../../src/stats/random.js';

describe('bucket distributions', () => {
  it('reproduce the percentiles HdrHistogram reports', () => {
    const random = createRandom(3);
    const histogram = createHistogram();
    for (let i = 0; i < 5000; i++) recordMicros(histogram, 40_000 * Math.exp(0.5 * random.normal()));
    const summary = summarize(histogram);
    const dist = bucketsFromEncoded(encodeHistogram(histogram))!;
    expect(dist.total).toBe(5000);
    for (const p of [50, 90, 95, 99] as const) {
      expect(percentileOf(dist, p)).toBeCloseTo(summary[`p${p}`], 2);
    }
    expect(dist.mean).toBeCloseTo(summary.mean, 0);
  });

  it('finds the bucket of a rank by cumulative count', () => {
    const dist = fromCounts([1, 2, 5], [2, 3, 5])!;
    expect(valueAtRank(dist, 1)).toBe(1);
    expect(valueAtRank(dist, 2)).toBe(1);
    expect(valueAtRank(dist, 3)).toBe(2);
    expect(valueAtRank(dist, 10)).toBe(5);
    expect(dist.mean).toBeCloseTo((2 + 6 + 25) / 10, 10);
    expect(fromCounts([1], [0])).toBeNull();
  });

  it('returns null for an empty histogram and throws on text that is not one', () => {
    expect(bucketsFromEncoded(encodeHistogram(createHistogram()))).toBeNull();
    expect(() => bucketsFromEncoded('not base64 at all!')).toThrow(/not an encoded histogram/);
  });
});
