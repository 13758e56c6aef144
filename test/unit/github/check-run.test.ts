import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkConclusion, checkRunRequest, createCheckRun } from '../../../src/github/check-run.js';
import type { FakeGitHub } from '../../fakes/github-api/server.js';
import { clientFor, startFake, USER_TOKEN } from '../../fakes/github-api/setup.js';

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await startFake();
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

describe('check run', () => {
  it('maps verdicts to conclusions', () => {
    expect(checkConclusion('regression', true)).toBe('failure');
    expect(checkConclusion('regression', false)).toBe('neutral');
    expect(checkConclusion('improvement', true)).toBe('success');
    expect(checkConclusion('unchanged', true)).toBe('success');
    expect(checkConclusion('no-baseline', true)).toBe('success');
  });

  it('creates `orchestra-perf / ENV` with the table, summary bounded to 65,535', async () => {
    const summary = `| metric | baseline |\n${'|x|y|\n'.repeat(20_000)}`;
    expect(summary.length).toBeGreaterThan(65_535);
    await createCheckRun(clientFor(fake), {
      environment: 'staging',
      headSha: 'a'.repeat(40),
      verdict: 'regression',
      failOnRegression: true,
      summary,
    });
    const [run] = fake.checkRuns as {
      name: string;
      conclusion: string;
      output: { summary: string; title: string };
    }[];
    expect(run!.name).toBe('orchestra-perf / staging');
    expect(run!.conclusion).toBe('failure');
    expect(run!.output.summary.length).toBeLessThanOrEqual(65_535);
    expect(run!.output.title).toBe('Performance regression');
    expect(
      checkRunRequest({
        environment: 'e',
        headSha: 'b',
        verdict: 'unchanged',
        failOnRegression: false,
        summary: 's',
      }).summary,
    ).toBe('s');
  });

  it('a user token cannot create check runs (GitHub Apps only): 403', async () => {
    const error = await createCheckRun(clientFor(fake, USER_TOKEN), {
      environment: 'staging',
      headSha: 'a'.repeat(40),
      verdict: 'unchanged',
      failOnRegression: false,
      summary: 's',
    }).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(403);
  });
});
