/** The pipeline's part of the job summary: what ran, what was skipped and why (pure). */
import type { StageOutcome } from '../pipeline.js';
import { renderBuildGantt } from '../report/gantt.js';
import type { PerfResult } from '../result.js';

const ICON: Record<StageOutcome['status'], string> = {
  success: '✅',
  skipped: '⏭️',
  failed: '❌',
  warning: '⚠️',
};

export function renderRunSummary(
  result: PerfResult,
  stages: readonly StageOutcome[],
  notices: readonly string[] = [],
): string {
  const lines = [`### orchestra-perf · ${escapeCell(result.meta.environment)}`, ''];
  for (const notice of notices) lines.push(`> ${escapeCell(notice)}`, '');
  lines.push('| stage | status | time | details |', '|---|---|---:|---|');
  for (const stage of stages) {
    const details = stage.reason ?? (stage.summary ?? []).join('; ');
    lines.push(
      `| ${stage.stage} | ${ICON[stage.status]} ${stage.status} | ${stage.status === 'skipped' ? '' : formatMs(stage.durationMs)} | ${escapeCell(details)} |`,
    );
  }
  lines.push('');
  if (result.build && result.build.tasks.length > 0)
    lines.push('#### Build', '', renderBuildGantt(result.build), '');
  return lines.join('\n');
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/** Table cells: no pipes, no HTML, no newlines from the outside world. */
export function escapeCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '&#96;')
    .replace(/\r?\n/g, ' ');
}
