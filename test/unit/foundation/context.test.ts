import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { githubRunContext } from '../../../src/github/context.js';

const event = (name: string) => JSON.parse(readFileSync(`test/fixtures/events/${name}.json`, 'utf8'));
const env = {
  GITHUB_REPOSITORY: 'acme/api',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_RUN_ID: '7',
};

describe('githubRunContext', () => {
  it('recognises a push to the default branch', () => {
    const context = githubRunContext({ ...env, GITHUB_EVENT_NAME: 'push' }, 'dev', event('push'));
    expect(context).toMatchObject({
      isDefaultBranch: true,
      untrustedPullRequest: false,
      pullRequest: undefined,
      runUrl: 'https://github.com/acme/api/actions/runs/7',
    });
  });

  it('takes the PR number and head SHA from the payload', () => {
    const context = githubRunContext(
      { ...env, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/42/merge' },
      'preview',
      event('pull_request'),
    );
    expect(context.pullRequest).toMatchObject({
      number: 42,
      headSha: 'b'.repeat(40),
      headRef: 'feature/items',
    });
    expect(context).toMatchObject({
      sha: 'b'.repeat(40),
      isDefaultBranch: false,
      untrustedPullRequest: false,
    });
  });

  it('distrusts a fork PR from the payload alone, whatever the actor or token', () => {
    const context = githubRunContext(
      {
        ...env,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_ACTOR: 'acme-admin',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://x',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      },
      'preview',
      event('pull_request_fork'),
    );
    expect(context.untrustedPullRequest).toBe(true);
    expect(context.untrustedReason).toMatch(/fork mallory\/api/);
  });

  it('distrusts a deleted fork and a Dependabot PR', () => {
    const fork = event('pull_request_fork');
    fork.pull_request.head.repo = null;
    expect(githubRunContext(env, 'p', fork).untrustedReason).toMatch(/deleted fork/);
    const dependabot = event('pull_request');
    dependabot.pull_request.user = { login: 'dependabot[bot]' };
    expect(githubRunContext(env, 'p', dependabot).untrustedReason).toMatch(/Dependabot/);
  });
});
