/** The short human table the CLI prints after a smoke run or a merge (the JSON file has the rest). */
import type { LatencySummary, SmokeSideResult } from '../result.js';

export function formatSmokeTable(smoke: SmokeSideResult, title = 'smoke'): string {
  const load =
    smoke.model === 'open'
      ? `open model, ${smoke.rate} req/s`
      : `closed model, ${smoke.connections} connections`;
  const lines = [
    `${title}: ${smoke.url} (${load}, ${smoke.durationS} s${smoke.shard ? `, shard ${smoke.shard}` : ''})`,
    row(
      'requests',
      `${smoke.requests}`,
      `rps ${smoke.rps}`,
      `errors ${smoke.errors} (${percent(smoke.errorRate)})`,
    ),
    row('latency ms', ...latencyCells(smoke.latencyMs)),
    row('cold start', `${smoke.coldStartMs} ms`),
    ...(smoke.sendLagMs
      ? [
          row(
            'send lag ms',
            `p50 ${smoke.sendLagMs.p50}`,
            `p99 ${smoke.sendLagMs.p99}`,
            `max ${smoke.sendLagMs.max}`,
          ),
        ]
      : []),
    row('status', ...Object.entries(smoke.statusCodes).map(([code, count]) => `${code}: ${count}`)),
  ];
  const kinds = Object.entries(smoke.errorsByKind ?? {});
  if (kinds.length > 0) {
    lines.push(
      row(
        'errors',
        ...kinds.map(
          ([kind, count]) =>
            `${kind}: ${count}${smoke.errorMessages?.[kind] ? ` (${smoke.errorMessages[kind]})` : ''}`,
        ),
      ),
    );
  }
  const paths = Object.entries(smoke.paths ?? {});
  if (paths.length > 1) {
    for (const [path, entry] of paths) {
      lines.push(
        row(
          `  ${path}`,
          `${entry.requests} req`,
          `${entry.errors} err`,
          `p50 ${entry.latencyMs.p50}`,
          `p95 ${entry.latencyMs.p95}`,
          `p99 ${entry.latencyMs.p99}`,
        ),
      );
    }
  }
  for (const threshold of smoke.thresholds) {
    lines.push(
      row('threshold', threshold.expr, `actual ${round(threshold.actual)}`, threshold.pass ? 'pass' : 'FAIL'),
    );
  }
  if (smoke.scheduleMissed)
    lines.push('note: the target could not keep up with the schedule at the allowed connections');
  if (smoke.generatorSaturated)
    lines.push('note: the load generator itself was saturated; latencies may be inflated');
  return lines.join('\n');
}

function latencyCells(l: LatencySummary): string[] {
  return [
    `p50 ${l.p50}`,
    `p90 ${l.p90}`,
    `p95 ${l.p95}`,
    `p99 ${l.p99}`,
    ...(l.p999 !== undefined ? [`p99.9 ${l.p999}`] : []),
    `max ${l.max}`,
    `mean ${l.mean}`,
  ];
}

function row(label: string, ...cells: string[]): string {
  return `${label.padEnd(11)} ${cells.join('  ')}`;
}

function percent(fraction: number): string {
  return `${round(fraction * 100)}%`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
