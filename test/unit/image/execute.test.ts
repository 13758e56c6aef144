/**
 * execute() through a Docker CLI fake (recorded buildx outputs): retries, no-retry cases, the
 * missing digest, engine/buildx errors, hygiene, and the login/logout life cycle of the token.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, UnreachableError, UsageError } from '../../../src/errors.js';
import type { Logger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';
import { executeImage } from '../../../src/stages/image/execute.js';
import { imageStage } from '../../../src/stages/image/index.js';
import type { ImagePlan } from '../../../src/stages/image/plan.js';
import type { StageDeps, StageServices } from '../../../src/stages/stage.js';
import { RecordingClock } from './clock.js';
import { result as emptyResult, input } from './context.js';
import { FakeDocker } from './fake-docker.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
let workspace: string;
let tempDir: string;
let events: string[];

class RecordingLogger implements Logger {
  lines: string[] = [];
  info = (line: string) => void this.lines.push(line);
  debug = (line: string) => void this.lines.push(line);
  warning = (line: string) => void this.lines.push(`warning: ${line}`);
  error = (line: string) => void this.lines.push(`error: ${line}`);
  notice = (line: string) => void this.lines.push(line);
  mask = (secret: string) => void events.push(`mask ${secret}`);
  group = <T>(_name: string, body: () => Promise<T>) => body();
}

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'image-exec-ws-'));
  tempDir = mkdtempSync(join(tmpdir(), 'image-exec-tmp-'));
  writeFileSync(join(workspace, 'Dockerfile'), 'FROM scratch\n');
  events = [];
});
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(tempDir, { recursive: true, force: true });
});

function setup(
  image: Record<string, unknown>,
  services: Partial<StageServices> = {},
  env: NodeJS.ProcessEnv = {},
) {
  const planned = imageStage.plan(input(image, { workspace, tempDir }));
  if (!planned.run) throw new Error(planned.reason);
  const docker = new FakeDocker();
  const original = docker.run.bind(docker);
  docker.run = async (argv, options) => {
    events.push(`docker ${argv.slice(1, 3).join(' ')}`);
    return original(argv, options);
  };
  const state = new Map<string, string>();
  const clock = new RecordingClock();
  const logger = new RecordingLogger();
  const deps: StageDeps = {
    logger,
    process: docker,
    clock,
    state: { save: (key, value) => void state.set(key, value), get: (key) => state.get(key) ?? '' },
    signal: new AbortController().signal,
    env: { HOME: workspace, ...env },
    services,
  };
  const result: PerfResult = emptyResult();
  return { plan: planned.plan as ImagePlan, docker, deps, clock, state, logger, result };
}

describe('executeImage with a scripted Docker CLI', () => {
  it('retries a push that hit a registry 500 at most twice, with growing backoff, then fails with exit 3', async () => {
    const { plan, docker, deps, clock, result, logger } = setup({ name: '127.0.0.1:5073/trial/app' });
    docker.builds = [1, 2, 3, 4].map(() => ({ exitCode: 1, output: 'push-500' }));
    const error = await executeImage(plan, result, deps).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).exitCode).toBe(ExitCode.unreachable);
    expect((error as Error).message).toMatch(/server error after 3 attempts/);
    expect(docker.buildCalls).toHaveLength(3);
    expect(clock.sleeps).toEqual([2000, 4000]);
    expect(logger.lines.filter((line) => line.startsWith('warning: push to'))).toHaveLength(2);
    expect(result.image).toBeUndefined();
  });

  it('never retries a denied push or a Dockerfile error', async () => {
    for (const output of ['push-denied', 'push-no-credentials', 'copy-missing', 'parse-error']) {
      const { plan, docker, deps, clock, result } = setup({ name: '127.0.0.1:5074/trial/app' });
      docker.builds = [
        { exitCode: 1, output },
        { exitCode: 0, output: 'cached-rebuild', metadata: { 'containerimage.digest': DIGEST } },
      ];
      await expect(executeImage(plan, result, deps)).rejects.toThrow(
        output.startsWith('push') ? /denied/ : /docker build failed/,
      );
      expect(docker.buildCalls).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    }
  });

  it('fails when buildx reports no digest, and writes no image result (never a mutable tag)', async () => {
    const { plan, docker, deps, result } = setup({ name: '127.0.0.1:5000/trial/app' });
    docker.builds = [{ exitCode: 0, output: 'cached-rebuild' }];
    await expect(executeImage(plan, result, deps)).rejects.toThrow(/no image digest.*mutable tag/);
    expect(result.image).toBeUndefined();
  });

  it('names the fix when no engine runs or buildx is missing, before any build', async () => {
    const noEngine = setup({ name: '127.0.0.1:5000/trial/app' });
    noEngine.docker.engine = false;
    await expect(executeImage(noEngine.plan, noEngine.result, noEngine.deps)).rejects.toThrow(
      /no Docker engine is reachable/,
    );
    await expect(executeImage(noEngine.plan, noEngine.result, noEngine.deps)).rejects.toBeInstanceOf(
      UnreachableError,
    );
    expect(noEngine.docker.buildCalls).toHaveLength(0);

    const noBuildx = setup({ name: '127.0.0.1:5000/trial/app' });
    noBuildx.docker.buildx = false;
    const error = await executeImage(noBuildx.plan, noBuildx.result, noBuildx.deps).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).oneLine()).toMatch(
      /docker buildx is not available\. Fix: add docker\/setup-buildx-action/,
    );
    expect(noBuildx.docker.buildCalls).toHaveLength(0);
  });

  it('refuses a context holding gha-creds-*.json before building', async () => {
    writeFileSync(join(workspace, 'gha-creds-5d1e.json'), '{"type":"external_account"}');
    const { plan, docker, deps, result } = setup({ name: '127.0.0.1:5000/trial/app' });
    await expect(executeImage(plan, result, deps)).rejects.toThrow(
      /gha-creds-5d1e\.json inside the build context/,
    );
    expect(docker.buildCalls).toHaveLength(0);
  });

  it('refuses a multi-platform build on the docker driver before building', async () => {
    const { plan, docker, deps, result } = setup({
      name: '127.0.0.1:5000/trial/app',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    await expect(executeImage(plan, result, deps)).rejects.toThrow(
      /docker driver, which builds one platform at a time/,
    );
    expect(docker.buildCalls).toHaveLength(0);
  });

  it('refuses a missing build secret variable instead of passing an empty secret', async () => {
    const { plan, docker, deps, result } = setup({
      name: '127.0.0.1:5000/trial/app',
      secrets: ['id=npm,env=NPM_TOKEN'],
    });
    await expect(executeImage(plan, result, deps)).rejects.toThrow(
      /build secret variable NPM_TOKEN is not set/,
    );
    expect(docker.calls).toHaveLength(0);
  });

  it('logs in to Artifact Registry with the Google token: masked first, through stdin, in a private DOCKER_CONFIG; post logs out and removes it', async () => {
    const token = 'ya29.short-lived-access-token';
    const { plan, docker, deps, state, result } = setup(
      { name: 'europe-west1-docker.pkg.dev/acme/apps/api' },
      { googleAccessToken: async () => token },
    );
    docker.builds = [{ exitCode: 1, output: 'push-denied' }];
    const error = await executeImage(plan, result, deps).catch((caught: unknown) => caught);
    expect((error as UsageError).oneLine()).toMatch(
      /denied: denied\. Fix: give the deploying service account roles\/artifactregistry\.writer/,
    );

    const login = docker.calls.find((call) => call.argv[1] === 'login')!;
    expect(login.argv).toEqual([
      'docker',
      'login',
      '--username',
      'oauth2accesstoken',
      '--password-stdin',
      'europe-west1-docker.pkg.dev',
    ]);
    expect(login.input).toBe(token);
    expect(docker.calls.some((call) => call.argv.some((arg) => arg.includes(token)))).toBe(false);
    expect(events.indexOf(`mask ${token}`)).toBeLessThan(events.indexOf('docker login --username'));
    expect(events.indexOf(`mask ${token}`)).toBeGreaterThanOrEqual(0);

    const configDir = state.get('image-docker-config')!;
    expect(configDir.startsWith(tempDir)).toBe(true);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(configDir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(docker.buildCalls[0]!.dockerConfig).toBe(configDir);
    expect(JSON.parse(state.get('image-registry-logins')!)).toEqual(['europe-west1-docker.pkg.dev']);

    await imageStage.post!(deps);
    const logout = docker.calls.find((call) => call.argv[1] === 'logout')!;
    expect(logout).toEqual({
      argv: ['docker', 'logout', 'europe-west1-docker.pkg.dev'],
      input: undefined,
      dockerConfig: configDir,
    });
    expect(existsSync(configDir)).toBe(false);
  });

  it('does not log in anywhere without credentials, and post then removes nothing', async () => {
    const { plan, docker, deps, state, result } = setup({ name: 'us-docker.pkg.dev/acme/apps/api' });
    docker.builds = [{ exitCode: 1, output: 'push-no-credentials' }];
    await expect(executeImage(plan, result, deps)).rejects.toThrow(/denied/);
    expect(docker.calls.some((call) => call.argv[1] === 'login')).toBe(false);
    expect(docker.buildCalls[0]!.dockerConfig).toBeUndefined();
    expect(state.get('image-docker-config')).toBeUndefined();
    await imageStage.post!(deps);
    expect(docker.calls.some((call) => call.argv[1] === 'logout')).toBe(false);
  });

  it('logs in to any registry with credentials from the registryCredentials service', async () => {
    const { plan, docker, deps, result } = setup(
      { name: '127.0.0.1:5001/team/app' },
      {
        registryCredentials: async (registry) =>
          registry === '127.0.0.1:5001' ? { username: 'u', password: 'p4ssw0rd' } : undefined,
      },
    );
    docker.builds = [{ exitCode: 1, output: 'parse-error' }];
    await expect(executeImage(plan, result, deps)).rejects.toThrow(/docker build failed/);
    const login = docker.calls.find((call) => call.argv[1] === 'login')!;
    expect(login.argv).toEqual(['docker', 'login', '--username', 'u', '--password-stdin', '127.0.0.1:5001']);
    expect(login.input).toBe('p4ssw0rd');
    expect(events).toContain('mask p4ssw0rd');
    await imageStage.post!(deps);
  });

  it('a failing Google token source fails with the deploy-credentials fix', async () => {
    const { plan, deps, result } = setup(
      { name: 'us-docker.pkg.dev/acme/apps/api' },
      {
        googleAccessToken: async () => {
          throw new Error('STS exchange failed');
        },
      },
    );
    const error = await executeImage(plan, result, deps).catch((caught: unknown) => caught);
    expect((error as UsageError).oneLine()).toMatch(
      /could not get a Google access token to log in to us-docker\.pkg\.dev: STS exchange failed\. Fix: check the deploy credentials/,
    );
  });

  it('post refuses to remove a directory it did not create', async () => {
    const { deps, state, logger } = setup({ name: 'us-docker.pkg.dev/acme/apps/api' });
    state.set('image-docker-config', workspace);
    await imageStage.post!(deps);
    expect(existsSync(workspace)).toBe(true);
    expect(logger.lines.join('\n')).toMatch(/not removing/);
  });
});
