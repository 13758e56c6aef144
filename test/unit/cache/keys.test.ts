import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { pathsFromCwd } from '../../../src/stages/cache/actions-backend.js';
import { cacheKey, hashKeyFiles, keyIssues, keyPrefix } from '../../../src/stages/cache/keys.js';

const file = (path: string, content: string | undefined) => ({
  path,
  content: content === undefined ? undefined : Buffer.from(content),
});
const linux = { os: 'linux' as const, arch: 'x64' };

describe('hashKeyFiles', () => {
  it('is a stable sha256 hex digest (same inputs, same hash on any machine)', () => {
    const files = [file('package-lock.json', '{"lockfileVersion":3}\n')];
    const hash = hashKeyFiles(files);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKeyFiles([file('package-lock.json', '{"lockfileVersion":3}\n')])).toBe(hash);
    // Pinned: a change here invalidates every user's caches, so it must be deliberate. Computed
    // outside this code from the documented definition:
    // sha256('orchestra-perf-cache-key-v1\n' + path + '\0' + length + '\0' + content)
    expect(hash).toBe('d169d29988eb4443ea86de5d430e73bfdddcca539d288f7bede1fc68fdf48e08');
  });

  it('does not depend on the order of the files', () => {
    const a = [file('a.lock', 'one'), file('web/b.lock', 'two'), file('c.lock', 'three')];
    expect(hashKeyFiles(a)).toBe(hashKeyFiles([...a].reverse()));
  });

  it('changes with any byte of content, with a path, and with a file appearing', () => {
    const base = hashKeyFiles([file('a.lock', 'one'), file('b.lock', 'two')]);
    expect(hashKeyFiles([file('a.lock', 'one'), file('b.lock', 'twO')])).not.toBe(base);
    expect(hashKeyFiles([file('a.lock', 'one'), file('c.lock', 'two')])).not.toBe(base);
    expect(hashKeyFiles([file('a.lock', 'one'), file('b.lock', 'two'), file('c.lock', undefined)])).not.toBe(
      base,
    );
    expect(hashKeyFiles([file('a.lock', 'one'), file('b.lock', undefined)])).not.toBe(base);
  });

  it('does not confuse where one file ends and the next begins', () => {
    expect(hashKeyFiles([file('a', 'bc'), file('d', '')])).not.toBe(
      hashKeyFiles([file('a', 'b'), file('d', 'c')]),
    );
  });

  it('reads CRLF as LF in text files, so a Windows checkout gets the same key', () => {
    expect(hashKeyFiles([file('go.sum', 'a\r\nb\r\n')])).toBe(hashKeyFiles([file('go.sum', 'a\nb\n')]));
    // Binary content (a NUL byte) is hashed as it is.
    expect(hashKeyFiles([file('x.bin', 'a\0\r\n')])).not.toBe(hashKeyFiles([file('x.bin', 'a\0\n')]));
  });

  it('treats ./ and backslashes in paths as the same relative path', () => {
    expect(hashKeyFiles([file('./web\\yarn.lock', 'x')])).toBe(hashKeyFiles([file('web/yarn.lock', 'x')]));
  });
});

describe('keys', () => {
  it('has the documented shape orchestra-perf-<layer>-<os>-<arch>-<hash>', () => {
    expect(cacheKey('npm', linux, 'f'.repeat(64))).toBe(`orchestra-perf-npm-linux-x64-${'f'.repeat(64)}`);
    expect(cacheKey('npm', linux, 'abc').startsWith(keyPrefix('npm', linux))).toBe(true);
    expect(keyPrefix('go', { os: 'macos', arch: 'arm64' })).toBe('orchestra-perf-go-macos-arm64-');
  });

  it('names the fix for each invalid key', () => {
    const long = `orchestra-perf-${'x'.repeat(498)}`;
    expect(long).toHaveLength(513);
    const issues = keyIssues('cache.layers[0]', ['p'], long, []);
    expect(issues).toEqual([
      {
        field: 'cache.layers[0].name',
        message: expect.stringMatching(/513 characters.*limit is 512.*shorten the layer name by 1/),
      },
    ]);
    expect(keyIssues('f', ['p'], 'x'.repeat(512), [])).toEqual([]);
    expect(keyIssues('f', ['p'], 'a,b', [])[0]?.message).toMatch(/comma/);
    expect(
      keyIssues(
        'f',
        ['p'],
        'k',
        Array.from({ length: 10 }, (_, i) => `r${i}`),
      )[0]?.message,
    ).toMatch(/11 keys.*at most 10/);
    expect(keyIssues('f', [], 'k', [])[0]).toMatchObject({
      field: 'f.paths',
      message: expect.stringMatching(/at least one path/),
    });
  });

  it('ConfigError lines carry the field', () => {
    const error = new ConfigError(keyIssues('cache.layers[1]', [], 'k', []));
    expect(error.oneLine()).toMatch(/^config error: cache\.layers\[1\]\.paths:/);
  });
});

describe('pathsFromCwd', () => {
  it('re-expresses workspace-relative paths from the working directory; leaves ~ and absolute paths', () => {
    expect(pathsFromCwd(['target', '~/.npm', '/opt/store'], '/w', '/w')).toEqual([
      'target',
      '~/.npm',
      '/opt/store',
    ]);
    // @actions/glob refuses '..' and '.': outside (or equal to) the working directory, absolute.
    expect(pathsFromCwd(['target', 'app/.yarn/cache', '~/.npm'], '/w', '/w/app')).toEqual([
      '/w/target',
      '.yarn/cache',
      '~/.npm',
    ]);
    expect(pathsFromCwd(['app', '.'], '/w', '/w/app')).toEqual(['/w/app', '/w']);
    expect(pathsFromCwd(['target'], undefined, '/elsewhere')).toEqual(['target']);
  });
});
