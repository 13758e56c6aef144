/**
 * `orchestra-perf report --artifact DIR`: the workflow_run commenter. The artifact is untrusted;
 * a poisoned one must be rejected with nothing posted.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportCommand } from '../../../src/cli/commands/report.js';
import { ExitCode, OrchestraError } from '../../../src/errors.js';
import { NullLogger } from '../../../src/logger.js';
import { writeArtifact } from '../../../src/stages/report/artifact.js';
import type { FakeGitHub } from '../../fakes/github-api/server.js';
import { ACTIONS_TOKEN, startFake } from '../../fakes/github-api/setup.js';
import { HEAD_SHA } from '../../fixtures/github/contexts.js';
import { perfResult } from '../../fixtures/github/results.js';

let fake: FakeGitHub;
let dir: string;
beforeEach(async () => {
  fake = await startFake();
  fake.addPullRequest({ number: 7, headSha: HEAD_SHA, headRepo: 'outsider/api' }, '2026-03-02T10:00:00Z');
  dir = await mkdtemp(join(tmpdir(), 'orchestra-artifact-'));
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(
  args: string[],
  payload?: unknown,
): Promise<{ code: number | undefined; error: unknown; out: string[] }> {
  const out: string[] = [];
  const env: NodeJS.ProcessEnv = {
    GITHUB_TOKEN: ACTIONS_TOKEN,
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_API_URL: fake.url,
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
  };
  if (payload) {
    env.GITHUB_EVENT_PATH = join(dir, 'event.json');
    await writeFile(env.GITHUB_EVENT_PATH, JSON.stringify(payload));
  }
  try {
    const code = await reportCommand.run(args, {
      out: (t) => out.push(t),
      logger: new NullLogger(),
      cwd: dir,
      env,
      signal: new AbortController().signal,
    });
    return { code, error: undefined, out };
  } catch (error) {
    return { code: undefined, error, out };
  }
}

const artifactDir = () => join(dir, 'artifact');
const writeGood = (prNumber = 7, headSha = HEAD_SHA) =>
  writeArtifact(artifactDir(), perfResult(headSha, 100), {
    schemaVersion: 1,
    prNumber,
    headSha,
    environment: 'staging',
  });

function expectRejected(outcome: { error: unknown }, pattern: RegExp) {
  expect(outcome.error).toBeInstanceOf(OrchestraError);
  expect((outcome.error as OrchestraError).exitCode).toBe(ExitCode.usage);
  expect((outcome.error as Error).message).toMatch(pattern);
  expect(fake.writes()).toEqual([]);
}

describe('report --artifact (workflow_run commenter)', () => {
  it('resolves the fork PR by head SHA through the API and posts the sticky comment', async () => {
    await writeGood();
    const outcome = await run(['--artifact', 'artifact', '--environment', 'staging'], {
      workflow_run: { head_sha: HEAD_SHA, pull_requests: [] },
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.code).toBe(0);
    expect(fake.requests('repos/list-pull-requests-associated-with-commit')).toHaveLength(1);
    const comments = fake.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith('<!-- orchestra-perf:staging -->')).toBe(true);
    expect(outcome.out.join('\n')).toMatch(/PR #7 comment: created/);
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(summary.length).toBeGreaterThan(100);
    expect(summary).not.toContain('<!-- orchestra-perf:');
  });

  it('trusts the PR list of the workflow_run payload when it names this PR and head', async () => {
    await writeGood();
    const outcome = await run(['--artifact', 'artifact'], {
      workflow_run: { head_sha: HEAD_SHA, pull_requests: [{ number: 7, head: { sha: HEAD_SHA } }] },
    });
    expect(outcome.code).toBe(0);
    expect(fake.requests('repos/list-pull-requests-associated-with-commit')).toHaveLength(0);
    expect(fake.commentsOn(7)).toHaveLength(1);
  });

  it('rejects an artifact for another environment than asked', async () => {
    await writeGood();
    expectRejected(await run(['--artifact', 'artifact', '--environment', 'prod']), /not prod/);
  });

  it('rejects an artifact whose PR number does not match the head SHA', async () => {
    fake.addPullRequest({ number: 8, headSha: 'f'.repeat(40) });
    await writeGood(8);
    expectRejected(await run(['--artifact', 'artifact']), /PR #8 does not have head/);
  });

  it('rejects an artifact from another commit than the workflow run', async () => {
    await writeGood();
    expectRejected(
      await run(['--artifact', 'artifact'], { workflow_run: { head_sha: 'e'.repeat(40) } }),
      /workflow run was for/,
    );
  });

  it('rejects non-numeric fields', async () => {
    await writeGood();
    const poisoned = perfResult(HEAD_SHA, 100) as unknown as {
      smoke: { latencyMs: Record<string, unknown> };
    };
    poisoned.smoke.latencyMs.p95 = '100"><img src=x onerror=alert(1)>';
    await writeFile(join(artifactDir(), 'perf-result.json'), JSON.stringify(poisoned));
    expectRejected(await run(['--artifact', 'artifact']), /smoke\.latencyMs\.p95/);
  });

  it('rejects ../ in metadata, symlinks, extra entries and sub-directories', async () => {
    await writeGood();
    await writeFile(
      join(artifactDir(), 'metadata.json'),
      JSON.stringify({ schemaVersion: 1, prNumber: 7, headSha: HEAD_SHA, environment: '../../etc' }),
    );
    expectRejected(await run(['--artifact', 'artifact']), /environment/);

    await rm(artifactDir(), { recursive: true });
    await writeGood();
    await rm(join(artifactDir(), 'perf-result.json'));
    await symlink('/etc/passwd', join(artifactDir(), 'perf-result.json'));
    expectRejected(await run(['--artifact', 'artifact']), /not a regular file/);

    await rm(artifactDir(), { recursive: true });
    await writeGood();
    await mkdir(join(artifactDir(), 'nested'));
    expectRejected(await run(['--artifact', 'artifact']), /unexpected entry/);
  });

  it('rejects an oversized result file', async () => {
    await writeGood();
    await writeFile(join(artifactDir(), 'perf-result.json'), `{"pad":"${'x'.repeat(8 * 1024 * 1024 + 10)}"}`);
    expectRejected(await run(['--artifact', 'artifact']), /cap/);
  });

  it('needs --artifact and a token', async () => {
    const missing = await run([]);
    expect((missing.error as OrchestraError).exitCode).toBe(ExitCode.usage);
  });
});

describe('the built CLI bundle', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['dist/cli/index.js', ...args],
        { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const env = () => ({
    GITHUB_TOKEN: ACTIONS_TOKEN,
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_API_URL: fake.url,
  });

  it('posts from a good artifact (exit 0) and rejects a poisoned one (exit 2, one line, nothing posted)', async () => {
    await writeGood();
    const ok = await cli(['report', '--artifact', artifactDir()], env());
    expect(ok.stderr).not.toContain(ACTIONS_TOKEN);
    expect(ok.code).toBe(0);
    expect(fake.commentsOn(7)).toHaveLength(1);

    fake.addPullRequest({ number: 9, headSha: 'f'.repeat(40) });
    await rm(artifactDir(), { recursive: true });
    await writeGood(9);
    const writesBefore = fake.writes().length;
    const bad = await cli(['report', '--artifact', artifactDir()], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/artifact rejected: PR #9 does not have head/);
    expect(fake.writes()).toHaveLength(writesBefore);
  });
});
