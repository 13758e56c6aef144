/**
 * Chooses the build cache backend from what the builder supports and what the runner offers, and
 * says why. Pure: the builder info, the environment and the plan in, `--cache-from/--cache-to`
 * values and a reason out.
 */
import { UsageError } from '../../errors.js';
import { type BuilderInfo, builderCapabilities } from './builder.js';
import type { ImagePlan } from './plan.js';

export type CacheBackend = 'gha' | 'registry' | 'inline' | 'none';

export interface CacheChoice {
  backend: CacheBackend;
  reason: string;
  from: string[];
  to: string[];
}

/** The Actions cache service is reachable from BuildKit when the runner exposes its URL and token. */
export function actionsCacheAvailable(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL));
}

export function chooseCache(
  plan: Pick<ImagePlan, 'cache' | 'push'>,
  builder: BuilderInfo,
  env: NodeJS.ProcessEnv,
): CacheChoice {
  const { backend, ref, mode, scope, inlineSource } = plan.cache;
  const can = builderCapabilities(builder);
  const driver = `the "${builder.name}" builder uses the ${builder.driver} driver`;
  const gha = actionsCacheAvailable(env);
  // The previous image of this environment carries inline cache metadata; importing it is cheap
  // and harmless when it does not exist yet (BuildKit only warns).
  const inlineFrom = plan.push ? [`type=registry,ref=${inlineSource}`] : [];

  const ghaChoice = (why: string): CacheChoice => ({
    backend: 'gha',
    reason: why,
    from: [`type=gha,scope=${scope}`],
    to: [`type=gha,scope=${scope},mode=${mode},ignore-error=true`],
  });
  const registryChoice = (cacheRef: string, why: string): CacheChoice =>
    can.cacheExport
      ? {
          backend: 'registry',
          reason: why,
          from: [`type=registry,ref=${cacheRef}`],
          to: [`type=registry,ref=${cacheRef},mode=${mode}`],
        }
      : {
          backend: 'registry',
          reason: `${why}; ${driver}, which cannot export registry cache, so it imports ${cacheRef} and exports inline cache`,
          from: unique([`type=registry,ref=${cacheRef}`, ...inlineFrom]),
          to: ['type=inline'],
        };
  const inlineChoice = (why: string): CacheChoice => ({
    backend: 'inline',
    reason: why,
    from: inlineFrom,
    to: ['type=inline'],
  });

  switch (backend) {
    case 'none':
      return { backend: 'none', reason: 'image.cache-backend is none', from: [], to: [] };
    case 'gha':
      if (!can.gha) {
        throw new UsageError(
          `image.cache-backend is gha but ${driver}, which cannot export cache`,
          'create a docker-container builder first (docker/setup-buildx-action, or `docker buildx create --use --driver docker-container`), or set image.cache-backend: auto',
        );
      }
      if (!gha) {
        throw new UsageError(
          'image.cache-backend is gha but the Actions cache service is not available (no ACTIONS_RUNTIME_TOKEN with ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL)',
          'run inside GitHub Actions (BuildKit reads these variables from the runner), or set image.cache-backend: registry with image.cache-ref',
        );
      }
      return ghaChoice(`image.cache-backend is gha (${driver}, scope ${scope})`);
    case 'registry':
      if (!ref)
        throw new UsageError(
          'image.cache-backend is registry but image.cache-ref is not set',
          'set image.cache-ref, e.g. <image name>:buildcache',
        );
      return registryChoice(ref, `image.cache-backend is registry (${ref})`);
    case 'inline':
      return inlineChoice(`image.cache-backend is inline: cache metadata travels inside the pushed image`);
    case 'auto':
      if (can.gha && gha)
        return ghaChoice(`${driver} and the Actions cache service is available (scope ${scope})`);
      if (ref) return registryChoice(ref, `image.cache-ref is set${can.cacheExport ? ` and ${driver}` : ''}`);
      return inlineChoice(
        can.cacheExport
          ? `${driver} but neither the Actions cache service nor image.cache-ref is available, so the cache travels inline in the image`
          : `${driver}, which can export only inline cache`,
      );
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
