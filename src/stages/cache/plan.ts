/**
 * The cache stage's plan, as a value: which layers, their keys and restore keys, and whether and
 * when this run may save. Pure: file contents arrive already read (scan.ts), so tests assert on
 * plans built from literal inputs.
 */
import { isAbsolute, join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { ConfigError, type ConfigIssue } from '../../errors.js';
import type { RunContext } from '../../run-context.js';
import { type StagePlan, skip } from '../stage.js';
import { cacheKey, hashKeyFiles, type KeyFile, keyIssues, keyPrefix } from './keys.js';
import type { Platform } from './layers.js';

/** A layer with its key files read, before keys are computed. */
export interface ScannedLayer {
  name: string;
  paths: string[];
  keyFiles: KeyFile[];
  source: 'auto' | 'config';
  /** Where the layer came from, for messages: `cache.layers[2]` or `auto: npm`. */
  field: string;
}

export interface CacheLayerPlan {
  name: string;
  source: 'auto' | 'config';
  paths: string[];
  keyFiles: string[];
  key: string;
  restoreKeys: string[];
}

export interface SavePolicy {
  /** This run may write caches at all. */
  enabled: boolean;
  /** Why (or why not), for the log. */
  reason: string;
  /** Save even when the job failed. */
  onFailure: boolean;
}

export interface CachePlan {
  layers: CacheLayerPlan[];
  lookupOnly: boolean;
  save: SavePolicy;
  workspace: string;
  /** For the local backend (runs outside GitHub): the archive directory and the ref scopes. */
  local: { dir: string; ref: string; fallbackRefs: string[] };
}

export interface CachePlanInput {
  cache: Config['cache'];
  context: RunContext;
  platform: Platform;
  /** Auto-detected layers (ignored when `cache.auto` is false). */
  auto: ScannedLayer[];
  /** Layers from `cache.layers`, in config order. */
  user: ScannedLayer[];
  /** Number of build tasks: with none, nothing would use a restored cache. */
  buildTasks: number;
}

export const DEFAULT_LOCAL_DIR = '.orchestra-perf/cache';

export function planCache(input: CachePlanInput): StagePlan<CachePlan> {
  const { cache, context, platform } = input;
  if (!cache.enabled) return skip('cache.enabled is false');
  if (input.buildTasks === 0) {
    // SECURITY 19: deploy-only jobs restore no caches; caches exist to speed up the build.
    return skip('no build tasks are configured, so no cache would be used (deploy-only jobs restore none)');
  }
  const userNames = new Set(input.user.map((layer) => layer.name));
  const layers = [
    ...(cache.auto ? input.auto.filter((layer) => !userNames.has(layer.name)) : []),
    ...input.user,
  ];
  if (layers.length === 0) {
    return skip(
      cache.auto
        ? 'no lockfile found and no cache.layers configured'
        : 'cache.auto is false and no cache.layers configured',
    );
  }

  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const planned: CacheLayerPlan[] = [];
  for (const layer of layers) {
    if (seen.has(layer.name))
      issues.push({
        field: `${layer.field}.name`,
        message: `duplicate layer name "${layer.name}"; give each layer its own name`,
      });
    seen.add(layer.name);
    const key = cacheKey(layer.name, platform, hashKeyFiles(layer.keyFiles));
    const restoreKeys = [keyPrefix(layer.name, platform)];
    issues.push(...keyIssues(layer.field, layer.paths, key, restoreKeys));
    planned.push({
      name: layer.name,
      source: layer.source,
      paths: layer.paths,
      keyFiles: layer.keyFiles.map((file) => file.path),
      key,
      restoreKeys,
    });
  }
  // SECURITY 18: an invalid key fails at once, before any cache call.
  if (issues.length > 0) throw new ConfigError(issues);

  const lookupOnly = cache['lookup-only'];
  const save = savePolicy(context, lookupOnly, cache['save-on-failure']);
  const plan: CachePlan = {
    layers: planned,
    lookupOnly,
    save,
    workspace: context.workspace,
    local: {
      dir: resolveIn(context.workspace, cache['local-dir'] ?? DEFAULT_LOCAL_DIR),
      ref: context.ref || 'local',
      fallbackRefs: fallbackRefs(context),
    },
  };
  const summary = [
    ...planned.map(
      (layer) =>
        `${layer.name} (${layer.source}): ${layer.paths.join(', ')} <- ${layer.keyFiles.join(', ') || 'no key files'}`,
    ),
    lookupOnly ? 'lookup only: nothing is downloaded or saved' : `save: ${save.reason}`,
  ];
  for (const layer of planned) {
    if (layer.keyFiles.length === 0)
      summary.push(`${layer.name}: no key files, so its key never changes (add key-files)`);
  }
  return { run: true, plan, summary };
}

/** SECURITY 19: PR runs (forks above all) only read; only default-branch runs write. */
export function savePolicy(context: RunContext, lookupOnly: boolean, onFailure: boolean): SavePolicy {
  const no = (reason: string): SavePolicy => ({ enabled: false, reason, onFailure });
  if (lookupOnly) return no('lookup-only plans only');
  if (context.untrustedPullRequest)
    return no(`read only: ${context.untrustedReason ?? 'untrusted pull request'}`);
  if (context.pullRequest || context.eventName.startsWith('pull_request'))
    return no('read only: pull request runs never write caches');
  if (!context.inActions)
    return { enabled: true, reason: 'local run: misses and partial hits are saved after the run', onFailure };
  if (!context.isDefaultBranch)
    return no(
      `read only: only runs on the default branch write caches (this is ${context.ref || 'an unknown ref'})`,
    );
  return {
    enabled: true,
    reason: `misses and partial hits are saved in the post step${onFailure ? ', even when the job fails' : ''}`,
    onFailure,
  };
}

/** The scopes the local backend searches after the run's own ref, as the cache service does. */
function fallbackRefs(context: RunContext): string[] {
  const refs: string[] = [];
  if (context.pullRequest?.baseRef) refs.push(`refs/heads/${context.pullRequest.baseRef}`);
  if (context.defaultBranch) refs.push(`refs/heads/${context.defaultBranch}`);
  return [...new Set(refs)].filter((ref) => ref !== context.ref);
}

function resolveIn(root: string, path: string): string {
  return isAbsolute(path) ? path : join(root, path);
}
