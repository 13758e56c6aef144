/**
 * The cache stage: layered restore before the build, saves in the post step. Optional: a cache
 * outage never blocks a deploy; invalid keys still fail at once (thrown as ConfigError by plan).
 */
import type { Stage } from '../stage.js';
import type { CacheBackend } from './backend.js';
import { executeCache, postCache } from './execute.js';
import { currentPlatform } from './layers.js';
import { type CachePlan, planCache } from './plan.js';
import { scanLayers } from './scan.js';

declare module '../stage.js' {
  interface StageServices {
    /** Defaults to @actions/cache when the runner offers a cache service, else a local directory. */
    cacheBackend?: CacheBackend;
  }
}

export const cacheStage: Stage<CachePlan> = {
  name: 'cache',
  policy: 'optional',
  plan({ config, context }) {
    if (!config.cache.enabled) return { run: false, reason: 'cache.enabled is false' };
    const platform = currentPlatform();
    const { auto, user } = scanLayers(context.workspace, config.cache, platform);
    return planCache({
      cache: config.cache,
      context,
      platform,
      auto,
      user,
      buildTasks: config.build.tasks.length,
    });
  },
  execute: executeCache,
  post: postCache,
};

export { ActionsCacheBackend } from './actions-backend.js';
export type { CacheBackend, RestoreOptions, SaveOutcome } from './backend.js';
export { LocalCacheBackend } from './local-backend.js';
export type { CacheLayerPlan, CachePlan } from './plan.js';
export { CACHE_STATE, MAIN_EXIT_STATE } from './state.js';
