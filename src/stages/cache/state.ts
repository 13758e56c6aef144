/**
 * What the main step hands the post step (GITHUB_STATE): the layers to save and how. Small and
 * free of secrets: names, paths, keys, the backend kind. Never tokens.
 */
import type { CachePlan } from './plan.js';

export const CACHE_STATE = 'orchestra-perf-cache';
/**
 * The main step's exit code, written when the pipeline ends (src/action/run-main.ts saves it as
 * STATE_MAIN_EXIT; the two names must stay equal, a unit test checks). The post step saves only
 * after `0`, unless save-on-failure is set; a missing value (main crashed or was cancelled) counts
 * as a failure, so a half-built cache is never saved by default.
 */
export const MAIN_EXIT_STATE = 'main-exit-code';

export interface CacheSaveState {
  v: 1;
  backend: string;
  onFailure: boolean;
  local: CachePlan['local'] & { cwd: string };
  layers: { name: string; paths: string[]; key: string }[];
}

export function parseSaveState(raw: string): CacheSaveState | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<CacheSaveState>;
    if (value.v !== 1 || !Array.isArray(value.layers) || !value.local) return undefined;
    return value as CacheSaveState;
  } catch {
    return undefined;
  }
}
