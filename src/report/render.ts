/**
 * The report body shared by the PR comment and the job summary: verdict first, then the metrics
 * table, the charts, the collapsible details and the run link, fitted under a length budget by
 * trimming details first (rows, then whole sections), then charts; the verdict and the table are
 * never trimmed.
 */
import type { PerfResult } from '../result.js';
import type { Comparison, MetricComparison } from '../stats/compare.js';
import { metricSpec } from '../stats/metrics.js';
import { type DetailsSection, detailsSections, footer, renderSection } from './details.js';
import { escapeText } from './escape.js';
import { formatChange, formatPercent, formatValue } from './format.js';
import { CHART_PERCENTILES, latencyChart, type PercentileValues, p95TrendChart } from './mermaid.js';

export interface ReportInput {
  environment: string;
  current: PerfResult;
  comparison: Comparison;
  /** Baseline runs, oldest first: the p95 trend chart. */
  history?: PerfResult[];
  /** The single baseline result, when there is one: per-path and per-task baselines in the details. */
  baseline?: PerfResult;
  runUrl?: string;
  headSha?: string;
  prTitle?: string;
  maxLength?: number;
}

const ICON = { regression: '🔴', improvement: '🟢', unchanged: '⚪', 'no-baseline': '⚪' } as const;

export function renderReport(input: ReportInput, prefix: string[], maxLength: number): string {
  const essential = [
    ...prefix,
    ...headline(input),
    '',
    ...metricsTable(input.comparison),
    '',
    ...notes(input.comparison),
  ];
  const charts = chartBlocks(input);
  const sections = detailsSections(input.current, detailsBaseline(input), input.comparison);
  const end = footer(input.runUrl, input.headSha, input.current);

  const assemble = (rowCap: number | undefined, keptSections: number, keepCharts: boolean): string => {
    const blocks = [essential.join('\n')];
    if (keepCharts) blocks.push(...charts);
    const kept = sections.slice(0, keptSections).map((section) => renderSection(section, rowCap));
    if (kept.length > 0) blocks.push(kept.join('\n\n'));
    const dropped = sections.length - keptSections;
    const trimmed =
      dropped > 0 || !keepCharts || (rowCap !== undefined && sections.some((s) => s.rows.length > rowCap));
    if (trimmed) blocks.push(trimNote(sections.slice(keptSections), keepCharts ? 0 : charts.length));
    blocks.push(end);
    return `${blocks.join('\n\n')}\n`;
  };

  for (const rowCap of [undefined, 200, 50, 10, 3]) {
    const body = assemble(rowCap, sections.length, true);
    if (body.length <= maxLength) return body;
  }
  for (let kept = sections.length - 1; kept >= 0; kept--) {
    const body = assemble(3, kept, true);
    if (body.length <= maxLength) return body;
  }
  const bare = assemble(3, 0, false);
  if (bare.length <= maxLength) return bare;
  // Only a budget smaller than the table itself gets here: keep the top, which holds the verdict.
  return `${bare.slice(0, Math.max(0, maxLength - 2))}\n`;
}

function trimNote(droppedSections: DetailsSection[], droppedCharts: number): string {
  const what = droppedSections.map((section) => section.title.toLowerCase());
  if (droppedCharts > 0) what.push('charts');
  return what.length > 0
    ? `_Trimmed to fit the size limit: ${what.join(', ')} not shown; the workflow run has the full result._`
    : '_Trimmed to fit the size limit: long tables shortened; the workflow run has the full result._';
}

function headline(input: ReportInput): string[] {
  const { comparison } = input;
  const env = escapeText(input.environment, 100);
  const title = {
    regression: `Performance regression in ${env}`,
    improvement: `Performance improved in ${env}`,
    unchanged: `No significant performance change in ${env}`,
    'no-baseline': `No baseline yet for ${env}`,
  }[comparison.verdict];
  const lines = [`### ${ICON[comparison.verdict]} ${title}`, ''];
  const moved = comparison.metrics.filter(
    (m) => m.verdict === comparison.verdict && m.verdict !== 'unchanged',
  );
  if (comparison.verdict === 'no-baseline') {
    lines.push(
      'Nothing to compare against yet: the table shows this run alone. Runs on the default branch become the baseline.',
    );
  } else if (moved.length > 0) {
    lines.push(moved.map(describeMove).join(' · '));
  } else {
    lines.push(
      `Every judged metric is within the noise or within ${formatPercent(comparison.threshold)} of the baseline.`,
    );
  }
  if (input.prTitle) lines.push('', `PR: ${escapeText(input.prTitle, 200)}`);
  return lines;
}

function describeMove(metric: MetricComparison): string {
  const spec = metricSpec(metric.name);
  return `**${spec.label}** ${formatChange(metric.change, metric.baseline !== null)} (${formatValue(metric.baseline, metric.unit)} → ${formatValue(metric.current, metric.unit)})`;
}

function metricsTable(comparison: Comparison): string[] {
  const rows = comparison.metrics.map((metric) => {
    const spec = metricSpec(metric.name);
    return `| ${spec.label} | ${formatValue(metric.baseline, metric.unit)} | ${formatValue(metric.current, metric.unit)} | ${formatChange(metric.change, metric.baseline !== null)} | ${significanceMark(metric)} |`;
  });
  const baselineHeader =
    comparison.basis === 'paired'
      ? 'Baseline (paired)'
      : comparison.basis === 'history'
        ? 'Baseline (median)'
        : 'Baseline';
  return [
    `| Metric | ${baselineHeader} | This PR | Change | Significance |`,
    '|---|---:|---:|---:|---|',
    ...rows,
  ];
}

function formatFloor(unit: MetricComparison['unit'], floor: number): string {
  if (unit === 'bytes') return `${floor / (1024 * 1024)} MiB`;
  return floor >= 1000 ? `${floor / 1000} s` : `${floor} ms`;
}

export function significanceMark(metric: MetricComparison): string {
  const method = metric.significance?.method;
  switch (metric.verdict) {
    case 'no-baseline':
      return 'no baseline';
    case 'regression':
    case 'improvement':
      return `${ICON[metric.verdict]} ${metric.verdict}${method === 'threshold-only' ? ' (threshold only)' : ` ${interval(metric)}`}`.trimEnd();
    case 'unchanged':
      if (method === 'not-judged') return 'not judged';
      if (metric.belowFloor !== undefined)
        return `below the ${formatFloor(metric.unit, metric.belowFloor)} floor`;
      if (metric.significance && !metric.significance.outsideNoise)
        return `within noise ${interval(metric)}`.trimEnd();
      return 'within threshold';
  }
}

function interval(metric: MetricComparison): string {
  const sig = metric.significance;
  if (sig?.interval) {
    return `(${formatChange(sig.interval.low, true)} … ${formatChange(sig.interval.high, true)})`;
  }
  if (sig?.band) {
    return `(band ${formatValue(sig.band.low, metric.unit)} … ${formatValue(sig.band.high, metric.unit)})`;
  }
  if (sig?.pValue !== undefined) return `(p = ${sig.pValue < 0.001 ? '< 0.001' : sig.pValue.toFixed(3)})`;
  return '';
}

function notes(comparison: Comparison): string[] {
  return comparison.notes.map((note) => `<sub>${escapeText(note, 400)}</sub><br>`);
}

function chartBlocks(input: ReportInput): string[] {
  const values = (pick: (m: MetricComparison) => number | null): PercentileValues | null => {
    const out: Partial<PercentileValues> = {};
    for (const p of CHART_PERCENTILES) {
      const metric = input.comparison.metrics.find((m) => m.name === p);
      const value = metric ? pick(metric) : null;
      if (value === null || !Number.isFinite(value)) return null;
      out[p] = value;
    }
    return out as PercentileValues;
  };
  const blocks = [
    latencyChart(
      values((m) => m.current),
      values((m) => m.baseline),
    ),
    p95TrendChart(input.history, input.current),
  ];
  return blocks.filter((block): block is string => block !== null);
}

function detailsBaseline(input: ReportInput): PerfResult | undefined {
  const pairedSide = input.current.smoke?.baseline;
  if (pairedSide) {
    // Smoke details against the paired side; build and image only against a real baseline run.
    const other = input.baseline ?? input.history?.at(-1);
    return { ...(other ?? { schemaVersion: 1, meta: input.current.meta }), smoke: pairedSide };
  }
  return input.baseline ?? input.history?.at(-1);
}
