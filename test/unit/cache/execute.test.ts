import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_MAIN_EXIT } from '../../../src/action/run-main.js';
import { UsageError } from '../../../src/errors.js';
import type { PerfResult } from '../../../src/result.js';
import type { CacheBackend, RestoreOptions, SaveOutcome } from '../../../src/stages/cache/backend.js';
import { executeCache, postCache } from '../../../src/stages/cache/execute.js';
import type { CachePlan } from '../../../src/stages/cache/plan.js';
import { CACHE_STATE, MAIN_EXIT_STATE } from '../../../src/stages/cache/state.js';
import { stageDeps } from '../../fakes/cache-service/harness.js';

/** An in-memory cache service with scripted failures, recording every call. */
class MemoryBackend implements CacheBackend {
  readonly kind = 'memory';
  readonly entries = new Map<string, true>();
  readonly calls: string[] = [];
  failRestore = new Map<string, Error>();
  failSave = new Map<string, Error>();
  async restore(
    _paths: readonly string[],
    key: string,
    restoreKeys: readonly string[],
    options: RestoreOptions,
  ): Promise<string | undefined> {
    this.calls.push(`restore ${key}${options.lookupOnly ? ' lookup' : ''}`);
    const failure = [...this.failRestore].find(([prefix]) => key.startsWith(prefix))?.[1];
    if (failure) throw failure;
    if (this.entries.has(key)) return key;
    return [...this.entries.keys()].find((k) => restoreKeys.some((p) => k.startsWith(p)));
  }
  async save(_paths: readonly string[], key: string): Promise<SaveOutcome> {
    this.calls.push(`save ${key}`);
    const failure = [...this.failSave].find(([prefix]) => key.startsWith(prefix))?.[1];
    if (failure) throw failure;
    this.entries.set(key, true);
    return { saved: true };
  }
}

const workspace = mkdtempSync(join(tmpdir(), 'cache-exec-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function layer(name: string, hash: string) {
  return {
    name,
    source: 'config' as const,
    paths: [`.cache/${name}`],
    keyFiles: [],
    key: `orchestra-perf-${name}-linux-x64-${hash}`,
    restoreKeys: [`orchestra-perf-${name}-linux-x64-`],
  };
}

function cachePlan(overrides: Partial<CachePlan> = {}): CachePlan {
  return {
    layers: [layer('a', 'h2'), layer('b', 'h2'), layer('c', 'h2')],
    lookupOnly: false,
    save: { enabled: true, reason: 'test', onFailure: false },
    workspace,
    local: { dir: join(workspace, 'local'), ref: 'refs/heads/main', fallbackRefs: [] },
    ...overrides,
  };
}

const result = (): PerfResult => ({
  schemaVersion: 1,
  meta: { tool: '', version: '', commit: '', ref: '', environment: '', startedAt: '', runUrl: '' },
});

/** A clock that advances 7 ms per reading, so restoreMs is exact. */
const steppingClock = () => {
  let t = 0;
  return { now: () => (t += 7), sleep: async () => {} };
};

describe('executeCache', () => {
  it('records exact, partial and miss with restore time and size, and notes only non-exact layers for the post step', async () => {
    mkdirSync(join(workspace, '.cache', 'a'), { recursive: true });
    writeFileSync(join(workspace, '.cache', 'a', 'f'), '12345');
    mkdirSync(join(workspace, '.cache', 'b', 'sub'), { recursive: true });
    writeFileSync(join(workspace, '.cache', 'b', 'sub', 'g'), '123');
    const backend = new MemoryBackend();
    backend.entries.set('orchestra-perf-a-linux-x64-h2', true);
    backend.entries.set('orchestra-perf-b-linux-x64-h1', true);
    const deps = { ...stageDeps({ cacheBackend: backend }), clock: steppingClock() };
    const res = result();
    await executeCache(cachePlan(), res, deps);
    expect(res.cache?.layers).toEqual([
      {
        name: 'a',
        hit: 'exact',
        restoreMs: 7,
        sizeBytes: 5,
        key: 'orchestra-perf-a-linux-x64-h2',
        matchedKey: 'orchestra-perf-a-linux-x64-h2',
      },
      {
        name: 'b',
        hit: 'partial',
        restoreMs: 7,
        sizeBytes: 3,
        key: 'orchestra-perf-b-linux-x64-h2',
        matchedKey: 'orchestra-perf-b-linux-x64-h1',
      },
      { name: 'c', hit: 'miss', restoreMs: 7, sizeBytes: 0, key: 'orchestra-perf-c-linux-x64-h2' },
    ]);
    const state = JSON.parse(deps.state.get(CACHE_STATE));
    expect(state.layers.map((l: { name: string }) => l.name)).toEqual(['b', 'c']);
    expect(JSON.stringify(state)).not.toMatch(/token/i);
  });

  it('a failing layer is a warning and a miss; the other layers go on', async () => {
    const backend = new MemoryBackend();
    backend.entries.set('orchestra-perf-c-linux-x64-h2', true);
    backend.failRestore.set('orchestra-perf-a', new Error('503 Service Unavailable'));
    const deps = stageDeps({ cacheBackend: backend });
    const res = result();
    await executeCache(cachePlan(), res, deps);
    expect(res.cache?.layers.map((l) => l.hit)).toEqual(['miss', 'miss', 'exact']);
    expect(res.cache?.layers[0]?.error).toBe('503 Service Unavailable');
    expect(res.cache?.layers[1]?.error).toBeUndefined();
    expect(deps.logger.warnings()).toEqual([
      expect.stringMatching(/cache a: restore failed, continuing without it: 503/),
    ]);
  });

  it('an invalid key (UsageError) fails the stage at once', async () => {
    const backend = new MemoryBackend();
    backend.failRestore.set('orchestra-perf-a', new UsageError('cache: key too long'));
    await expect(
      executeCache(cachePlan(), result(), stageDeps({ cacheBackend: backend })),
    ).rejects.toBeInstanceOf(UsageError);
    expect(backend.calls).toEqual(['restore orchestra-perf-a-linux-x64-h2']);
  });

  it('stops restoring when the run is cancelled', async () => {
    const backend = new MemoryBackend();
    const controller = new AbortController();
    const deps = { ...stageDeps({ cacheBackend: backend }), signal: controller.signal };
    const origRestore = backend.restore.bind(backend);
    backend.restore = async (...args) => {
      controller.abort();
      return origRestore(...args);
    };
    const res = result();
    await executeCache(cachePlan(), res, deps);
    expect(backend.calls).toEqual(['restore orchestra-perf-a-linux-x64-h2']);
    expect(res.cache?.layers.map((l) => l.name)).toEqual(['a']);
  });

  it('lookup-only asks the backend for a lookup and measures nothing', async () => {
    const backend = new MemoryBackend();
    backend.entries.set('orchestra-perf-a-linux-x64-h2', true);
    const res = result();
    await executeCache(
      cachePlan({ lookupOnly: true, save: { enabled: false, reason: 'lookup', onFailure: false } }),
      res,
      stageDeps({ cacheBackend: backend }),
    );
    expect(backend.calls[0]).toBe('restore orchestra-perf-a-linux-x64-h2 lookup');
    expect(res.cache?.layers[0]).toMatchObject({ hit: 'exact', sizeBytes: 0 });
  });

  it('a read-only run leaves the post step nothing to save', async () => {
    const backend = new MemoryBackend();
    const deps = stageDeps({ cacheBackend: backend });
    await executeCache(
      cachePlan({ save: { enabled: false, reason: 'pull request', onFailure: false } }),
      result(),
      deps,
    );
    deps.state.save(MAIN_EXIT_STATE, '0');
    await postCache(deps);
    expect(backend.calls.filter((c) => c.startsWith('save'))).toEqual([]);
    expect(JSON.parse(deps.state.get(CACHE_STATE)).layers).toEqual([]);
  });

  it('overwrites a stale note from an earlier run (local runs keep state in a file)', async () => {
    const backend = new MemoryBackend();
    for (const l of cachePlan().layers) backend.entries.set(l.key, true);
    const deps = stageDeps({ cacheBackend: backend });
    deps.state.save(
      CACHE_STATE,
      JSON.stringify({
        v: 1,
        backend: 'memory',
        onFailure: false,
        local: {},
        layers: [{ name: 'old', paths: ['x'], key: 'k' }],
      }),
    );
    await executeCache(cachePlan(), result(), deps);
    deps.state.save(MAIN_EXIT_STATE, '0');
    await postCache(deps);
    expect(backend.calls.filter((c) => c.startsWith('save'))).toEqual([]);
  });

  it('reads the exit code under the name the action main step writes it', () => {
    expect(MAIN_EXIT_STATE).toBe(STATE_MAIN_EXIT);
  });
});

describe('postCache', () => {
  async function afterMain(plan = cachePlan()) {
    const backend = new MemoryBackend();
    const deps = stageDeps({ cacheBackend: backend });
    await executeCache(plan, result(), deps);
    return { backend, deps };
  }

  it('saves the missed layers after a successful job', async () => {
    const { backend, deps } = await afterMain();
    deps.state.save(MAIN_EXIT_STATE, '0');
    await postCache(deps);
    expect(backend.calls.filter((c) => c.startsWith('save'))).toEqual([
      'save orchestra-perf-a-linux-x64-h2',
      'save orchestra-perf-b-linux-x64-h2',
      'save orchestra-perf-c-linux-x64-h2',
    ]);
  });

  it('skips saves after a failed job, or when main never said how it ended', async () => {
    for (const outcome of ['1', undefined]) {
      const { backend, deps } = await afterMain();
      if (outcome) deps.state.save(MAIN_EXIT_STATE, outcome);
      await postCache(deps);
      expect(backend.calls.filter((c) => c.startsWith('save'))).toEqual([]);
      expect(deps.logger.text()).toMatch(/the job did not succeed \(set cache.save-on-failure/);
    }
  });

  it('save-on-failure saves even after a failed job', async () => {
    const { backend, deps } = await afterMain(
      cachePlan({ save: { enabled: true, reason: 't', onFailure: true } }),
    );
    deps.state.save(MAIN_EXIT_STATE, '1');
    await postCache(deps);
    expect(backend.calls.filter((c) => c.startsWith('save'))).toHaveLength(3);
  });

  it('a failing save is a warning and the next layer is still saved', async () => {
    const { backend, deps } = await afterMain();
    backend.failSave.set('orchestra-perf-a', new Error('500 internal'));
    deps.state.save(MAIN_EXIT_STATE, '0');
    await postCache(deps);
    expect(deps.logger.warnings()).toEqual([
      expect.stringMatching(/cache a: save failed, the job goes on: 500 internal/),
    ]);
    expect([...backend.entries.keys()]).toEqual([
      'orchestra-perf-b-linux-x64-h2',
      'orchestra-perf-c-linux-x64-h2',
    ]);
  });

  it('ignores damaged state', async () => {
    const backend = new MemoryBackend();
    const deps = stageDeps({ cacheBackend: backend });
    deps.state.save(CACHE_STATE, '{not json');
    deps.state.save(MAIN_EXIT_STATE, '0');
    await postCache(deps);
    expect(backend.calls).toEqual([]);
  });
});
