/**
 * Detects what `init` needs to know about a repository: language, package manager, Dockerfiles
 * (one per service; a monorepo has several) and the build commands its manifests declare.
 * Reads files only; runs nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

export type Language = 'node' | 'python' | 'go' | 'rust' | 'unknown';

export interface DetectedTask {
  name: string;
  run: string;
  needs?: string[];
  'working-directory'?: string;
}

export interface DetectedService {
  /** Service name derived from the folder (Cloud Run rules applied). */
  name: string;
  /** Folder relative to the repository root ('.' for the root). */
  directory: string;
  dockerfile: string | undefined;
  language: Language;
  packageManager: string | undefined;
  tasks: DetectedTask[];
}

export interface Detection {
  services: DetectedService[];
  monorepo: boolean;
}

const SKIP = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'target',
  'vendor',
  '.venv',
  'venv',
  '__pycache__',
]);

export function detectRepository(root: string): Detection {
  const dockerfiles = findDockerfiles(root, 3);
  const directories = dockerfiles.length > 0 ? [...new Set(dockerfiles.map((file) => dirname(file)))] : ['.'];
  const services = directories.map((directory) => {
    const dockerfile = dockerfiles.find((file) => dirname(file) === directory);
    return detectService(root, directory, dockerfile, directories.length > 1);
  });
  return { services, monorepo: services.length > 1 };
}

function findDockerfiles(root: string, depth: number, directory = '.'): string[] {
  const found: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, directory), { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (entry.isFile() && entry.name === 'Dockerfile') found.push(join(directory, entry.name));
  }
  if (depth > 0) {
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIP.has(entry.name) && !entry.name.startsWith('.')) {
        found.push(...findDockerfiles(root, depth - 1, join(directory, entry.name)));
      }
    }
  }
  return found.sort();
}

function detectService(
  root: string,
  directory: string,
  dockerfile: string | undefined,
  inMonorepo: boolean,
): DetectedService {
  const dir = join(root, directory);
  const has = (file: string) => existsSync(join(dir, file));
  const folderName = directory === '.' ? basename(root) : basename(directory);
  const workingDirectory = directory === '.' ? undefined : directory;
  const withDir = (task: DetectedTask): DetectedTask =>
    workingDirectory ? { ...task, 'working-directory': workingDirectory } : task;
  const prefix = inMonorepo ? `${serviceName(folderName)}-` : '';
  let language: Language = 'unknown';
  let packageManager: string | undefined;
  let tasks: DetectedTask[] = [];

  if (has('package.json')) {
    language = 'node';
    packageManager = has('pnpm-lock.yaml')
      ? 'pnpm'
      : has('yarn.lock')
        ? 'yarn'
        : has('bun.lockb') || has('bun.lock')
          ? 'bun'
          : 'npm';
    const scripts = readScripts(join(dir, 'package.json'));
    const install = {
      npm: has('package-lock.json') ? 'npm ci' : 'npm install',
      pnpm: 'pnpm install --frozen-lockfile',
      yarn: 'yarn install --immutable',
      bun: 'bun install --frozen-lockfile',
    }[packageManager]!;
    const runner = packageManager === 'npm' ? 'npm run' : `${packageManager} run`;
    tasks = [{ name: 'install', run: install }];
    for (const script of ['lint', 'typecheck', 'test', 'build']) {
      if (scripts.includes(script))
        tasks.push({ name: script, run: `${runner} ${script}`, needs: ['install'] });
    }
  } else if (has('pyproject.toml') || has('requirements.txt')) {
    language = 'python';
    packageManager = has('uv.lock') ? 'uv' : has('poetry.lock') ? 'poetry' : 'pip';
    const pyproject = has('pyproject.toml') ? readFileSync(join(dir, 'pyproject.toml'), 'utf8') : '';
    const usesPytest = /pytest/.test(pyproject) || has('tests') || has('pytest.ini');
    const usesRuff = /ruff/.test(pyproject);
    const run = { uv: 'uv run', poetry: 'poetry run', pip: 'python -m' }[packageManager]!;
    const install = {
      uv: 'uv sync --frozen',
      poetry: 'poetry install --no-interaction',
      pip: 'pip install -r requirements.txt',
    }[packageManager]!;
    tasks = [{ name: 'install', run: install }];
    if (usesRuff) tasks.push({ name: 'lint', run: `${run} ruff check .`, needs: ['install'] });
    if (usesPytest) tasks.push({ name: 'test', run: `${run} pytest`, needs: ['install'] });
  } else if (has('go.mod')) {
    language = 'go';
    packageManager = 'go';
    tasks = [
      { name: 'vet', run: 'go vet ./...' },
      { name: 'test', run: 'go test ./...' },
      { name: 'build', run: 'go build ./...' },
    ];
  } else if (has('Cargo.toml')) {
    language = 'rust';
    packageManager = 'cargo';
    tasks = [
      { name: 'clippy', run: 'cargo clippy --locked -- -D warnings' },
      { name: 'test', run: 'cargo test --locked' },
    ];
  }
  return {
    name: serviceName(folderName),
    directory,
    dockerfile: dockerfile ? relative('.', dockerfile) : undefined,
    language,
    packageManager,
    tasks: tasks.map((task) =>
      withDir({
        ...task,
        name: `${prefix}${task.name}`,
        ...(task.needs ? { needs: task.needs.map((need) => `${prefix}${need}`) } : {}),
      }),
    ),
  };
}

function readScripts(path: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { scripts?: Record<string, string> };
    return Object.keys(manifest.scripts ?? {});
  } catch {
    return [];
  }
}

/** A folder name made into a valid Cloud Run service name. */
export function serviceName(folder: string): string {
  const cleaned = folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 49)
    .replace(/-+$/, '');
  return cleaned || 'api';
}
