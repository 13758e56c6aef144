/**
 * Threshold grammar from DESIGN.md: `<metric><op><value>`, e.g. `p95<300ms`, `error-rate<1%`,
 * `rps>=100`. Values are normalised: latencies to milliseconds, error rate to a fraction.
 */
export const THRESHOLD_METRICS = [
  'p50',
  'p90',
  'p95',
  'p99',
  'max',
  'mean',
  'rps',
  'error-rate',
  'cold-start',
] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];
export type ThresholdOp = '<' | '<=' | '>' | '>=';

export interface Threshold {
  expr: string;
  metric: ThresholdMetric;
  op: ThresholdOp;
  /** Milliseconds for latency metrics, a fraction for error-rate, requests/s for rps. */
  value: number;
}

const GRAMMAR = /^([a-z0-9-]+)(<=|>=|<|>)(\d+(?:\.\d+)?)(ms|s|%)?$/;
const LATENCY = new Set<ThresholdMetric>(['p50', 'p90', 'p95', 'p99', 'max', 'mean', 'cold-start']);

export const THRESHOLD_HELP = `<metric><op><value>, metric one of ${THRESHOLD_METRICS.join(' ')}, op one of < <= > >=, e.g. p95<300ms, error-rate<1%, rps>=100`;

/** Returns the parsed threshold or a reason it does not parse. */
export function parseThreshold(raw: string): Threshold | { error: string } {
  const expr = raw.replace(/\s+/g, '');
  const match = GRAMMAR.exec(expr);
  if (!match) return { error: `"${raw}" is not a threshold` };
  const [, metricText, op, numberText, unit] = match;
  const metric = metricText as ThresholdMetric;
  if (!THRESHOLD_METRICS.includes(metric)) return { error: `"${metricText}" is not a threshold metric` };
  let value = Number(numberText);
  if (LATENCY.has(metric)) {
    if (unit === '%') return { error: `${metric} is a latency: use ms or s, not %` };
    if (unit === 's') value *= 1000;
  } else if (metric === 'error-rate') {
    if (unit === 'ms' || unit === 's') return { error: 'error-rate is a ratio: use %, e.g. error-rate<1%' };
    if (unit === '%') value /= 100;
    if (value > 1) return { error: 'error-rate above 100% can never be reached' };
  } else if (unit) {
    return { error: 'rps takes a plain number, e.g. rps>=100' };
  }
  return { expr, metric, op: op as ThresholdOp, value };
}

export function thresholdPasses(threshold: Threshold, actual: number): boolean {
  switch (threshold.op) {
    case '<':
      return actual < threshold.value;
    case '<=':
      return actual <= threshold.value;
    case '>':
      return actual > threshold.value;
    case '>=':
      return actual >= threshold.value;
  }
}
