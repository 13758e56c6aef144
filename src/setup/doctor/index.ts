/**
 * `orchestra-perf doctor`'s checks over a repository: workflows against the security policy, the
 * config against its schema, and Docker build contexts against credential leaks. Reads files only.
 */
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { checkConfig, configDeploysToGoogle } from './config.js';
import { checkDockerContexts, type DockerContext } from './dockerignore.js';
import type { DoctorReport } from './problem.js';
import { checkWorkflowFiles, listWorkflowFiles, WORKFLOWS_DIR } from './workflows.js';

export type { DoctorReport, Problem } from './problem.js';

export interface DoctorOptions {
  root: string;
  /** Config path relative to the root; default: the usual locations. */
  config?: string | undefined;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { root } = options;
  const config = await checkConfig(root, options.config);
  const workflows = await listWorkflowFiles(root);
  const problems = [...config.problems];
  if (workflows.length === 0) {
    problems.push({
      check: 'workflows',
      file: WORKFLOWS_DIR,
      message: 'no workflow files',
      fix: 'run `orchestra-perf init` to add the caller workflows',
    });
  }
  problems.push(
    ...(await checkWorkflowFiles(root, workflows, {
      actionDeploysByDefault: configDeploysToGoogle(config.config),
    })),
  );
  const contexts: DockerContext[] = [];
  const image = config.config?.image;
  if (image) {
    // Like the image stage (and `docker build`), the Dockerfile is relative to the context.
    const dockerfile = normalize(join(image.context, image.dockerfile));
    if (existsSync(join(root, dockerfile))) contexts.push({ context: image.context, dockerfile });
    else if (image.name) {
      problems.push({
        check: 'config',
        file: config.path ?? 'config',
        message: `image.dockerfile resolves to ${dockerfile}, which does not exist (it is relative to image.context)`,
        fix: 'write image.dockerfile relative to image.context, e.g. `dockerfile: Dockerfile`',
      });
    }
  }
  if (!contexts.some((c) => c.dockerfile === 'Dockerfile') && existsSync(join(root, 'Dockerfile'))) {
    contexts.push({ context: '.', dockerfile: 'Dockerfile' });
  }
  problems.push(...(await checkDockerContexts(root, contexts)));
  return {
    checked: [...(config.path ? [config.path] : []), ...workflows, ...contexts.map((c) => c.dockerfile)],
    problems,
  };
}
