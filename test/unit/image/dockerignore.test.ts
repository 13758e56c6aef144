import { describe, expect, it } from 'vitest';
import { isIgnored, parseDockerignore } from '../../../src/stages/image/dockerignore.js';

const ignored = (text: string, path: string) => isIgnored(parseDockerignore(text), path);

describe('.dockerignore matcher', () => {
  it('skips comments and blank lines', () => {
    expect(parseDockerignore('# a comment\n\n  \nfoo\n')).toHaveLength(1);
    expect(ignored('  #x.json', '#x.json')).toBe(true);
  });

  it('matches * within one segment only, anchored at the root', () => {
    expect(ignored('*.json', 'gha-creds-1.json')).toBe(true);
    expect(ignored('*.json', 'sub/gha-creds-1.json')).toBe(false);
    expect(ignored('gha-creds-*.json', 'gha-creds-abc.json')).toBe(true);
    expect(ignored('gha-creds-*.json', 'gha-creds-abc.jsonx')).toBe(false);
    expect(ignored('*/x.json', 'a/x.json')).toBe(true);
    expect(ignored('*/x.json', 'a/b/x.json')).toBe(false);
  });

  it('matches ** across any number of segments, including none', () => {
    expect(ignored('**/gha-creds-*.json', 'gha-creds-1.json')).toBe(true);
    expect(ignored('**/gha-creds-*.json', 'a/b/c/gha-creds-1.json')).toBe(true);
    expect(ignored('a/**/z', 'a/z')).toBe(true);
    expect(ignored('a/**/z', 'a/b/c/z')).toBe(true);
    expect(ignored('**', 'anything/at/all')).toBe(true);
    expect(ignored('secrets/**', 'secrets/key.json')).toBe(true);
  });

  it('treats a leading / as the context root and cleans paths', () => {
    expect(ignored('/creds.json', 'creds.json')).toBe(true);
    expect(ignored('/creds.json', 'sub/creds.json')).toBe(false);
    expect(ignored('./a/../creds.json', 'creds.json')).toBe(true);
  });

  it('excludes everything below a matched directory', () => {
    expect(ignored('.cache', '.cache/gcloud/creds.json')).toBe(true);
    expect(ignored('tmp/*', 'tmp/run/gha-creds-1.json')).toBe(true);
  });

  it('lets ! re-include, and the last matching line wins', () => {
    expect(ignored('*.json\n!gha-creds-1.json', 'gha-creds-1.json')).toBe(false);
    expect(ignored('*.json\n!gha-creds-1.json\ngha-creds-*.json', 'gha-creds-1.json')).toBe(true);
    expect(ignored('*\n!src', 'src/app.js')).toBe(false);
    expect(ignored('*\n!src', 'other.txt')).toBe(true);
  });

  it('supports ? and character classes, and treats regex characters literally', () => {
    expect(ignored('file?.txt', 'file1.txt')).toBe(true);
    expect(ignored('file?.txt', 'file12.txt')).toBe(false);
    expect(ignored('file[0-9].txt', 'file7.txt')).toBe(true);
    expect(ignored('file[^0-9].txt', 'file7.txt')).toBe(false);
    expect(ignored('a+b(c).txt', 'a+b(c).txt')).toBe(true);
    expect(ignored('a.txt', 'abtxt')).toBe(false);
    // A backslash escapes: the brackets are literal, not a class.
    expect(ignored('file\\[1\\].txt', 'file[1].txt')).toBe(true);
    expect(ignored('file\\[1\\].txt', 'file1.txt')).toBe(false);
  });
});
