// Bundles the three entry points with @vercel/ncc into dist/ (committed; CI fails when stale).
// Each bundle gets a source map and a licenses file. Runs the bundles in parallel. Type checking
// is `npm run lint`'s job (tsc over the whole project), so ncc only transpiles.
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const entries = [
  ['src/main.ts', 'dist/main'],
  ['src/post.ts', 'dist/post'],
  ['src/cli.ts', 'dist/cli'],
];

// Each bundle is built beside its target and swapped in with a rename, so a test running the
// bundles meanwhile never sees a half-written dist/.
function ncc(entry, out) {
  const staging = `${out}.building-${process.pid}`;
  return new Promise((resolve, reject) => {
    rmSync(staging, { recursive: true, force: true });
    const child = spawn(
      process.execPath,
      [
        'node_modules/@vercel/ncc/dist/ncc/cli.js',
        'build',
        entry,
        '-o',
        staging,
        '--source-map',
        '--license',
        'licenses.txt',
        '--quiet',
        '--target',
        'es2023',
        '--transpile-only',
      ],
      { stdio: 'inherit' },
    );
    child.on('exit', (code) => {
      if (code !== 0) {
        rmSync(staging, { recursive: true, force: true });
        return reject(new Error(`ncc ${entry} exited ${code}`));
      }
      if (entry === 'src/cli.ts') markExecutable(`${staging}/index.js`);
      const old = `${out}.old-${process.pid}`;
      rmSync(old, { recursive: true, force: true });
      try {
        renameSync(out, old);
      } catch {
        // first build: nothing to move aside
      }
      renameSync(staging, out);
      rmSync(old, { recursive: true, force: true });
      resolve();
    });
  });
}

// The CLI is a bin: it starts with exactly one shebang and is executable.
function markExecutable(file) {
  const body = readFileSync(file, 'utf8').replace(/^#!.*\n/, '');
  writeFileSync(file, `#!/usr/bin/env node\n${body}`);
  chmodSync(file, 0o755);
}

await Promise.all(entries.map(([entry, out]) => ncc(entry, out)));
