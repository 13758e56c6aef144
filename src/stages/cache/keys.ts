/**
 * Cache keys, computed by us rather than by `hashFiles()` so a local run and a runner agree:
 * sha256 over the sorted relative paths and contents of the key files, with CRLF read as LF so a
 * Windows checkout with autocrlf gets the same key as Linux. Absolute paths never enter the hash.
 *
 * The branch never enters the key. The cache service already scopes entries by ref and searches
 * the run's own ref first, then the base/default branch, for the key and each restore-key prefix;
 * a branch-free key lets a branch whose lockfile equals the default branch's hit that entry
 * exactly, and one prefix `orchestra-perf-<layer>-<os>-<arch>-` then gives "this branch, then the
 * default branch" through the service's scope order (the local backend mimics that order).
 */
import { createHash } from 'node:crypto';
import { ConfigError, type ConfigIssue } from '../../errors.js';
import type { Platform } from './layers.js';

export interface KeyFile {
  /** Relative POSIX path from the workspace root. */
  path: string;
  /** undefined when the file does not exist (a missing key file is part of the key, too). */
  content: Buffer | undefined;
}

/** The service's limits (@actions/cache checks the same; we check first to name the fix). */
export const MAX_KEY_LENGTH = 512;
export const MAX_KEYS = 10;

const HASH_DOMAIN = 'orchestra-perf-cache-key-v1\n';

export function hashKeyFiles(files: readonly KeyFile[]): string {
  const byPath = new Map<string, KeyFile>();
  for (const file of files) byPath.set(file.path.replace(/\\/g, '/').replace(/^\.\//, ''), file);
  const hash = createHash('sha256').update(HASH_DOMAIN);
  for (const path of [...byPath.keys()].sort(compareBytes)) {
    const content = byPath.get(path)?.content;
    hash.update(`${path}\0`);
    if (content === undefined) {
      hash.update('missing\0');
      continue;
    }
    const normal = normalizeLineEndings(content);
    hash.update(`${normal.length}\0`);
    hash.update(normal);
  }
  return hash.digest('hex');
}

/** Text files only: a NUL byte means binary, whose bytes are hashed as they are. */
export function normalizeLineEndings(content: Buffer): Buffer {
  if (content.includes(0) || !content.includes(13)) return content;
  return Buffer.from(content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}

export function keyPrefix(layer: string, platform: Platform): string {
  return `orchestra-perf-${layer}-${platform.os}-${platform.arch}-`;
}

export function cacheKey(layer: string, platform: Platform, hash: string): string {
  return `${keyPrefix(layer, platform)}${hash}`;
}

/** Problems with a layer's keys and paths, each naming the field and the fix. */
export function keyIssues(
  field: string,
  paths: readonly string[],
  key: string,
  restoreKeys: readonly string[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (paths.length === 0)
    issues.push({
      field: `${field}.paths`,
      message: 'a cache layer needs at least one path; add one to paths',
    });
  const keys = [key, ...restoreKeys];
  if (keys.length > MAX_KEYS) {
    issues.push({
      field,
      message: `has ${keys.length} keys (key + restore keys); the cache service accepts at most ${MAX_KEYS}`,
    });
  }
  for (const k of keys) {
    if (k.length > MAX_KEY_LENGTH) {
      issues.push({
        field: `${field}.name`,
        message: `gives a cache key of ${k.length} characters; the limit is ${MAX_KEY_LENGTH}: shorten the layer name by ${k.length - MAX_KEY_LENGTH} characters`,
      });
    }
    if (k.includes(','))
      issues.push({
        field: `${field}.name`,
        message: `gives a cache key with a comma ("${k}"); remove the comma`,
      });
  }
  return issues;
}

export function assertValidKeys(
  field: string,
  paths: readonly string[],
  key: string,
  restoreKeys: readonly string[],
): void {
  const issues = keyIssues(field, paths, key, restoreKeys);
  if (issues.length > 0) throw new ConfigError(issues);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
