/** Doctor output: a readable list for people, a stable JSON object for CI (`--format json`). */
import type { DoctorReport } from './problem.js';

export function renderText(report: DoctorReport): string {
  const lines = [`checked: ${report.checked.length > 0 ? report.checked.join(', ') : 'nothing found'}`];
  if (report.problems.length === 0) {
    lines.push('no problems found');
    return lines.join('\n');
  }
  lines.push(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}:`);
  for (const p of report.problems) {
    const where = `${p.file}${p.line ? `:${p.line}` : ''}${p.job ? ` (job ${p.job})` : ''}`;
    lines.push(`- ${where}: ${p.message}`, `  fix: ${p.fix}`);
  }
  return lines.join('\n');
}

export function renderJson(report: DoctorReport): string {
  return JSON.stringify({ ok: report.problems.length === 0, ...report }, null, 2);
}
