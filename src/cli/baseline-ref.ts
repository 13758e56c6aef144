/**
 * `orchestra-perf run --baseline-ref REV`: the interleaved A/B comparison on a laptop. The base
 * commit is checked out into a temporary git worktree and its service started with the same
 * `deploy.command`, so the smoke stage measures the working tree and the base side by side in
 * one time window. Git and the service run with argument arrays; the revision is never parsed
 * by a shell.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessRunner } from '../adapters/process.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type LocalTarget, startLocalTarget } from '../stages/deploy/local-target.js';

export interface BaselineService {
  url: string;
  stop(): Promise<void>;
}

export async function startBaselineService(
  revision: string,
  config: Config,
  deps: { cwd: string; process: ProcessRunner; logger: Logger; env: NodeJS.ProcessEnv; signal: AbortSignal },
): Promise<BaselineService> {
  const command = config.deploy.command;
  if (!command) {
    throw new UsageError(
      '--baseline-ref needs deploy.command to start the base revision',
      'set deploy.command in the config',
    );
  }
  if (revision.startsWith('-')) throw new UsageError(`--baseline-ref "${revision}" is not a revision`);
  const git = (args: string[]) => deps.process.run(['git', ...args], { cwd: deps.cwd, timeoutMs: 60_000 });
  const resolved = await git(['rev-parse', '--verify', '--end-of-options', `${revision}^{commit}`]);
  if (resolved.exitCode !== 0) {
    throw new UsageError(
      `--baseline-ref "${revision}" is not a commit of this repository`,
      'name a branch, tag or commit, e.g. --baseline-ref main',
    );
  }
  const sha = resolved.stdout.trim();
  const top = (await git(['rev-parse', '--show-toplevel'])).stdout.trim();
  const prefix = (await git(['rev-parse', '--show-prefix'])).stdout.trim();
  const worktree = join(await mkdtemp(join(tmpdir(), 'orchestra-perf-base-')), 'tree');
  const added = await git(['worktree', 'add', '--detach', worktree, sha]);
  if (added.exitCode !== 0) {
    throw new UsageError(
      `cannot check out ${revision} into a worktree: ${added.stderr.trim()}`,
      'commit or stash, then retry',
    );
  }
  const removeWorktree = async () => {
    await deps.process.run(['git', 'worktree', 'remove', '--force', worktree], {
      cwd: top,
      timeoutMs: 60_000,
    });
    await rm(join(worktree, '..'), { recursive: true, force: true });
  };
  let target: LocalTarget;
  try {
    deps.logger.info(`baseline: ${revision} (${sha.slice(0, 12)}) checked out in ${worktree}`);
    target = await startLocalTarget(
      {
        target: 'local',
        image: undefined,
        command,
        port: undefined,
        readinessPath: config.deploy['readiness-path'],
        waitTimeoutMs: config.deploy['wait-timeout'],
        envVars: config.deploy['env-vars'],
        cwd: join(worktree, prefix),
      },
      { process: deps.process, logger: deps.logger, env: deps.env, signal: deps.signal },
    );
  } catch (error) {
    await removeWorktree();
    throw error;
  }
  return {
    url: target.url,
    async stop() {
      await target.stop();
      await removeWorktree();
    },
  };
}
