/**
 * The report stage end to end against the fake GitHub API (checked against GitHub's OpenAPI
 * description): plan from a real event payload, execute through the real Octokit client.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { configSchema } from '../../../src/config/schema.js';
import { GateError } from '../../../src/errors.js';
import { createGitHubApi } from '../../../src/github/client.js';
import { historyPath, parseHistory, serializeHistory } from '../../../src/github/history-store.js';
import { readRevision } from '../../../src/github/sticky-comment.js';
import type { PerfResult } from '../../../src/result.js';
import type { RunContext } from '../../../src/run-context.js';
import { reportStage } from '../../../src/stages/report/index.js';
import type { StageDeps } from '../../../src/stages/stage.js';
import type { FakeGitHub } from '../../fakes/github-api/server.js';
import { ACTIONS_TOKEN, READ_ONLY_TOKEN, startFake } from '../../fakes/github-api/setup.js';
import { HEAD_SHA, MAIN_SHA, pullRequestContext, pushContext } from '../../fixtures/github/contexts.js';
import { perfResult } from '../../fixtures/github/results.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';

let fake: FakeGitHub;
let workspace: string;
beforeEach(async () => {
  fake = await startFake();
  fake.addPullRequest({ number: 7, headSha: HEAD_SHA, title: 'Speed up items' }, '2026-03-02T10:00:00Z');
  fake.addCommit(MAIN_SHA, '2026-03-01T10:00:00Z');
  workspace = await mkdtemp(join(tmpdir(), 'orchestra-report-'));
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
  await rm(workspace, { recursive: true, force: true });
});

interface Run {
  summaries: string[];
  outputs: Record<string, string>;
  logger: RecordingLogger;
  error: unknown;
}

async function runStage(
  context: RunContext,
  result: PerfResult,
  options: { token?: string; report?: Record<string, unknown> } = {},
): Promise<Run> {
  const run: Run = { summaries: [], outputs: {}, logger: new RecordingLogger(), error: undefined };
  const config = configSchema.parse({ report: options.report ?? {} });
  const planned = reportStage.plan({ config, context, result });
  if (!planned.run) throw new Error(planned.reason);
  const github = createGitHubApi({
    token: options.token ?? ACTIONS_TOKEN,
    repository: 'acme/api',
    apiUrl: context.apiUrl,
    timeScale: 0.001,
  });
  const deps: StageDeps = {
    logger: run.logger,
    process: nodeProcessRunner,
    clock: systemClock,
    state: { save: () => {}, get: () => '' },
    signal: new AbortController().signal,
    env: {},
    services: {
      github,
      writeSummary: async (markdown) => {
        run.summaries.push(markdown);
      },
      outputs: { set: (name, value) => (run.outputs[name] = value) },
    },
  };
  try {
    await reportStage.execute(planned.plan, result, deps);
  } catch (error) {
    run.error = error;
  }
  return run;
}

const pr = (p95: number) => perfResult(HEAD_SHA, p95, { ref: 'refs/pull/7/merge' });
const seedHistory = (p95s: number[]) =>
  fake.setFile(
    'orchestra-perf-data',
    historyPath('staging'),
    serializeHistory(p95s.map((p95, i) => perfResult(`${i}`.padStart(40, 'a'), p95))),
  );

describe('report stage', () => {
  it('no baseline: says so, comments, writes the summary and a successful check run', async () => {
    const run = await runStage(pullRequestContext(fake.url), pr(100));
    expect(run.error).toBeUndefined();
    expect(run.outputs.verdict).toBe('no-baseline');
    expect(run.summaries).toHaveLength(1);
    const [comment] = fake.commentsOn(7);
    expect(run.outputs['comment-url']).toBe(`https://github.com/acme/api/pull/7#issuecomment-${comment!.id}`);
    expect(comment!.body.startsWith('<!-- orchestra-perf:staging -->')).toBe(true);
    expect(readRevision(comment!.body, 'staging')).toEqual({
      sha: HEAD_SHA,
      time: '2026-03-02T10:00:00.000Z',
    });
    expect(fake.checkRuns).toMatchObject([
      { name: 'orchestra-perf / staging', conclusion: 'success', head_sha: HEAD_SHA },
    ]);
    // A PR never writes the history.
    expect(fake.requests('repos/create-or-update-file-contents')).toHaveLength(0);
  });

  it('one baseline: a doubled p95 is a regression; neutral check without the gate', async () => {
    seedHistory([100]);
    const run = await runStage(pullRequestContext(fake.url), pr(200));
    expect(run.outputs.verdict).toBe('regression');
    expect(run.error).toBeUndefined();
    expect(fake.checkRuns).toMatchObject([{ conclusion: 'neutral' }]);
  });

  it('a history: noise band; fail-on-regression fails only after comment, check run and summary are written', async () => {
    seedHistory([95, 100, 105, 98, 102, 99, 101, 97, 103, 100]);
    const quiet = await runStage(pullRequestContext(fake.url), pr(101), {
      report: { 'fail-on-regression': true },
    });
    expect(quiet.outputs.verdict).toBe('unchanged');
    expect(quiet.error).toBeUndefined();

    const loud = await runStage(pullRequestContext(fake.url), pr(300), {
      report: { 'fail-on-regression': true },
    });
    expect(loud.outputs.verdict).toBe('regression');
    expect(loud.error).toBeInstanceOf(GateError);
    expect(loud.summaries).toHaveLength(1);
    expect(fake.commentsOn(7)).toHaveLength(1);
    expect(fake.checkRuns.map((r) => (r as { conclusion: string }).conclusion)).toEqual([
      'success',
      'failure',
    ]);
  });

  it('on-change: no new comment when nothing changed, but an existing one is kept current', async () => {
    seedHistory([95, 100, 105, 98, 102, 99, 101, 97, 103, 100]);
    const quiet = await runStage(pullRequestContext(fake.url), pr(101), { report: { comment: 'on-change' } });
    expect(quiet.outputs.verdict).toBe('unchanged');
    expect(fake.commentsOn(7)).toHaveLength(0);

    const loud = await runStage(pullRequestContext(fake.url), pr(300), { report: { comment: 'on-change' } });
    expect(loud.outputs.verdict).toBe('regression');
    expect(fake.commentsOn(7)).toHaveLength(1);
    const regressed = fake.commentsOn(7)[0]!.body;

    await runStage(pullRequestContext(fake.url), pr(101), { report: { comment: 'on-change' } });
    expect(fake.commentsOn(7)).toHaveLength(1);
    expect(fake.commentsOn(7)[0]!.body).not.toBe(regressed);
  });

  it('push to the default branch appends the history (creating the data branch)', async () => {
    const run = await runStage(pushContext(fake.url), perfResult(MAIN_SHA, 100, { ref: 'refs/heads/main' }), {
      report: { 'history-size': 2 },
    });
    expect(run.error).toBeUndefined();
    const history = parseHistory(fake.readFile('orchestra-perf-data', historyPath('staging'))!);
    expect(history).toMatchObject({ results: [{ meta: { commit: MAIN_SHA } }] });
    expect(fake.commentsOn(7)).toHaveLength(0);
  });

  it('a corrupt history file is reported, ignored for the baseline and never overwritten', async () => {
    fake.setFile('orchestra-perf-data', historyPath('staging'), 'not json at all');
    const run = await runStage(pushContext(fake.url), perfResult(MAIN_SHA, 100));
    expect(run.outputs.verdict).toBe('no-baseline');
    expect(run.logger.lines.some((line) => line.startsWith('warning:') && line.includes('not usable'))).toBe(
      true,
    );
    expect(fake.readFile('orchestra-perf-data', historyPath('staging'))).toBe('not json at all');
    expect(fake.requests('repos/create-or-update-file-contents')).toHaveLength(0);
  });

  it('403 on the comment: a warning, the summary is written, the stage succeeds', async () => {
    const run = await runStage(pullRequestContext(fake.url), pr(100), { token: READ_ONLY_TOKEN });
    expect(run.error).toBeUndefined();
    expect(run.summaries).toHaveLength(1);
    expect(run.logger.lines.some((line) => line.startsWith('warning: cannot comment'))).toBe(true);
    expect(fake.commentsOn(7)).toHaveLength(0);
  });

  it('fork PR: summary and artifact, zero GitHub writes', async () => {
    const context = pullRequestContext(fake.url, { fork: true, workspace });
    const run = await runStage(context, pr(100));
    expect(run.error).toBeUndefined();
    expect(run.summaries).toHaveLength(1);
    expect(fake.writes()).toEqual([]);
    const dir = join(workspace, '.orchestra-perf', 'pr-report');
    expect((await readdir(dir)).sort()).toEqual(['metadata.json', 'perf-result.json']);
    expect(JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'))).toEqual({
      schemaVersion: 1,
      prNumber: 7,
      headSha: HEAD_SHA,
      environment: 'staging',
    });
    expect(run.logger.lines.some((line) => line.startsWith('notice:') && line.includes('fork'))).toBe(true);
  });

  it('a report that renders past 70,000 characters is trimmed under the limit and GitHub accepts it', async () => {
    const big = pr(100);
    big.build = {
      totalMs: 1,
      criticalPathMs: 1,
      tasks: Array.from({ length: 1500 }, (_, i) => ({
        name: `task-${i}-${'n'.repeat(60)}`,
        durationMs: i,
        status: 'success' as const,
      })),
    };
    const run = await runStage(pullRequestContext(fake.url), big);
    expect(run.error).toBeUndefined();
    const body = fake.commentsOn(7)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith('<!-- orchestra-perf:staging -->')).toBe(true);
    // The whole summary (1 MiB budget) still has every task: only the comment was trimmed.
    expect(run.summaries[0]!.length).toBeGreaterThan(70_000);
    expect(fake.requests('issues/create-comment').map((r) => r.status)).toEqual([201]);
  });

  it('a PR title with $(id) and "><script> is escaped in the comment and the summary', async () => {
    const title = 'a";curl x|sh;# $(id) "><script>alert(1)</script>';
    const run = await runStage(pullRequestContext(fake.url, { title }), pr(100));
    const body = fake.commentsOn(7)[0]!.body;
    for (const text of [body, run.summaries[0]!]) {
      const line = text.split('\n').find((l) => l.startsWith('PR: '));
      // The title is shown, as inert entities: no tag, no quote, no command substitution.
      expect(line).toBeDefined();
      expect(line).toContain('&#60;script&#62;');
      expect(line).toContain('&#36;(id)');
      expect(line).not.toMatch(/[<>"$]/);
    }
  });
});
