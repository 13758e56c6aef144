/** Shared set-up for the GitHub tests: a fake GitHub API and clients bound to it with scaled waits. */
import type { GitHubApi } from '../../../src/github/api.js';
import { createGitHubApi, type RateLimitWait } from '../../../src/github/client.js';
import { FakeGitHub, type FakeToken } from './server.js';

export const ACTIONS_TOKEN = 'ghs_actions_token_for_tests';
export const READ_ONLY_TOKEN = 'ghs_read_only_token_for_tests';
export const USER_TOKEN = 'ghp_user_token_for_tests';

export async function startFake(): Promise<FakeGitHub> {
  const fake = await FakeGitHub.start('acme', 'api');
  const write: FakeToken['permissions'] = { contents: 'write', pull_requests: 'write', checks: 'write' };
  fake.addToken(ACTIONS_TOKEN, { login: 'github-actions[bot]', kind: 'installation', permissions: write });
  fake.addToken(READ_ONLY_TOKEN, {
    login: 'github-actions[bot]',
    kind: 'installation',
    permissions: { contents: 'read', pull_requests: 'read', checks: 'read' },
  });
  fake.addToken(USER_TOKEN, { login: 'perf-bot', kind: 'user', permissions: write });
  return fake;
}

export function clientFor(fake: FakeGitHub, token = ACTIONS_TOKEN, waits: RateLimitWait[] = []): GitHubApi {
  return createGitHubApi({
    token,
    repository: `${fake.owner}/${fake.repo}`,
    apiUrl: fake.url,
    // 1 nominal second = 1 real millisecond: the policy is the production one, the waits are short.
    timeScale: 0.001,
    timeoutMs: 10_000,
    onWait: (wait) => waits.push(wait),
  });
}
