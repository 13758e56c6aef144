/**
 * From a change and its noise to a verdict. A regression needs both: a change beyond the
 * threshold in the bad direction, and a change outside the noise. The overall verdict is the
 * worst news: any regression, else any improvement, else unchanged.
 */
import type { MetricSpec } from './metrics.js';
import type { Significance } from './noise.js';

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'no-baseline';

/** (current - baseline) / baseline; 0 when both are 0; null from a zero baseline. */
export function relativeChange(baseline: number | null, current: number | null): number | null {
  if (baseline === null || current === null) return null;
  if (baseline === 0) return current === 0 ? 0 : null;
  return (current - baseline) / Math.abs(baseline);
}

export function judge(
  spec: Pick<MetricSpec, 'betterWhen'>,
  baseline: number | null,
  current: number,
  threshold: number,
  significance: Significance | undefined,
  /** Absolute changes smaller than this are unchanged, however significant (0.03 ms is real but moot). */
  minAbsoluteChange = 0,
): Verdict {
  if (baseline === null) return 'no-baseline';
  if (!significance?.outsideNoise || significance.method === 'not-judged') return 'unchanged';
  if (Math.abs(current - baseline) < minAbsoluteChange) return 'unchanged';
  const change = relativeChange(baseline, current);
  // From zero (e.g. a first error) the relative change is undefined: the noise test alone decides.
  const beyond = change === null ? true : Math.abs(change) > threshold;
  if (!beyond || current === baseline) return 'unchanged';
  const worse = spec.betterWhen === 'lower' ? current > baseline : current < baseline;
  return worse ? 'regression' : 'improvement';
}

export function overallVerdict(metrics: readonly { verdict: Verdict }[]): Verdict {
  if (metrics.some((metric) => metric.verdict === 'regression')) return 'regression';
  if (metrics.some((metric) => metric.verdict === 'improvement')) return 'improvement';
  return 'unchanged';
}
