/**
 * Noise models: each answers "does this change lie outside the noise?" for one kind of metric.
 * The threshold test lives in verdict.ts; a regression needs both.
 *
 * - percentiles, one baseline: seeded bootstrap of both HdrHistograms. The k-th order statistic
 *   of a resample of N requests drawn from a histogram's buckets is the bucket at the
 *   Beta(k, N-k+1) quantile, so each resample costs two gamma draws and a binary search instead of
 *   N draws: the same distribution as resampling every request, at any request count.
 * - mean: the standard error of both histograms (the bootstrap distribution of a mean is normal).
 * - throughput: Poisson counts; error rate: a two-proportion z-test.
 * - history: a band from the median and the scaled MAD of the last runs, widened by Student's t
 *   for short histories (a prediction interval, Bencher-style).
 */
import { type BucketDistribution, rankFor, valueAtRank } from './buckets.js';
import type { Random } from './random.js';
import { median, normalCdf, normalQuantile, scaledMad, studentT } from './robust.js';

export type SignificanceMethod =
  | 'bootstrap'
  | 'standard-error'
  | 'poisson'
  | 'two-proportion'
  | 'history-band'
  | 'threshold-only'
  | 'not-judged';

export interface HistoryBand {
  /** Median of the history values. */
  center: number;
  /** Scaled MAD of the history values. */
  spread: number;
  low: number;
  high: number;
  runs: number;
}

export interface Significance {
  method: SignificanceMethod;
  /** Two-sided confidence of the interval, test or band. */
  confidence?: number;
  /** Interval of the relative change (fractions of the baseline). */
  interval?: { low: number; high: number };
  band?: HistoryBand;
  /** Two-sided p-value of a test. */
  pValue?: number;
  /** The change lies outside the noise (always true for threshold-only, false for not-judged). */
  outsideNoise: boolean;
  /** Plain words: how this metric was judged. */
  reason: string;
}

export interface NoiseOptions {
  confidence: number;
  resamples: number;
  random: Random;
}

/** Bootstrap distribution of one percentile of a histogram: `resamples` draws. */
export function bootstrapPercentile(
  dist: BucketDistribution,
  percentile: number,
  resamples: number,
  random: Random,
): Float64Array {
  const n = dist.total;
  const k = rankFor(n, percentile);
  const draws = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    const u = k === n ? random.next() ** (1 / n) : random.beta(k, n - k + 1);
    draws[i] = valueAtRank(dist, Math.min(n, Math.max(1, Math.ceil(u * n))));
  }
  return draws;
}

function variance(draws: Float64Array): number {
  let sum = 0;
  for (const value of draws) sum += value;
  const mean = sum / draws.length;
  let squares = 0;
  for (const value of draws) squares += (value - mean) ** 2;
  return squares / Math.max(1, draws.length - 1);
}

/** Interval of the relative change from the standard error of the difference. */
function relativeInterval(baseline: number, current: number, standardError: number, z: number) {
  const diff = current - baseline;
  return { low: (diff - z * standardError) / baseline, high: (diff + z * standardError) / baseline };
}

function intervalSignificance(
  method: SignificanceMethod,
  baseline: number,
  current: number,
  standardError: number,
  options: NoiseOptions,
  what: string,
): Significance {
  const z = normalQuantile(1 - (1 - options.confidence) / 2);
  if (baseline <= 0) {
    return {
      method: 'threshold-only',
      outsideNoise: true,
      reason: `${what}: baseline is zero, threshold only`,
    };
  }
  const interval = relativeInterval(baseline, current, standardError, z);
  const outsideNoise = interval.low > 0 || interval.high < 0;
  return { method, confidence: options.confidence, interval, outsideNoise, reason: what };
}

export function percentileNoise(
  baselineDist: BucketDistribution,
  currentDist: BucketDistribution,
  percentile: number,
  baseline: number,
  current: number,
  options: NoiseOptions,
): Significance {
  const what = `bootstrap of both histograms (${options.resamples} resamples)`;
  if (!(baseline > 0) || !(current > 0)) {
    return {
      method: 'threshold-only',
      outsideNoise: true,
      reason: `${what}: a zero percentile, threshold only`,
    };
  }
  const beyond = Math.floor(Math.min(baselineDist.total, currentDist.total) * (1 - percentile / 100));
  if (beyond < MIN_TAIL_REQUESTS) {
    return {
      method: 'not-judged',
      outsideNoise: false,
      reason: `too few requests beyond p${percentile} (${beyond}, needs ${MIN_TAIL_REQUESTS}): run the smoke test longer`,
    };
  }
  // On the log scale: tail percentiles are right-skewed, their logs close to symmetric, so a
  // normal interval from the bootstrap's standard error holds its confidence in the tail too.
  const a = logOf(bootstrapPercentile(baselineDist, percentile, options.resamples, options.random));
  const b = logOf(bootstrapPercentile(currentDist, percentile, options.resamples, options.random));
  const z = normalQuantile(1 - (1 - options.confidence) / 2);
  const logRatio = Math.log(current / baseline);
  const half = z * Math.sqrt(variance(a) + variance(b));
  const interval = { low: Math.exp(logRatio - half) - 1, high: Math.exp(logRatio + half) - 1 };
  const outsideNoise = interval.low > 0 || interval.high < 0;
  return { method: 'bootstrap', confidence: options.confidence, interval, outsideNoise, reason: what };
}

/**
 * A tail percentile is judged only with this many requests beyond it on both sides: with fewer,
 * its sampling distribution has heavier tails than any bootstrap interval admits (measured: p99
 * of 1000 requests, 10 beyond it, false alarms at 2.5x the nominal rate).
 */
export const MIN_TAIL_REQUESTS = 30;

function logOf(draws: Float64Array): Float64Array {
  return draws.map((value) => Math.log(Math.max(value, 1e-6)));
}

export function meanNoise(
  baselineDist: BucketDistribution,
  currentDist: BucketDistribution,
  baseline: number,
  current: number,
  options: NoiseOptions,
): Significance {
  const what = 'standard error of both histograms';
  if (!(baseline > 0) || !(current > 0)) {
    return { method: 'threshold-only', outsideNoise: true, reason: `${what}: a zero mean, threshold only` };
  }
  // The ratio of means on the log scale (delta method): latency means are right-skewed.
  const relativeVariance =
    baselineDist.stdDev ** 2 / baselineDist.total / baselineDist.mean ** 2 +
    currentDist.stdDev ** 2 / currentDist.total / currentDist.mean ** 2;
  const z = normalQuantile(1 - (1 - options.confidence) / 2);
  const logRatio = Math.log(current / baseline);
  const half = z * Math.sqrt(relativeVariance);
  const interval = { low: Math.exp(logRatio - half) - 1, high: Math.exp(logRatio + half) - 1 };
  const outsideNoise = interval.low > 0 || interval.high < 0;
  return { method: 'standard-error', confidence: options.confidence, interval, outsideNoise, reason: what };
}

/** Requests per second as Poisson counts over each run's duration. */
export function rateNoise(
  baseline: { rps: number; requests: number; durationS: number },
  current: { rps: number; requests: number; durationS: number },
  options: NoiseOptions,
): Significance {
  const standardError = Math.sqrt(
    Math.max(1, baseline.requests) / baseline.durationS ** 2 +
      Math.max(1, current.requests) / current.durationS ** 2,
  );
  return intervalSignificance(
    'poisson',
    baseline.rps,
    current.rps,
    standardError,
    options,
    'Poisson request counts',
  );
}

/**
 * Errors / requests on both sides. Exact conditional test when errors are few (given the total
 * number of errors, the current side's share is binomial under "same error rate"), the pooled
 * two-proportion z-test otherwise. Two-sided p-value.
 */
export function proportionNoise(
  baseline: { errors: number; requests: number },
  current: { errors: number; requests: number },
  options: NoiseOptions,
): Significance {
  const alpha = 1 - options.confidence;
  if (baseline.requests <= 0 || current.requests <= 0) {
    return { method: 'not-judged', outsideNoise: false, reason: 'no requests on one side' };
  }
  const total = baseline.errors + current.errors;
  let pValue: number;
  if (total <= 2000) {
    pValue = binomialTwoSided(
      current.errors,
      total,
      current.requests / (baseline.requests + current.requests),
    );
  } else {
    const p1 = baseline.errors / baseline.requests;
    const p2 = current.errors / current.requests;
    const pooled = total / (baseline.requests + current.requests);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / baseline.requests + 1 / current.requests));
    pValue = se === 0 ? 1 : 2 * (1 - normalCdf(Math.abs(p2 - p1) / se));
  }
  return {
    method: 'two-proportion',
    confidence: options.confidence,
    pValue,
    outsideNoise: pValue < alpha,
    reason: 'two-proportion test on errors / requests',
  };
}

/** Two-sided exact binomial p-value: the probability of outcomes no more likely than `k`. */
export function binomialTwoSided(k: number, n: number, p: number): number {
  if (n === 0) return 1;
  const logPmf = (i: number) => logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p);
  const observed = logPmf(k);
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const value = logPmf(i);
    if (value <= observed + 1e-9) sum += Math.exp(value);
  }
  return Math.min(1, sum);
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials[i] = logFactorials[i - 1]! + Math.log(i);
  return logFactorials[n]!;
}

/**
 * The band a new run of the baseline would fall in: median ± t·sqrt(1 + 1/n)·MAD, on the log scale
 * for positive values (latencies, sizes and rates are skewed; their logs are close to symmetric).
 * The MAD is a less efficient estimate of spread than the standard deviation (about 37% for
 * normal data), so Student's t gets that share of n - 1 degrees of freedom: short histories get
 * wide bands (bench/verdict.ts: with n - 1 instead, false alarms reach the 1% budget).
 * With no spread at all (identical history values) the band is a point and the threshold decides.
 */
export function historyBand(values: readonly number[], confidence: number): HistoryBand {
  const positive = values.every((value) => value > 0);
  const scale = positive ? values.map(Math.log) : [...values];
  const center = median(scale);
  const spread = scaledMad(scale);
  const n = values.length;
  const df = Math.max(1, MAD_EFFICIENCY * (n - 1));
  const half = studentT((1 - confidence) / 2, df) * Math.sqrt(1 + 1 / n) * spread;
  const back = positive ? Math.exp : (x: number) => x;
  return {
    center: back(center),
    spread: positive ? back(center) * (Math.exp(spread) - 1) : spread,
    low: back(center - half),
    high: back(center + half),
    runs: n,
  };
}

const MAD_EFFICIENCY = 0.37;

export function bandNoise(values: readonly number[], current: number, confidence: number): Significance {
  const band = historyBand(values, confidence);
  return {
    method: 'history-band',
    confidence,
    band,
    outsideNoise: current > band.high || current < band.low,
    reason: `band from the last ${band.runs} baseline runs (median ± t·MAD)`,
  };
}
