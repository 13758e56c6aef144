/**
 * compareResults: deltas and noise-aware verdicts between a run and its baseline. Pure: results in,
 * a Comparison out; the same inputs and seed always give the same verdict.
 *
 * Which baseline, per metric, in this order:
 * 1. smoke metrics with a paired baseline side (`current.smoke.baseline`, the serving revision
 *    measured in the same time window): `basis: 'paired'`;
 * 2. a history of >= 3 baseline runs holding the metric: a noise band (`'history'`);
 * 3. one baseline result (`options.baseline`, else the newest history entry): histogram
 *    uncertainty for latency, count statistics for throughput and errors, threshold only for
 *    build, image and deploy figures (`'single-baseline'`);
 * 4. nothing: `no-baseline`, said plainly.
 */
import type { CacheHit, PerfResult, SmokeSideResult } from '../result.js';
import { type BucketDistribution, bucketsFromEncoded } from './buckets.js';
import {
  METRICS,
  type MetricName,
  type MetricSpec,
  type MetricUnit,
  pairedBaselineView,
  readMetric,
} from './metrics.js';
import {
  bandNoise,
  meanNoise,
  type NoiseOptions,
  percentileNoise,
  proportionNoise,
  rateNoise,
  type Significance,
} from './noise.js';
import { createRandom } from './random.js';
import { median } from './robust.js';
import { judge, overallVerdict, relativeChange, type Verdict } from './verdict.js';

export type { HistoryBand, SignificanceMethod } from './noise.js';
export type { MetricName, MetricUnit, Significance, Verdict };

export type Basis = 'paired' | 'history' | 'single-baseline' | 'none';
/** Where one metric's baseline came from. */
export type MetricSource = 'paired' | 'history' | 'baseline' | 'none';

export interface MetricComparison {
  name: MetricName;
  /** The baseline value (the history median with a history), in `unit`. */
  baseline: number | null;
  current: number | null;
  /** Relative change as a fraction (0.12 = 12% higher); null when undefined (no baseline, or from zero). */
  change: number | null;
  verdict: Verdict;
  unit: MetricUnit;
  betterWhen: 'lower' | 'higher';
  source: MetricSource;
  significance?: Significance;
  /** Set when the change was significant and beyond the threshold but smaller than this floor. */
  belowFloor?: number;
}

export interface CacheLayerComparison {
  name: string;
  current: CacheHit | null;
  baseline: CacheHit | null;
  restoreMs: number | null;
  baselineRestoreMs: number | null;
  sizeBytes: number | null;
  baselineSizeBytes: number | null;
}

export interface Comparison {
  verdict: Verdict;
  metrics: MetricComparison[];
  basis: Basis;
  /** Plain sentences: how the verdict was reached and what could not be judged. */
  notes: string[];
  /** The regression threshold used (fraction). */
  threshold: number;
  cacheLayers?: CacheLayerComparison[];
}

/** Below a millisecond, a latency change is noise to a user however certain it is statistically. */
export const DEFAULT_MIN_LATENCY_CHANGE_MS = 1;

export interface CompareOptions {
  /** One baseline result (e.g. the latest run on the default branch). */
  baseline?: PerfResult;
  /** Baseline runs, oldest first (as the history store keeps them). */
  history?: PerfResult[];
  /** Regression threshold as a fraction (0.1 = 10%). */
  threshold: number;
  seed?: number;
  /** Two-sided confidence of intervals, tests and bands; default 0.998. */
  confidence?: number;
  /** Bootstrap resamples per percentile and side; default 400. */
  resamples?: number;
  /** How many of the newest history runs make the band; default 30. */
  historyWindow?: number;
  /** Smallest latency change (ms) that can be a regression or improvement; default 1 ms. */
  minLatencyChangeMs?: number;
}

export const DEFAULT_THRESHOLD = 0.1;
/**
 * Two-sided, per metric. Up to six smoke metrics are judged at once and the overall verdict is a
 * regression when any one regresses, so each gets a Bonferroni-like share of the 1% false-alarm
 * budget (bench/verdict.ts measures the result).
 */
export const DEFAULT_CONFIDENCE = 0.998;
export const DEFAULT_RESAMPLES = 400;
export const DEFAULT_HISTORY_WINDOW = 30;
/** Fewer history runs than this and the band is not trusted: single-baseline mode instead. */
export const MIN_HISTORY_RUNS = 3;

export function compareResults(current: PerfResult, options: CompareOptions): Comparison {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const history = (options.history ?? []).slice(-(options.historyWindow ?? DEFAULT_HISTORY_WINDOW));
  const single = options.baseline ?? history.at(-1);
  const paired = pairedBaselineView(current);
  const noiseOptions: NoiseOptions = {
    confidence,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    random: createRandom(options.seed ?? 0x5eed),
  };
  const histograms = new HistogramCache();
  const notes: string[] = [];
  const sources = new Set<MetricSource>();

  const metrics: MetricComparison[] = [];
  for (const spec of METRICS) {
    const value = readMetric(spec, current);
    if (value === undefined) continue;
    const base: MetricComparison = {
      name: spec.name,
      baseline: null,
      current: value,
      change: null,
      verdict: 'no-baseline',
      unit: spec.unit,
      betterWhen: spec.betterWhen,
      source: 'none',
    };
    const compared =
      (spec.smoke && paired ? compareSingle(spec, current, paired, 'paired') : undefined) ??
      compareHistory(spec, value, history, confidence) ??
      (single ? compareSingle(spec, current, single, 'baseline') : undefined);
    if (!compared) {
      metrics.push(base);
      continue;
    }
    sources.add(compared.source);
    const floor =
      spec.minChange ??
      (spec.unit === 'ms' ? (options.minLatencyChangeMs ?? DEFAULT_MIN_LATENCY_CHANGE_MS) : 0);
    const verdict = judge(spec, compared.baseline, value, threshold, compared.significance, floor);
    const change = relativeChange(compared.baseline, value);
    const floored =
      verdict === 'unchanged' &&
      judge(spec, compared.baseline, value, threshold, compared.significance) !== 'unchanged';
    metrics.push({ ...base, ...compared, change, verdict, ...(floored ? { belowFloor: floor } : {}) });
  }

  function compareSingle(
    spec: MetricSpec,
    cur: PerfResult,
    ref: PerfResult,
    source: 'paired' | 'baseline',
  ): Pick<MetricComparison, 'baseline' | 'source' | 'significance'> | undefined {
    const baselineValue = readMetric(spec, ref);
    const currentValue = readMetric(spec, cur);
    if (baselineValue === undefined || currentValue === undefined) return undefined;
    const significance = singleNoise(spec, cur, ref, baselineValue, currentValue, noiseOptions, histograms);
    return { baseline: baselineValue, source, significance };
  }

  const verdict = metrics.some((metric) => metric.source !== 'none')
    ? overallVerdict(metrics)
    : 'no-baseline';
  const basis: Basis = sources.has('paired')
    ? 'paired'
    : sources.has('history')
      ? 'history'
      : sources.has('baseline')
        ? 'single-baseline'
        : 'none';
  notes.push(
    ...basisNotes(
      basis,
      metrics,
      history.length,
      threshold,
      confidence,
      options.minLatencyChangeMs ?? DEFAULT_MIN_LATENCY_CHANGE_MS,
    ),
  );
  const cacheLayers = compareCacheLayers(current, single);
  return { verdict, metrics, basis, notes, threshold, ...(cacheLayers ? { cacheLayers } : {}) };
}

function compareHistory(
  spec: MetricSpec,
  value: number,
  history: readonly PerfResult[],
  confidence: number,
): Pick<MetricComparison, 'baseline' | 'source' | 'significance'> | undefined {
  // Error rates are counts: a band of mostly-zero rates says nothing; the two-proportion test
  // against the newest run does (single-baseline path).
  if (spec.noise === 'proportion') return undefined;
  const values = history.map((run) => readMetric(spec, run)).filter((v): v is number => v !== undefined);
  if (values.length < MIN_HISTORY_RUNS) return undefined;
  if (spec.noise === 'extreme') {
    return { baseline: median(values), source: 'history', significance: EXTREME_NOT_JUDGED };
  }
  const significance = bandNoise(values, value, confidence);
  return { baseline: significance.band!.center, source: 'history', significance };
}

function singleNoise(
  spec: MetricSpec,
  cur: PerfResult,
  ref: PerfResult,
  baselineValue: number,
  currentValue: number,
  options: NoiseOptions,
  histograms: HistogramCache,
): Significance {
  const curSmoke = cur.smoke;
  const refSmoke = ref.smoke;
  switch (spec.noise) {
    case 'deterministic':
      return {
        method: 'threshold-only',
        outsideNoise: true,
        reason: 'one baseline run and no noise estimate for this metric: threshold only',
      };
    case 'extreme':
      return EXTREME_NOT_JUDGED;
    case 'single-observation':
      return {
        method: 'not-judged',
        outsideNoise: false,
        reason: 'a single request per run: shown, judged only against a history of runs',
      };
    case 'percentile':
    case 'mean': {
      const a = histograms.get(refSmoke);
      const b = histograms.get(curSmoke);
      if (!a || !b) {
        return {
          method: 'threshold-only',
          outsideNoise: true,
          reason: 'no readable histogram on one side: threshold only',
        };
      }
      return spec.noise === 'mean'
        ? meanNoise(a, b, baselineValue, currentValue, options)
        : percentileNoise(a, b, spec.percentile!, baselineValue, currentValue, options);
    }
    case 'rate': {
      if (!curSmoke || !refSmoke || !(curSmoke.durationS > 0) || !(refSmoke.durationS > 0)) {
        return { method: 'threshold-only', outsideNoise: true, reason: 'no run duration: threshold only' };
      }
      return rateNoise(
        { rps: baselineValue, requests: refSmoke.requests, durationS: refSmoke.durationS },
        { rps: currentValue, requests: curSmoke.requests, durationS: curSmoke.durationS },
        options,
      );
    }
    case 'proportion':
      return proportionNoise(
        { errors: refSmoke?.errors ?? 0, requests: refSmoke?.requests ?? 0 },
        { errors: curSmoke?.errors ?? 0, requests: curSmoke?.requests ?? 0 },
        options,
      );
  }
}

const EXTREME_NOT_JUDGED: Significance = {
  method: 'not-judged',
  outsideNoise: false,
  reason: 'the slowest single request: shown, never judged (its spread has no stable band)',
};

/** Decodes each side's histogram once per comparison; an unreadable one counts as absent. */
class HistogramCache {
  private readonly decoded = new Map<SmokeSideResult, BucketDistribution | null>();
  get(side: SmokeSideResult | undefined): BucketDistribution | null {
    if (!side || typeof side.histogram !== 'string' || side.histogram === '') return null;
    if (!this.decoded.has(side)) {
      let dist: BucketDistribution | null = null;
      try {
        dist = bucketsFromEncoded(side.histogram);
      } catch {
        dist = null;
      }
      this.decoded.set(side, dist);
    }
    return this.decoded.get(side) ?? null;
  }
}

function basisNotes(
  basis: Basis,
  metrics: readonly MetricComparison[],
  historyRuns: number,
  threshold: number,
  confidence: number,
  minLatencyChangeMs: number,
): string[] {
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  const notes: string[] = [];
  if (basis === 'none') {
    notes.push(
      'No baseline yet: nothing to compare against. This run becomes a baseline once it lands on the default branch.',
    );
    return notes;
  }
  notes.push(
    `A metric regresses only when it changes by more than ${pct(threshold)} (and by at least ${minLatencyChangeMs} ms for latencies, 1 s for build and deploy times, 1 MiB for the image) and the change lies outside the noise (${pct(confidence)} confidence).`,
  );
  if (basis === 'paired') {
    notes.push(
      'Smoke metrics compare this revision with the serving revision measured in the same time window (paired run).',
    );
  }
  if (metrics.some((m) => m.source === 'history')) {
    notes.push(`Noise band from the last ${historyRuns} baseline runs: median ± t·MAD.`);
  }
  if (metrics.some((m) => m.significance?.method === 'bootstrap')) {
    notes.push('Latency percentiles: bootstrap of both histograms.');
  }
  const thresholdOnly = metrics.filter((m) => m.significance?.method === 'threshold-only').map((m) => m.name);
  if (thresholdOnly.length > 0) {
    notes.push(
      `Judged by the threshold only (one baseline run, no noise estimate): ${thresholdOnly.join(', ')}.`,
    );
  }
  const notJudged = metrics.filter((m) => m.significance?.method === 'not-judged').map((m) => m.name);
  if (notJudged.length > 0) {
    notes.push(
      `Shown but not judged (single requests: max always, cold start without a history of ${MIN_HISTORY_RUNS}+ runs): ${notJudged.join(', ')}.`,
    );
  }
  const missing = metrics.filter((m) => m.source === 'none').map((m) => m.name);
  if (missing.length > 0) notes.push(`No baseline for: ${missing.join(', ')}.`);
  return notes;
}

function compareCacheLayers(
  current: PerfResult,
  baseline: PerfResult | undefined,
): CacheLayerComparison[] | undefined {
  const layers = current.cache?.layers;
  if (!layers || layers.length === 0) return undefined;
  const previous = new Map((baseline?.cache?.layers ?? []).map((layer) => [layer.name, layer]));
  return layers.map((layer) => {
    const before = previous.get(layer.name);
    return {
      name: layer.name,
      current: layer.hit,
      baseline: before?.hit ?? null,
      restoreMs: finiteOrNull(layer.restoreMs),
      baselineRestoreMs: finiteOrNull(before?.restoreMs),
      sizeBytes: finiteOrNull(layer.sizeBytes),
      baselineSizeBytes: finiteOrNull(before?.sizeBytes),
    };
  });
}

function finiteOrNull(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
