/**
 * Refuses a build whose context would carry a credentials file into the image or the builder:
 * the key file that google-github-actions/auth writes (`gha-creds-*.json`), the one named by
 * GOOGLE_APPLICATION_CREDENTIALS, or any path another stage recorded in state. Such a file is
 * fine inside the context only when `.dockerignore` leaves it out.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import { isIgnored, literalPattern, parseDockerignore } from './dockerignore.js';

/** State keys where stages that write credentials files list them (a JSON array, or one path). */
export const CREDENTIALS_STATE_KEYS = ['credentials-files', 'credentials-file'] as const;
/** Environment variables that name a credentials file. */
export const CREDENTIALS_ENV_VARS = [
  'GOOGLE_APPLICATION_CREDENTIALS',
  'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
  'GOOGLE_GHA_CREDS_PATH',
] as const;

const GHA_CREDS = /^gha-creds-[^/]*\.json$/;
/** Bounds the walk so a huge context cannot stall the stage. */
const MAX_ENTRIES = 200_000;

export interface CredentialSources {
  env: NodeJS.ProcessEnv;
  /** Paths other stages recorded (state) plus our own secret files, e.g. a private Docker config. */
  knownPaths: string[];
}

export interface ContextLeak {
  /** Path relative to the context, slash-separated. */
  relativePath: string;
  /** The line to add to the ignore file. */
  line: string;
  ignoreFile: string;
}

/** Paths recorded in state under CREDENTIALS_STATE_KEYS. */
export function credentialPathsFromState(get: (key: string) => string): string[] {
  const paths: string[] = [];
  for (const key of CREDENTIALS_STATE_KEYS) {
    const value = get(key).trim();
    if (!value) continue;
    if (value.startsWith('[')) {
      try {
        const list: unknown = JSON.parse(value);
        if (Array.isArray(list))
          paths.push(...list.filter((item): item is string => typeof item === 'string'));
      } catch {
        // not a list: ignore rather than guess
      }
    } else {
      paths.push(value);
    }
  }
  return paths;
}

/** The ignore file BuildKit reads: `<Dockerfile>.dockerignore` beside the Dockerfile wins over `<context>/.dockerignore`. */
export function ignoreFileFor(contextDir: string, dockerfile: string): string {
  const specific = `${dockerfile}.dockerignore`;
  return existsSync(specific) ? specific : join(contextDir, '.dockerignore');
}

export async function findContextLeaks(
  contextDir: string,
  dockerfile: string,
  sources: CredentialSources,
): Promise<ContextLeak[]> {
  const ignoreFile = ignoreFileFor(contextDir, dockerfile);
  const rules = parseDockerignore(await readFile(ignoreFile, 'utf8').catch(() => ''));
  const candidates = new Set<string>();
  for (const name of CREDENTIALS_ENV_VARS) {
    const value = sources.env[name];
    if (value) candidates.add(resolve(value));
  }
  for (const path of sources.knownPaths) if (path) candidates.add(resolve(path));
  for (const path of await findGhaCreds(contextDir)) candidates.add(path);

  const leaks: ContextLeak[] = [];
  for (const absolute of candidates) {
    const rel = relative(contextDir, absolute);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue; // outside the context
    if (!existsSync(absolute)) continue;
    const relativePath = rel.split(sep).join('/');
    if (isIgnored(rules, relativePath)) continue;
    const base = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    const line = GHA_CREDS.test(base)
      ? relativePath.includes('/')
        ? '**/gha-creds-*.json'
        : 'gha-creds-*.json'
      : literalPattern(relativePath);
    leaks.push({ relativePath, line, ignoreFile });
  }
  return leaks.sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}

export function leakError(contextDir: string, leaks: readonly ContextLeak[]): UsageError {
  const lines = [...new Set(leaks.map((leak) => leak.line))];
  const ignoreFile = leaks[0]?.ignoreFile ?? join(contextDir, '.dockerignore');
  return new UsageError(
    `refusing to build: credentials file${leaks.length > 1 ? 's' : ''} ${leaks.map((leak) => leak.relativePath).join(', ')} inside the build context ${contextDir} would be sent to the builder`,
    `add ${lines.length > 1 ? 'these lines' : 'the line'} ${lines.map((line) => `"${line}"`).join(', ')} at the end of ${ignoreFile} (or move the credentials outside the context, e.g. under RUNNER_TEMP)`,
  );
}

async function findGhaCreds(root: string): Promise<string[]> {
  const found: string[] = [];
  const queue = [root];
  let seen = 0;
  while (queue.length > 0 && seen < MAX_ENTRIES) {
    const dir = queue.shift()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      seen++;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') queue.push(path);
      } else if (GHA_CREDS.test(entry.name) && (entry.isFile() || (await lstat(path)).isSymbolicLink())) {
        found.push(path);
      }
    }
  }
  return found;
}
