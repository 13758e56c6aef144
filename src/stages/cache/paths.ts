/** `~/x` and relative cache paths made absolute, the way @actions/glob reads them. */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export function expandPath(path: string, cwd: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(cwd, path);
}
