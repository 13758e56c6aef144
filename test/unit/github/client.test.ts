import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubApiError } from '../../../src/github/api.js';
import { createGitHubApi, type RateLimitWait, unclassifiedLimitWait } from '../../../src/github/client.js';
import { type FakeGitHub, faults } from '../../fakes/github-api/server.js';
import { ACTIONS_TOKEN, clientFor, startFake } from '../../fakes/github-api/setup.js';

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await startFake();
  fake.addPullRequest({ number: 7, headSha: 'a'.repeat(40) });
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

describe('GitHub client rate limits and retries', () => {
  it('waits out a 403 secondary limit for the retry-after seconds, then succeeds', async () => {
    const waits: RateLimitWait[] = [];
    fake.inject(faults.secondaryLimit('issues/create-comment', 2));
    const comment = await clientFor(fake, undefined, waits).createIssueComment(7, 'hello');
    expect(comment.body).toBe('hello');
    expect(waits.map((w) => [w.kind, w.seconds])).toEqual([['secondary', 2]]);
    expect(fake.requests('issues/create-comment').map((r) => r.status)).toEqual([403, 201]);
  });

  it('waits 60 s (scaled) on a 429 without any header, then succeeds', async () => {
    const waits: RateLimitWait[] = [];
    fake.inject(faults.tooManyRequests('issues/list-comments'));
    await clientFor(fake, undefined, waits).listIssueComments(7);
    expect(waits.map((w) => [w.kind, w.seconds])).toEqual([['too-many-requests', 60]]);
    expect(fake.requests('issues/list-comments').map((r) => r.status)).toEqual([429, 200]);
  });

  it('waits until x-ratelimit-reset when x-ratelimit-remaining is 0', async () => {
    const waits: RateLimitWait[] = [];
    fake.inject(faults.primaryLimit('issues/list-comments', 5));
    await clientFor(fake, undefined, waits).listIssueComments(7);
    expect(waits).toHaveLength(1);
    expect(waits[0]!.kind).toBe('primary');
    // reset is 5 s ahead (rounded up to the second) plus the one second GitHub recommends.
    expect(waits[0]!.seconds).toBeGreaterThanOrEqual(5);
    expect(waits[0]!.seconds).toBeLessThanOrEqual(7);
    expect(fake.requests('issues/list-comments').map((r) => r.status)).toEqual([403, 200]);
  });

  it('does not stall the job on a limit that resets far in the future', async () => {
    const waits: RateLimitWait[] = [];
    fake.inject(faults.primaryLimit('issues/list-comments', 3000));
    const error = await clientFor(fake, undefined, waits)
      .listIssueComments(7)
      .catch((e: unknown) => e);
    expect((error as GitHubApiError).status).toBe(403);
    expect(waits).toEqual([]);
    expect(fake.requests('issues/list-comments')).toHaveLength(1);
  });

  it('never retries a 422', async () => {
    fake.inject(faults.unprocessable('issues/create-comment'));
    const error = await clientFor(fake)
      .createIssueComment(7, 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).status).toBe(422);
    expect(fake.requests('issues/create-comment')).toHaveLength(1);
  });

  it('never retries a permission 403 (no rate-limit signal)', async () => {
    fake.inject({
      operationId: 'issues/create-comment',
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const error = await clientFor(fake)
      .createIssueComment(7, 'x')
      .catch((e: unknown) => e);
    expect((error as GitHubApiError).status).toBe(403);
    expect(fake.requests('issues/create-comment')).toHaveLength(1);
  });

  it('retries 5xx a bounded number of times', async () => {
    fake.inject(faults.serverError('issues/list-comments', 2));
    await clientFor(fake).listIssueComments(7);
    expect(fake.requests('issues/list-comments').map((r) => r.status)).toEqual([502, 502, 200]);

    fake.inject(faults.serverError('issues/list-comments', 10));
    const error = await clientFor(fake)
      .listIssueComments(7)
      .catch((e: unknown) => e);
    expect((error as GitHubApiError).status).toBe(502);
    // first attempt + 3 retries
    expect(fake.requests('issues/list-comments').length).toBe(3 + 4);
  });

  it('the fake rejects what GitHub rejects: unknown routes 404, bad bodies 422, bad tokens 401', async () => {
    const headers = {
      authorization: 'token ghs_actions_token_for_tests',
      'content-type': 'application/json',
    };
    expect((await fetch(`${fake.url}/repos/acme/api/no-such-thing`, { headers })).status).toBe(404);
    const bad = await fetch(`${fake.url}/repos/acme/api/issues/7/comments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ body: 42 }),
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toMatch(/body must be string/);
    const nonInteger = await fetch(`${fake.url}/repos/acme/api/issues/seven/comments`, { headers });
    expect(nonInteger.status).toBe(422);
    expect((await fetch(`${fake.url}/user`, { headers: { authorization: 'token nope' } })).status).toBe(401);
  });

  it('classifies limits as GitHub documents them', () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    expect(unclassifiedLimitWait({ status: 429, response: { headers: {} } })).toBe(60);
    // x-ratelimit-reset rides on every response; without remaining=0 it is not a wait.
    expect(
      unclassifiedLimitWait({ status: 429, response: { headers: { 'x-ratelimit-reset': reset } } }),
    ).toBe(60);
    expect(unclassifiedLimitWait({ status: 429, response: { headers: { 'retry-after': '7' } } })).toBe(7);
    expect(unclassifiedLimitWait({ status: 403, response: { headers: { 'retry-after': '3' } } })).toBe(3);
    expect(
      unclassifiedLimitWait({ status: 403, response: { headers: { 'x-ratelimit-reset': reset } } }),
    ).toBeUndefined();
    expect(
      unclassifiedLimitWait({ status: 404, response: { headers: { 'retry-after': '1' } } }),
    ).toBeUndefined();
    // owned by the throttling plugin:
    expect(
      unclassifiedLimitWait({
        status: 403,
        message: 'You have exceeded a secondary rate limit',
        response: { headers: {} },
      }),
    ).toBeUndefined();
    expect(
      unclassifiedLimitWait({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0' } } }),
    ).toBeUndefined();
  });
});

describe('GitHub client hygiene', () => {
  it('serializes writes: concurrent writes from one client never overlap', async () => {
    fake.inject({ operationId: 'issues/create-comment', times: 3, delayMs: 30 });
    const api = clientFor(fake);
    await Promise.all([
      api.createIssueComment(7, 'a'),
      api.createIssueComment(7, 'b'),
      api.createIssueComment(7, 'c'),
    ]);
    expect(fake.commentsOn(7)).toHaveLength(3);
    expect(fake.maxConcurrentWrites).toBe(1);
  });

  it('times out a hung call and gives up after bounded retries', async () => {
    fake.inject({ operationId: 'issues/list-comments', times: 10, delayMs: 5_000 });
    const api = createGitHubApi({
      token: ACTIONS_TOKEN,
      repository: 'acme/api',
      apiUrl: fake.url,
      timeScale: 0.001,
      timeoutMs: 100,
      retries: 1,
    });
    const error = await api.listIssueComments(7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as Error).message).toMatch(/abort|timeout/i);
    expect(fake.requests('issues/list-comments')).toHaveLength(2);
  });
});
