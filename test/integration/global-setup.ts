/**
 * Integration tests run the built bundles. Rebuild dist/ first when any source file is newer than
 * it, so a test never passes against stale bundles.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const bundles = ['dist/main/index.js', 'dist/post/index.js', 'dist/cli/index.js'];
  const oldestBundle = Math.min(...bundles.map((file) => (existsSync(file) ? statSync(file).mtimeMs : 0)));
  if (oldestBundle < Math.max(newestMtime('src'), statSync('package-lock.json').mtimeMs)) {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  }
}
