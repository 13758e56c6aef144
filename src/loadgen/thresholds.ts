/**
 * Threshold evaluation: the parsed `--threshold` / `smoke.thresholds` expressions against a run's
 * numbers, listed in the result with the actual value so a failure says by how much.
 */
import {
  parseThreshold,
  type Threshold,
  type ThresholdMetric,
  thresholdPasses,
} from '../config/thresholds.js';
import type { SmokeSideResult, ThresholdResult } from '../result.js';

type Measured = Pick<SmokeSideResult, 'latencyMs' | 'rps' | 'errorRate' | 'coldStartMs'>;

export function metricValue(metric: ThresholdMetric, result: Measured): number {
  switch (metric) {
    case 'rps':
      return result.rps;
    case 'error-rate':
      return result.errorRate;
    case 'cold-start':
      return result.coldStartMs;
    default:
      return result.latencyMs[metric];
  }
}

export function evaluateThresholds(thresholds: readonly Threshold[], result: Measured): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const actual = metricValue(threshold.metric, result);
    return { expr: threshold.expr, actual, pass: thresholdPasses(threshold, actual) };
  });
}

/** Re-parses the expressions stored in a result file (merge re-evaluates them on the merged numbers). */
export function thresholdsFromResults(results: readonly ThresholdResult[]): Threshold[] {
  const seen = new Set<string>();
  const out: Threshold[] = [];
  for (const { expr } of results) {
    if (seen.has(expr)) continue;
    seen.add(expr);
    const parsed = parseThreshold(expr);
    if (!('error' in parsed)) out.push(parsed);
  }
  return out;
}

/** One line per failed threshold, e.g. `p95<300ms (actual 412.5)`. */
export function describeFailures(results: readonly ThresholdResult[]): string[] {
  return results.filter((r) => !r.pass).map((r) => `${r.expr} (actual ${r.actual})`);
}
