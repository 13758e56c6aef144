/**
 * The check run's output (`orchestra-perf / ENVIRONMENT`): a conclusion from the verdict, a one-line
 * title and the report as the summary, so the check can be a required status. Pure; the GitHub
 * adapter posts it. GitHub caps an output summary at 65,535 characters.
 */
import type { Verdict } from '../stats/compare.js';
import type { ReportInput } from './render.js';
import { renderReport } from './render.js';

export const CHECK_SUMMARY_MAX_LENGTH = 65_535;

export type CheckConclusion = 'success' | 'failure' | 'neutral';

export interface CheckRunOutput {
  name: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
}

/**
 * `failOnRegression` (the `fail-on-regression` option) makes a regression a failing check;
 * otherwise it is neutral, visible without blocking. No baseline is neutral too.
 */
export function renderCheckRun(input: ReportInput, options: { failOnRegression: boolean }): CheckRunOutput {
  const verdict = input.comparison.verdict;
  return {
    name: `orchestra-perf / ${input.environment.replace(/[\r\n]/g, ' ').slice(0, 100)}`,
    conclusion: conclusionFor(verdict, options.failOnRegression),
    title: titleFor(input),
    summary: renderReport(
      input,
      [],
      Math.min(input.maxLength ?? CHECK_SUMMARY_MAX_LENGTH, CHECK_SUMMARY_MAX_LENGTH),
    ),
  };
}

export function conclusionFor(verdict: Verdict, failOnRegression: boolean): CheckConclusion {
  if (verdict === 'regression') return failOnRegression ? 'failure' : 'neutral';
  if (verdict === 'no-baseline') return 'neutral';
  return 'success';
}

/** Plain text (check titles are not Markdown): the verdict and the metrics that moved. */
function titleFor(input: ReportInput): string {
  const { comparison } = input;
  const moved = comparison.metrics.filter(
    (m) => m.verdict === comparison.verdict && m.verdict !== 'unchanged',
  );
  const list = moved.map((m) => m.name).join(', ');
  switch (comparison.verdict) {
    case 'regression':
      return `Regression: ${list}`;
    case 'improvement':
      return `Improvement: ${list}`;
    case 'unchanged':
      return 'No significant change';
    case 'no-baseline':
      return 'No baseline yet';
  }
}
