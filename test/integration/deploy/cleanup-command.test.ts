/** `orchestra-perf cleanup` as a user runs it on the PR `closed` event, against the local Google. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/command.js';
import { cleanupCommand } from '../../../src/cli/commands/cleanup.js';
import { UsageError } from '../../../src/errors.js';
import { createDeployStage } from '../../../src/stages/deploy/index.js';
import {
  DEPLOYER,
  deployConfig,
  emptyResult,
  IMAGE,
  PROJECT,
  PROVIDER,
  REGION,
  runContext,
  SERVICE,
  SERVICE_NAME,
  stageDeps,
  startWorld,
  type World,
} from './world.js';

let world: World;
let dir: string;
let configFile: string;
beforeEach(async () => {
  world = await startWorld();
  dir = mkdtempSync(join(tmpdir(), 'orchestra-perf-cleanup-'));
  configFile = join(dir, 'orchestra-perf.yml');
  writeFileSync(
    configFile,
    `deploy:\n  target: cloud-run\n  project-id: ${PROJECT}\n  region: ${REGION}\n  service: ${SERVICE}\n  workload-identity-provider: ${PROVIDER}\n  service-account: ${DEPLOYER}\n  wait-timeout: 20s\n`,
  );
});
afterEach(async () => {
  await world.close();
  rmSync(dir, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv): CliIO & { output: string[] } {
  const output: string[] = [];
  return {
    out: (text) => output.push(text),
    logger: world.logger,
    cwd: dir,
    env,
    signal: new AbortController().signal,
    output,
  };
}

async function deployPreview(pr: number, image: string): Promise<string> {
  const stage = createDeployStage();
  const planned = stage.plan({
    config: deployConfig({ image }),
    context: runContext({}, { number: pr }),
    result: emptyResult(),
  });
  if (!planned.run) throw new Error(planned.reason);
  const result = emptyResult();
  await stage.execute(
    planned.plan,
    result,
    stageDeps(world, { ...world.issuer.env(), ...world.google.env() }),
  );
  return result.deploy!.revision;
}

describe('orchestra-perf cleanup', () => {
  it('--pr N removes the preview tag', async () => {
    await deployPreview(3, IMAGE);
    await deployPreview(4, IMAGE.replace(/@sha256:.*/, `@sha256:${'c'.repeat(64)}`));
    const cli = io({ ...world.issuer.env(), ...world.google.env() });
    expect(await cleanupCommand.run(['--pr', '3', '--config', configFile], cli)).toBe(0);
    expect(JSON.parse(cli.output[0]!)).toMatchObject({ removedTags: ['pr-3'] });
    const tags = (world.google.run.serviceJson(SERVICE_NAME).traffic as { tag?: string }[]).map(
      (target) => target.tag,
    );
    expect(tags).toContain('pr-4');
    expect(tags).not.toContain('pr-3');
  });

  it('on a fork PR it says why and exits 0 without asking for a token', async () => {
    const event = join(dir, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          number: 3,
          head: { sha: 'c'.repeat(40), ref: 'x', repo: { full_name: 'evil/api' } },
          base: { ref: 'main', repo: { full_name: 'acme/api' } },
          user: { login: 'evil' },
        },
      }),
    );
    const cli = io({
      ...world.issuer.env(),
      ...world.google.env(),
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/api',
    });
    expect(await cleanupCommand.run(['--pr', '3', '--config', configFile], cli)).toBe(0);
    expect(world.lines.join('\n')).toContain('fork evil/api');
    expect(world.issuer.requests).toHaveLength(0);
    expect(world.google.log).toHaveLength(0);
  });

  it('refuses a missing or malformed PR number as a usage error', async () => {
    await expect(cleanupCommand.run(['--config', configFile], io({}))).rejects.toBeInstanceOf(UsageError);
    await expect(cleanupCommand.run(['--pr', 'abc', '--config', configFile], io({}))).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});

describe('orchestra-perf cleanup (the built CLI bundle)', () => {
  it('runs from dist/cli/index.js: google-auth-library and the Cloud Run client work bundled', async () => {
    const { execFile } = await import('node:child_process');
    const { resolve } = await import('node:path');
    await deployPreview(11, IMAGE);
    await deployPreview(12, IMAGE.replace(/@sha256:.*/, `@sha256:${'d'.repeat(64)}`));
    const outcome = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [resolve('dist/cli/index.js'), 'cleanup', '--pr', '11', '--config', configFile],
        {
          cwd: dir,
          env: { PATH: process.env.PATH, ...world.issuer.env(), ...world.google.env() },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(outcome.stderr).not.toContain(world.issuer.requestToken);
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout.trim().split('\n').pop()!)).toMatchObject({ removedTags: ['pr-11'] });
    for (const secret of [...world.issuer.issued, ...world.google.identity.tokens.keys()]) {
      expect(outcome.stderr + outcome.stdout).not.toContain(secret);
    }
  });
});
