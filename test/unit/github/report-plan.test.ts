import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { githubRunContext } from '../../../src/github/context.js';
import { planReport, type ReportPlan } from '../../../src/stages/report/plan.js';
import { pullRequestContext, pushContext } from '../../fixtures/github/contexts.js';
import { perfResult } from '../../fixtures/github/results.js';

const result = perfResult('a'.repeat(40), 100);
const config = (report: Record<string, unknown> = {}) => configSchema.parse({ report });
const planOf = (input: Parameters<typeof planReport>[0]): ReportPlan => {
  const planned = planReport(input);
  if (!planned.run) throw new Error(`skipped: ${planned.reason}`);
  return planned.plan;
};

describe('report plan', () => {
  it('trusted PR: comment, check run, history read only', () => {
    const plan = planOf({ config: config(), context: pullRequestContext('http://x'), result });
    expect(plan.comment).toMatchObject({
      post: true,
      mode: 'always',
      issueNumber: 7,
      prTitle: 'Speed up items',
    });
    expect(plan.checkRun.create).toBe(true);
    expect(plan.history).toMatchObject({
      read: true,
      append: false,
      branch: 'orchestra-perf-data',
      size: 100,
    });
    expect(plan.artifact.write).toBe(false);
    expect(plan.headSha).toBe('c0ffee'.padEnd(40, '0'));
  });

  it('fork PR: no comment, no check run, no append; an artifact instead', () => {
    const plan = planOf({
      config: config(),
      context: pullRequestContext('http://x', { fork: true }),
      result,
    });
    expect(plan.comment.post).toBe(false);
    expect(plan.comment.reason).toMatch(/fork outsider\/api/);
    expect(plan.checkRun.create).toBe(false);
    expect(plan.history.append).toBe(false);
    expect(plan.artifact).toMatchObject({ write: true, prNumber: 7 });
  });

  it('trust comes from the payload, not the actor: a same-repo PR by anyone is trusted, Dependabot is not', () => {
    const dependabot = githubRunContext(
      { GITHUB_REPOSITORY: 'acme/api', GITHUB_EVENT_NAME: 'pull_request', GITHUB_ACTOR: 'dependabot[bot]' },
      'staging',
      {
        pull_request: {
          number: 3,
          user: { login: 'dependabot[bot]' },
          head: { sha: 'd'.repeat(40), repo: { full_name: 'acme/api' } },
          base: { repo: { full_name: 'acme/api' } },
        },
      },
    );
    expect(planOf({ config: config(), context: dependabot, result }).comment.post).toBe(false);
  });

  it('push to the default branch appends history; another branch does not; no comment on pushes', () => {
    const main = planOf({ config: config(), context: pushContext('http://x'), result });
    expect(main.history.append).toBe(true);
    expect(main.comment).toMatchObject({ post: false, reason: 'not a pull request' });
    expect(main.checkRun.create).toBe(true);
    expect(
      planOf({ config: config(), context: pushContext('http://x', 'release'), result }).history.append,
    ).toBe(false);
  });

  it('comment: never / on-change; check-run off; threshold and gate from config', () => {
    const never = planOf({
      config: config({ comment: 'never', 'check-run': false }),
      context: pullRequestContext('http://x'),
      result,
    });
    expect(never.comment.post).toBe(false);
    expect(never.checkRun.create).toBe(false);
    const onChange = planOf({
      config: config({ comment: 'on-change', 'regression-threshold': '5%', 'fail-on-regression': true }),
      context: pullRequestContext('http://x'),
      result,
    });
    expect(onChange.comment).toMatchObject({ post: true, mode: 'on-change' });
    expect(onChange.threshold).toBe(0.05);
    expect(onChange.failOnRegression).toBe(true);
  });

  it('skips with a reason when no stage produced anything', () => {
    const empty = { schemaVersion: 1 as const, meta: result.meta };
    expect(planReport({ config: config(), context: pushContext('http://x'), result: empty })).toEqual({
      run: false,
      reason: 'no stage produced a result to report',
    });
  });

  it('outside GitHub: summary only', () => {
    const local = { ...pushContext('http://x'), repository: undefined };
    const plan = planOf({ config: config(), context: local, result });
    expect(plan.history.read).toBe(false);
    expect(plan.checkRun.create).toBe(false);
  });
});
