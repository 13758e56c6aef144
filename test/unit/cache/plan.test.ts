import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';
import { type CachePlan, planCache, type ScannedLayer } from '../../../src/stages/cache/plan.js';
import { cacheConfig, pullRequestContext, runContext } from '../../fakes/cache-service/harness.js';

const linux = { os: 'linux' as const, arch: 'x64' };
const npm: ScannedLayer = {
  name: 'npm',
  paths: ['~/.npm'],
  keyFiles: [{ path: 'package-lock.json', content: Buffer.from('{}') }],
  source: 'auto',
  field: 'cache (auto layer npm)',
};
const user = (name: string, paths = ['.cache/models'], index = 0): ScannedLayer => ({
  name,
  paths,
  keyFiles: [{ path: 'models.lock', content: Buffer.from('m1') }],
  source: 'config',
  field: `cache.layers[${index}]`,
});

function plan(overrides: Partial<Parameters<typeof planCache>[0]> = {}): CachePlan {
  const planned = planCache({
    cache: cacheConfig({}).cache,
    context: runContext('/ws'),
    platform: linux,
    auto: [npm],
    user: [],
    buildTasks: 1,
    ...overrides,
  });
  if (!planned.run) throw new Error(planned.reason);
  return planned.plan;
}

describe('planCache', () => {
  it('keys each layer and falls back to the layer prefix (the service orders this ref, then the default branch)', () => {
    const p = plan();
    expect(p.layers).toEqual([
      {
        name: 'npm',
        source: 'auto',
        paths: ['~/.npm'],
        keyFiles: ['package-lock.json'],
        key: expect.stringMatching(/^orchestra-perf-npm-linux-x64-[0-9a-f]{64}$/),
        restoreKeys: ['orchestra-perf-npm-linux-x64-'],
      },
    ]);
    expect(p.local).toEqual({ dir: '/ws/.orchestra-perf/cache', ref: 'refs/heads/main', fallbackRefs: [] });
  });

  it('gives the same keys for the same files in another workspace and on another branch', () => {
    const a = plan().layers[0]?.key;
    const b = plan({
      context: runContext('/elsewhere', { ref: 'refs/heads/feature', isDefaultBranch: false }),
    }).layers[0]?.key;
    expect(b).toBe(a);
  });

  it('skips with a reason when disabled, when nothing would use the cache, and when there are no layers', () => {
    const skipped = (o: Partial<Parameters<typeof planCache>[0]>) => {
      const planned = planCache({
        cache: cacheConfig({}).cache,
        context: runContext('/ws'),
        platform: linux,
        auto: [npm],
        user: [],
        buildTasks: 1,
        ...o,
      });
      return planned.run ? undefined : planned.reason;
    };
    expect(skipped({ cache: cacheConfig({ enabled: false }).cache })).toMatch(/enabled is false/);
    expect(skipped({ buildTasks: 0 })).toMatch(/no build tasks.*deploy-only jobs restore none/);
    expect(skipped({ auto: [] })).toMatch(/no lockfile/);
    expect(skipped({ cache: cacheConfig({ auto: false }).cache })).toMatch(/cache.auto is false/);
  });

  it('adds user layers after auto ones; a user layer replaces the auto layer of the same name', () => {
    expect(plan({ user: [user('models')] }).layers.map((l) => `${l.name}:${l.source}`)).toEqual([
      'npm:auto',
      'models:config',
    ]);
    expect(plan({ user: [user('npm', ['vendor/npm'])] }).layers.map((l) => `${l.name}:${l.paths}`)).toEqual([
      'npm:vendor/npm',
    ]);
    expect(
      plan({ cache: cacheConfig({ auto: false }).cache, user: [user('models')] }).layers.map((l) => l.name),
    ).toEqual(['models']);
  });

  it('fails at once with a ConfigError naming the field when a key would exceed 512 characters', () => {
    const name = 'm'.repeat(423); // 15 + 423 + 11 + 64 = 513
    expect(() => plan({ user: [user(name)] })).toThrow(ConfigError);
    try {
      plan({ user: [user(name)] });
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([
        {
          field: 'cache.layers[0].name',
          message: expect.stringMatching(/513 characters.*shorten the layer name by 1/),
        },
      ]);
    }
    expect(plan({ user: [user('m'.repeat(422))] }).layers[1]?.key).toHaveLength(512);
  });

  it('rejects duplicate user layer names and layers without paths', () => {
    expect(() => plan({ user: [user('a', ['x'], 0), user('a', ['y'], 1)] })).toThrow(
      /cache.layers\[1\].name: duplicate layer name/,
    );
    expect(() => plan({ user: [user('a', [])] })).toThrow(
      /cache.layers\[0\].paths: a cache layer needs at least one path/,
    );
  });

  it('the config schema itself refuses a layer name with a comma', () => {
    expect(configSchema.safeParse({ cache: { layers: [{ name: 'a,b', paths: ['x'] }] } }).success).toBe(
      false,
    );
  });

  it('notes a layer without key files, whose key never changes', () => {
    const planned = planCache({
      cache: cacheConfig({}).cache,
      context: runContext('/ws'),
      platform: linux,
      auto: [],
      user: [{ ...user('models'), keyFiles: [] }],
      buildTasks: 1,
    });
    expect(planned.run && planned.summary.join('\n')).toMatch(/models: no key files/);
  });
});

describe('save policy (SECURITY 19)', () => {
  it('default-branch runs save misses and partial hits in the post step', () => {
    expect(plan().save).toEqual({
      enabled: true,
      reason: expect.stringMatching(/post step/),
      onFailure: false,
    });
    expect(plan({ cache: cacheConfig({ 'save-on-failure': true }).cache }).save.onFailure).toBe(true);
  });

  it('pull requests only read, forks included, and search the base branch after their own ref', () => {
    const same = plan({ context: pullRequestContext('/ws') });
    expect(same.save).toMatchObject({
      enabled: false,
      reason: expect.stringMatching(/pull request runs never write/),
    });
    expect(same.local).toMatchObject({ ref: 'refs/pull/7/merge', fallbackRefs: ['refs/heads/main'] });
    const fork = plan({ context: pullRequestContext('/ws', { headRepo: 'mallory/api' }) });
    expect(fork.save).toMatchObject({ enabled: false, reason: expect.stringMatching(/fork mallory\/api/) });
  });

  it('other branches only read; local runs save; lookup-only never saves', () => {
    expect(
      plan({ context: runContext('/ws', { ref: 'refs/heads/feature', isDefaultBranch: false }) }).save,
    ).toMatchObject({
      enabled: false,
      reason: expect.stringMatching(/only runs on the default branch/),
    });
    expect(
      plan({
        context: runContext('/ws', {
          inActions: false,
          ref: '',
          defaultBranch: undefined,
          isDefaultBranch: false,
        }),
      }).save.enabled,
    ).toBe(true);
    const lookup = plan({ cache: cacheConfig({ 'lookup-only': true }).cache });
    expect(lookup.lookupOnly).toBe(true);
    expect(lookup.save.enabled).toBe(false);
  });

  it('uses the configured local directory, relative to the workspace', () => {
    expect(plan({ cache: cacheConfig({ 'local-dir': 'var/cache' }).cache }).local.dir).toBe('/ws/var/cache');
    expect(plan({ cache: cacheConfig({ 'local-dir': '/abs/cache' }).cache }).local.dir).toBe('/abs/cache');
  });
});
