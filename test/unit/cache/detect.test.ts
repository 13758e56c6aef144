import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectLayers } from '../../../src/stages/cache/detect.js';
import { readKeyFiles } from '../../../src/stages/cache/key-files.js';
import { currentPlatform, type Platform } from '../../../src/stages/cache/layers.js';

const fixtures = join(import.meta.dirname, '../../fixtures/cache');
const linux: Platform = { os: 'linux', arch: 'x64' };
const macos: Platform = { os: 'macos', arch: 'arm64' };
const layersOf = (dir: string, platform = linux) =>
  Object.fromEntries(
    detectLayers(join(fixtures, dir), platform).map((l) => [
      l.name,
      { paths: l.paths, keyFiles: l.keyFiles },
    ]),
  );

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('detectLayers', () => {
  it('npm: package-lock.json -> ~/.npm', () => {
    expect(layersOf('npm-only')).toEqual({ npm: { paths: ['~/.npm'], keyFiles: ['package-lock.json'] } });
  });

  it('finds lockfiles at the root and one level down, one layer per manager, skipping hidden and deeper dirs', () => {
    expect(layersOf('monorepo')).toEqual({
      npm: { paths: ['~/.npm'], keyFiles: ['package-lock.json'] },
      pnpm: { paths: ['~/.local/share/pnpm/store'], keyFiles: ['web/pnpm-lock.yaml'] },
      pip: { paths: ['~/.cache/pip'], keyFiles: ['requirements.txt', 'tools/requirements-dev.txt'] },
      go: { paths: ['~/go/pkg/mod', '~/.cache/go-build'], keyFiles: ['api/go.sum'] },
    });
  });

  it('skips node_modules even one level down', () => {
    const dir = mkdtempSync(join(tmpdir(), 'detect-'));
    temps.push(dir);
    mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'package-lock.json'), '{}');
    writeFileSync(join(dir, 'go.sum'), '');
    expect(detectLayers(dir, linux).map((l) => l.name)).toEqual(['go']);
  });

  it('yarn 1 vs berry: global cache, project cache by version, cacheFolder from .yarnrc.yml', () => {
    expect(layersOf('yarn1').yarn?.paths).toEqual(['~/.cache/yarn']);
    expect(layersOf('yarn1', macos).yarn?.paths).toEqual(['~/Library/Caches/Yarn']);
    expect(layersOf('yarn-berry-3').yarn?.paths).toEqual(['.yarn/cache']);
    expect(layersOf('yarn-berry-4').yarn?.paths).toEqual(['~/.yarn/berry/cache']);
    expect(layersOf('yarn-berry-folder').yarn?.paths).toEqual(['custom-cache']);
  });

  it('pnpm: store-dir from .npmrc', () => {
    expect(layersOf('pnpm-store').pnpm).toEqual({ paths: ['/opt/pnpm-store'], keyFiles: ['pnpm-lock.yaml'] });
  });

  it('python: pip (requirements*.txt only), poetry, uv with per-OS directories', () => {
    expect(layersOf('python')).toEqual({
      pip: { paths: ['~/.cache/pip'], keyFiles: ['requirements-dev.txt', 'requirements.txt'] },
      poetry: { paths: ['~/.cache/pypoetry'], keyFiles: ['poetry.lock'] },
      uv: { paths: ['~/.cache/uv'], keyFiles: ['uv.lock'] },
    });
    expect(layersOf('python', macos).pip?.paths).toEqual(['~/Library/Caches/pip']);
  });

  it('cargo and go', () => {
    expect(layersOf('rust-go')).toEqual({
      cargo: { paths: ['~/.cargo/registry', '~/.cargo/git', 'target'], keyFiles: ['Cargo.lock'] },
      go: { paths: ['~/go/pkg/mod', '~/.cache/go-build'], keyFiles: ['go.sum'] },
    });
  });

  it('finds nothing in a directory without lockfiles, or one that does not exist', () => {
    const empty = mkdtempSync(join(tmpdir(), 'detect-empty-'));
    temps.push(empty);
    mkdirSync(join(empty, 'a', 'b'), { recursive: true });
    writeFileSync(join(empty, 'a', 'b', 'go.sum'), ''); // two levels down: not a workspace we look at
    expect(detectLayers(empty, linux)).toEqual([]);
    expect(detectLayers(join(fixtures, 'no-such-dir'), linux)).toEqual([]);
  });

  it('gives the same layers for a copy of the checkout elsewhere (no absolute paths)', () => {
    const copy = mkdtempSync(join(tmpdir(), 'detect-copy-'));
    temps.push(copy);
    cpSync(join(fixtures, 'monorepo'), copy, { recursive: true });
    expect(detectLayers(copy, linux)).toEqual(detectLayers(join(fixtures, 'monorepo'), linux));
  });
});

describe('readKeyFiles', () => {
  it('expands * in the last segment and keeps a pattern that matches nothing as a missing file', () => {
    const files = readKeyFiles(join(fixtures, 'python'), [
      'requirements*.txt',
      'nothing-*.lock',
      'poetry.lock',
    ]);
    expect(files.map((f) => [f.path, f.content === undefined])).toEqual([
      ['requirements-dev.txt', false],
      ['requirements.txt', false],
      ['nothing-*.lock', true],
      ['poetry.lock', false],
    ]);
  });
});

describe('currentPlatform', () => {
  it('maps Node platform names to key names', () => {
    expect(currentPlatform('darwin', 'arm64')).toEqual({ os: 'macos', arch: 'arm64' });
    expect(currentPlatform('win32', 'x64')).toEqual({ os: 'windows', arch: 'x64' });
    expect(currentPlatform('linux', 'x64')).toEqual({ os: 'linux', arch: 'x64' });
  });
});
