/**
 * The check run `orchestra-perf / ENVIRONMENT`: the verdict as a conclusion so that it can be made
 * a required check, and the rendered table as its output.
 */
import type { CheckRunRequest, GitHubApi } from './api.js';

export const CHECK_SUMMARY_LIMIT = 65_535;

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'no-baseline';

export function checkRunName(environment: string): string {
  return `orchestra-perf / ${environment}`;
}

/** A regression fails the check only when the config makes it a gate; otherwise it is neutral. */
export function checkConclusion(verdict: Verdict, failOnRegression: boolean): CheckRunRequest['conclusion'] {
  if (verdict === 'regression') return failOnRegression ? 'failure' : 'neutral';
  return 'success';
}

export function checkTitle(verdict: Verdict): string {
  switch (verdict) {
    case 'regression':
      return 'Performance regression';
    case 'improvement':
      return 'Performance improved';
    case 'unchanged':
      return 'No significant performance change';
    case 'no-baseline':
      return 'No baseline yet';
  }
}

export function boundSummary(markdown: string, limit = CHECK_SUMMARY_LIMIT): string {
  if (markdown.length <= limit) return markdown;
  const note = '\n\n_(truncated; the job summary has everything)_';
  return markdown.slice(0, limit - note.length) + note;
}

export interface CheckRunInput {
  environment: string;
  headSha: string;
  verdict: Verdict;
  failOnRegression: boolean;
  /** Markdown (the same table as the comment). */
  summary: string;
  detailsUrl?: string;
}

export function checkRunRequest(input: CheckRunInput): CheckRunRequest {
  return {
    name: checkRunName(input.environment),
    headSha: input.headSha,
    conclusion: checkConclusion(input.verdict, input.failOnRegression),
    title: checkTitle(input.verdict),
    summary: boundSummary(input.summary),
    ...(input.detailsUrl ? { detailsUrl: input.detailsUrl } : {}),
  };
}

export async function createCheckRun(api: GitHubApi, input: CheckRunInput): Promise<{ id: number }> {
  return api.createCheckRun(checkRunRequest(input));
}
