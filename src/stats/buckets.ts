/**
 * A decoded latency histogram as a compact bucket distribution (values in ms, cumulative counts):
 * the form the bootstrap resamples from. Resampling buckets instead of individual requests keeps
 * a comparison fast whatever the request count.
 */
import { decodeHistogram } from './hdr.js';

/**
 * The part of hdr-histogram-js's JsHistogram we walk (the pure-JS histograms that hdr.ts builds);
 * not in the package's public `Histogram` interface, hence declared here.
 */
interface IterableHistogram {
  totalCount: number;
  highestEquivalentValue(value: number): number;
  recordedValuesIterator: {
    reset(): void;
    hasNext(): boolean;
    next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
  };
  destroy(): void;
}

export interface BucketDistribution {
  /** Bucket values in ms, ascending (HdrHistogram's highest equivalent value, as percentiles report). */
  values: Float64Array;
  /** Cumulative request counts, aligned with `values`. */
  cumulative: Float64Array;
  total: number;
  /** Mean and standard deviation in ms, from the buckets. */
  mean: number;
  stdDev: number;
}

/** Decodes an encoded histogram into buckets; null when empty. Throws on text that is not a histogram. */
export function bucketsFromEncoded(encoded: string): BucketDistribution | null {
  const histogram = decodeHistogram(encoded) as unknown as IterableHistogram;
  try {
    return bucketsFromHistogram(histogram);
  } finally {
    histogram.destroy();
  }
}

export function bucketsFromHistogram(histogram: IterableHistogram): BucketDistribution | null {
  if (histogram.totalCount === 0) return null;
  const values: number[] = [];
  const counts: number[] = [];
  const iterator = histogram.recordedValuesIterator;
  iterator.reset();
  while (iterator.hasNext()) {
    const step = iterator.next();
    values.push(histogram.highestEquivalentValue(step.valueIteratedTo) / 1000);
    counts.push(step.countAtValueIteratedTo);
  }
  return fromCounts(values, counts);
}

/** Builds a distribution from (value ms, count) pairs sorted by value. */
export function fromCounts(values: readonly number[], counts: readonly number[]): BucketDistribution | null {
  const cumulative = new Float64Array(counts.length);
  let total = 0;
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    total += counts[i]!;
    sum += counts[i]! * values[i]!;
    cumulative[i] = total;
  }
  if (total === 0) return null;
  const mean = sum / total;
  let squares = 0;
  for (let i = 0; i < counts.length; i++) squares += counts[i]! * (values[i]! - mean) ** 2;
  return { values: Float64Array.from(values), cumulative, total, mean, stdDev: Math.sqrt(squares / total) };
}

/** The value of the bucket holding the `rank`-th request (1-based; binary search). */
export function valueAtRank(dist: BucketDistribution, rank: number): number {
  let lo = 0;
  let hi = dist.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dist.cumulative[mid]! >= rank) hi = mid;
    else lo = mid + 1;
  }
  return dist.values[lo]!;
}

/** The percentile (0..100) as HdrHistogram computes it: the bucket of the ceil(p·N)-th request. */
export function percentileOf(dist: BucketDistribution, percentile: number): number {
  return valueAtRank(dist, rankFor(dist.total, percentile));
}

export function rankFor(total: number, percentile: number): number {
  return Math.min(total, Math.max(1, Math.round((percentile / 100) * total)));
}
