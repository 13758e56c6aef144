/**
 * HdrHistogram helpers shared by the load generator (which records) and the report stage (which
 * decodes, merges and compares). One place decides the histogram's shape, so shards, baselines and
 * history entries always add up losslessly:
 *
 * - values are **microseconds** (integers), 3 significant digits, auto-resizing;
 * - the wire form is HdrHistogram's standard compressed base64 ("HISTFAAA..."), readable by every
 *   HdrHistogram implementation;
 * - summaries are in **milliseconds** (DESIGN.md), rounded to the microsecond.
 *
 * API: `createHistogram`, `recordMicros`, `encodeHistogram`, `decodeHistogram`, `mergeHistograms`,
 * `summarize`, `percentileMs`, `emptySummary`.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import type { LatencySummary } from '../result.js';

export type { Histogram };

/** Highest value tracked without resizing: one hour in microseconds (auto-resize goes beyond). */
const INITIAL_HIGHEST_US = 3_600_000_000;

/** A new, empty latency histogram in microseconds with 3 significant digits. */
export function createHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: INITIAL_HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a latency given in microseconds (fractions are rounded; below 1 µs counts as 1 µs). */
export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(micros < 1 ? 1 : Math.round(micros));
}

/** Base64 of the compressed histogram (HdrHistogram's "HISTFAAA..." encoding). */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/**
 * Decodes what `encodeHistogram` produced. Throws an Error naming the problem when the text is not
 * an encoded histogram (result files may come from untrusted artifacts).
 */
export function decodeHistogram(encoded: string): Histogram {
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new Error('not an encoded histogram (expected base64 text)');
  }
  try {
    const decoded = decodeFromCompressedBase64(encoded, 32, false);
    // Re-home into our standard shape so later merges never overflow a smaller decoded range.
    const histogram = createHistogram();
    histogram.add(decoded);
    decoded.destroy();
    return histogram;
  } catch (error) {
    throw new Error(`not an encoded histogram (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Lossless sum of histograms (shards, paths, rounds). The inputs are left untouched. */
export function mergeHistograms(list: readonly Histogram[]): Histogram {
  const merged = createHistogram();
  for (const histogram of list) merged.add(histogram);
  return merged;
}

/** The value (in ms) below which `percentile` percent of the samples fall; 0 when empty. */
export function percentileMs(histogram: Histogram, percentile: number): number {
  if (histogram.totalCount === 0) return 0;
  return toMs(histogram.getValueAtPercentile(percentile));
}

/** All zeros: the summary of a run that recorded nothing. */
export function emptySummary(): LatencySummary {
  return { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
}

/**
 * p50/p90/p95/p99/p99.9/max/mean in milliseconds. `max` is the highest value equivalent to the
 * largest sample (as HdrHistogram reports percentiles), so a histogram and its encoded copy
 * summarize identically.
 */
export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return emptySummary();
  return {
    p50: percentileMs(histogram, 50),
    p90: percentileMs(histogram, 90),
    p95: percentileMs(histogram, 95),
    p99: percentileMs(histogram, 99),
    p999: percentileMs(histogram, 99.9),
    max: percentileMs(histogram, 100),
    mean: toMs(histogram.mean),
  };
}

function toMs(micros: number): number {
  return Math.round(micros) / 1000;
}
