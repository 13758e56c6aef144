/**
 * What the report stage will do, decided from the config and the run context alone (pure):
 * - the job summary is always written;
 * - the PR comment only on trusted pull requests, per `report.comment` (`on-change` is settled
 *   once the verdict is known); fork and Dependabot PRs get the summary and an artifact for the
 *   `workflow_run` commenter instead, and no GitHub writes at all (SECURITY.md items 9, 11, 12);
 * - history is read whenever the run belongs to a repository, appended only on the default branch;
 * - a check run on trusted runs when `report.check-run` is on.
 */
import { join } from 'node:path';
import type { ReportConfig } from '../../config/schema.js';
import type { RunContext } from '../../run-context.js';
import { type StageInput, type StagePlan, skip } from '../stage.js';

export type CommentMode = ReportConfig['comment'];

export interface ReportPlan {
  environment: string;
  repository: string | undefined;
  threshold: number;
  failOnRegression: boolean;
  runUrl: string;
  /** The commit the report is about: the PR head, else the pushed commit. */
  headSha: string;
  comment: { post: boolean; mode: CommentMode; reason: string; issueNumber?: number; prTitle?: string };
  history: { read: boolean; append: boolean; branch: string; size: number; reason: string };
  checkRun: { create: boolean; reason: string };
  /**
   * The baseline URL the smoke stage was given (smoke.baseline-url, else the deploy's serving
   * revision): when the result has no paired side for it, the report says so and uses history.
   */
  pairedBaselineUrl?: string;
  /** Fork PRs: where the result and its metadata go for the workflow to upload. */
  artifact: { write: boolean; dir: string; reason: string; prNumber?: number };
}

export const ARTIFACT_DIR = join('.orchestra-perf', 'pr-report');

export function planReport(input: StageInput): StagePlan<ReportPlan> {
  const { config, context, result } = input;
  const sections = (['cache', 'build', 'image', 'deploy', 'smoke'] as const).filter(
    (name) => result[name] !== undefined,
  );
  if (sections.length === 0) return skip('no stage produced a result to report');
  const report = config.report;
  const plan: ReportPlan = {
    environment: context.environment,
    repository: context.repository,
    threshold: report['regression-threshold'],
    failOnRegression: report['fail-on-regression'],
    runUrl: context.runUrl,
    headSha: context.sha,
    comment: commentDecision(report.comment, context),
    history: historyDecision(report, context),
    checkRun: checkRunDecision(report['check-run'], context),
    artifact: artifactDecision(context),
  };
  const pairedBaselineUrl = result.smoke
    ? (config.smoke?.['baseline-url'] ?? (result.deploy?.baselineUrl || undefined))
    : undefined;
  if (pairedBaselineUrl) plan.pairedBaselineUrl = pairedBaselineUrl;
  const summary = [
    `report on ${sections.join(', ')} for ${context.environment}; regression threshold ${Math.round(plan.threshold * 1000) / 10}%${plan.failOnRegression ? ', a regression fails the run' : ''}`,
    `job summary: yes`,
    `PR comment: ${plan.comment.post ? `${plan.comment.mode} on #${plan.comment.issueNumber}` : `no (${plan.comment.reason})`}`,
    `check run: ${plan.checkRun.create ? 'yes' : `no (${plan.checkRun.reason})`}`,
    `history: ${plan.history.read ? `read ${plan.history.branch}` : 'not read'}${plan.history.append ? ', append' : ''} (${plan.history.reason})`,
  ];
  if (plan.pairedBaselineUrl) summary.push('baseline: the paired run first, stored history as the fallback');
  if (plan.artifact.write) summary.push(`artifact for the workflow_run commenter: ${plan.artifact.dir}`);
  return { run: true, plan, summary };
}

function commentDecision(mode: CommentMode, context: RunContext): ReportPlan['comment'] {
  const pr = context.pullRequest;
  if (mode === 'never') return { post: false, mode, reason: 'report.comment is never' };
  if (!pr) return { post: false, mode, reason: 'not a pull request' };
  if (context.untrustedPullRequest) {
    return {
      post: false,
      mode,
      reason: `${context.untrustedReason ?? 'untrusted pull request'}: the workflow_run commenter posts it from the artifact`,
    };
  }
  if (!context.repository) return { post: false, mode, reason: 'no repository (not on GitHub)' };
  return {
    post: true,
    mode,
    reason: `pull request #${pr.number}`,
    issueNumber: pr.number,
    prTitle: pr.title,
  };
}

function historyDecision(report: ReportConfig, context: RunContext): ReportPlan['history'] {
  const base = { branch: report['history-branch'], size: report['history-size'] };
  if (!context.inActions) {
    return { ...base, read: true, append: true, reason: 'local run: the previous local run is the baseline' };
  }
  if (!context.repository) return { ...base, read: false, append: false, reason: 'not on GitHub' };
  if (context.pullRequest)
    return { ...base, read: true, append: false, reason: 'pull requests only read the history' };
  if (!context.isDefaultBranch) {
    return {
      ...base,
      read: true,
      append: false,
      reason: `only the default branch${context.defaultBranch ? ` (${context.defaultBranch})` : ''} appends`,
    };
  }
  return { ...base, read: true, append: true, reason: 'default branch' };
}

function checkRunDecision(enabled: boolean, context: RunContext): ReportPlan['checkRun'] {
  if (!enabled) return { create: false, reason: 'report.check-run is off' };
  if (!context.repository || !context.sha) return { create: false, reason: 'not on GitHub' };
  if (context.untrustedPullRequest)
    return { create: false, reason: 'untrusted pull request: read-only token' };
  return { create: true, reason: 'trusted run' };
}

function artifactDecision(context: RunContext): ReportPlan['artifact'] {
  const dir = join(context.workspace, ARTIFACT_DIR);
  if (context.pullRequest && context.untrustedPullRequest) {
    return {
      write: true,
      dir,
      reason: `${context.untrustedReason ?? 'untrusted pull request'}: no GitHub writes from this run`,
      prNumber: context.pullRequest.number,
    };
  }
  return { write: false, dir, reason: 'trusted run' };
}
