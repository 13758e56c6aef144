/**
 * The catalog of compared metrics: where each one lives in a result file, its unit, which
 * direction is better, and how its noise can be judged. One table, so the comparison, the JSON
 * output and the renderers agree on names and directions.
 */
import type { PerfResult, SmokeSideResult } from '../result.js';

export type MetricName =
  | 'p50'
  | 'p90'
  | 'p95'
  | 'p99'
  | 'max'
  | 'mean'
  | 'rps'
  | 'error-rate'
  | 'cold-start'
  | 'build'
  | 'critical-path'
  | 'image-size'
  | 'deploy-ready';

export type MetricUnit = 'ms' | 'req/s' | 'ratio' | 'bytes';

/**
 * How a single-baseline (or paired) comparison judges noise:
 * - `percentile`: bootstrap of both histograms;
 * - `mean`: standard error of both histograms;
 * - `rate`: Poisson counts (requests per second);
 * - `proportion`: two-proportion test on errors / requests;
 * - `single-observation`: one sample per run, no noise estimate without history;
 * - `extreme`: the slowest single request; its run-to-run spread has a tail no band captures with
 *   a few dozen runs, so it is shown and never judged;
 * - `deterministic`: build, image and deploy figures: threshold only without history.
 */
export type NoiseModel =
  | 'percentile'
  | 'mean'
  | 'rate'
  | 'proportion'
  | 'single-observation'
  | 'extreme'
  | 'deterministic';

export interface MetricSpec {
  name: MetricName;
  label: string;
  unit: MetricUnit;
  betterWhen: 'lower' | 'higher';
  noise: NoiseModel;
  /** Percentile (0..100) for `percentile` metrics. */
  percentile?: number;
  /** True for metrics measured by the smoke stage (compared against a paired baseline when there is one). */
  smoke: boolean;
  /**
   * Smallest absolute change that can be a regression or improvement. Pipeline times and sizes are
   * judged by the threshold alone from one baseline, so jitter of a 40 ms build must not count.
   */
  minChange?: number;
  read(result: PerfResult): number | undefined;
}

/** One second: below it a build, critical path or deploy-ready change is jitter, not news. */
export const PIPELINE_TIME_FLOOR_MS = 1000;
/** One MiB of compressed image. */
export const IMAGE_SIZE_FLOOR_BYTES = 1024 * 1024;

const smokeValue = (pick: (smoke: SmokeSideResult) => number | undefined) => (result: PerfResult) =>
  result.smoke ? pick(result.smoke) : undefined;

/** In display order: latency first (what users look at), then throughput, errors, pipeline timings. */
export const METRICS: readonly MetricSpec[] = [
  percentileMetric('p50', 50),
  percentileMetric('p90', 90),
  percentileMetric('p95', 95),
  percentileMetric('p99', 99),
  {
    name: 'max',
    label: 'max latency',
    unit: 'ms',
    betterWhen: 'lower',
    noise: 'extreme',
    smoke: true,
    read: smokeValue((smoke) => smoke.latencyMs?.max),
  },
  {
    name: 'mean',
    label: 'mean latency',
    unit: 'ms',
    betterWhen: 'lower',
    noise: 'mean',
    smoke: true,
    read: smokeValue((smoke) => smoke.latencyMs?.mean),
  },
  {
    name: 'rps',
    label: 'throughput',
    unit: 'req/s',
    betterWhen: 'higher',
    noise: 'rate',
    smoke: true,
    read: smokeValue((smoke) => smoke.rps),
  },
  {
    name: 'error-rate',
    label: 'error rate',
    unit: 'ratio',
    betterWhen: 'lower',
    noise: 'proportion',
    smoke: true,
    read: smokeValue((smoke) => smoke.errorRate),
  },
  {
    name: 'cold-start',
    label: 'cold start',
    unit: 'ms',
    betterWhen: 'lower',
    noise: 'single-observation',
    smoke: true,
    read: smokeValue((smoke) => smoke.coldStartMs),
  },
  {
    name: 'build',
    minChange: PIPELINE_TIME_FLOOR_MS,
    label: 'build total',
    unit: 'ms',
    betterWhen: 'lower',
    noise: 'deterministic',
    smoke: false,
    read: (result) => result.build?.totalMs,
  },
  {
    name: 'critical-path',
    minChange: PIPELINE_TIME_FLOOR_MS,
    label: 'build critical path',
    unit: 'ms',
    betterWhen: 'lower',
    noise: 'deterministic',
    smoke: false,
    read: (result) => result.build?.criticalPathMs,
  },
  {
    name: 'image-size',
    minChange: IMAGE_SIZE_FLOOR_BYTES,
    label: 'image size',
    unit: 'bytes',
    betterWhen: 'lower',
    noise: 'deterministic',
    smoke: false,
    read: (result) => result.image?.sizeBytes,
  },
  {
    name: 'deploy-ready',
    minChange: PIPELINE_TIME_FLOOR_MS,
    label: 'deploy ready',
    unit: 'ms',
    betterWhen: 'lower',
    noise: 'deterministic',
    smoke: false,
    read: (result) => result.deploy?.readyMs,
  },
];

export const METRIC_NAMES: readonly MetricName[] = METRICS.map((metric) => metric.name);

export function metricSpec(name: MetricName): MetricSpec {
  return METRICS.find((metric) => metric.name === name)!;
}

function percentileMetric(name: 'p50' | 'p90' | 'p95' | 'p99', percentile: number): MetricSpec {
  return {
    name,
    label: `${name} latency`,
    unit: 'ms',
    betterWhen: 'lower',
    noise: 'percentile',
    percentile,
    smoke: true,
    read: smokeValue((smoke) => smoke.latencyMs?.[name]),
  };
}

/** A result whose smoke section is the paired baseline side, for reading metrics with `read`. */
export function pairedBaselineView(result: PerfResult): PerfResult | undefined {
  const side = result.smoke?.baseline;
  if (!side) return undefined;
  return { schemaVersion: result.schemaVersion, meta: result.meta, smoke: side };
}

/** A usable metric value: a finite number. */
export function readMetric(spec: MetricSpec, result: PerfResult | undefined): number | undefined {
  if (!result) return undefined;
  const value = spec.read(result);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
