import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendHistory,
  historyPath,
  parseHistory,
  readHistory,
  serializeHistory,
} from '../../../src/github/history-store.js';
import { NullLogger } from '../../../src/logger.js';
import type { FakeGitHub } from '../../fakes/github-api/server.js';
import { clientFor, READ_ONLY_TOKEN, startFake } from '../../fakes/github-api/setup.js';
import { perfResult } from '../../fixtures/github/results.js';

const logger = new NullLogger();
const where = { branch: 'orchestra-perf-data', environment: 'staging' };
const sha = (n: number) => n.toString(16).padStart(40, '0');

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await startFake();
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

describe('history store on a data branch', () => {
  it('creates the branch as an orphan commit, then appends with compare-and-swap', async () => {
    const api = clientFor(fake);
    expect(await readHistory(api, where)).toEqual({ status: 'missing' });
    const first = await appendHistory(api, { ...where, result: perfResult(sha(1), 100), size: 100, logger });
    expect(first).toMatchObject({ status: 'appended', createdBranch: true, size: 1 });
    const root = fake.git.commits.get(fake.git.branches.get('orchestra-perf-data')!)!;
    // The history commit's ancestry never reaches the code branch.
    const mainHead = fake.git.branches.get('main')!;
    let walk = root;
    while (walk.parents.length) walk = fake.git.commits.get(walk.parents[0]!)!;
    expect(walk.sha).not.toBe(mainHead);
    await appendHistory(api, { ...where, result: perfResult(sha(2), 110), size: 100, logger });
    const read = await readHistory(api, where);
    expect(read.status).toBe('ok');
    expect((read as { results: { meta: { commit: string } }[] }).results.map((r) => r.meta.commit)).toEqual([
      sha(1),
      sha(2),
    ]);
    // Every update carried the sha it replaced.
    const puts = fake.requests('repos/create-or-update-file-contents');
    expect(puts.map((p) => (p.body as { sha?: string }).sha === undefined)).toEqual([true, false]);
  });

  it('a re-run of the same commit replaces its earlier result', async () => {
    const api = clientFor(fake);
    await appendHistory(api, { ...where, result: perfResult(sha(1), 100), size: 100, logger });
    await appendHistory(api, { ...where, result: perfResult(sha(2), 100), size: 100, logger });
    await appendHistory(api, { ...where, result: perfResult(sha(1), 130), size: 100, logger });
    const read = await readHistory(api, where);
    const results = (
      read as { results: { meta: { commit: string }; smoke?: { latencyMs: { p95: number } } }[] }
    ).results;
    expect(results.map((r) => [r.meta.commit, r.smoke?.latencyMs.p95])).toEqual([
      [sha(2), 100],
      [sha(1), 130],
    ]);
  });

  it('keeps only the last N results', async () => {
    const api = clientFor(fake);
    for (let i = 1; i <= 5; i++)
      await appendHistory(api, { ...where, result: perfResult(sha(i), 100 + i), size: 3, logger });
    const read = await readHistory(api, where);
    expect((read as { results: { meta: { commit: string } }[] }).results.map((r) => r.meta.commit)).toEqual([
      sha(3),
      sha(4),
      sha(5),
    ]);
  });

  it('on a sha conflict during append, re-reads, re-appends and keeps both results', async () => {
    fake.setFile('orchestra-perf-data', historyPath('staging'), serializeHistory([perfResult(sha(1), 100)]));
    // Another run appends its result between our read and our write.
    fake.inject({
      operationId: 'repos/create-or-update-file-contents',
      before: (github) =>
        github.setFile(
          'orchestra-perf-data',
          historyPath('staging'),
          serializeHistory([perfResult(sha(1), 100), perfResult(sha(9), 90)]),
        ),
    });
    const outcome = await appendHistory(clientFor(fake), {
      ...where,
      result: perfResult(sha(2), 120),
      size: 100,
      logger,
    });
    expect(outcome).toMatchObject({ status: 'appended', attempts: 2 });
    expect(fake.requests('repos/create-or-update-file-contents').map((r) => r.status)).toEqual([409, 200]);
    const parsed = parseHistory(fake.readFile('orchestra-perf-data', historyPath('staging'))!);
    expect((parsed as { results: { meta: { commit: string } }[] }).results.map((r) => r.meta.commit)).toEqual(
      [sha(1), sha(9), sha(2)],
    );
  });

  it('gives up after a bounded number of conflicts, without forcing', async () => {
    fake.setFile('orchestra-perf-data', historyPath('staging'), serializeHistory([]));
    let n = 100;
    fake.inject({
      operationId: 'repos/create-or-update-file-contents',
      times: 10,
      before: (github) =>
        github.setFile(
          'orchestra-perf-data',
          historyPath('staging'),
          serializeHistory([perfResult(sha(n++), 90)]),
        ),
    });
    const outcome = await appendHistory(clientFor(fake), {
      ...where,
      result: perfResult(sha(2), 120),
      size: 100,
      logger,
      maxAttempts: 3,
    });
    expect(outcome).toEqual({ status: 'conflict', attempts: 3 });
    expect(fake.requests('repos/create-or-update-file-contents').every((r) => r.status === 409)).toBe(true);
  });

  it('reports a corrupt or foreign file and never overwrites it', async () => {
    for (const content of [
      '{"schemaVersion":1,"results":[',
      '{"hello":"world"}',
      '{"schemaVersion":1,"results":[{"not":"a result"}]}',
    ]) {
      fake.setFile('orchestra-perf-data', historyPath('staging'), content);
      const api = clientFor(fake);
      const read = await readHistory(api, where);
      expect(read.status).toBe('corrupt');
      const outcome = await appendHistory(api, {
        ...where,
        result: perfResult(sha(2), 120),
        size: 100,
        logger,
      });
      expect(outcome.status).toBe('corrupt');
      expect(fake.readFile('orchestra-perf-data', historyPath('staging'))).toBe(content);
    }
    expect(fake.requests('repos/create-or-update-file-contents')).toHaveLength(0);
  });

  it('falls back to read-only without write permission', async () => {
    fake.setFile('orchestra-perf-data', historyPath('staging'), serializeHistory([perfResult(sha(1), 100)]));
    const api = clientFor(fake, READ_ONLY_TOKEN);
    expect((await readHistory(api, where)).status).toBe('ok');
    const outcome = await appendHistory(api, {
      ...where,
      result: perfResult(sha(2), 120),
      size: 100,
      logger,
    });
    expect(outcome.status).toBe('read-only');
    expect(parseHistory(fake.readFile('orchestra-perf-data', historyPath('staging'))!)).toMatchObject({
      results: [{ meta: { commit: sha(1) } }],
    });
  });

  it('reads files over 1 MB through the blob API', async () => {
    const big = Array.from({ length: 40 }, (_, i) => ({
      ...perfResult(sha(i + 1), 100),
      padding: 'p'.repeat(30_000),
    }));
    fake.setFile('orchestra-perf-data', historyPath('staging'), serializeHistory(big));
    const read = await readHistory(clientFor(fake), where);
    expect(read.status).toBe('ok');
    expect((read as { results: unknown[] }).results).toHaveLength(40);
    expect(fake.requests('git/get-blob')).toHaveLength(1);
  });

  it('rejects environment names that could escape history/', () => {
    expect(() => historyPath('../main')).toThrow();
    expect(historyPath('prod-eu')).toBe('history/prod-eu.json');
  });
});
