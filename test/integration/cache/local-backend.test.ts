/** The local backend (a directory of tar archives with one entry file each), with the real tar. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeProcessRunner, type ProcessRunner } from '../../../src/adapters/process.js';
import type { PerfResult } from '../../../src/result.js';
import { cacheStage } from '../../../src/stages/cache/index.js';
import { type LocalBackendOptions, LocalCacheBackend } from '../../../src/stages/cache/local-backend.js';
import { MAIN_EXIT_STATE } from '../../../src/stages/cache/state.js';
import { cacheConfig, runContext, stageDeps } from '../../fakes/cache-service/harness.js';

let root: string;
let workspace: string;
let home: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'local-cache-'));
  workspace = join(root, 'ws');
  home = join(root, 'home');
  mkdirSync(workspace);
  mkdirSync(home);
  for (const name of [
    'ACTIONS_RESULTS_URL',
    'ACTIONS_CACHE_URL',
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_CACHE_SERVICE_V2',
  ])
    delete process.env[name];
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const backend = (dir: string, overrides: Partial<LocalBackendOptions> = {}) =>
  new LocalCacheBackend({
    dir,
    cwd: workspace,
    process: nodeProcessRunner,
    ref: 'refs/heads/main',
    home,
    ...overrides,
  });

function write(path: string, content: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

describe('LocalCacheBackend', () => {
  it('round-trips workspace and ~ paths: save, delete, restore exactly', async () => {
    const dir = join(root, 'c1');
    write(join(workspace, 'target', 'a.o'), 'object');
    write(join(home, '.npm', '_cacache', 'x'), 'tarball');
    const paths = ['target', '~/.npm'];
    expect(await backend(dir).save(paths, 'orchestra-perf-x-linux-x64-1')).toEqual({ saved: true });
    rmSync(join(workspace, 'target'), { recursive: true });
    rmSync(join(home, '.npm'), { recursive: true });
    expect(
      await backend(dir).restore(paths, 'orchestra-perf-x-linux-x64-1', ['orchestra-perf-x-linux-x64-'], {
        lookupOnly: false,
      }),
    ).toBe('orchestra-perf-x-linux-x64-1');
    expect(readFileSync(join(workspace, 'target', 'a.o'), 'utf8')).toBe('object');
    expect(readFileSync(join(home, '.npm', '_cacache', 'x'), 'utf8')).toBe('tarball');
  });

  it('falls back to the newest entry with a restore-key prefix; other paths (version) never match', async () => {
    const dir = join(root, 'c2');
    write(join(workspace, 'p2', 'f'), 'old');
    await backend(dir).save(['p2'], 'orchestra-perf-p-linux-x64-1');
    write(join(workspace, 'p2', 'f'), 'newer');
    await backend(dir).save(['p2'], 'orchestra-perf-p-linux-x64-2');
    rmSync(join(workspace, 'p2'), { recursive: true });
    expect(
      await backend(dir).restore(['p2'], 'orchestra-perf-p-linux-x64-3', ['orchestra-perf-p-linux-x64-'], {
        lookupOnly: false,
      }),
    ).toBe('orchestra-perf-p-linux-x64-2');
    expect(readFileSync(join(workspace, 'p2', 'f'), 'utf8')).toBe('newer');
    expect(
      await backend(dir).restore(['p2', 'other'], 'orchestra-perf-p-linux-x64-2', ['orchestra-perf-p-'], {
        lookupOnly: false,
      }),
    ).toBeUndefined();
  });

  it('searches its own ref, then the fallback refs, like the cache service', async () => {
    const dir = join(root, 'c3');
    write(join(workspace, 'p3', 'f'), 'main');
    await backend(dir).save(['p3'], 'orchestra-perf-s-linux-x64-1');
    const pr = backend(dir, { ref: 'refs/pull/7/merge', fallbackRefs: ['refs/heads/main'] });
    expect(
      await pr.restore(['p3'], 'orchestra-perf-s-linux-x64-9', ['orchestra-perf-s-linux-x64-'], {
        lookupOnly: true,
      }),
    ).toBe('orchestra-perf-s-linux-x64-1');
    const feature = backend(dir, { ref: 'refs/heads/feature' });
    expect(
      await feature.restore(['p3'], 'orchestra-perf-s-linux-x64-1', ['orchestra-perf-s-linux-x64-'], {
        lookupOnly: true,
      }),
    ).toBeUndefined();
  });

  it('lookup-only reports the key and extracts nothing; an existing entry is not overwritten', async () => {
    const dir = join(root, 'c4');
    write(join(workspace, 'p4', 'f'), 'v1');
    await backend(dir).save(['p4'], 'orchestra-perf-l-linux-x64-1');
    rmSync(join(workspace, 'p4'), { recursive: true });
    expect(await backend(dir).restore(['p4'], 'orchestra-perf-l-linux-x64-1', [], { lookupOnly: true })).toBe(
      'orchestra-perf-l-linux-x64-1',
    );
    expect(existsSync(join(workspace, 'p4'))).toBe(false);
    write(join(workspace, 'p4', 'f'), 'v2');
    expect(await backend(dir).save(['p4'], 'orchestra-perf-l-linux-x64-1')).toEqual({
      saved: false,
      reason: expect.stringMatching(/already exists/),
    });
    expect(await backend(dir).save(['nothing-here'], 'orchestra-perf-l-linux-x64-2')).toEqual({
      saved: false,
      reason: 'none of the layer paths exist',
    });
  });

  it('only complete entries count: stray work files, orphan archives and damaged entries are ignored', async () => {
    const dir = join(root, 'c5');
    write(join(workspace, 'p5', 'f'), 'good');
    await backend(dir).save(['p5'], 'orchestra-perf-a-linux-x64-good');
    // What a crash mid-save can leave behind, plus foreign files.
    write(join(dir, 'tmp', 'deadbeef.123-abc.tar'), 'half an archive');
    write(join(dir, 'archives', 'orphan.tar'), 'no entry points here');
    write(join(dir, 'entries', 'damaged.json'), '{"format":1,"key":"orchestra-perf-a-linux-x64-dam');
    write(
      join(dir, 'entries', 'no-archive.json'),
      JSON.stringify({
        format: 1,
        key: 'orchestra-perf-a-linux-x64-zzz',
        version: 'v',
        ref: 'refs/heads/main',
        sizeBytes: 1,
        createdAt: Date.now() + 1e9,
        archive: 'missing.tar',
      }),
    );
    const b = backend(dir);
    expect((await b.entries()).map((e) => e.key)).toEqual(['orchestra-perf-a-linux-x64-good']);
    expect(
      await b.restore(['p5'], 'orchestra-perf-a-linux-x64-new', ['orchestra-perf-a-linux-x64-'], {
        lookupOnly: true,
      }),
    ).toBe('orchestra-perf-a-linux-x64-good');
  });

  it('a save that fails half way leaves no entry and no work files', async () => {
    const dir = join(root, 'c6');
    write(join(workspace, 'p6', 'f'), 'x');
    // The real tar, made to fail: an unknown option.
    const failingTar: ProcessRunner = {
      run: (argv, options) => nodeProcessRunner.run([...argv, '--no-such-option'], options),
    };
    await expect(
      backend(dir, { process: failingTar }).save(['p6'], 'orchestra-perf-f-linux-x64-1'),
    ).rejects.toThrow(/tar -cf exited with 2|tar --posix exited/);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    expect(readdirSync(join(dir, 'entries'))).toEqual([]);
    expect(
      await backend(dir).restore(['p6'], 'orchestra-perf-f-linux-x64-1', [], { lookupOnly: true }),
    ).toBeUndefined();
  });

  it('concurrent saves do not lose entries (no shared index to race on)', async () => {
    const dir = join(root, 'c7');
    const keys = [1, 2, 3, 4].map((i) => `orchestra-perf-c${i}-linux-x64-1`);
    for (const i of [1, 2, 3, 4]) write(join(workspace, `p7-${i}`, 'f'), `content ${i}`);
    const outcomes = await Promise.all(keys.map((key, i) => backend(dir).save([`p7-${i + 1}`], key)));
    expect(outcomes.every((o) => o.saved)).toBe(true);
    expect((await backend(dir).entries()).map((e) => e.key).sort()).toEqual(keys);
    // The same key raced twice: one entry, and it restores.
    write(join(workspace, 'p7-same', 'f'), 'same');
    await Promise.all([
      backend(dir).save(['p7-same'], 'orchestra-perf-same-linux-x64-1'),
      backend(dir).save(['p7-same'], 'orchestra-perf-same-linux-x64-1'),
    ]);
    expect(
      (await backend(dir).entries()).filter((e) => e.key === 'orchestra-perf-same-linux-x64-1'),
    ).toHaveLength(1);
    rmSync(join(workspace, 'p7-same'), { recursive: true });
    await backend(dir).restore(['p7-same'], 'orchestra-perf-same-linux-x64-1', [], { lookupOnly: false });
    expect(readFileSync(join(workspace, 'p7-same', 'f'), 'utf8')).toBe('same');
  });
});

describe('cache stage outside GitHub (local backend chosen by default)', () => {
  it('misses, saves in post, then hits exactly from .orchestra-perf/cache', async () => {
    const ws = mkdtempSync(join(root, 'stage-'));
    write(join(ws, 'models.lock'), 'm1');
    write(join(ws, '.cache', 'models', 'weights.bin'), 'w'.repeat(100));
    const config = cacheConfig({
      auto: false,
      layers: [{ name: 'models', paths: ['.cache/models'], 'key-files': ['models.lock'] }],
    });
    const context = runContext(ws, {
      inActions: false,
      eventName: 'local',
      ref: '',
      defaultBranch: undefined,
      isDefaultBranch: false,
    });
    const result = (): PerfResult => ({
      schemaVersion: 1,
      meta: { tool: '', version: '', commit: '', ref: '', environment: '', startedAt: '', runUrl: '' },
    });
    const once = async () => {
      const planned = cacheStage.plan({ config, context, result: result() });
      if (!planned.run) throw new Error(planned.reason);
      const deps = stageDeps({});
      const res = result();
      await cacheStage.execute(planned.plan, res, deps);
      deps.state.save(MAIN_EXIT_STATE, '0');
      await cacheStage.post?.(deps);
      return res.cache?.layers[0];
    };
    expect(await once()).toMatchObject({ name: 'models', hit: 'miss' });
    expect(readdirSync(join(ws, '.orchestra-perf', 'cache', 'entries'))).toHaveLength(1);
    rmSync(join(ws, '.cache'), { recursive: true });
    expect(await once()).toMatchObject({ name: 'models', hit: 'exact', sizeBytes: 100 });
    expect(readFileSync(join(ws, '.cache', 'models', 'weights.bin'), 'utf8')).toBe('w'.repeat(100));
  });
});
