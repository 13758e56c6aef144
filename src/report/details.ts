/**
 * The collapsible details of the comment: per-path latency, smoke run, build tasks, cache layers,
 * image, deploy. Each section is a title plus table rows, so the length budget can cut rows (and
 * then whole sections) without ever producing broken Markdown.
 */
import type { PerfResult } from '../result.js';
import type { Comparison } from '../stats/compare.js';
import { escapeText, link, shortSha } from './escape.js';
import { formatBytes, formatChange, formatMs, formatPercent } from './format.js';

export interface DetailsSection {
  title: string;
  /** Lines before the rows (a table header, a sentence). */
  head: string[];
  rows: string[];
  /** Lines after the rows. */
  tail?: string[];
}

/** Renders a section keeping at most `maxRows` rows (all when undefined). */
export function renderSection(section: DetailsSection, maxRows?: number): string {
  const rows = maxRows === undefined ? section.rows : section.rows.slice(0, maxRows);
  const cut = section.rows.length - rows.length;
  const lines = [
    '<details>',
    `<summary>${section.title}</summary>`,
    '',
    ...section.head,
    ...rows,
    ...(cut > 0 ? ['', `_${cut} more row${cut === 1 ? '' : 's'} not shown (comment size limit)._`] : []),
    ...(section.tail ?? []),
    '',
    '</details>',
  ];
  return lines.join('\n');
}

export function detailsSections(
  current: PerfResult,
  baseline: PerfResult | undefined,
  comparison: Comparison,
): DetailsSection[] {
  return [
    pathsSection(current, baseline),
    smokeSection(current),
    buildSection(current, baseline),
    cacheSection(comparison),
    imageSection(current),
    deploySection(current),
  ].filter((section): section is DetailsSection => section !== null);
}

function pathsSection(current: PerfResult, baseline: PerfResult | undefined): DetailsSection | null {
  const paths = current.smoke?.paths;
  if (!paths || Object.keys(paths).length === 0) return null;
  const before = baseline?.smoke?.paths ?? {};
  // Slowest first, so a trimmed table still shows the paths that matter.
  const entries = Object.entries(paths).sort(
    ([, a], [, b]) => (b.latencyMs?.p95 ?? 0) - (a.latencyMs?.p95 ?? 0),
  );
  const rows = entries.map(([path, stats]) => {
    const p95 = stats.latencyMs?.p95;
    const baseP95 = Object.hasOwn(before, path) ? before[path]?.latencyMs?.p95 : undefined;
    const change =
      typeof baseP95 === 'number' && baseP95 > 0 && typeof p95 === 'number'
        ? (p95 - baseP95) / baseP95
        : null;
    return `| ${escapeText(path, 120)} | ${count(stats.requests)} | ${count(stats.errors)} | ${ms(stats.latencyMs?.p50)} | ${ms(p95)} | ${ms(stats.latencyMs?.p99)} | ${ms(baseP95)} | ${formatChange(change, typeof baseP95 === 'number')} |`;
  });
  return {
    title: 'Per-path latency',
    head: [
      '| Path | Requests | Errors | p50 | p95 | p99 | Baseline p95 | Change |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ],
    rows,
  };
}

function smokeSection(current: PerfResult): DetailsSection | null {
  const smoke = current.smoke;
  if (!smoke) return null;
  const load =
    smoke.model === 'open'
      ? `open model, ${num(smoke.rate)} req/s`
      : `closed model, ${num(smoke.connections)} connections`;
  const rows = [
    `| Load | ${escapeText(load)} for ${num(smoke.durationS)} s |`,
    `| Requests | ${count(smoke.requests)} (${count(smoke.errors)} errors, ${ratio(smoke.errorRate)}) |`,
    `| Cold start | ${ms(smoke.coldStartMs)} |`,
    `| Status codes | ${keyCounts(smoke.statusCodes)} |`,
  ];
  if (smoke.errorsByKind && Object.keys(smoke.errorsByKind).length > 0) {
    rows.push(`| Errors by kind | ${keyCounts(smoke.errorsByKind)} |`);
  }
  if (smoke.generatorSaturated)
    rows.push('| Warning | the load generator was saturated: latencies include its own delay |');
  if (smoke.scheduleMissed)
    rows.push('| Warning | the request schedule was missed: the offered rate was not reached |');
  for (const threshold of smoke.thresholds ?? []) {
    rows.push(
      `| Threshold ${escapeText(threshold.expr, 60)} | ${threshold.pass ? 'pass' : '**fail**'} (actual ${num(threshold.actual)}) |`,
    );
  }
  if (smoke.baseline) {
    rows.push(
      `| Paired baseline | ${count(smoke.baseline.requests)} requests, ${ratio(smoke.baseline.errorRate)} errors, same time window |`,
    );
  }
  return { title: 'Smoke run', head: ['| | |', '|---|---|'], rows };
}

function buildSection(current: PerfResult, baseline: PerfResult | undefined): DetailsSection | null {
  const build = current.build;
  if (!build) return null;
  const before = new Map((baseline?.build?.tasks ?? []).map((task) => [task.name, task.durationMs]));
  const critical = new Set(build.criticalPath ?? []);
  const rows = (build.tasks ?? []).map((task) => {
    const base = before.get(task.name);
    const change = typeof base === 'number' && base > 0 ? (task.durationMs - base) / base : null;
    const mark = critical.has(task.name) ? ' (critical path)' : '';
    return `| ${escapeText(task.name, 100)}${mark} | ${escapeText(task.status, 20)} | ${ms(task.durationMs)} | ${ms(base)} | ${formatChange(change, typeof base === 'number')} |`;
  });
  const tail = [
    '',
    `Total ${ms(build.totalMs)}, critical path ${ms(build.criticalPathMs)}${build.criticalPath?.length ? `: ${build.criticalPath.map((name) => escapeText(name, 60)).join(' → ')}` : ''}.`,
  ];
  return {
    title: 'Build tasks',
    head: ['| Task | Status | Duration | Baseline | Change |', '|---|---|---:|---:|---:|'],
    rows,
    tail,
  };
}

function cacheSection(comparison: Comparison): DetailsSection | null {
  const layers = comparison.cacheLayers;
  if (!layers || layers.length === 0) return null;
  const rows = layers.map(
    (layer) =>
      `| ${escapeText(layer.name, 80)} | ${escapeText(layer.current ?? '—', 10)} | ${escapeText(layer.baseline ?? '—', 10)} | ${ms(layer.restoreMs)} | ${ms(layer.baselineRestoreMs)} | ${bytes(layer.sizeBytes)} |`,
  );
  return {
    title: 'Cache layers',
    head: [
      '| Layer | Hit | Baseline hit | Restore | Baseline restore | Size |',
      '|---|---|---|---:|---:|---:|',
    ],
    rows,
  };
}

function imageSection(current: PerfResult): DetailsSection | null {
  const image = current.image;
  if (!image) return null;
  const rows = [
    `| Reference | ${escapeText(image.ref, 300)} |`,
    `| Digest | ${escapeText(image.digest, 100)} |`,
    `| Size | ${bytes(image.sizeBytes)} |`,
    `| Build time | ${ms(image.buildMs)} |`,
  ];
  if (image.cacheBackend) rows.push(`| Cache backend | ${escapeText(image.cacheBackend, 40)} |`);
  if (typeof image.cachedSteps === 'number' && typeof image.totalSteps === 'number') {
    rows.push(`| Cached steps | ${count(image.cachedSteps)} of ${count(image.totalSteps)} |`);
  }
  return { title: 'Image', head: ['| | |', '|---|---|'], rows };
}

function deploySection(current: PerfResult): DetailsSection | null {
  const deploy = current.deploy;
  if (!deploy) return null;
  const rows = [
    `| Target | ${escapeText(deploy.target, 40)} |`,
    `| URL | ${link(deploy.url, deploy.url)} |`,
    `| Revision | ${escapeText(deploy.revision, 120)} |`,
    `| Ready after | ${ms(deploy.readyMs)} |`,
  ];
  if (deploy.rolledBack)
    rows.push('| Rolled back | yes: the smoke stage failed and traffic went back to the previous revision |');
  return { title: 'Deploy', head: ['| | |', '|---|---|'], rows };
}

/** The footer: run link and commit, never trimmed (short and bounded). */
export function footer(runUrl: string | undefined, headSha: string | undefined, current: PerfResult): string {
  const url = runUrl ?? current.meta?.runUrl;
  const sha = headSha ?? current.meta?.commit;
  const parts: string[] = [];
  if (sha) parts.push(`commit ${shortSha(sha)}`);
  if (url) parts.push(link('workflow run', url));
  parts.push('orchestra-perf');
  return `<sub>${parts.join(' · ')}</sub>`;
}

function ms(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? formatMs(value) : '—';
}
function bytes(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? formatBytes(value) : '—';
}
function ratio(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? formatPercent(value) : '—';
}
function count(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '—';
}
function num(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '—';
}
function keyCounts(record: Record<string, number> | undefined): string {
  const entries = Object.entries(record ?? {});
  if (entries.length === 0) return '—';
  return entries
    .slice(0, 50)
    .map(([key, value]) => `${escapeText(key, 40)}: ${count(value)}`)
    .join(', ');
}
