/**
 * Auto-detection of package-manager layers from the lockfiles in the working directory and one
 * level below it (a cheap stand-in for workspaces: `services/api/go.sum`, `web/package-lock.json`).
 * Reads only directory listings and a few small config files; hashing happens in keys.ts.
 */
import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUTO_LAYER_NAMES,
  type AutoLayerName,
  type CacheLayer,
  DEFAULT_DIRS,
  type Platform,
} from './layers.js';

/** Directories never searched for lockfiles: dependencies, build outputs, VCS metadata. */
const SKIP_DIRS = new Set(['node_modules', 'target', 'vendor', 'dist', 'build', 'venv', '__pycache__']);
/** Bounds the one-level scan so a huge checkout cannot make planning slow. */
const MAX_SUBDIRS = 200;

interface Found {
  name: AutoLayerName;
  /** Directory of the lockfile, relative POSIX ('' for the root). */
  dir: string;
  keyFile: string;
  paths: string[];
}

export function detectLayers(root: string, platform: Platform): CacheLayer[] {
  const found: Found[] = [...detectIn(root, '', platform)];
  for (const entry of listDir(root)
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name))
    .slice(0, MAX_SUBDIRS)) {
    found.push(...detectIn(root, entry.name, platform));
  }
  // One layer per package manager: the global caches are shared, so the key covers every lockfile.
  const layers = new Map<AutoLayerName, CacheLayer>();
  for (const item of found) {
    const layer = layers.get(item.name) ?? {
      name: item.name,
      paths: [],
      keyFiles: [],
      source: 'auto' as const,
    };
    for (const path of item.paths) if (!layer.paths.includes(path)) layer.paths.push(path);
    if (!layer.keyFiles.includes(item.keyFile)) layer.keyFiles.push(item.keyFile);
    layers.set(item.name, layer);
  }
  for (const layer of layers.values()) layer.keyFiles.sort();
  return AUTO_LAYER_NAMES.flatMap((name) => layers.get(name) ?? []);
}

function detectIn(root: string, dir: string, platform: Platform): Found[] {
  const abs = dir ? join(root, dir) : root;
  const files = new Set(
    listDir(abs)
      .filter((e) => e.isFile())
      .map((e) => e.name),
  );
  const rel = (name: string) => (dir ? `${dir}/${name}` : name);
  const os = platform.os;
  const out: Found[] = [];
  const add = (name: AutoLayerName, keyFile: string, paths: string[]) =>
    out.push({ name, dir, keyFile: rel(keyFile), paths });

  for (const lock of ['package-lock.json', 'npm-shrinkwrap.json']) {
    if (files.has(lock)) add('npm', lock, [DEFAULT_DIRS.npm[os]]);
  }
  if (files.has('pnpm-lock.yaml')) add('pnpm', 'pnpm-lock.yaml', [pnpmStore(root, abs, platform)]);
  if (files.has('yarn.lock')) add('yarn', 'yarn.lock', [yarnCache(abs, dir, platform)]);
  for (const name of [...files].filter((f) => /^requirements.*\.txt$/.test(f)).sort()) {
    add('pip', name, [DEFAULT_DIRS.pip[os]]);
  }
  if (files.has('poetry.lock')) add('poetry', 'poetry.lock', [DEFAULT_DIRS.poetry[os]]);
  if (files.has('uv.lock')) add('uv', 'uv.lock', [DEFAULT_DIRS.uv[os]]);
  if (files.has('Cargo.lock'))
    add('cargo', 'Cargo.lock', ['~/.cargo/registry', '~/.cargo/git', rel('target')]);
  if (files.has('go.sum')) add('go', 'go.sum', ['~/go/pkg/mod', DEFAULT_DIRS.goBuild[os]]);
  return out;
}

/** `store-dir` from the project's .npmrc wins over pnpm's per-OS default store. */
function pnpmStore(root: string, abs: string, platform: Platform): string {
  for (const dir of abs === root ? [root] : [abs, root]) {
    const npmrc = readText(join(dir, '.npmrc'));
    const match = npmrc && /^\s*store-dir\s*=\s*(.+?)\s*$/m.exec(npmrc);
    if (match?.[1]) return match[1];
  }
  return DEFAULT_DIRS.pnpm[platform.os];
}

/**
 * Yarn 1 lockfiles have no `__metadata:` block; berry ones do. Berry keeps its cache in the
 * project (`.yarn/cache`) up to v3 and in a global folder from v4, unless `.yarnrc.yml` says
 * otherwise, so the version comes from `packageManager` or the checked-in release file.
 */
function yarnCache(abs: string, dir: string, platform: Platform): string {
  const lock = readText(join(abs, 'yarn.lock')) ?? '';
  if (!/^__metadata:/m.test(lock)) return DEFAULT_DIRS.yarn1[platform.os];
  const rel = (path: string) => (dir ? `${dir}/${path}` : path);
  const rc = readText(join(abs, '.yarnrc.yml')) ?? '';
  const cacheFolder = /^cacheFolder:\s*["']?([^"'\n]+?)["']?\s*$/m.exec(rc)?.[1];
  const global = /^enableGlobalCache:\s*(true|false)\s*$/m.exec(rc)?.[1];
  if (cacheFolder && global !== 'true') return rel(cacheFolder.replace(/^\.\//, ''));
  if (global === 'true') return DEFAULT_DIRS.yarnBerryGlobal[platform.os];
  if (global === 'false') return rel('.yarn/cache');
  return yarnMajor(abs, rc) >= 4 ? DEFAULT_DIRS.yarnBerryGlobal[platform.os] : rel('.yarn/cache');
}

function yarnMajor(abs: string, rc: string): number {
  try {
    const pkg = JSON.parse(readText(join(abs, 'package.json')) ?? '{}') as { packageManager?: unknown };
    const match = typeof pkg.packageManager === 'string' ? /^yarn@(\d+)/.exec(pkg.packageManager) : null;
    if (match) return Number(match[1]);
  } catch {
    // An unreadable package.json says nothing about the version.
  }
  const release = /^yarnPath:.*yarn-(\d+)\./m.exec(rc);
  return release ? Number(release[1]) : 4;
}

function listDir(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
