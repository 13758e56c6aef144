/**
 * The action end to end as GitHub runs it (issue 9, item 3): the built dist/main and dist/post
 * bundles through the runner emulation, against the local GitHub API, OIDC issuer, Google (Cloud
 * Run really running the image the action built and pushed) and cache service. One shared world;
 * the runs build on each other in order: a push on main sets the baseline and saves the cache, a
 * PR run comments with real numbers, a second PR run edits that comment, a fork PR run stays
 * read-only. Nothing here is timed; the steps are bounded by the runner emulation's timeout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatMs } from '../../../src/report/format.js';
import type { PerfResult } from '../../../src/result.js';
import { ACTIONS_TOKEN } from '../../fakes/github-api/setup.js';
import { describeDocker } from '../../helpers/docker.js';
import { type RunnerOptions, runBundle, type StepRun } from '../../helpers/runner.js';
import {
  type E2eWorld,
  ENVIRONMENT,
  listFiles,
  PR_HEAD_SHA,
  PR_NUMBER,
  PR_RUNTIME_TOKEN,
  PUSH_RUNTIME_TOKEN,
  readJson,
  SERVICE_NAME,
  startE2eWorld,
} from './world.js';

const STEP_TIMEOUT_MS = 150_000;
const MARKER = `<!-- orchestra-perf:${ENVIRONMENT} -->`;
const INPUTS = { config: 'orchestra-perf.yml', environment: ENVIRONMENT, 'github-token': ACTIONS_TOKEN };

describeDocker('the action as GitHub runs it: push, pull request, re-run, fork', () => {
  let world: E2eWorld;
  /** Every step's output, checked for unmasked secrets at the end. */
  const steps: { name: string; run: StepRun; ms: number }[] = [];
  let pushResult: PerfResult;
  let commentId: number;

  beforeAll(async () => {
    const started = Date.now();
    world = await startE2eWorld();
    console.log(`world started in ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    const started = Date.now();
    await world?.close();
    for (const runnerDir of new Set(steps.map((s) => s.run.runnerDir))) {
      rmSync(runnerDir, { recursive: true, force: true });
    }
    // The fake Cloud Run removed every container it started.
    if (world) {
      const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=${world.containerLabel}`]);
      expect(left.toString().trim()).toBe('');
    }
    console.log(`teardown ${Date.now() - started} ms`);
    // Wall time per step, for the record (not asserted: the machine is shared).
    console.log(
      steps
        .map((s) => `${s.name}: ${s.ms} ms, stderr ${JSON.stringify(s.run.stderr.slice(0, 300))}`)
        .join('\n'),
    );
  });

  const step = async (name: string, bundle: 'main' | 'post', options: RunnerOptions) => {
    const started = Date.now();
    const run = await runBundle(bundle, {
      workspace: world.workspace,
      timeoutMs: STEP_TIMEOUT_MS,
      ...options,
    });
    steps.push({ name, run, ms: Date.now() - started });
    return run;
  };

  /** Fails with the step's own output, which is what one needs to see when it breaks. */
  const expectSuccess = (run: StepRun) => {
    expect(run.exitCode, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
  };

  const cacheCalls = (method: string) => world.cache.calls.filter((call) => call.method === method).length;

  it('a push on the default branch builds, deploys, measures, records the baseline and saves the cache', async () => {
    const main = await step('push main', 'main', {
      event: 'push',
      inputs: INPUTS,
      env: world.stepEnv(PUSH_RUNTIME_TOKEN),
    });
    expectSuccess(main);
    const outputs = main.outputs;
    expect(outputs['image-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(outputs.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(outputs.revision).toMatch(/^hello-api-/);
    expect(Number(outputs['p95-ms'])).toBeGreaterThan(0);
    expect(Number(outputs.rps)).toBeGreaterThan(0);
    expect(outputs.verdict).toBe('no-baseline');
    pushResult = readJson<PerfResult>(outputs['result-path']!);
    expect(pushResult.deploy).toMatchObject({
      target: 'cloud-run',
      url: outputs.url,
      revision: outputs.revision,
    });
    // The revision Cloud Run serves is the image the action pushed, by digest.
    const revision = world.google.run.revisions.get(`${SERVICE_NAME}/revisions/${outputs.revision}`);
    expect(JSON.stringify(revision?.template)).toContain(`${world.imageName}@${outputs['image-digest']}`);
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual({ [outputs.revision!]: 100 });
    expect(pushResult.smoke?.requests).toBeGreaterThan(0);
    expect(pushResult.cache?.layers).toEqual([
      expect.objectContaining({ name: 'build-output', hit: 'miss' }),
    ]);
    expect(pushResult.build?.tasks.map((task) => [task.name, task.status])).toEqual([
      ['syntax', 'success'],
      ['bundle-info', 'success'],
    ]);
    expect(world.github.checkRuns.filter((run) => run.head_sha === 'a'.repeat(40))).toHaveLength(1);

    const history = world.github.readFile('orchestra-perf-data', `history/${ENVIRONMENT}.json`);
    expect(history, 'history file on the data branch').toBeDefined();
    const results = (JSON.parse(history!) as { results: PerfResult[] }).results;
    expect(results).toHaveLength(1);
    expect(results[0]!.smoke?.latencyMs.p95).toBe(pushResult.smoke?.latencyMs.p95);

    expect(cacheCalls('CreateCacheEntry')).toBe(0);
    const post = await step('push post', 'post', {
      event: 'push',
      inputs: INPUTS,
      env: world.stepEnv(PUSH_RUNTIME_TOKEN),
      runnerDir: main.runnerDir,
      state: main.state,
    });
    expectSuccess(post);
    expect(cacheCalls('CreateCacheEntry')).toBe(1);
    expect(cacheCalls('FinalizeCacheEntryUpload')).toBe(1);
    expectNoCredentialFiles(main.runnerDir);
  });

  it('a pull request run deploys a preview, measures it, and comments once with real numbers', async () => {
    const servingBefore = world.google.run.servingSplit(SERVICE_NAME);
    const main = await step('pull request main', 'main', {
      event: 'pull_request',
      inputs: INPUTS,
      env: world.stepEnv(PR_RUNTIME_TOKEN),
    });
    expectSuccess(main);
    const outputs = main.outputs;
    const result = readJson<PerfResult>(outputs['result-path']!);

    // A no-traffic preview: the service still serves the push run's revision.
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual(servingBefore);
    expect(outputs.revision).not.toBe(pushResult.deploy?.revision);
    expect(outputs.url).not.toBe(pushResult.deploy?.url);
    expect(result.smoke?.url.startsWith(outputs.url!)).toBe(true);
    expect(result.smoke?.requests).toBeGreaterThan(0);
    // The preview tag URL serves the new revision; the service URL still the push run's.
    expect(await revisionServing(outputs.url!)).toBe(outputs.revision);
    expect(await revisionServing(pushResult.deploy!.url)).toBe(pushResult.deploy!.revision);

    // Cache: restored with an exact hit of what the push run saved.
    expect(result.cache?.layers).toEqual([expect.objectContaining({ name: 'build-output', hit: 'exact' })]);

    const comments = world.github.commentsOn(PR_NUMBER);
    expect(comments).toHaveLength(1);
    const comment = comments[0]!;
    commentId = comment.id;
    expect(comment.body).toContain(MARKER);
    const p95 = result.smoke!.latencyMs.p95;
    expect(Number(outputs['p95-ms'])).toBeCloseTo(p95, 2);
    // The p95 row: the paired baseline, then this PR's p95 as the renderer formats it.
    expect(comment.body).toMatch(
      new RegExp(`\\| p95 latency \\| [^|]+ \\| ${escapeRegExp(formatMs(p95))} \\|`),
    );
    // Non-smoke metrics are judged against history: the push run is the baseline.
    expect(comment.body).toContain(`| build total | ${formatMs(pushResult.build!.totalMs)} |`);
    for (const path of ['/health', '/api/items']) expect(comment.body).toContain(`| ${path} |`);
    expect(['regression', 'improvement', 'unchanged']).toContain(outputs.verdict);
    expect(outputs['comment-url']).toContain(String(comment.id));
    const checkRuns = world.github.checkRuns.filter((run) => run.head_sha === PR_HEAD_SHA);
    expect(checkRuns).toHaveLength(1);

    const saves = cacheCalls('CreateCacheEntry');
    const post = await step('pull request post', 'post', {
      event: 'pull_request',
      inputs: INPUTS,
      env: world.stepEnv(PR_RUNTIME_TOKEN),
      runnerDir: main.runnerDir,
      state: main.state,
    });
    expectSuccess(post);
    expect(cacheCalls('CreateCacheEntry')).toBe(saves);
    expectNoCredentialFiles(main.runnerDir);
  });

  it('a second run on the same pull request edits the same comment', async () => {
    const main = await step('pull request re-run main', 'main', {
      event: 'pull_request',
      inputs: INPUTS,
      env: world.stepEnv(PR_RUNTIME_TOKEN),
    });
    expectSuccess(main);
    const comments = world.github.commentsOn(PR_NUMBER);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(commentId);
    expect(world.github.requests('issues/create-comment')).toHaveLength(1);
    expect(world.github.requests('issues/update-comment')).toHaveLength(1);
    const result = readJson<PerfResult>(main.outputs['result-path']!);
    expect(comments[0]!.body).toContain(`| ${formatMs(result.smoke!.latencyMs.p95)} |`);
    expect(main.outputs['comment-url']).toContain(String(commentId));
    expect(['regression', 'improvement', 'unchanged']).toContain(main.outputs.verdict);
    // Pull requests only read the history: it still holds the push run alone.
    const history = world.github.readFile('orchestra-perf-data', `history/${ENVIRONMENT}.json`);
    expect((JSON.parse(history!) as { results: unknown[] }).results).toHaveLength(1);
  });

  it('a pull request from a fork deploys nothing, asks for no OIDC token, writes nothing to GitHub', async () => {
    const artifact = join(world.workspace, '.orchestra-perf/pr-report');
    expect(existsSync(artifact)).toBe(false);
    const oidcBefore = world.issuer.requests.length;
    const googleBefore = world.google.log.length;
    const writesBefore = world.github.writes().length;
    const checkRunsBefore = world.github.checkRuns.length;
    const historyBefore = world.github.readFile('orchestra-perf-data', `history/${ENVIRONMENT}.json`);
    const main = await step('fork main', 'main', {
      event: 'pull_request_fork',
      inputs: INPUTS,
      env: world.stepEnv(PR_RUNTIME_TOKEN),
    });
    expectSuccess(main);
    const notices = main.commands.filter((command) => command.command === 'notice');
    expect(notices.map((notice) => notice.message).join('\n')).toContain('mallory/api');
    expect(world.issuer.requests.length).toBe(oidcBefore);
    expect(world.google.log.length).toBe(googleBefore);
    expect(world.github.writes().length).toBe(writesBefore);
    expect(world.github.commentsOn(PR_NUMBER)).toHaveLength(1);
    expect(world.github.checkRuns).toHaveLength(checkRunsBefore);
    expect(world.github.readFile('orchestra-perf-data', `history/${ENVIRONMENT}.json`)).toBe(historyBefore);
    expect(main.outputs.url).toBeUndefined();
    const written = readJson<PerfResult>(join(artifact, 'perf-result.json'));
    expect(written.meta.environment).toBe(ENVIRONMENT);
    expect(readJson<Record<string, unknown>>(join(artifact, 'metadata.json'))).toMatchObject({
      prNumber: PR_NUMBER,
      headSha: PR_HEAD_SHA,
      environment: ENVIRONMENT,
    });
  });

  it('no step printed a token before masking it, and none reached GitHub', () => {
    // One OIDC token per trusted run (push, PR, re-run), each exchanged for Google tokens.
    expect(world.issuer.issued.length).toBeGreaterThanOrEqual(3);
    expect(world.google.identity.tokens.size).toBeGreaterThanOrEqual(3);
    const secrets = world.secrets();
    for (const { name, run } of steps) {
      // A clean step writes everything through workflow commands on stdout.
      expect(run.stderr, name).toBe('');
      for (const secret of secrets) {
        expect(unmaskedOccurrences(run, secret), `${name}: unmasked ${secret.slice(0, 12)}…`).toBe(0);
        // Nothing masks what is written to the job summary.
        expect(run.summary.includes(secret), `${name}: summary holds ${secret.slice(0, 12)}…`).toBe(false);
      }
    }
    const published = [
      ...world.github.comments.map((comment) => comment.body),
      JSON.stringify(world.github.checkRuns),
      world.github.readFile('orchestra-perf-data', `history/${ENVIRONMENT}.json`) ?? '',
    ].join('\n');
    for (const secret of secrets) expect(published.includes(secret)).toBe(false);
    // Every request the action made and every answer of the fake matched GitHub's OpenAPI description.
    expect(world.github.violations).toEqual([]);
  });
});

/**
 * The runner hides a value from the moment `::add-mask::` registers it; an occurrence before that
 * (or with no registration at all) reaches the log in clear.
 */
function unmaskedOccurrences(run: StepRun, secret: string): number {
  let masked = false;
  let leaks = 0;
  for (const line of run.stdout.split('\n')) {
    if (line === `::add-mask::${secret}`) masked = true;
    else if (!masked && line.includes(secret)) leaks++;
  }
  if (!masked && run.stderr.includes(secret)) leaks++;
  return leaks;
}

/** No credential or Docker config of ours is left under RUNNER_TEMP once the post step ran. */
function expectNoCredentialFiles(runnerDir: string): void {
  const temp = join(runnerDir, 'runner-temp');
  const files = listFiles(temp);
  expect(
    files.filter((file) => /cred|token|docker-config|config\.json|\.pem$|key\.json$/i.test(file)),
  ).toEqual([]);
  for (const file of files) {
    const text = readFileSync(join(temp, file), 'utf8');
    expect(text, file).not.toMatch(/ya29\.|eyJhbGciOi|ghs_|"private_key"|"auths"/);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The revision a Cloud Run URL of the fake answers as (its x-revision header). */
async function revisionServing(url: string): Promise<string | null> {
  const response = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.headers.get('x-revision');
}
