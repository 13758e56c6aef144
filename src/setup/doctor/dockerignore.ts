/**
 * Doctor check: a Dockerfile that copies its whole build context (`COPY . .`) also copies the
 * credentials file that google-github-actions/auth writes into the workspace (`gha-creds-*.json`)
 * unless `.dockerignore` excludes it; an image must never carry a credential.
 */
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { Problem } from './problem.js';

/** A name google-github-actions/auth gives its credentials file (random hex suffix). */
export const CREDENTIALS_SAMPLE = 'gha-creds-3f9a1c0b2d4e5f60.json';

/** `COPY . <dest>` or `ADD ./ <dest>`, flags allowed: the source is the whole context. */
const COPIES_CONTEXT = /^\s*(COPY|ADD)\s+(?:--\S+\s+)*\.\/?\s+\S+/im;

export function copiesWholeContext(dockerfile: string): boolean {
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  return joined.split(/\r?\n/).some((line) => COPIES_CONTEXT.test(line));
}

/** `.dockerignore` semantics for a top-level file: globs, `**`, and `!` re-inclusion, last match wins. */
export function dockerignoreExcludes(dockerignore: string, file: string): boolean {
  let excluded = false;
  for (const raw of dockerignore.split(/\r?\n/)) {
    let pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#')) continue;
    const negate = pattern.startsWith('!');
    if (negate) pattern = pattern.slice(1).trim();
    pattern = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
    if (globToRegExp(pattern).test(file)) excluded = !negate;
  }
  return excluded;
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export interface DockerContext {
  /** Build context directory, relative to the root. */
  context: string;
  /** Dockerfile path, relative to the root. */
  dockerfile: string;
}

export async function checkDockerContexts(root: string, contexts: DockerContext[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const { context, dockerfile } of contexts) {
    const text = await readFile(join(root, dockerfile), 'utf8').catch(() => undefined);
    if (text === undefined || !copiesWholeContext(text)) continue;
    const ignorePath = normalize(join(context, '.dockerignore'));
    const ignore = (await readFile(join(root, ignorePath), 'utf8').catch(() => '')) ?? '';
    if (dockerignoreExcludes(ignore, CREDENTIALS_SAMPLE)) continue;
    problems.push({
      check: 'dockerignore',
      file: dockerfile,
      message: `copies the whole build context, and ${ignorePath} does not exclude the credentials file google-github-actions/auth writes (gha-creds-*.json)`,
      fix: `add \`gha-creds-*.json\` to ${ignorePath} (or copy only what the image needs)`,
    });
  }
  return problems;
}
