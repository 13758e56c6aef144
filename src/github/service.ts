/**
 * Builds the `github` stage service from the runner's environment, so the entry points wire it in
 * one line. No token or no repository: no service, and the report stage writes the summary only.
 * Whether a run may write is decided by the stage plan from the event payload, never from the
 * token's presence (SECURITY.md item 11).
 */
import type { Logger } from '../logger.js';
import type { GitHubApi } from './api.js';
import { createGitHubApi } from './client.js';

export function githubApiFromEnv(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  signal?: AbortSignal,
): GitHubApi | undefined {
  // The action input `github-token` (default: the job's GITHUB_TOKEN), else GITHUB_TOKEN for the CLI.
  const token = env['INPUT_GITHUB-TOKEN']?.trim() || env.GITHUB_TOKEN?.trim();
  const repository = env.GITHUB_REPOSITORY;
  if (!token || !repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) return undefined;
  logger.mask(token);
  return createGitHubApi({
    token,
    repository,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    logger,
    ...(signal ? { signal } : {}),
  });
}
