/** The fake GitHub API must be as strict as GitHub: these pin what it rejects and how it pages. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOpenApi } from '../../fakes/github-api/openapi.js';
import type { FakeGitHub } from '../../fakes/github-api/server.js';
import { ACTIONS_TOKEN, startFake } from '../../fakes/github-api/setup.js';

let fake: FakeGitHub;
const headers = { authorization: `token ${ACTIONS_TOKEN}`, 'content-type': 'application/json' };
beforeEach(async () => {
  fake = await startFake();
  fake.addPullRequest({ number: 7, headSha: 'a'.repeat(40) });
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

describe('fake GitHub API', () => {
  it('validates responses against the OpenAPI description', () => {
    const api = loadOpenApi();
    const { operation } = api.match('POST', '/repos/acme/api/issues/7/comments')!;
    expect(api.checkResponse(operation, 201, { id: 1, body: 'x' })[0]).toMatch(/required property/);
    expect(api.checkResponse(operation, 201, api.example('issue-comment'))).toEqual([]);
    expect(api.checkResponse(operation, 299, {})[0]).toMatch(/not a documented response/);
  });

  it('rejects a check run with a conclusion GitHub does not know', async () => {
    const response = await fetch(`${fake.url}/repos/acme/api/check-runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'x',
        head_sha: 'a'.repeat(40),
        status: 'completed',
        conclusion: 'passed',
      }),
    });
    expect(response.status).toBe(422);
    expect(fake.checkRuns).toHaveLength(0);
  });

  it('contents: create, then 422 without sha and 409 with a stale sha', async () => {
    const put = (body: object) =>
      fetch(`${fake.url}/repos/acme/api/contents/history/x.json`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ message: 'm', branch: 'main', ...body }),
      });
    const created = await put({ content: Buffer.from('one').toString('base64') });
    expect(created.status).toBe(201);
    const sha = ((await created.json()) as { content: { sha: string } }).content.sha;
    expect((await put({ content: Buffer.from('two').toString('base64') })).status).toBe(422);
    expect((await put({ content: Buffer.from('two').toString('base64'), sha: 'b'.repeat(40) })).status).toBe(
      409,
    );
    expect((await put({ content: Buffer.from('two').toString('base64'), sha })).status).toBe(200);
    expect(fake.readFile('main', 'history/x.json')).toBe('two');
  });

  it('pages comments with Link headers, at most 100 per page', async () => {
    for (let i = 0; i < 250; i++) fake.addComment(7, 'someone', `c${i}`);
    const first = await fetch(`${fake.url}/repos/acme/api/issues/7/comments?per_page=100`, { headers });
    expect(((await first.json()) as unknown[]).length).toBe(100);
    expect(first.headers.get('link')).toMatch(/page=2>; rel="next".*page=3>; rel="last"/);
    const big = await fetch(`${fake.url}/repos/acme/api/issues/7/comments?per_page=500`, { headers });
    expect(((await big.json()) as unknown[]).length).toBe(100);
    const last = await fetch(`${fake.url}/repos/acme/api/issues/7/comments?per_page=100&page=3`, { headers });
    expect(((await last.json()) as unknown[]).length).toBe(50);
    expect(last.headers.get('link')).not.toMatch(/rel="next"/);
  });

  it('installation tokens get 403 on GET /user, as on GitHub', async () => {
    expect((await fetch(`${fake.url}/user`, { headers })).status).toBe(403);
  });

  it('rejects a comment body over 65,536 characters', async () => {
    const response = await fetch(`${fake.url}/repos/acme/api/issues/7/comments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ body: 'x'.repeat(65_537) }),
    });
    expect(response.status).toBe(422);
  });
});
