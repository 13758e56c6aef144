/**
 * Carries out a ReportPlan: history -> compare -> render -> job summary (always) -> PR comment ->
 * check run -> history append -> outputs -> gate. Everything is written before the gate fails the
 * run, and every GitHub failure is a warning (the summary always has the report).
 */

import type { ResultHistory } from '../../adapters/local-history.js';
import { describe, GateError } from '../../errors.js';
import type { GitHubApi } from '../../github/api.js';
import { createCheckRun } from '../../github/check-run.js';
import { appendHistory } from '../../github/history-store.js';
import type { Logger } from '../../logger.js';
import type { PerfResult } from '../../result.js';
import type { StageDeps } from '../stage.js';
import { writeArtifact } from './artifact.js';
import type { ReportPlan } from './plan.js';
import { commitTimeOf, compareAndRender, loadBaseline, postComment, type Rendered } from './publish.js';

declare module '../stage.js' {
  interface StageServices {
    /** The GitHub REST API bound to this repository and token; absent outside GitHub or without a token. */
    github?: GitHubApi;
    /** History on this machine, for local runs: the previous run is the baseline. */
    localHistory?: ResultHistory;
  }
}

export async function executeReport(plan: ReportPlan, result: PerfResult, deps: StageDeps): Promise<void> {
  const { logger, services } = deps;
  const github = services.github;
  if (!github && (plan.comment.post || plan.history.read || plan.checkRun.create)) {
    logger.info('no GitHub token: the report goes to the job summary only');
  }

  const local = services.localHistory;
  const baseline =
    local && plan.history.read
      ? await loadLocalBaseline(local, plan.environment, logger)
      : await loadBaseline(
          plan.history.read ? github : undefined,
          { branch: plan.history.branch, environment: plan.environment },
          result.meta.commit,
          logger,
        );
  const rendered = compareAndRender(result, baseline, {
    environment: plan.environment,
    threshold: plan.threshold,
    runUrl: plan.runUrl,
    headSha: plan.headSha,
    ...(plan.comment.prTitle !== undefined ? { prTitle: plan.comment.prTitle } : {}),
    ...(plan.pairedBaselineUrl ? { pairedBaselineUrl: plan.pairedBaselineUrl } : {}),
  });
  if (rendered.pairedFallback) logger.notice(`report: ${rendered.pairedFallback}`);
  const verdict = rendered.comparison.verdict;
  logger.info(`verdict for ${plan.environment}: ${verdict}`);

  await writeSummary(rendered.summary, deps);
  services.outputs?.set('verdict', verdict);

  if (github) {
    await comment(plan, rendered, result, github, logger, services.outputs);
    await checkRun(plan, rendered, github, logger);
    await history(plan, result, github, logger);
  }
  if (plan.artifact.write) await artifact(plan, result, logger);
  if (local && plan.history.append) await appendLocal(local, plan, result, logger);

  if (verdict === 'regression' && plan.failOnRegression) {
    const worst = rendered.comparison.metrics
      .filter((metric) => metric.verdict === 'regression')
      .map((metric) => metric.name);
    throw new GateError(
      `performance regression in ${plan.environment}: ${worst.join(', ') || 'see the report'}`,
      'see the job summary; fix the regression or raise report.regression-threshold / turn off report.fail-on-regression',
    );
  }
}

async function writeSummary(markdown: string, deps: StageDeps): Promise<void> {
  const write = deps.services.writeSummary;
  if (!write) {
    deps.logger.debug('no job summary writer in this run');
    return;
  }
  try {
    await write(markdown);
  } catch (error) {
    deps.logger.warning(`could not write the job summary (${describe(error)})`);
  }
}

async function comment(
  plan: ReportPlan,
  rendered: Rendered,
  result: PerfResult,
  github: GitHubApi,
  logger: Logger,
  outputs: StageDeps['services']['outputs'],
): Promise<void> {
  if (!plan.comment.post || plan.comment.issueNumber === undefined) {
    logger.debug(`no PR comment: ${plan.comment.reason}`);
    return;
  }
  const verdict = rendered.comparison.verdict;
  // on-change: post when the verdict says something changed; otherwise only keep an existing
  // comment current (so it never goes on showing an old regression), and never open a new one.
  const changed = verdict === 'regression' || verdict === 'improvement';
  const createIfMissing = plan.comment.mode !== 'on-change' || changed;
  const commitTime = await commitTimeOf(
    github,
    plan.headSha,
    result.meta.startedAt || new Date().toISOString(),
    logger,
  );
  const outcome = await postComment(
    github,
    {
      issueNumber: plan.comment.issueNumber,
      environment: plan.environment,
      body: rendered.comment,
      headSha: plan.headSha,
      commitTime,
      createIfMissing,
    },
    logger,
  );
  if (outcome && 'url' in outcome && outcome.url) outputs?.set('comment-url', outcome.url);
}

async function checkRun(
  plan: ReportPlan,
  rendered: Rendered,
  github: GitHubApi,
  logger: Logger,
): Promise<void> {
  if (!plan.checkRun.create) return;
  try {
    await createCheckRun(github, {
      environment: plan.environment,
      headSha: plan.headSha,
      verdict: rendered.comparison.verdict,
      failOnRegression: plan.failOnRegression,
      summary: rendered.summary,
      ...(plan.runUrl ? { detailsUrl: plan.runUrl } : {}),
    });
  } catch (error) {
    logger.warning(`could not create the check run (${describe(error)}); grant \`checks: write\` for it`);
  }
}

async function history(
  plan: ReportPlan,
  result: PerfResult,
  github: GitHubApi,
  logger: Logger,
): Promise<void> {
  if (!plan.history.append) return;
  try {
    const outcome = await appendHistory(github, {
      branch: plan.history.branch,
      environment: plan.environment,
      result,
      size: plan.history.size,
      logger,
    });
    if (outcome.status === 'appended')
      logger.info(`history: appended to ${plan.history.branch} (${outcome.size} results)`);
    else if (outcome.status === 'read-only') logger.warning(`history not appended: ${outcome.reason}`);
    else if (outcome.status === 'conflict')
      logger.warning(
        `history not appended: ${outcome.attempts} conflicting writes in a row; the next run appends`,
      );
    // 'corrupt' was reported by the store.
  } catch (error) {
    logger.warning(`history not appended (${describe(error)})`);
  }
}

async function artifact(plan: ReportPlan, result: PerfResult, logger: Logger): Promise<void> {
  // Planned only for pull requests: the number and head SHA come from the event payload.
  if (plan.artifact.prNumber === undefined) return;
  try {
    await writeArtifact(plan.artifact.dir, result, {
      schemaVersion: 1,
      prNumber: plan.artifact.prNumber,
      headSha: plan.headSha,
      environment: plan.environment,
    });
    logger.notice(
      `${plan.artifact.reason}; the result is in ${plan.artifact.dir} for the workflow_run commenter to post`,
    );
  } catch (error) {
    logger.warning(`could not write the PR report artifact (${describe(error)})`);
  }
}

/** Locally every run counts (same commit or not): the newest stored run is the baseline. */
async function loadLocalBaseline(history: ResultHistory, environment: string, logger: Logger) {
  try {
    const results = await history.read(environment);
    if (results.length === 0) logger.info(`no previous local run for ${environment}: no baseline yet`);
    return { history: results, baseline: results.at(-1) };
  } catch (error) {
    logger.warning(`${describe(error)}; ignored (not overwritten), comparing without a baseline`);
    return { history: [], baseline: undefined };
  }
}

async function appendLocal(
  history: ResultHistory,
  plan: ReportPlan,
  result: PerfResult,
  logger: Logger,
): Promise<void> {
  try {
    await history.append(plan.environment, result, plan.history.size);
  } catch (error) {
    logger.warning(`could not store this run in ${history.location(plan.environment)} (${describe(error)})`);
  }
}
