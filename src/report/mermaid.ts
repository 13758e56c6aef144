/**
 * Mermaid charts for the comment (GitHub renders ```mermaid blocks): latency percentiles baseline
 * vs this PR, and the p95 trend over the history. Only numbers and fixed labels go in; outside
 * text never reaches a chart, so a chart cannot be used to inject anything.
 */
import type { PerfResult } from '../result.js';

export const CHART_PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const;
export type PercentileValues = Record<(typeof CHART_PERCENTILES)[number], number>;

/** Bars side by side per percentile ("base" then "PR"), or this PR alone without a baseline. */
export function latencyChart(
  current: PercentileValues | null,
  baseline: PercentileValues | null,
): string | null {
  if (!current) return null;
  const labels: string[] = [];
  const values: number[] = [];
  for (const p of CHART_PERCENTILES) {
    if (baseline) {
      labels.push(`"${p} base"`);
      values.push(baseline[p]);
    }
    labels.push(baseline ? `"${p} PR"` : p);
    values.push(current[p]);
  }
  return [
    '```mermaid',
    'xychart-beta',
    `  title "Latency (ms): ${baseline ? 'baseline vs this PR' : 'this PR'}"`,
    `  x-axis [${labels.join(', ')}]`,
    `  y-axis "ms" 0 --> ${niceMax(Math.max(...values))}`,
    `  bar [${values.map(num).join(', ')}]`,
    '```',
  ].join('\n');
}

/** p95 of each history run, oldest first, then this run; null with fewer than two points. */
export function p95TrendChart(
  history: readonly PerfResult[] | undefined,
  current: PerfResult,
): string | null {
  const points = (history ?? [])
    .map((run) => run.smoke?.latencyMs?.p95)
    .filter(isNum)
    .slice(-30);
  const now = current.smoke?.latencyMs?.p95;
  if (!isNum(now) || points.length < 2) return null;
  const all = [...points, now];
  const labels = all.map((_, i) => (i === all.length - 1 ? '"PR"' : `"${i - points.length}"`));
  return [
    '```mermaid',
    'xychart-beta',
    `  title "p95 latency (ms): last ${points.length} baseline runs, then this PR"`,
    `  x-axis [${labels.join(', ')}]`,
    `  y-axis "ms" 0 --> ${niceMax(Math.max(...all))}`,
    `  line [${all.map(num).join(', ')}]`,
    '```',
  ].join('\n');
}

function isNum(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** A round axis maximum a little above the data. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * magnitude >= max * 1.1) return Math.round(step * magnitude * 100) / 100;
  }
  return 10 * magnitude;
}
