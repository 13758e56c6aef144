import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessRunner, RunOptions } from '../../../src/adapters/process.js';
import {
  createPrivateDockerConfig,
  dockerConfigCredentials,
  isArtifactRegistryHost,
  userDockerConfigDir,
} from '../../../src/stages/image/registry-auth.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'image-auth-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('registry auth', () => {
  it('recognises Artifact Registry and Container Registry hosts only', () => {
    for (const host of [
      'us-docker.pkg.dev',
      'europe-west1-docker.pkg.dev',
      'gcr.io',
      'eu.gcr.io',
      'us.gcr.io:443',
    ]) {
      expect(isArtifactRegistryHost(host), host).toBe(true);
    }
    for (const host of [
      'docker.io',
      'ghcr.io',
      '127.0.0.1:5001',
      'evil-docker.pkg.dev.attacker.com',
      'notgcr.io',
      'pkg.dev',
    ]) {
      expect(isArtifactRegistryHost(host), host).toBe(false);
    }
  });

  it('finds the user Docker config from DOCKER_CONFIG, else ~/.docker', () => {
    expect(userDockerConfigDir({ DOCKER_CONFIG: '/cfg', HOME: '/home/u' })).toBe('/cfg');
    expect(userDockerConfigDir({ HOME: '/home/u' })).toBe('/home/u/.docker');
  });

  it('makes a private 0700 config that copies config.json and links plugins, leaving the original untouched', async () => {
    const user = join(dir, 'user');
    mkdirSync(join(user, 'cli-plugins'), { recursive: true });
    writeFileSync(join(user, 'config.json'), '{"auths":{"ghcr.io":{"auth":"dTpw"}}}');
    const temp = join(dir, 'runner-temp');
    const privateDir = await createPrivateDockerConfig(temp, { DOCKER_CONFIG: user });
    expect(privateDir.startsWith(join(temp, 'orchestra-perf-docker-'))).toBe(true);
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(privateDir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(privateDir, 'config.json'), 'utf8')).toContain('ghcr.io');
    expect(lstatSync(join(privateDir, 'cli-plugins')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(privateDir, 'buildx'))).toBe(false);
    writeFileSync(join(privateDir, 'config.json'), '{}');
    expect(readFileSync(join(user, 'config.json'), 'utf8')).toContain('ghcr.io');
  });

  it('reads credentials from auths, and from a credential helper through stdin', async () => {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          '127.0.0.1:5001': { auth: Buffer.from('oauth2accesstoken:tok:with:colons').toString('base64') },
        },
        credHelpers: { 'us-docker.pkg.dev': 'gcloud' },
      }),
    );
    const calls: Array<{ argv: readonly string[]; input: string | undefined }> = [];
    const helper: ProcessRunner = {
      run: async (argv, options: RunOptions = {}) => {
        calls.push({ argv, input: options.input });
        return {
          exitCode: 0,
          signal: null,
          stdout: JSON.stringify({
            ServerURL: options.input,
            Username: 'oauth2accesstoken',
            Secret: 'ya29.helper',
          }),
          stderr: '',
          timedOut: false,
          cancelled: false,
          durationMs: 1,
        };
      },
    };
    const lookup = dockerConfigCredentials(dir, helper, {});
    expect(await lookup('127.0.0.1:5001')).toEqual({
      username: 'oauth2accesstoken',
      password: 'tok:with:colons',
    });
    expect(await lookup('us-docker.pkg.dev')).toEqual({
      username: 'oauth2accesstoken',
      password: 'ya29.helper',
    });
    expect(calls).toEqual([{ argv: ['docker-credential-gcloud', 'get'], input: 'us-docker.pkg.dev' }]);
    expect(await lookup('ghcr.io')).toBeUndefined();
    expect(await dockerConfigCredentials(join(dir, 'missing'), helper, {})('ghcr.io')).toBeUndefined();
  });
});
