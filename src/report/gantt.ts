/**
 * A Mermaid Gantt chart of a build run for the job summary: one bar per task that ran, from its
 * start to its end, critical-path tasks marked `crit`. Pure: result in, Markdown out. Task names
 * and numbers may come from an untrusted result file (a fork's artifact), so names are reduced to
 * characters Mermaid and Markdown cannot misread, and numbers must be finite and non-negative.
 */
import type { BuildResult, TaskStatus } from '../result.js';

const MAX_NAME = 60;

export function renderBuildGantt(build: BuildResult): string {
  const critical = new Set(build.criticalPath ?? []);
  const bars = build.tasks.filter(
    (task) => isTime(task.startMs) && isTime(task.durationMs) && task.status !== 'skipped',
  );
  if (bars.length === 0) return '';
  const lines = [
    '```mermaid',
    'gantt',
    `  title Build: ${seconds(build.totalMs)} total, critical path ${seconds(build.criticalPathMs)}`,
    '  dateFormat x',
    '  axisFormat %M:%S',
    '  section tasks',
  ];
  bars.forEach((task, i) => {
    const start = Math.round(task.startMs!);
    // A zero-length bar is not drawn; give every bar at least a millisecond.
    const end = start + Math.max(1, Math.round(task.durationMs));
    const tags = [...(critical.has(task.name) ? ['crit'] : []), ...statusTag(task.status)];
    const label =
      task.status === 'success' ? escapeName(task.name) : `${escapeName(task.name)} (${task.status})`;
    lines.push(`  ${label} :${[...tags, `t${i}`, String(start), String(end)].join(', ')}`);
  });
  lines.push('```');
  return lines.join('\n');
}

/** Letters, digits, space and `. _ -` only: no `:` `;` `#` (Mermaid syntax), no backticks or newlines. */
export function escapeName(name: string): string {
  const safe = String(name)
    .replace(/[^\w. -]/g, '_')
    .trim();
  const short = safe.length > MAX_NAME ? `${safe.slice(0, MAX_NAME - 1)}…` : safe;
  return short || '_';
}

function statusTag(status: TaskStatus): string[] {
  if (status === 'success') return ['done'];
  if (status === 'failure' || status === 'timeout') return ['active'];
  return [];
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function seconds(ms: unknown): string {
  return isTime(ms) ? `${(ms / 1000).toFixed(1)}s` : '?';
}
