/**
 * Keeps the .dockerignore matcher honest: BuildKit itself decides which files of a context reach a
 * `COPY . /` (exported with `--output type=local`), and the matcher must predict exactly that set.
 * FROM scratch and no push: each build is a fraction of a second.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isIgnored, parseDockerignore } from '../../../src/stages/image/dockerignore.js';
import { describeDocker } from '../../helpers/docker.js';

const FILES = [
  'gha-creds-1a.json',
  'a/gha-creds-2b.json',
  'a/b/gha-creds-3c.json',
  'a/b/x.txt',
  'a/deep/k.json',
  'b/deep/k.json',
  'keep/y.json',
  'notes.md',
  'docs/guide.md',
  'secrets/key.json',
  'secrets/public.txt',
  'src/app.js',
  'src/app.test.js',
  'src/lib/util.test.js',
  'x.txt',
  'xy.txt',
  'file[1].txt',
  '#x.json',
  '#y.json',
  'we[i]rd*.json',
];

const VARIANTS = [
  '**/gha-creds-*.json\n!a/gha-creds-2b.json\n*.md\n',
  '# root only\n/gha-creds-*.json\nsecrets\n!secrets/public.txt\n*/deep/*.json\n  #x.json\n',
  '*\n!src\nsrc/**/*.test.js\n!a\n?.txt\n',
  'a/**/*.json\ndocs/\n!**/k.json\nfile\\[1\\].txt\n\\#y.json\nwe\\[i\\]rd\\*.json\n',
];

let root: string;

function walk(base: string, dir = base): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(base, join(dir, entry.name)) : [relative(base, join(dir, entry.name))],
  );
}

describeDocker('.dockerignore matcher agrees with BuildKit', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'image-dockerignore-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(VARIANTS.map((text, index) => [index, text] as const))('variant %i', (index, text) => {
    const context = join(root, `ctx-${index}`);
    for (const file of FILES) {
      mkdirSync(dirname(join(context, file)), { recursive: true });
      writeFileSync(join(context, file), file);
    }
    writeFileSync(join(context, '.dockerignore'), text);
    // The Dockerfile lives outside the context so it is not one of the compared files.
    const dockerfile = join(root, `Dockerfile-${index}`);
    writeFileSync(dockerfile, 'FROM scratch\nCOPY . /\n');
    const out = join(root, `out-${index}`);
    execFileSync(
      'docker',
      [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        dockerfile,
        '--output',
        `type=local,dest=${out}`,
        context,
      ],
      {
        stdio: 'pipe',
        timeout: 60_000,
      },
    );
    const copied = walk(out).sort();
    const rules = parseDockerignore(text);
    const predicted = [...FILES, '.dockerignore'].filter((file) => !isIgnored(rules, file)).sort();
    expect(predicted).toEqual(copied);
  });
});
