/**
 * Carries out a cache plan: restore each layer through the backend, record `exact | partial |
 * miss`, restore time and size, and leave the post step a note of what to save. A service error or
 * timeout on one layer is a warning and the next layer goes on (SECURITY 18: only invalid keys,
 * a UsageError, fail the stage).
 */
import { describe, ExitCode, OrchestraError } from '../../errors.js';
import type { CacheHit, CacheLayerResult, PerfResult } from '../../result.js';
import type { StageDeps } from '../stage.js';
import { ActionsCacheBackend } from './actions-backend.js';
import type { CacheBackend } from './backend.js';
import { measurePaths } from './dir-size.js';
import { LocalCacheBackend } from './local-backend.js';
import type { CachePlan } from './plan.js';
import { CACHE_STATE, type CacheSaveState, MAIN_EXIT_STATE, parseSaveState } from './state.js';

export async function executeCache(plan: CachePlan, result: PerfResult, deps: StageDeps): Promise<void> {
  const backend = deps.services.cacheBackend ?? defaultBackend(plan.local, plan.workspace, deps);
  const layers: CacheLayerResult[] = [];
  result.cache = { layers };
  const toSave: CacheSaveState['layers'] = [];

  for (const layer of plan.layers) {
    // A cancelled run restores nothing more; what was restored stays reported.
    if (deps.signal.aborted) break;
    const started = deps.clock.now();
    let matched: string | undefined;
    let failure: string | undefined;
    try {
      matched = await backend.restore(layer.paths, layer.key, layer.restoreKeys, {
        lookupOnly: plan.lookupOnly,
      });
    } catch (error) {
      if (isUsageError(error)) throw error;
      failure = describe(error);
      deps.logger.warning(`cache ${layer.name}: restore failed, continuing without it: ${failure}`);
    }
    const restoreMs = Math.round(deps.clock.now() - started);
    const hit: CacheHit = matched === undefined ? 'miss' : matched === layer.key ? 'exact' : 'partial';
    const sizeBytes =
      hit !== 'miss' && !plan.lookupOnly ? await measurePaths(layer.paths, plan.workspace) : 0;
    layers.push({
      name: layer.name,
      hit,
      restoreMs,
      sizeBytes,
      key: layer.key,
      ...(matched ? { matchedKey: matched } : {}),
      ...(failure ? { error: failure } : {}),
    });
    deps.logger.info(
      `cache ${layer.name}: ${hit}${matched && hit === 'partial' ? ` (${matched})` : ''}${failure ? ' (service error)' : ''} in ${restoreMs} ms${sizeBytes ? `, ${sizeBytes} bytes` : ''}`,
    );
    if (hit !== 'exact') toSave.push({ name: layer.name, paths: layer.paths, key: layer.key });
  }

  if (!plan.save.enabled) deps.logger.info(`cache: nothing will be saved: ${plan.save.reason}`);
  // Always written, even empty, so a stale note from an earlier local run is never acted on.
  const state: CacheSaveState = {
    v: 1,
    backend: backend.kind,
    onFailure: plan.save.onFailure,
    local: { ...plan.local, cwd: plan.workspace },
    layers: plan.save.enabled ? toSave : [],
  };
  deps.state.save(CACHE_STATE, JSON.stringify(state));
}

/** The post step: save the layers main noted, unless the job failed (and save-on-failure is off). */
export async function postCache(deps: StageDeps): Promise<void> {
  const state = parseSaveState(deps.state.get(CACHE_STATE));
  if (!state || state.layers.length === 0) return;
  const exitCode = deps.state.get(MAIN_EXIT_STATE);
  if (exitCode !== '0' && !state.onFailure) {
    deps.logger.info(
      `cache: not saving ${state.layers.length} layer(s): the job did not succeed (set cache.save-on-failure to save anyway)`,
    );
    return;
  }
  const backend =
    deps.services.cacheBackend ?? defaultBackend(state.local, state.local.cwd, deps, state.backend);
  for (const layer of state.layers) {
    try {
      const outcome = await backend.save(layer.paths, layer.key);
      if (outcome.saved) deps.logger.info(`cache ${layer.name}: saved ${layer.key}`);
      else deps.logger.info(`cache ${layer.name}: not saved: ${outcome.reason}`);
    } catch (error) {
      deps.logger.warning(`cache ${layer.name}: save failed, the job goes on: ${describe(error)}`);
    }
  }
}

function defaultBackend(
  local: CachePlan['local'],
  cwd: string,
  deps: StageDeps,
  kind?: string,
): CacheBackend {
  if (kind === 'actions' || (kind === undefined && ActionsCacheBackend.available()))
    return new ActionsCacheBackend({ workspace: cwd });
  return new LocalCacheBackend({
    dir: local.dir,
    cwd,
    process: deps.process,
    ref: local.ref,
    fallbackRefs: local.fallbackRefs,
  });
}

function isUsageError(error: unknown): boolean {
  return error instanceof OrchestraError && error.exitCode === ExitCode.usage;
}
