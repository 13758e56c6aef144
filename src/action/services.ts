/**
 * Builds the service adapters the stages need in a real run (GitHub API, cache backend, Google
 * credentials). Stages that find a service missing skip or fail with a reason.
 */
import { githubApiFromEnv } from '../github/service.js';
import type { Logger } from '../logger.js';
import type { StageServices } from '../stages/stage.js';

export function productionServices(logger: Logger, env: NodeJS.ProcessEnv): Partial<StageServices> {
  const github = githubApiFromEnv(env, logger);
  return github ? { github } : {};
}
