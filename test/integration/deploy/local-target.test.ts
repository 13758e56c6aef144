/**
 * The local target: a user command or the built image (real Docker, --network host) started with
 * PORT, waited on until the readiness path answers, and removed again.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { configSchema } from '../../../src/config/schema.js';
import { UnreachableError } from '../../../src/errors.js';
import { NullLogger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';
import { createDeployStage, LOCAL_CONTAINER_STATE } from '../../../src/stages/deploy/index.js';
import { startLocalTarget } from '../../../src/stages/deploy/local-target.js';
import type { LocalPlan } from '../../../src/stages/deploy/plan.js';
import type { StageDeps } from '../../../src/stages/stage.js';
import { describeDocker } from '../../helpers/docker.js';
import { freePort } from '../../helpers/ports.js';
import { emptyResult, runContext } from './world.js';

const SERVER = `require('http').createServer((q, s) => { s.setHeader('x-path', q.url); s.end(q.url === '/ready' ? 'ready' : 'ok'); }).listen(Number(process.env.PORT), '127.0.0.1')`;
const nodeCommand = (script: string) => `'${process.execPath}' -e "${script}"`;

function plan(overrides: Partial<LocalPlan>): LocalPlan {
  return {
    target: 'local',
    image: undefined,
    command: undefined,
    port: undefined,
    readinessPath: '/',
    waitTimeoutMs: 20_000,
    envVars: {},
    ...overrides,
  };
}

const deps = { process: nodeProcessRunner, logger: new NullLogger(), clock: systemClock };

async function refused(url: string): Promise<boolean> {
  return fetch(url).then(
    () => false,
    () => true,
  );
}

describe('local target: command', () => {
  it('runs the command with PORT, waits for the readiness path, returns the loopback URL, and stops it', async () => {
    const target = await startLocalTarget(
      plan({ command: nodeCommand(SERVER), readinessPath: '/ready', envVars: { MODE: 'x' } }),
      deps,
    );
    expect(target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${target.url}/api/items`);
    expect(response.headers.get('x-path')).toBe('/api/items');
    await response.text();
    await target.stop();
    expect(await refused(target.url)).toBe(true);
  });

  it('fails with the exit status and stderr when the command dies before it is ready', async () => {
    const error = await startLocalTarget(plan({ command: 'echo boom >&2; exit 3' }), deps).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/exited with 3: boom/);
  });

  it('fails within the wait timeout when nothing ever listens, and leaves no process behind', async () => {
    const marker = `orchestra-perf-never-${process.pid}`;
    const error = await startLocalTarget(
      plan({ command: `exec sleep 30 # ${marker}`, waitTimeoutMs: 800 }),
      deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toContain('did not become ready');
    const leftovers = execFileSync('ps', ['-eo', 'args'])
      .toString()
      .split('\n')
      .filter((line) => line.includes(marker) && !line.includes('ps -eo'));
    expect(leftovers).toEqual([]);
  });

  it('as a stage: plans from config, writes deploy.url, and the post step stops it', async () => {
    const stage = createDeployStage();
    const config = configSchema.parse({ deploy: { target: 'local', command: nodeCommand(SERVER) } });
    const planned = stage.plan({ config, context: runContext({ inActions: false }), result: emptyResult() });
    if (!planned.run) throw new Error(planned.reason);
    const result: PerfResult = emptyResult();
    const state = new Map<string, string>();
    const stageDeps: StageDeps = {
      ...deps,
      state: { save: (k, v) => void state.set(k, v), get: (k) => state.get(k) ?? '' },
      signal: new AbortController().signal,
      env: process.env,
      services: {},
    };
    await stage.execute(planned.plan, result, stageDeps);
    expect(result.deploy).toMatchObject({
      target: 'local',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(await (await fetch(result.deploy!.url)).text()).toBe('ok');
    await stage.post!(stageDeps);
    expect(await refused(result.deploy!.url)).toBe(true);
  });
});

describeDocker('local target: image', () => {
  const tag = `orchestra-perf-test/local-target:${process.pid}`;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchestra-perf-local-'));
    // A static busybox httpd: no base image to pull, listens on $PORT like a Cloud Run container.
    mkdirSync(join(dir, 'www'));
    writeFileSync(join(dir, 'www', 'ready'), 'ready');
    writeFileSync(join(dir, 'www', 'x'), 'ok');
    copyFileSync('/bin/busybox', join(dir, 'busybox'));
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /busybox\nCOPY www /www\nCMD ["/busybox", "sh", "-c", "exec /busybox httpd -f -p 127.0.0.1:$PORT -h /www"]\n',
    );
    execFileSync('docker', ['build', '-q', '-t', tag, dir], { stdio: 'pipe', timeout: 120_000 });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    execFileSync('docker', ['rmi', '-f', tag], { stdio: 'pipe' });
  });

  it('docker runs the image with --network host and PORT, serves, and the post step removes the container', async () => {
    const stage = createDeployStage();
    const config = configSchema.parse({
      deploy: { target: 'local', image: tag, 'readiness-path': '/ready' },
    });
    const planned = stage.plan({ config, context: runContext({ inActions: false }), result: emptyResult() });
    if (!planned.run) throw new Error(planned.reason);
    const state = new Map<string, string>();
    const stageDeps: StageDeps = {
      ...deps,
      state: { save: (k, v) => void state.set(k, v), get: (k) => state.get(k) ?? '' },
      signal: new AbortController().signal,
      env: process.env,
      services: {},
    };
    const result = emptyResult();
    await stage.execute(planned.plan, result, stageDeps);
    const container = state.get(LOCAL_CONTAINER_STATE)!;
    expect(container).toMatch(/^[0-9a-f]{64}$/);
    expect(await (await fetch(`${result.deploy!.url}/x`)).text()).toBe('ok');
    // A separate post process only has the saved state: it must still remove the container.
    await createDeployStage().post!(stageDeps);
    expect(
      execFileSync('docker', ['ps', '-aq', '--filter', `id=${container}`])
        .toString()
        .trim(),
    ).toBe('');
  });

  it('fails with the container logs when the image does not listen on PORT', async () => {
    // Listening on the wrong port: the container runs, but never answers on PORT.
    const wrongPort = await freePort();
    const error = await startLocalTarget(plan({ image: tag, readinessPath: '/ready', waitTimeoutMs: 1500 }), {
      ...deps,
      process: {
        run: (argv, options) =>
          nodeProcessRunner.run(
            argv.map((arg) => (arg.startsWith('PORT=') ? `PORT=${wrongPort}` : arg)),
            options,
          ),
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('did not become ready');
    expect(error).toBeInstanceOf(UnreachableError);
    expect(
      execFileSync('docker', [
        'ps',
        '-aq',
        '--filter',
        'label=orchestra-perf.local=1',
        '--filter',
        `ancestor=${tag}`,
      ])
        .toString()
        .trim(),
    ).toBe('');
  });
});
