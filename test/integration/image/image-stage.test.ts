/**
 * The image stage against the real Docker engine, buildx and the local registries: build FROM the
 * local base, push by digest, size read from the registry, cached rebuild, token login through
 * stdin, and the failures (Dockerfile error, denied push, registry 500, credentials in context,
 * no engine, no buildx). Builds are few and tiny (COPY only): vfs makes each one cost seconds.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  nodeProcessRunner,
  type ProcessRunner,
  type RunOptions,
  type RunOutcome,
} from '../../../src/adapters/process.js';
import { MEDIA_TYPES } from '../../../src/adapters/registry.js';
import { ExitCode, type OrchestraError, UnreachableError, UsageError } from '../../../src/errors.js';
import type { Logger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';
import { imageStage } from '../../../src/stages/image/index.js';
import { userDockerConfigDir } from '../../../src/stages/image/registry-auth.js';
import type { StageDeps, StageServices } from '../../../src/stages/stage.js';
import {
  describeDocker,
  LOCAL_AUTH_PASSWORD,
  LOCAL_AUTH_REGISTRY,
  LOCAL_AUTH_USER,
  LOCAL_REGISTRY,
} from '../../helpers/docker.js';
import { RecordingClock } from '../../unit/image/clock.js';
import { config, result as emptyResult, pullRequest, runContext } from '../../unit/image/context.js';
import { startFaultRegistry } from './fault-registry.js';

const nonce = randomBytes(6).toString('hex');
const SHA = randomBytes(20).toString('hex');
const REPO = `orchestra-perf-test/image-${nonce}`;
let workspace: string;
let tempDir: string;
let userConfig: string;

class LinesLogger implements Logger {
  lines: string[] = [];
  masked: string[] = [];
  info(line: string): void {
    this.lines.push(line);
  }
  warning(line: string): void {
    this.lines.push(`warning: ${line}`);
  }
  mask(secret: string): void {
    this.masked.push(secret);
  }
  debug(): void {}
  error(): void {}
  notice(): void {}
  group<T>(_name: string, body: () => Promise<T>): Promise<T> {
    return body();
  }
}

/** The real process runner, counting `docker buildx build` runs (one per push attempt). */
class CountingRunner implements ProcessRunner {
  builds = 0;
  run(argv: readonly string[], options?: RunOptions): Promise<RunOutcome> {
    if (argv[1] === 'buildx' && argv[2] === 'build') this.builds++;
    return nodeProcessRunner.run(argv, options);
  }
}

interface Run {
  result: PerfResult;
  error: OrchestraError | undefined;
  clock: RecordingClock;
  logger: LinesLogger;
  deps: StageDeps;
  state: Map<string, string>;
}

async function runStage(
  image: Record<string, unknown>,
  options: {
    services?: Partial<StageServices>;
    env?: NodeJS.ProcessEnv;
    post?: boolean;
    runner?: CountingRunner;
  } = {},
): Promise<Run> {
  const planned = imageStage.plan({
    config: config(image),
    context: runContext({
      workspace,
      tempDir,
      sha: SHA,
      environment: 'itest',
      pullRequest: pullRequest(7, 'feature/x'),
    }),
    result: emptyResult(),
  });
  if (!planned.run) throw new Error(planned.reason);
  const state = new Map<string, string>();
  const clock = new RecordingClock();
  const logger = new LinesLogger();
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: userConfig, ...options.env };
  for (const name of [
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_CACHE_URL',
    'ACTIONS_RESULTS_URL',
    'GOOGLE_APPLICATION_CREDENTIALS',
  ])
    delete env[name];
  const deps: StageDeps = {
    logger,
    process: options.runner ?? new CountingRunner(),
    clock,
    state: { save: (key, value) => void state.set(key, value), get: (key) => state.get(key) ?? '' },
    signal: new AbortController().signal,
    env,
    services: options.services ?? {},
  };
  const result = emptyResult();
  let error: OrchestraError | undefined;
  try {
    await imageStage.execute(planned.plan, result, deps);
  } catch (caught) {
    error = caught as OrchestraError;
  }
  if (options.post !== false) await imageStage.post?.(deps);
  return { result, error, clock, logger, deps, state };
}

async function manifest(registry: string, repository: string, reference: string, auth?: string) {
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: Object.values(MEDIA_TYPES).join(', '), ...(auth ? { authorization: auth } : {}) },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { layers: Array<{ size: number }> };
  return {
    digest: response.headers.get('docker-content-digest'),
    layersSize: body.layers.reduce((sum, layer) => sum + layer.size, 0),
  };
}

describeDocker('image stage with the real engine and registries', () => {
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'image-itest-ws-'));
    tempDir = mkdtempSync(join(tmpdir(), 'image-itest-tmp-'));
    cpSync('test/fixtures/image/app', workspace, { recursive: true });
    // A fresh greeting per run, so the first build really builds its steps.
    writeFileSync(join(workspace, 'greeting.txt'), `hello ${nonce}\n`);
    // The "user's" Docker config: their plugins, and a config.json we must leave untouched.
    userConfig = mkdtempSync(join(tmpdir(), 'image-itest-user-docker-'));
    const plugins = join(userDockerConfigDir(process.env), 'cli-plugins');
    if (existsSync(plugins)) symlinkSync(plugins, join(userConfig, 'cli-plugins'));
    writeFileSync(join(userConfig, 'config.json'), '{"auths":{}}\n');
  });
  afterAll(() => {
    // The docker driver keeps every built image in the engine: remove this run's (by its revision label).
    const ids = execFileSync(
      'docker',
      ['image', 'ls', '-q', '--filter', `label=org.opencontainers.image.revision=${SHA}`],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0)
      execFileSync('docker', ['image', 'rm', '--force', ...new Set(ids)], { stdio: 'ignore' });
    for (const dir of [workspace, tempDir, userConfig])
      if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let firstDigest = '';

  it('builds FROM the local base, pushes by digest, and reads the compressed size from the registry', async () => {
    const name = `${LOCAL_REGISTRY}/${REPO}`;
    const run = await runStage({ name, 'build-args': { GREETING: 'a";curl x|sh;#' } });
    expect(run.error).toBeUndefined();
    const image = run.result.image!;
    expect(image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(image.ref).toBe(`${name}@${image.digest}`);
    // The registry serves that digest under every tag we pushed.
    for (const tag of [SHA, 'itest', 'pr-7']) {
      const served = await manifest(LOCAL_REGISTRY, REPO, tag);
      expect(served.digest).toBe(image.digest);
      expect(image.sizeBytes).toBe(served.layersSize);
    }
    expect(image.sizeBytes).toBeGreaterThan(1_000_000); // the node base layer, compressed
    expect(image.cacheBackend).toBe('inline');
    expect(image.cacheReason).toMatch(/docker driver, which can export only inline cache/);
    expect(image.totalSteps).toBe(2);
    expect(image.cachedSteps).toBe(0);
    expect(image.buildMs).toBeGreaterThanOrEqual(0);
    firstDigest = image.digest;
  });

  it('rebuilds with the registry cache imported and inline export: every step cached, same digest', async () => {
    const name = `${LOCAL_REGISTRY}/${REPO}`;
    const run = await runStage({
      name,
      'cache-ref': `${name}:itest`,
      'build-args': { GREETING: 'a";curl x|sh;#' },
    });
    expect(run.error).toBeUndefined();
    expect(run.result.image).toMatchObject({
      digest: firstDigest,
      cacheBackend: 'registry',
      cachedSteps: 2,
      totalSteps: 2,
    });
    expect(run.result.image!.cacheReason).toMatch(/imports .*:itest and exports inline cache/);
    expect(
      run.logger.lines.some((line) => line.includes(`importing cache manifest from ${name}:itest`)),
    ).toBe(true);
  });

  it('logs in to the htpasswd registry with a token through stdin, pushes there, and post removes the private config', async () => {
    const userConfigBefore = readFileSync(join(userConfig, 'config.json'), 'utf8');
    const name = `${LOCAL_AUTH_REGISTRY}/${REPO}`;
    const run = await runStage(
      { name },
      {
        services: {
          registryCredentials: async (registry) =>
            registry === LOCAL_AUTH_REGISTRY
              ? { username: LOCAL_AUTH_USER, password: LOCAL_AUTH_PASSWORD }
              : undefined,
        },
        post: false,
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.logger.masked).toContain(LOCAL_AUTH_PASSWORD);
    const configDir = run.state.get('image-docker-config')!;
    expect(configDir.startsWith(tempDir)).toBe(true);
    expect(readFileSync(join(configDir, 'config.json'), 'utf8')).toContain(LOCAL_AUTH_REGISTRY);
    const basic = `Basic ${Buffer.from(`${LOCAL_AUTH_USER}:${LOCAL_AUTH_PASSWORD}`).toString('base64')}`;
    const served = await manifest(LOCAL_AUTH_REGISTRY, REPO, SHA, basic);
    expect(run.result.image).toMatchObject({ ref: `${name}@${served.digest}`, sizeBytes: served.layersSize });

    await imageStage.post!(run.deps);
    expect(existsSync(configDir)).toBe(false);
    expect(readFileSync(join(userConfig, 'config.json'), 'utf8')).toBe(userConfigBefore);
  });

  it('a push to the htpasswd registry without login is denied and never retried', async () => {
    const runner = new CountingRunner();
    const run = await runStage({ name: `${LOCAL_AUTH_REGISTRY}/${REPO}-denied` }, { runner });
    expect(runner.builds).toBe(1);
    expect(run.error?.oneLine()).toMatch(
      /push to 127\.0\.0\.1:5001 denied: no basic auth credentials\. Fix: log in to 127\.0\.0\.1:5001/,
    );
    expect(run.clock.sleeps).toEqual([]);
    expect(run.result.image).toBeUndefined();
  });

  it('a registry answering 500 to the manifest push: retried twice with backoff, then exit 3; no image result', async () => {
    const registry = await startFaultRegistry({ failing: () => true, status: 500 });
    try {
      const runner = new CountingRunner();
      const run = await runStage({ name: `${registry.host}/${REPO}` }, { runner });
      expect(run.error).toBeInstanceOf(UnreachableError);
      expect(run.error?.exitCode).toBe(ExitCode.unreachable);
      expect(run.error?.message).toMatch(
        /server error after 3 attempts: received unexpected HTTP status: 500/,
      );
      expect(runner.builds).toBe(3);
      expect(registry.failedPuts).toBeGreaterThanOrEqual(3);
      expect(run.clock.sleeps).toEqual([2000, 4000]);
      expect(run.result.image).toBeUndefined();
    } finally {
      await registry.close();
    }
  });

  it('a registry that fails twice then accepts: the third attempt pushes and the digest is served', async () => {
    const runner = new CountingRunner();
    const registry = await startFaultRegistry({ failing: () => runner.builds <= 2, status: 500 });
    try {
      const run = await runStage({ name: `${registry.host}/${REPO}-flaky` }, { runner });
      expect(run.error).toBeUndefined();
      expect(runner.builds).toBe(3);
      expect(registry.failedPuts).toBeGreaterThan(0);
      expect(run.clock.sleeps).toEqual([2000, 4000]);
      const served = await manifest(LOCAL_REGISTRY, `${REPO}-flaky`, SHA);
      expect(run.result.image).toMatchObject({ digest: served.digest, sizeBytes: served.layersSize });
    } finally {
      await registry.close();
    }
  });

  it('a failing Dockerfile step is shown with the fix, without retries', async () => {
    const run = await runStage({ name: `${LOCAL_REGISTRY}/${REPO}-broken`, dockerfile: 'Dockerfile.broken' });
    expect(run.error?.oneLine()).toMatch(
      /docker build failed at "\[3\/3\] COPY does-not-exist\.txt \/srv\/missing\.txt": .*not found.*Fix: fix that step in .*Dockerfile\.broken/,
    );
    expect(run.clock.sleeps).toEqual([]);
  });

  it('refuses a credentials file in the context until .dockerignore excludes it; then loads locally', async () => {
    const creds = join(workspace, 'gha-creds-0f1e2d3c.json');
    writeFileSync(creds, '{"type":"external_account"}', { mode: 0o600 });
    try {
      const refused = await runStage({ name: `${LOCAL_REGISTRY}/${REPO}`, push: false });
      expect(refused.error).toBeInstanceOf(UsageError);
      expect(refused.error?.oneLine()).toContain('gha-creds-0f1e2d3c.json inside the build context');
      expect(refused.error?.oneLine()).toContain(
        `add the line "gha-creds-*.json" at the end of ${join(workspace, '.dockerignore')}`,
      );

      writeFileSync(join(workspace, '.dockerignore'), 'gha-creds-*.json\n');
      const loaded = await runStage({ name: `${LOCAL_REGISTRY}/${REPO}`, push: false });
      expect(loaded.error).toBeUndefined();
      expect(loaded.result.image?.ref).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(loaded.result.image?.sizeBytes).toBeGreaterThan(1_000_000);
    } finally {
      rmSync(creds, { force: true });
      rmSync(join(workspace, '.dockerignore'), { force: true });
    }
  });

  it('names the fix when no engine answers or buildx is missing', async () => {
    const noEngine = await runStage(
      { name: `${LOCAL_REGISTRY}/${REPO}` },
      { env: { DOCKER_HOST: `unix://${join(tempDir, 'no-docker.sock')}` } },
    );
    expect(noEngine.error).toBeInstanceOf(UnreachableError);
    expect(noEngine.error?.oneLine()).toMatch(/no Docker engine is reachable.*Fix: start the Docker daemon/);

    const emptyConfig = join(tempDir, 'docker-config-without-plugins');
    mkdirSync(emptyConfig, { recursive: true });
    const noBuildx = await runStage(
      { name: `${LOCAL_REGISTRY}/${REPO}` },
      { env: { DOCKER_CONFIG: emptyConfig } },
    );
    expect(noBuildx.error).toBeInstanceOf(UsageError);
    expect(noBuildx.error?.oneLine()).toMatch(
      /docker buildx is not available.*Fix: add docker\/setup-buildx-action/,
    );
  });
});
