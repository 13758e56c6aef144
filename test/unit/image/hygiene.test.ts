import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { credentialPathsFromState, findContextLeaks, leakError } from '../../../src/stages/image/hygiene.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'image-hygiene-'));
  writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (path: string, text = '{}') => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};
const leaks = (env: NodeJS.ProcessEnv = {}, knownPaths: string[] = []) =>
  findContextLeaks(root, join(root, 'Dockerfile'), { env, knownPaths });

describe('credentials files in the build context', () => {
  it('finds gha-creds-*.json at any depth and names the exact line to add', async () => {
    write('gha-creds-0a1b2c.json');
    write('deploy/nested/gha-creds-ffff.json');
    const found = await leaks();
    expect(found.map((leak) => [leak.relativePath, leak.line])).toEqual([
      ['deploy/nested/gha-creds-ffff.json', '**/gha-creds-*.json'],
      ['gha-creds-0a1b2c.json', 'gha-creds-*.json'],
    ]);
    const error = leakError(root, found);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.oneLine()).toContain(
      'add these lines "**/gha-creds-*.json", "gha-creds-*.json" at the end of',
    );
    expect(error.oneLine()).toContain(join(root, '.dockerignore'));
  });

  it('accepts the files once .dockerignore excludes them, and refuses again when ! re-includes one', async () => {
    write('gha-creds-0a1b2c.json');
    write('.dockerignore', 'node_modules\ngha-creds-*.json\n');
    expect(await leaks()).toEqual([]);
    write('.dockerignore', 'gha-creds-*.json\n!gha-creds-0a1b2c.json\n');
    expect((await leaks()).map((leak) => leak.relativePath)).toEqual(['gha-creds-0a1b2c.json']);
  });

  it('checks GOOGLE_APPLICATION_CREDENTIALS and paths recorded in state, by exact path', async () => {
    write('keys/sa.json');
    write('tmp/other-creds.json');
    const found = await leaks({ GOOGLE_APPLICATION_CREDENTIALS: join(root, 'keys/sa.json') }, [
      join(root, 'tmp/other-creds.json'),
    ]);
    expect(found.map((leak) => leak.line)).toEqual(['keys/sa.json', 'tmp/other-creds.json']);
    write('.dockerignore', '/keys\ntmp/**\n');
    expect(
      await leaks({ GOOGLE_APPLICATION_CREDENTIALS: join(root, 'keys/sa.json') }, [
        join(root, 'tmp/other-creds.json'),
      ]),
    ).toEqual([]);
  });

  it('suggests a line that really excludes the file, escaping pattern characters', async () => {
    write('keys/we[i]rd*.json');
    write('#hash.json');
    const found = await leaks({}, [join(root, 'keys/we[i]rd*.json'), join(root, '#hash.json')]);
    expect(found.map((leak) => leak.line)).toEqual(['\\#hash.json', 'keys/we\\[i\\]rd\\*.json']);
    write('.dockerignore', `${found.map((leak) => leak.line).join('\n')}\n`);
    expect(await leaks({}, [join(root, 'keys/we[i]rd*.json'), join(root, '#hash.json')])).toEqual([]);
  });

  it('ignores credentials outside the context and paths that do not exist', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'image-hygiene-outside-'));
    writeFileSync(join(outside, 'gha-creds-1.json'), '{}');
    try {
      expect(
        await leaks({ GOOGLE_APPLICATION_CREDENTIALS: join(outside, 'gha-creds-1.json') }, [
          join(root, 'gone.json'),
        ]),
      ).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('reads <Dockerfile>.dockerignore in preference to the context one', async () => {
    write('gha-creds-1.json');
    write('.dockerignore', 'gha-creds-*.json\n');
    write('Dockerfile.dockerignore', '# nothing excluded\n');
    const found = await leaks();
    expect(found.map((leak) => leak.ignoreFile)).toEqual([join(root, 'Dockerfile.dockerignore')]);
  });

  it('reads state entries as a JSON list or a single path', () => {
    const state: Record<string, string> = {
      'credentials-files': '["/a.json","/b.json"]',
      'credentials-file': '/c.json',
    };
    expect(credentialPathsFromState((key) => state[key] ?? '')).toEqual(['/a.json', '/b.json', '/c.json']);
    expect(credentialPathsFromState(() => '')).toEqual([]);
  });
});
