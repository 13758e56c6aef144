import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  COMMENT_LIMIT,
  composeBody,
  environmentMarker,
  isNewer,
  readRevision,
  upsertStickyComment,
} from '../../../src/github/sticky-comment.js';
import { NullLogger } from '../../../src/logger.js';
import type { FakeGitHub } from '../../fakes/github-api/server.js';
import { clientFor, READ_ONLY_TOKEN, startFake, USER_TOKEN } from '../../fakes/github-api/setup.js';

const SHA_OLD = '1'.repeat(40);
const SHA_NEW = '2'.repeat(40);
const T_OLD = '2026-03-01T10:00:00.000Z';
const T_NEW = '2026-03-01T11:00:00.000Z';
const logger = new NullLogger();

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await startFake();
  fake.addPullRequest({ number: 7, headSha: SHA_NEW });
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

const request = (body: string, headSha = SHA_NEW, commitTime = T_NEW) => ({
  issueNumber: 7,
  environment: 'staging',
  body,
  headSha,
  commitTime,
});

describe('sticky PR comment', () => {
  it('creates one comment, then edits the same one in place', async () => {
    const api = clientFor(fake);
    const first = await upsertStickyComment(api, request('first result'), logger);
    expect(first.action).toBe('created');
    const second = await upsertStickyComment(api, request('second result'), logger);
    expect(second).toMatchObject({
      action: 'updated',
      commentId: (first as { commentId: number }).commentId,
    });
    const comments = fake.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith(environmentMarker('staging'))).toBe(true);
    expect(comments[0]!.body).toContain('second result');
    expect(fake.requests('issues/create-comment')).toHaveLength(1);
  });

  it('finds its comment on a PR with more than 100 comments (all pages read)', async () => {
    for (let i = 0; i < 130; i++) fake.addComment(7, `reviewer-${i % 5}`, `comment ${i}`);
    const api = clientFor(fake);
    await upsertStickyComment(api, request('v1'), logger);
    for (let i = 0; i < 30; i++) fake.addComment(7, 'reviewer', `later ${i}`);
    const outcome = await upsertStickyComment(api, request('v2'), logger);
    expect(outcome.action).toBe('updated');
    const mine = fake.commentsOn(7).filter((c) => c.login === 'github-actions[bot]');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toContain('v2');
    // 161 comments at 100 per page: every listing read two pages.
    const pages = fake.requests('issues/list-comments').map((r) => r.path);
    expect(pages.length).toBeGreaterThanOrEqual(4);
  });

  it('never touches a person’s comment that quotes the marker', async () => {
    const quoted = fake.addComment(7, 'mallory', `${environmentMarker('staging')}\nI copied your marker`);
    const outcome = await upsertStickyComment(clientFor(fake), request('ours'), logger);
    expect(outcome.action).toBe('created');
    const comments = fake.commentsOn(7);
    expect(comments).toHaveLength(2);
    expect(comments.find((c) => c.id === quoted.id)!.body).toBe(
      `${environmentMarker('staging')}\nI copied your marker`,
    );
    expect(fake.requests('issues/update-comment')).toHaveLength(0);
    expect(fake.requests('issues/delete-comment')).toHaveLength(0);
  });

  it('with a user token, identifies its own comments by GET /user, not by bot type', async () => {
    fake.addComment(7, 'github-actions[bot]', `${environmentMarker('staging')}\nsomeone else's bot`, 'Bot');
    const outcome = await upsertStickyComment(clientFor(fake, USER_TOKEN), request('from perf-bot'), logger);
    expect(outcome.action).toBe('created');
    expect(fake.commentsOn(7).map((c) => c.login)).toEqual(['github-actions[bot]', 'perf-bot']);
  });

  it('two runs racing on a PR with no comment leave exactly one, holding the newer SHA', async () => {
    for (let round = 0; round < 3; round++) {
      const pr = 20 + round;
      fake.addPullRequest({ number: pr, headSha: SHA_NEW });
      const older = upsertStickyComment(
        clientFor(fake),
        { ...request('OLD result', SHA_OLD, T_OLD), issueNumber: pr },
        logger,
      );
      const newer = upsertStickyComment(
        clientFor(fake),
        { ...request('NEW result', SHA_NEW, T_NEW), issueNumber: pr },
        logger,
      );
      await Promise.all(round % 2 ? [newer, older] : [older, newer]);
      const comments = fake.commentsOn(pr);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('NEW result');
      expect(readRevision(comments[0]!.body, 'staging')?.sha).toBe(SHA_NEW);
    }
  });

  it('a run whose create raced another run’s create keeps the oldest comment with the newest result', async () => {
    // Deterministic race: just before our create lands, the other run's comment (newer SHA) appears.
    fake.inject({
      operationId: 'issues/create-comment',
      before: (github) => {
        github.addComment(
          7,
          'github-actions[bot]',
          composeBody({ environment: 'staging', body: 'NEW result', headSha: SHA_NEW, commitTime: T_NEW }),
          'Bot',
        );
      },
    });
    const outcome = await upsertStickyComment(clientFor(fake), request('OLD result', SHA_OLD, T_OLD), logger);
    expect(outcome.action).toBe('kept-newer');
    const comments = fake.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('NEW result');
    expect(fake.requests('issues/delete-comment')).toHaveLength(1);

    // And the mirror image: ours is newer, the other run's (older) comment came first and is kept.
    fake.addPullRequest({ number: 8, headSha: SHA_NEW });
    fake.inject({
      operationId: 'issues/create-comment',
      before: (github) => {
        github.addComment(
          8,
          'github-actions[bot]',
          composeBody({ environment: 'staging', body: 'OLD result', headSha: SHA_OLD, commitTime: T_OLD }),
          'Bot',
        );
      },
    });
    const mirrored = await upsertStickyComment(
      clientFor(fake),
      { ...request('NEW result'), issueNumber: 8 },
      logger,
    );
    expect(mirrored.action).toBe('updated');
    const kept = fake.commentsOn(8);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.body).toContain('NEW result');
  });

  it('re-reads before editing: a newer result written after our listing is not overwritten', async () => {
    const api = clientFor(fake);
    await upsertStickyComment(api, request('first', SHA_OLD, T_OLD), logger);
    // Between our listing and our edit, a run for a newer commit edits the comment.
    fake.inject({
      operationId: 'issues/get-comment',
      before: (github) => {
        github.comments[0]!.body = composeBody({
          environment: 'staging',
          body: 'NEWEST',
          headSha: '3'.repeat(40),
          commitTime: '2026-03-01T12:00:00.000Z',
        });
      },
    });
    const outcome = await upsertStickyComment(api, request('mine', SHA_NEW, T_NEW), logger);
    expect(outcome).toMatchObject({ action: 'kept-newer', newerSha: '3'.repeat(40) });
    expect(fake.commentsOn(7)[0]!.body).toContain('NEWEST');
  });

  it('never overwrites a result from a newer head SHA', async () => {
    const api = clientFor(fake);
    await upsertStickyComment(api, request('NEW result', SHA_NEW, T_NEW), logger);
    const late = await upsertStickyComment(api, request('OLD result', SHA_OLD, T_OLD), logger);
    expect(late).toMatchObject({ action: 'kept-newer', newerSha: SHA_NEW });
    expect(fake.commentsOn(7)[0]!.body).toContain('NEW result');
  });

  it('bounds a 70,000-character body below GitHub’s limit and GitHub accepts it', async () => {
    const body = `${'| metric | value |\n'.repeat(10)}<details>\n${'x'.repeat(69_000)}\n</details>\n`;
    expect(body.length).toBeGreaterThan(69_000);
    const outcome = await upsertStickyComment(clientFor(fake), request(body), logger);
    expect(outcome.action).toBe('created');
    const posted = fake.commentsOn(7)[0]!.body;
    expect(posted.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(posted.startsWith(environmentMarker('staging'))).toBe(true);
    expect(posted).toContain('truncated');
    expect(posted.match(/<details>/g)?.length).toBe(posted.match(/<\/details>/g)?.length);
  });

  it('reports "forbidden" on 403 instead of failing', async () => {
    const outcome = await upsertStickyComment(clientFor(fake, READ_ONLY_TOKEN), request('x'), logger);
    expect(outcome.action).toBe('forbidden');
    expect(fake.commentsOn(7)).toHaveLength(0);
  });

  it('markers: revision round-trips and compares by commit time', () => {
    const body = composeBody({ environment: 'staging', body: 'x', headSha: SHA_OLD, commitTime: T_OLD });
    expect(readRevision(body, 'staging')).toEqual({ sha: SHA_OLD, time: T_OLD });
    expect(readRevision(body, 'prod')).toBeUndefined();
    expect(isNewer({ sha: SHA_NEW, time: T_NEW }, { sha: SHA_OLD, time: T_OLD })).toBe(true);
    expect(isNewer({ sha: SHA_OLD, time: T_OLD }, { sha: SHA_NEW, time: T_NEW })).toBe(false);
    expect(isNewer({ sha: SHA_OLD, time: T_NEW }, { sha: SHA_OLD, time: T_OLD })).toBe(false);
    // A body that already starts with the marker is not marked twice.
    const twice = composeBody({
      environment: 'staging',
      body: `${environmentMarker('staging')}\nx`,
      headSha: SHA_OLD,
      commitTime: T_OLD,
    });
    expect(twice.split(environmentMarker('staging')).length).toBe(2);
  });
});
