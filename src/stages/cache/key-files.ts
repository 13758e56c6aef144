/**
 * Reads key files for hashing. A key-file entry is a relative path whose last segment may hold
 * `*` wildcards (`requirements*.txt`, `locks/*.lock`); deeper globs are not supported on purpose:
 * key files are a handful of lockfiles, and a recursive walk would make planning slow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { KeyFile } from './keys.js';

export function readKeyFiles(root: string, patterns: readonly string[]): KeyFile[] {
  const out = new Map<string, KeyFile>();
  for (const pattern of patterns) {
    const clean = posix.normalize(pattern.replace(/\\/g, '/')).replace(/^\.\//, '');
    const base = posix.basename(clean);
    if (!base.includes('*')) {
      out.set(clean, { path: clean, content: readOrUndefined(join(root, clean)) });
      continue;
    }
    const dir = posix.dirname(clean);
    const matcher = new RegExp(`^${base.split('*').map(escapeRegExp).join('[^/]*')}$`);
    const names = listFiles(join(root, dir)).filter((name) => matcher.test(name));
    // A pattern that matches nothing still counts, so adding the first match changes the key.
    if (names.length === 0) out.set(clean, { path: clean, content: undefined });
    for (const name of names) {
      const path = dir === '.' ? name : `${dir}/${name}`;
      out.set(path, { path, content: readOrUndefined(join(root, path)) });
    }
  }
  return [...out.values()];
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
