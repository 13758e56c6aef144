import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { buildxArgv, type ImagePlan, planImage } from '../../../src/stages/image/plan.js';
import { input, pullRequest, SHA } from './context.js';

function planOf(image: Record<string, unknown>, context = {}): ImagePlan {
  const planned = planImage(input(image, context));
  if (!planned.run) throw new Error(`skipped: ${planned.reason}`);
  return planned.plan;
}

const NAME = 'us-docker.pkg.dev/acme/apps/api';
const NONE = { backend: 'none' as const, reason: '', from: [], to: [] };

describe('planImage', () => {
  it('skips with a reason when image.name is unset', () => {
    const planned = planImage(input({}));
    expect(planned).toEqual({ run: false, reason: expect.stringContaining('image.name is not set') });
  });

  it('builds the full argv for the default config', () => {
    const plan = planOf({ name: NAME });
    expect(buildxArgv(plan, NONE)).toEqual([
      'buildx',
      'build',
      '--progress=plain',
      '--file',
      '/work/repo/Dockerfile',
      '--label',
      'org.opencontainers.image.source=https://github.com/acme/api',
      '--label',
      `org.opencontainers.image.revision=${SHA}`,
      '--label',
      'org.opencontainers.image.created=2026-11-23T14:00:00.000Z',
      '--tag',
      `${NAME}:${SHA}`,
      '--tag',
      `${NAME}:staging`,
      '--push',
      '--metadata-file',
      '/runner/temp/orchestra-perf-image/metadata.json',
      '--provenance=false',
      '--sbom=false',
      '--',
      '/work/repo',
    ]);
    expect(plan.registry).toBe('us-docker.pkg.dev');
    expect(plan.repository).toBe('acme/apps/api');
  });

  it('maps every option to its flag', () => {
    const plan = planOf({
      name: '127.0.0.1:5000/team/app',
      context: 'services/api',
      dockerfile: 'docker/Dockerfile.prod',
      target: 'runtime',
      platforms: ['linux/amd64', 'linux/arm64'],
      'build-args': { NODE_ENV: 'production', RETRIES: 3 },
      secrets: ['id=npmrc,src=.npmrc', 'id=gh,env=GH_PACKAGES_TOKEN'],
      labels: { team: 'perf' },
      tags: ['latest-green'],
      provenance: 'mode=max',
      sbom: true,
    });
    const argv = buildxArgv(plan, {
      backend: 'registry',
      reason: '',
      from: ['type=registry,ref=r:c'],
      to: ['type=registry,ref=r:c,mode=max'],
    });
    const pairs = (flag: string) => argv.flatMap((value, i) => (value === flag ? [argv[i + 1]] : []));
    expect(pairs('--file')).toEqual(['/work/repo/services/api/docker/Dockerfile.prod']);
    expect(pairs('--target')).toEqual(['runtime']);
    expect(pairs('--platform')).toEqual(['linux/amd64,linux/arm64']);
    expect(pairs('--build-arg')).toEqual(['NODE_ENV=production', 'RETRIES=3']);
    expect(pairs('--secret')).toEqual(['id=npmrc,src=/work/repo/.npmrc', 'id=gh,env=GH_PACKAGES_TOKEN']);
    expect(pairs('--label')).toContain('team=perf');
    expect(pairs('--tag')).toEqual([
      `127.0.0.1:5000/team/app:${SHA}`,
      '127.0.0.1:5000/team/app:staging',
      '127.0.0.1:5000/team/app:latest-green',
    ]);
    expect(pairs('--cache-from')).toEqual(['type=registry,ref=r:c']);
    expect(pairs('--cache-to')).toEqual(['type=registry,ref=r:c,mode=max']);
    expect(argv).toContain('--provenance=mode=max');
    expect(argv).toContain('--sbom=true');
    expect(argv.slice(-2)).toEqual(['--', '/work/repo/services/api']);
    expect(plan.secretEnv).toEqual(['GH_PACKAGES_TOKEN']);
    expect(plan.secretFiles).toEqual(['/work/repo/.npmrc']);
    // Secrets never travel as build args.
    expect(pairs('--build-arg').join(' ')).not.toContain('GH_PACKAGES_TOKEN');
  });

  it('keeps a hostile build arg value as one argv element', () => {
    const hostile = 'a";curl x|sh;#';
    const plan = planOf({ name: NAME, 'build-args': { GREETING: hostile, SUB: '$(id)' } });
    const argv = buildxArgv(plan, NONE);
    expect(argv).toContain(`GREETING=${hostile}`);
    expect(argv).toContain('SUB=$(id)');
    expect(argv.filter((value) => value.includes('curl'))).toHaveLength(1);
  });

  it('tags pr-N from the payload number, never from the branch name', () => {
    const plan = planOf(
      { name: NAME },
      { eventName: 'pull_request', pullRequest: pullRequest(42, 'pr-7";rm -rf /;#') },
    );
    expect(plan.tags).toEqual([`${NAME}:${SHA}`, `${NAME}:staging`, `${NAME}:pr-42`]);
    expect(plan.args.join(' ')).not.toContain('rm -rf');
  });

  it('uses --load without push, and rejects a multi-platform load', () => {
    expect(planOf({ name: NAME, push: false }).args).toContain('--load');
    expect(planOf({ name: NAME, push: false }).args).not.toContain('--push');
    expect(() =>
      planImage(input({ name: NAME, push: false, platforms: ['linux/amd64', 'linux/arm64'] })),
    ).toThrow(UsageError);
  });

  it('keeps a tag written in image.name and rejects a digest there', () => {
    expect(planOf({ name: `${NAME}:stable` }).tags).toContain(`${NAME}:stable`);
    expect(() => planImage(input({ name: `${NAME}@sha256:${'a'.repeat(64)}` }))).toThrow(/has a digest/);
  });

  it('names Docker Hub repositories the way the registry API does', () => {
    const plan = planOf({ name: 'nginx' });
    expect(plan.registry).toBe('docker.io');
    expect(plan.repository).toBe('library/nginx');
  });

  it('warns when a build arg looks like a secret', () => {
    expect(planOf({ name: NAME, 'build-args': { NPM_TOKEN: 'x' } }).warnings[0]).toMatch(
      /NPM_TOKEN looks like a secret.*image\.secrets/,
    );
    expect(planOf({ name: NAME, 'build-args': { TOKENIZER: 'x' } }).warnings).toEqual([]);
  });

  it('scopes the cache per image and environment and sanitizes the environment tag', () => {
    const plan = planOf({ name: NAME }, { environment: 'pr preview/1' });
    expect(plan.cache.scope).toBe('us-docker.pkg.dev-acme-apps-api-pr-preview-1');
    expect(plan.tags[1]).toBe(`${NAME}:pr-preview-1`);
    expect(plan.cache.inlineSource).toBe(`${NAME}:pr-preview-1`);
  });
});
