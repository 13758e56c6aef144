/**
 * Where the action's own files live when the CLI runs (the bundle at dist/cli/index.js and the
 * sources at src/setup/ are both two folders below the root), and which commit it is at.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowTemplate } from './init-plan.js';

export const ACTION_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function readWorkflowTemplates(root = ACTION_ROOT): WorkflowTemplate[] {
  const directory = join(root, 'workflows-templates');
  return readdirSync(directory)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ name, content: readFileSync(join(directory, name), 'utf8') }));
}

/** The commit of the action checkout the CLI runs from, when it is a git checkout. */
export function actionCommit(root = ACTION_ROOT): string | undefined {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    })
      .toString()
      .trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}
