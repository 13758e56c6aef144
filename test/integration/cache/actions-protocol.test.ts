/**
 * The cache stage through the real client: @actions/cache (cache service v2) -> the fake Twirp
 * service -> a real Azurite blob store. @actions/cache reads its environment at call time, so this
 * file sets process.env itself (integration files run one per forked process).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import type { PerfResult } from '../../../src/result.js';
import type { RunContext } from '../../../src/run-context.js';
import { ActionsCacheBackend } from '../../../src/stages/cache/actions-backend.js';
import { cacheStage } from '../../../src/stages/cache/index.js';
import type { CachePlan } from '../../../src/stages/cache/plan.js';
import { MAIN_EXIT_STATE } from '../../../src/stages/cache/state.js';
import { cacheConfig, pullRequestContext, runContext, stageDeps } from '../../fakes/cache-service/harness.js';
import { FakeCacheService } from '../../fakes/cache-service/server.js';
import { runtimeToken } from '../../fakes/cache-service/tokens.js';

let fake: FakeCacheService;
let workspace: string;
const mainToken = runtimeToken([{ scope: 'refs/heads/main', read: true, write: true }]);
const prToken = runtimeToken([
  { scope: 'refs/pull/7/merge', read: true, write: true },
  { scope: 'refs/heads/main', read: true, write: false },
]);

beforeAll(async () => {
  fake = await FakeCacheService.start();
  workspace = mkdtempSync(join(tmpdir(), 'cache-ws-'));
  const runnerTemp = mkdtempSync(join(tmpdir(), 'cache-runner-temp-'));
  Object.assign(process.env, {
    ACTIONS_CACHE_SERVICE_V2: 'true',
    ACTIONS_RESULTS_URL: fake.url,
    ACTIONS_RUNTIME_TOKEN: mainToken,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    SEGMENT_DOWNLOAD_TIMEOUT_MINS: '1',
  });
  delete process.env.ACTIONS_CACHE_URL;
  delete process.env.GITHUB_SERVER_URL;
  delete process.env.ACTIONS_CACHE_MODE;
  // @actions/cache globs relative paths from the process cwd (the workspace on a runner).
  process.chdir(workspace);
});

afterAll(async () => {
  process.chdir(tmpdir());
  await fake?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

beforeEach(() => {
  fake.clearFaults();
  process.env.ACTIONS_RUNTIME_TOKEN = mainToken;
});

const backend = (timeoutMs = 20_000) =>
  new ActionsCacheBackend({ restoreTimeoutMs: timeoutMs, saveTimeoutMs: timeoutMs });

/** A user layer `name` caching `.cache/<name>` keyed on `<name>.lock`. */
function layerConfig(name: string, extra: Record<string, unknown> = {}) {
  return cacheConfig({
    auto: false,
    layers: [{ name, paths: [`.cache/${name}`], 'key-files': [`${name}.lock`] }],
    ...extra,
  });
}

function planFor(
  name: string,
  context: RunContext = runContext(workspace),
  extra: Record<string, unknown> = {},
): CachePlan {
  const planned = cacheStage.plan({ config: layerConfig(name, extra), context, result: emptyResult() });
  if (!planned.run) throw new Error(`not planned: ${planned.reason}`);
  return planned.plan;
}

function emptyResult(): PerfResult {
  return {
    schemaVersion: 1,
    meta: {
      tool: 'orchestra-perf',
      version: '0',
      commit: '',
      ref: '',
      environment: 'test',
      startedAt: '',
      runUrl: '',
    },
  };
}

function writeLayer(name: string, lock: string, files: Record<string, string>) {
  writeFileSync(join(workspace, `${name}.lock`), lock);
  const dir = join(workspace, '.cache', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
}

/** main step, then the build "succeeds", then the post step: the way the action runs. */
async function run(
  name: string,
  options: {
    context?: RunContext;
    outcome?: string;
    timeoutMs?: number;
    extra?: Record<string, unknown>;
  } = {},
) {
  const plan = planFor(name, options.context, options.extra);
  const deps = stageDeps({ cacheBackend: backend(options.timeoutMs) });
  const result = emptyResult();
  await cacheStage.execute(plan, result, deps);
  const layer = result.cache?.layers[0];
  if (!layer) throw new Error('no layer result');
  return {
    plan,
    layer,
    deps,
    post: async () => {
      deps.state.save(MAIN_EXIT_STATE, options.outcome ?? '0');
      await cacheStage.post?.(deps);
    },
  };
}

describe('cache stage over @actions/cache, cache service v2 and Azurite', () => {
  it('misses, saves in post, then hits exactly and restores the files', async () => {
    writeLayer('alpha', 'lock v1', { 'a.txt': 'alpha contents', 'b.bin': 'x'.repeat(5000) });
    const first = await run('alpha');
    expect(first.layer.hit).toBe('miss');
    await first.post();
    expect(fake.finalized().map((e) => e.key)).toContain(first.plan.layers[0]?.key);
    expect(fake.finalized().find((e) => e.key === first.plan.layers[0]?.key)?.scope).toBe('refs/heads/main');

    rmSync(join(workspace, '.cache', 'alpha'), { recursive: true });
    const creates = fake.callsTo('CreateCacheEntry').length;
    const second = await run('alpha');
    expect(second.layer).toMatchObject({ hit: 'exact', matchedKey: first.plan.layers[0]?.key });
    expect(second.layer.sizeBytes).toBe('alpha contents'.length + 5000);
    expect(readFileSync(join(workspace, '.cache', 'alpha', 'a.txt'), 'utf8')).toBe('alpha contents');
    await second.post();
    expect(fake.callsTo('CreateCacheEntry').length).toBe(creates); // an exact hit is not saved again
  });

  it('falls back to the restore key (partial hit) when the key files change, and saves the new key', async () => {
    writeLayer('beta', 'lock v1', { 'old.txt': 'old' });
    const first = await run('beta');
    await first.post();
    writeLayer('beta', 'lock v2', {});
    rmSync(join(workspace, '.cache', 'beta'), { recursive: true });
    const second = await run('beta');
    expect(second.layer.hit).toBe('partial');
    expect(second.layer.matchedKey).toBe(first.plan.layers[0]?.key);
    expect(second.layer.key).not.toBe(first.plan.layers[0]?.key);
    expect(readFileSync(join(workspace, '.cache', 'beta', 'old.txt'), 'utf8')).toBe('old');
    await second.post();
    expect(fake.finalized().map((e) => e.key)).toContain(second.plan.layers[0]?.key);
  });

  it('reports a miss for a layer never saved', async () => {
    writeLayer('gamma', 'lock', {});
    const { layer } = await run('gamma');
    expect(layer).toMatchObject({ name: 'gamma', hit: 'miss', sizeBytes: 0 });
    expect(fake.callsTo('GetCacheEntryDownloadURL').at(-1)?.body).toMatchObject({
      key: layer.key,
      restore_keys: [expect.stringMatching(/^orchestra-perf-gamma-/)],
    });
  });

  it('lookup-only reports the hit without downloading and plans no save', async () => {
    writeLayer('delta', 'lock', { 'd.txt': 'd' });
    const first = await run('delta');
    await first.post();
    rmSync(join(workspace, '.cache', 'delta'), { recursive: true });
    const looked = await run('delta', { extra: { 'lookup-only': true } });
    expect(looked.layer.hit).toBe('exact');
    expect(existsSync(join(workspace, '.cache', 'delta'))).toBe(false);
    expect(looked.plan.save.enabled).toBe(false);
  });

  it('a 5xx on restore is a miss with a warning, and the build goes on', async () => {
    writeLayer('eps', 'lock', { 'e.txt': 'e' });
    await (await run('eps')).post();
    fake.inject({ method: 'GetCacheEntryDownloadURL', status: 501 });
    const { layer } = await run('eps');
    expect(layer.hit).toBe('miss');
    expect(fake.callsTo('GetCacheEntryDownloadURL').at(-1)?.status).toBe(501);
  });

  it('a transient 503 on restore is retried by the client and then hits', async () => {
    writeLayer('zeta', 'lock', { 'z.txt': 'z' });
    await (await run('zeta')).post();
    fake.inject({ method: 'GetCacheEntryDownloadURL', status: 503, times: 1 });
    const { layer } = await run('zeta');
    expect(layer.hit).toBe('exact');
    expect(
      fake
        .callsTo('GetCacheEntryDownloadURL')
        .slice(-2)
        .map((c) => c.status),
    ).toEqual([503, 200]);
  });

  it('a 5xx on save leaves no entry and the post step completes', async () => {
    writeLayer('eta', 'lock', { 'h.txt': 'h' });
    const first = await run('eta');
    fake.inject({ method: 'CreateCacheEntry', status: 501 });
    await first.post();
    expect(fake.finalized().map((e) => e.key)).not.toContain(first.plan.layers[0]?.key);
    expect(first.deps.logger.text()).toMatch(/cache eta: not saved/);
  });

  it('a persistent 500 (retried by the client with backoff) is cut off by our timeout: a miss, and the build goes on', async () => {
    writeLayer('pi', 'lock', { 'p.txt': 'p' });
    await (await run('pi')).post();
    rmSync(join(workspace, '.cache', 'pi'), { recursive: true });
    fake.inject({ method: 'GetCacheEntryDownloadURL', status: 500 });
    const { layer, deps } = await run('pi', { timeoutMs: 2000 });
    expect(layer).toMatchObject({ hit: 'miss', error: expect.stringMatching(/timed out after 2000 ms/) });
    expect(fake.callsTo('GetCacheEntryDownloadURL').at(-1)?.status).toBe(500);
    expect(deps.logger.warnings()).toHaveLength(1);
  });

  it('a 5xx when finalizing the upload leaves no visible entry', async () => {
    writeLayer('rho', 'lock', { 'r.txt': 'r' });
    const first = await run('rho');
    fake.inject({ method: 'FinalizeCacheEntryUpload', status: 501 });
    await first.post();
    expect(fake.callsTo('FinalizeCacheEntryUpload').at(-1)?.status).toBe(501);
    expect(fake.finalized().map((e) => e.key)).not.toContain(first.plan.layers[0]?.key);
    fake.clearFaults();
    rmSync(join(workspace, '.cache', 'rho'), { recursive: true });
    expect((await run('rho')).layer.hit).toBe('miss');
  });

  it('a hanging restore times out into a warning and a miss', async () => {
    writeLayer('theta', 'lock', {});
    fake.inject({ method: 'GetCacheEntryDownloadURL', hang: true });
    const { layer, deps } = await run('theta', { timeoutMs: 1500 });
    expect(layer.hit).toBe('miss');
    expect(deps.logger.warnings().join('\n')).toMatch(/cache theta: restore failed.*timed out after 1500 ms/);
  });

  it('a blob download that never arrives times out into a warning and a miss', async () => {
    writeLayer('nu', 'lock', { 'n.txt': 'n' });
    await (await run('nu')).post();
    rmSync(join(workspace, '.cache', 'nu'), { recursive: true });
    fake.inject({ method: 'GetCacheEntryDownloadURL', hangDownload: true });
    const { layer, deps } = await run('nu', { timeoutMs: 1500 });
    expect(layer.hit).toBe('miss');
    expect(fake.calls.at(-1)?.method).toBe('download');
    expect(deps.logger.warnings().join('\n')).toMatch(/cache nu: restore failed.*timed out after 1500 ms/);
    expect(existsSync(join(workspace, '.cache', 'nu'))).toBe(false);
  });

  it('a hanging save times out into a warning and the post step completes', async () => {
    writeLayer('iota', 'lock', { 'i.txt': 'i' });
    const first = await run('iota', { timeoutMs: 1500 });
    fake.inject({ method: 'CreateCacheEntry', hang: true });
    await first.post();
    expect(first.deps.logger.warnings().join('\n')).toMatch(
      /cache iota: save failed.*timed out after 1500 ms/,
    );
  });

  it('an entry that already exists is a 409 from the service and not an error for the job', async () => {
    writeLayer('kappa', 'lock', { 'k.txt': 'k' });
    const key = planFor('kappa').layers[0]?.key ?? '';
    expect(await backend().save(['.cache/kappa'], key)).toEqual({ saved: true });
    const again = await backend().save(['.cache/kappa'], key);
    expect(again.saved).toBe(false);
    const create = fake.callsTo('CreateCacheEntry').at(-1);
    expect(create?.status).toBe(409);
  });

  it('a 513-character key fails at once with a usage error, before any request', async () => {
    const before = fake.calls.length;
    const key = `orchestra-perf-${'k'.repeat(498)}`;
    expect(key).toHaveLength(513);
    await expect(backend().restore(['.cache/x'], key, [], { lookupOnly: false })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(backend().restore(['.cache/x'], 'a,b', [], { lookupOnly: false })).rejects.toThrow(/commas/);
    expect(fake.calls.length).toBe(before);
  });

  it('a pull request run reads the default branch cache and never saves', async () => {
    writeLayer('lambda', 'lock v1', { 'l.txt': 'from main' });
    await (await run('lambda')).post();
    writeLayer('lambda', 'lock from the PR', {});
    rmSync(join(workspace, '.cache', 'lambda'), { recursive: true });
    process.env.ACTIONS_RUNTIME_TOKEN = prToken;
    const creates = fake.callsTo('CreateCacheEntry').length;
    const pr = await run('lambda', { context: pullRequestContext(workspace) });
    expect(pr.layer.hit).toBe('partial'); // found in the default branch's scope
    expect(readFileSync(join(workspace, '.cache', 'lambda', 'l.txt'), 'utf8')).toBe('from main');
    await pr.post();
    expect(pr.plan.save.enabled).toBe(false);
    expect(fake.callsTo('CreateCacheEntry').length).toBe(creates);
  });

  it('does not save after a failed job unless save-on-failure is set', async () => {
    writeLayer('mu', 'lock', { 'm.txt': 'm' });
    const failed = await run('mu', { outcome: '1' });
    await failed.post();
    expect(fake.finalized().map((e) => e.key)).not.toContain(failed.plan.layers[0]?.key);
    const saveAnyway = await run('mu', { outcome: '1', extra: { 'save-on-failure': true } });
    await saveAnyway.post();
    expect(fake.finalized().map((e) => e.key)).toContain(saveAnyway.plan.layers[0]?.key);
  });
});

describe('the default backend in a working-directory below the workspace', () => {
  it('picks @actions/cache from the environment and keeps relative layer paths workspace-relative', async () => {
    writeLayer('wd', 'lock', { 'w.txt': 'workspace file' });
    const app = join(workspace, 'app');
    mkdirSync(app, { recursive: true });
    process.chdir(app); // as run-main does for the working-directory input
    try {
      const once = async () => {
        const plan = planFor('wd');
        const deps = stageDeps({}); // no injected backend: chosen from the environment
        const result = emptyResult();
        await cacheStage.execute(plan, result, deps);
        deps.state.save(MAIN_EXIT_STATE, '0');
        await cacheStage.post?.(deps);
        return result.cache?.layers[0];
      };
      expect(await once()).toMatchObject({ hit: 'miss' });
      rmSync(join(workspace, '.cache', 'wd'), { recursive: true });
      expect(await once()).toMatchObject({ hit: 'exact' });
      expect(readFileSync(join(workspace, '.cache', 'wd', 'w.txt'), 'utf8')).toBe('workspace file');
      expect(existsSync(join(app, '.cache'))).toBe(false);
    } finally {
      process.chdir(workspace);
    }
  });
});

describe('the fake service rejects what the real one rejects', () => {
  const post = (method: string, body: string, headers: Record<string, string> = {}) =>
    fetch(new URL(`twirp/github.actions.results.api.v1.CacheService/${method}`, fake.url), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${mainToken}`, ...headers },
    });

  it('missing key or version: 400 invalid_argument', async () => {
    const noKey = await post('GetCacheEntryDownloadURL', JSON.stringify({ version: 'v' }));
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ code: 'invalid_argument', msg: expect.stringMatching(/key/) });
    const noVersion = await post('CreateCacheEntry', JSON.stringify({ key: 'k' }));
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({
      code: 'invalid_argument',
      msg: expect.stringMatching(/version/),
    });
  });

  it('a body that is not JSON: 400 malformed', async () => {
    const res = await post('CreateCacheEntry', '{not json');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'malformed' });
  });

  it('a wrong content type or an unknown method: Twirp bad_route', async () => {
    const res = await post('CreateCacheEntry', JSON.stringify({ key: 'k', version: 'v' }), {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'bad_route', msg: expect.stringMatching(/Content-Type/) });
    const unknown = await post('DeleteCacheEntry', JSON.stringify({ key: 'k', version: 'v' }));
    expect(unknown.status).toBe(404);
  });

  it('no bearer token: 401 unauthenticated', async () => {
    const res = await post('CreateCacheEntry', JSON.stringify({ key: 'k', version: 'v' }), {
      authorization: '',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('a read-only token cannot reserve an entry', async () => {
    const res = await post('CreateCacheEntry', JSON.stringify({ key: 'k', version: 'v' }), {
      authorization: `Bearer ${runtimeToken([{ scope: 'refs/heads/main', read: true, write: false }])}`,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^cache write denied:/),
    });
  });
});
