import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeHistograms,
  recordMicros,
  summarize,
} from '../../../src/stats/hdr.js';

describe('stats/hdr', () => {
  it('round-trips through the encoded form with identical summaries', () => {
    const h = createHistogram();
    for (let i = 1; i <= 1000; i++) recordMicros(h, i * 100);
    const decoded = decodeHistogram(encodeHistogram(h));
    expect(decoded.totalCount).toBe(1000);
    expect(summarize(decoded)).toEqual(summarize(h));
    const s = summarize(h);
    expect(s.p50).toBeCloseTo(50, 0);
    expect(s.p99).toBeCloseTo(99, 0);
    expect(s.max).toBeCloseTo(100, 0);
    expect(s.mean).toBeCloseTo(50.05, 1);
  });

  it('merges losslessly: the merge of parts equals one histogram of everything', () => {
    const a = createHistogram();
    const b = createHistogram();
    const all = createHistogram();
    for (let i = 0; i < 5000; i++) {
      const v = (i * 7919) % 250_000;
      (i % 3 === 0 ? a : b).recordValue(v + 1);
      all.recordValue(v + 1);
    }
    const merged = mergeHistograms([
      decodeHistogram(encodeHistogram(a)),
      decodeHistogram(encodeHistogram(b)),
    ]);
    expect(merged.totalCount).toBe(all.totalCount);
    expect(summarize(merged)).toEqual(summarize(all));
    expect(encodeHistogram(merged)).toBe(encodeHistogram(all));
  });

  it('summarizes an empty histogram as zeros', () => {
    expect(summarize(createHistogram())).toEqual({
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      p999: 0,
      max: 0,
      mean: 0,
    });
  });

  it('rejects text that is not an encoded histogram', () => {
    expect(() => decodeHistogram('not base64!')).toThrow(/not an encoded histogram/);
    expect(() => decodeHistogram('AAAAAAAA')).toThrow(/not an encoded histogram/);
  });
});
