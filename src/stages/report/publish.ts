/**
 * The steps the report stage and the `report` command share: load the baseline history, compare,
 * render, and post the sticky comment. Each step turns GitHub failures into warnings: a report
 * that cannot be posted must never cost the job (the summary carries it).
 */
import { describe } from '../../errors.js';
import type { GitHubApi } from '../../github/api.js';
import { readHistory } from '../../github/history-store.js';
import { type StickyCommentOutcome, upsertStickyComment } from '../../github/sticky-comment.js';
import type { Logger } from '../../logger.js';
import { renderComment } from '../../report/comment.js';
import type { ReportInput } from '../../report/render.js';
import { renderSummary } from '../../report/summary.js';
import type { PerfResult } from '../../result.js';
import { type Comparison, compareResults } from '../../stats/compare.js';
import { fallbackNotice, pairedBaselineStatus, withoutPairedSide } from './paired-baseline.js';

export interface Baseline {
  /** Baseline runs, oldest first, without the current commit's own earlier runs. */
  history: PerfResult[];
  baseline: PerfResult | undefined;
}

export async function loadBaseline(
  api: GitHubApi | undefined,
  where: { branch: string; environment: string },
  currentCommit: string,
  logger: Logger,
): Promise<Baseline> {
  if (!api) return { history: [], baseline: undefined };
  try {
    const read = await readHistory(api, where);
    if (read.status === 'missing') {
      logger.info(`no history yet on ${where.branch} for ${where.environment}: no baseline to compare with`);
      return { history: [], baseline: undefined };
    }
    if (read.status === 'corrupt') {
      logger.warning(
        `history for ${where.environment} on ${where.branch} is not usable (${read.reason}); ignored, comparing without a baseline`,
      );
      return { history: [], baseline: undefined };
    }
    const history = read.results.filter((entry) => !currentCommit || entry.meta.commit !== currentCommit);
    return { history, baseline: history.at(-1) };
  } catch (error) {
    logger.warning(`could not read the perf history (${describe(error)}); comparing without a baseline`);
    return { history: [], baseline: undefined };
  }
}

export interface Rendered {
  comparison: Comparison;
  /** Why the paired baseline side was not used, when one was expected or present. */
  pairedFallback?: string;
  input: ReportInput;
  comment: string;
  summary: string;
}

export function compareAndRender(
  measured: PerfResult,
  baseline: Baseline,
  options: {
    environment: string;
    threshold: number;
    runUrl?: string;
    headSha?: string;
    prTitle?: string;
    /** The baseline URL this run was configured with: its absence from the result is reported. */
    pairedBaselineUrl?: string;
  },
): Rendered {
  // The paired side first; history when it is missing or broken (said in a note and returned).
  const paired = pairedBaselineStatus(measured, options.pairedBaselineUrl);
  const fallback =
    paired.status === 'unreachable' || paired.status === 'broken'
      ? fallbackNotice(paired, baseline.history.length, baseline.baseline !== undefined)
      : undefined;
  const current = paired.status === 'broken' ? withoutPairedSide(measured) : measured;
  const comparison = compareResults(current, {
    threshold: options.threshold,
    history: baseline.history,
    ...(baseline.baseline ? { baseline: baseline.baseline } : {}),
  });
  if (fallback) comparison.notes.unshift(fallback);
  const input: ReportInput = {
    environment: options.environment,
    current,
    comparison,
    history: baseline.history,
    ...(baseline.baseline ? { baseline: baseline.baseline } : {}),
    ...(options.runUrl ? { runUrl: options.runUrl } : {}),
    ...(options.headSha ? { headSha: options.headSha } : {}),
    ...(options.prTitle !== undefined ? { prTitle: options.prTitle } : {}),
  };
  // Room for the revision marker the sticky comment adds after the environment marker.
  return {
    comparison,
    ...(fallback ? { pairedFallback: fallback } : {}),
    input,
    comment: renderComment({ ...input, maxLength: 65_536 - 200 }),
    summary: renderSummary(input),
  };
}

/** The commit time that orders results for "never overwrite a newer SHA". */
export async function commitTimeOf(
  api: GitHubApi,
  sha: string,
  fallback: string,
  logger: Logger,
): Promise<string> {
  try {
    return (await api.commitDate(sha)) ?? fallback;
  } catch (error) {
    logger.debug(`commit date of ${sha} unavailable (${describe(error)}); using ${fallback}`);
    return fallback;
  }
}

export async function postComment(
  api: GitHubApi,
  request: {
    issueNumber: number;
    environment: string;
    body: string;
    headSha: string;
    commitTime: string;
    createIfMissing?: boolean;
  },
  logger: Logger,
): Promise<StickyCommentOutcome | undefined> {
  try {
    const outcome = await upsertStickyComment(api, request, logger);
    switch (outcome.action) {
      case 'forbidden':
        logger.warning(
          `cannot comment on #${request.issueNumber} (${outcome.message}); the report is in the job summary. Grant \`pull-requests: write\` to comment.`,
        );
        break;
      case 'not-created':
        logger.info('no PR comment: report.comment is on-change and nothing changed');
        break;
      case 'kept-newer':
        logger.info(
          `PR comment left as is: it already shows ${outcome.newerSha.slice(0, 7)}, a newer commit`,
        );
        break;
      default:
        logger.info(`PR comment ${outcome.action} on #${request.issueNumber}`);
    }
    return outcome;
  } catch (error) {
    logger.warning(`could not post the PR comment (${describe(error)}); the report is in the job summary`);
    return undefined;
  }
}
