/**
 * What a cache layer is, and where each package manager keeps its downloads on each OS. Paths
 * under the home directory are written with `~` (never expanded here) so that the cache version,
 * which @actions/cache derives from the path strings, is the same on every runner.
 */

export type CacheOs = 'linux' | 'macos' | 'windows';

export interface Platform {
  os: CacheOs;
  arch: string;
}

export function currentPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): Platform {
  const os: CacheOs = platform === 'darwin' ? 'macos' : platform === 'win32' ? 'windows' : 'linux';
  return { os, arch };
}

/** A layer before keys are computed: what to cache and which files decide when it is stale. */
export interface CacheLayer {
  name: string;
  /** Relative to the workspace, or `~/...`. */
  paths: string[];
  /** Key files found for the layer (relative POSIX paths, sorted). */
  keyFiles: string[];
  source: 'auto' | 'config';
}

/** Per-OS default cache directories; each entry is one package manager's documented default. */
const byOs = (linux: string, macos: string, windows: string) => ({ linux, macos, windows });

export const DEFAULT_DIRS = {
  npm: byOs('~/.npm', '~/.npm', '~/AppData/Local/npm-cache'),
  pnpm: byOs('~/.local/share/pnpm/store', '~/Library/pnpm/store', '~/AppData/Local/pnpm/store'),
  yarn1: byOs('~/.cache/yarn', '~/Library/Caches/Yarn', '~/AppData/Local/Yarn/Cache'),
  yarnBerryGlobal: byOs('~/.yarn/berry/cache', '~/.yarn/berry/cache', '~/AppData/Local/Yarn/Berry/cache'),
  pip: byOs('~/.cache/pip', '~/Library/Caches/pip', '~/AppData/Local/pip/Cache'),
  poetry: byOs('~/.cache/pypoetry', '~/Library/Caches/pypoetry', '~/AppData/Local/pypoetry/Cache'),
  uv: byOs('~/.cache/uv', '~/.cache/uv', '~/AppData/Local/uv/cache'),
  goBuild: byOs('~/.cache/go-build', '~/Library/Caches/go-build', '~/AppData/Local/go-build'),
} as const;

/** The auto-detected package managers, in the order their layers appear. */
export const AUTO_LAYER_NAMES = ['npm', 'pnpm', 'yarn', 'pip', 'poetry', 'uv', 'cargo', 'go'] as const;
export type AutoLayerName = (typeof AUTO_LAYER_NAMES)[number];
