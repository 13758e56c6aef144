/**
 * Whether the paired baseline side (`smoke.baseline`, the serving revision measured in the same
 * window) can be the report's baseline, and what to say when it cannot. The paired side comes
 * first; stored history is the fallback when the side is missing (the baseline target did not
 * answer the pre-flight) or broken (it stopped answering during the run: comparing with half a
 * run of connection errors would call the PR an improvement). Pure.
 */
import { redactUrl } from '../../loadgen/request.js';
import type { PerfResult } from '../../result.js';

/**
 * Above this share of transport failures (no HTTP response: refused, reset, timeout, ...), the
 * baseline target is taken as down, not as slow. HTTP error statuses do not count: a baseline that
 * answers 5xx is a real baseline.
 */
export const BROKEN_BASELINE_SHARE = 0.05;

export type PairedStatus =
  | { status: 'paired' }
  | { status: 'none' }
  | { status: 'unreachable' | 'broken'; url: string; reason: string };

/** `expectedUrl`: the baseline URL the run was configured with (smoke.baseline-url or the deploy's). */
export function pairedBaselineStatus(result: PerfResult, expectedUrl: string | undefined): PairedStatus {
  const smoke = result.smoke;
  if (!smoke) return { status: 'none' };
  const side = smoke.baseline;
  if (!side) {
    return expectedUrl
      ? {
          status: 'unreachable',
          url: safeUrl(expectedUrl),
          reason: 'it did not answer the pre-flight request, so only this revision was measured',
        }
      : { status: 'none' };
  }
  const transport = Object.entries(side.errorsByKind ?? {})
    .filter(([kind]) => kind !== 'http-status')
    .reduce((sum, [, count]) => sum + count, 0);
  if (side.requests > 0 && transport / side.requests > BROKEN_BASELINE_SHARE) {
    const kinds = Object.entries(side.errorsByKind ?? {})
      .filter(([kind, count]) => kind !== 'http-status' && count > 0)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ');
    return {
      status: 'broken',
      url: side.url,
      reason: `it stopped answering during the run (${transport} of ${side.requests} requests failed: ${kinds})`,
    };
  }
  return { status: 'paired' };
}

/** The result without its paired side, for comparing against history instead. */
export function withoutPairedSide(result: PerfResult): PerfResult {
  if (!result.smoke?.baseline) return result;
  const { baseline: _dropped, ...smoke } = result.smoke;
  return { ...result, smoke };
}

/** The sentence for the log and the report when the paired side is not used. */
export function fallbackNotice(
  status: Extract<PairedStatus, { url: string }>,
  historyRuns: number,
  hasBaselineRun: boolean,
): string {
  const instead =
    historyRuns > 0
      ? `smoke metrics are compared with stored history (${historyRuns} run${historyRuns === 1 ? '' : 's'}) instead`
      : hasBaselineRun
        ? 'smoke metrics are compared with the stored baseline run instead'
        : 'and there is no stored history either: no baseline for the smoke metrics';
  return `Paired baseline ${status.url} not used: ${status.reason}; ${instead}.`;
}

/** Credentials in a configured URL never reach a log line or a comment. */
function safeUrl(url: string): string {
  try {
    return redactUrl(new URL(url));
  } catch {
    return '(unparsable URL)';
  }
}
