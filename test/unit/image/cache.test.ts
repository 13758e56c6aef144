import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { builderCapabilities, parseBuildxInspect } from '../../../src/stages/image/builder.js';
import { actionsCacheAvailable, chooseCache } from '../../../src/stages/image/cache.js';
import type { ImagePlan } from '../../../src/stages/image/plan.js';

const fixture = (name: string) =>
  parseBuildxInspect(readFileSync(`test/fixtures/image/buildx-inspect/${name}.txt`, 'utf8'));
const dockerDriver = fixture('docker-driver');
const container = fixture('docker-container');
const GHA_ENV = { ACTIONS_RUNTIME_TOKEN: 'rt', ACTIONS_RESULTS_URL: 'https://results.example/' };

function plan(cache: Partial<ImagePlan['cache']> = {}, push = true): Pick<ImagePlan, 'cache' | 'push'> {
  return {
    push,
    cache: {
      backend: 'auto',
      ref: undefined,
      mode: 'max',
      scope: 'app-staging',
      inlineSource: 'reg/app:staging',
      ...cache,
    },
  };
}

describe('parseBuildxInspect', () => {
  it('reads the driver, status, BuildKit version and platforms of each recorded output', () => {
    expect(dockerDriver).toEqual({
      name: 'default',
      driver: 'docker',
      status: 'running',
      buildkitVersion: 'v0.8+unknown',
      platforms: ['linux/amd64', 'linux/386'],
    });
    expect(container).toMatchObject({
      name: 'builder-3f2c9a',
      driver: 'docker-container',
      status: 'running',
      buildkitVersion: 'v0.13.2',
    });
    expect(container.platforms).toContain('linux/amd64/v2');
    expect(fixture('docker-container-inactive')).toMatchObject({
      driver: 'docker-container',
      status: 'inactive',
      platforms: [],
    });
    expect(fixture('remote')).toMatchObject({ driver: 'remote', platforms: ['linux/amd64', 'linux/arm64'] });
  });

  it('rejects output without a driver', () => {
    expect(() => parseBuildxInspect('ERROR: no builder "x" found')).toThrow(/no "Driver:"/);
  });

  it('derives capabilities from the driver', () => {
    expect(builderCapabilities(dockerDriver)).toEqual({
      cacheExport: false,
      gha: false,
      multiPlatform: false,
    });
    expect(builderCapabilities(container)).toEqual({ cacheExport: true, gha: true, multiPlatform: true });
    expect(builderCapabilities(fixture('remote')).cacheExport).toBe(true);
  });
});

describe('chooseCache', () => {
  it('detects the Actions cache service from the runner variables', () => {
    expect(actionsCacheAvailable(GHA_ENV)).toBe(true);
    expect(actionsCacheAvailable({ ACTIONS_RUNTIME_TOKEN: 'rt', ACTIONS_CACHE_URL: 'https://c/' })).toBe(
      true,
    );
    expect(actionsCacheAvailable({ ACTIONS_RESULTS_URL: 'https://r/' })).toBe(false);
    expect(actionsCacheAvailable({ ACTIONS_RUNTIME_TOKEN: 'rt' })).toBe(false);
  });

  it('auto: gha with scope and mode=max on docker-container with the cache service', () => {
    const choice = chooseCache(plan(), container, GHA_ENV);
    expect(choice).toMatchObject({
      backend: 'gha',
      from: ['type=gha,scope=app-staging'],
      to: ['type=gha,scope=app-staging,mode=max,ignore-error=true'],
    });
    expect(choice.reason).toMatch(/docker-container driver and the Actions cache service/);
    expect(chooseCache(plan({ mode: 'min' }), container, GHA_ENV).to).toEqual([
      'type=gha,scope=app-staging,mode=min,ignore-error=true',
    ]);
  });

  it('auto: registry cache export on docker-container with a cache ref and no cache service', () => {
    const choice = chooseCache(plan({ ref: 'reg/app:buildcache' }), container, {});
    expect(choice).toMatchObject({
      backend: 'registry',
      from: ['type=registry,ref=reg/app:buildcache'],
      to: ['type=registry,ref=reg/app:buildcache,mode=max'],
    });
  });

  it('auto on the docker driver: imports registry cache, exports inline, and never gha', () => {
    const choice = chooseCache(plan({ ref: 'reg/app:buildcache' }), dockerDriver, GHA_ENV);
    expect(choice.backend).toBe('registry');
    expect(choice.from).toEqual([
      'type=registry,ref=reg/app:buildcache',
      'type=registry,ref=reg/app:staging',
    ]);
    expect(choice.to).toEqual(['type=inline']);
    expect(choice.reason).toMatch(/docker driver, which cannot export registry cache/);
  });

  it('auto on the docker driver without a cache ref: inline, importing the previous environment image', () => {
    const choice = chooseCache(plan(), dockerDriver, {});
    expect(choice).toMatchObject({
      backend: 'inline',
      from: ['type=registry,ref=reg/app:staging'],
      to: ['type=inline'],
    });
    expect(choice.reason).toMatch(/can export only inline cache/);
    expect(chooseCache(plan({}, false), dockerDriver, {}).from).toEqual([]);
  });

  it('overrides: none, inline, registry, gha', () => {
    expect(chooseCache(plan({ backend: 'none' }), container, GHA_ENV)).toMatchObject({
      backend: 'none',
      from: [],
      to: [],
    });
    expect(chooseCache(plan({ backend: 'inline' }), container, GHA_ENV)).toMatchObject({
      backend: 'inline',
      to: ['type=inline'],
    });
    expect(chooseCache(plan({ backend: 'registry', ref: 'r/c:x' }), container, GHA_ENV).to).toEqual([
      'type=registry,ref=r/c:x,mode=max',
    ]);
    expect(() => chooseCache(plan({ backend: 'registry' }), container, {})).toThrow(/cache-ref is not set/);
    expect(() => chooseCache(plan({ backend: 'gha' }), dockerDriver, GHA_ENV)).toThrow(UsageError);
    expect(() => chooseCache(plan({ backend: 'gha' }), dockerDriver, GHA_ENV)).toThrow(/docker driver/);
    expect(() => chooseCache(plan({ backend: 'gha' }), container, {})).toThrow(
      /Actions cache service is not available/,
    );
  });
});
