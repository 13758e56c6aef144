/** Where the workflows under test live, read once: the reusable workflows, CI, and the starter templates. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const workflowsDir = join(repoRoot, '.github/workflows');
export const templatesDir = join(repoRoot, 'workflows-templates');

export interface WorkflowFile {
  /** Path relative to the repository root, as shown in messages. */
  path: string;
  name: string;
  kind: 'reusable-or-ci' | 'template';
  source: string;
  doc: Record<string, unknown>;
}

function load(dir: string, kind: WorkflowFile['kind']): WorkflowFile[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => {
      const source = readFileSync(join(dir, name), 'utf8');
      const path = `${dir === workflowsDir ? '.github/workflows' : 'workflows-templates'}/${name}`;
      return { path, name, kind, source, doc: parse(source) as Record<string, unknown> };
    });
}

export const workflowFiles = load(workflowsDir, 'reusable-or-ci');
export const templateFiles = load(templatesDir, 'template');
export const allFiles = [...workflowFiles, ...templateFiles];

export function workflow(name: string): WorkflowFile {
  const file = workflowFiles.find((f) => f.name === name);
  if (!file) throw new Error(`.github/workflows/${name} is missing`);
  return file;
}
