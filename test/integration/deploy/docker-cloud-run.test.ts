/**
 * With a Docker engine, the fake Cloud Run really runs the deployed image (by digest, from the
 * local registry) with PORT set, so the deployed URL serves the container itself, and a container
 * that does not listen on PORT fails the revision the way Cloud Run does.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { CloudRunError } from '../../../src/gcp/cloud-run.js';
import { createDeployStage } from '../../../src/stages/deploy/index.js';
import { describeDocker, LOCAL_REGISTRY } from '../../helpers/docker.js';
import { deployConfig, emptyResult, runContext, stageDeps, startWorld, type World } from './world.js';

function buildAndPush(dir: string, name: string, cmd: string): string {
  writeFileSync(join(dir, 'Dockerfile'), `FROM scratch\nCOPY busybox /busybox\nCOPY www /www\nCMD ${cmd}\n`);
  const ref = `${LOCAL_REGISTRY}/orchestra-perf-test/${name}:${process.pid}`;
  execFileSync('docker', ['build', '-q', '-t', ref, dir], { stdio: 'pipe', timeout: 120_000 });
  execFileSync('docker', ['push', '-q', ref], { stdio: 'pipe', timeout: 120_000 });
  const digested = execFileSync('docker', ['inspect', '--format', '{{index .RepoDigests 0}}', ref])
    .toString()
    .trim();
  execFileSync('docker', ['rmi', ref], { stdio: 'pipe' });
  return digested;
}

describeDocker('fake Cloud Run running real containers', () => {
  let dir: string;
  let serving: string;
  let silent: string;
  let world: World;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchestra-perf-fake-run-'));
    mkdirSync(join(dir, 'www'));
    writeFileSync(join(dir, 'www', 'index.html'), 'hello from the container');
    copyFileSync('/bin/busybox', join(dir, 'busybox'));
    serving = buildAndPush(
      dir,
      'fake-run-serving',
      '["/busybox", "sh", "-c", "exec /busybox httpd -f -p 127.0.0.1:$PORT -h /www"]',
    );
    silent = buildAndPush(dir, 'fake-run-silent', '["/busybox", "sleep", "120"]');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const ref of [serving, silent]) {
      if (ref) execFileSync('docker', ['rmi', '-f', ref], { stdio: 'pipe' });
    }
  });
  beforeEach(async () => {
    world = await startWorld();
    world.google.run.docker = nodeProcessRunner;
    world.google.run.startupTimeoutMs = 2_000;
  });
  afterEach(async () => {
    await world.close();
    expect(
      execFileSync('docker', ['ps', '-aq', '--filter', 'label=orchestra-perf.fake-cloud-run=1'])
        .toString()
        .trim(),
    ).toBe('');
  });

  const deploy = async (image: string) => {
    const stage = createDeployStage();
    const planned = stage.plan({
      config: deployConfig({ image }),
      context: runContext(),
      result: emptyResult(),
    });
    if (!planned.run) throw new Error(planned.reason);
    const result = emptyResult();
    await stage.execute(
      planned.plan,
      result,
      stageDeps(world, { ...world.issuer.env(), ...world.google.env() }),
    );
    return result;
  };

  it('deploys by digest and the service URL serves the running container', async () => {
    expect(serving).toMatch(/@sha256:[0-9a-f]{64}$/);
    const result = await deploy(serving);
    const response = await fetch(`${result.deploy!.url}/`);
    expect(response.headers.get('x-revision')).toBe(result.deploy!.revision);
    expect(await response.text()).toBe('hello from the container');
  });

  it("a container that never listens on PORT fails the deploy with Cloud Run's condition message", async () => {
    const error = (await deploy(silent).catch((e: unknown) => e)) as CloudRunError;
    expect(error).toBeInstanceOf(CloudRunError);
    expect(error.message).toMatch(
      /failed to start and listen on the port defined provided by the PORT=\d+ environment variable/,
    );
  });
});
