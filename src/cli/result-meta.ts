/** The `meta` of result files the single-stage commands (`build`, `smoke`) write. */
import { localRunContext } from '../adapters/local-context.js';
import { resultMeta } from '../pipeline.js';
import type { ResultMeta } from '../result.js';
import type { CliIO } from './command.js';

/** Commit and ref from the runner when there is one (GITHUB_SHA/REF), else from git. */
export function cliResultMeta(
  io: Pick<CliIO, 'cwd' | 'env'>,
  environment: string,
  startedAt: string,
): ResultMeta {
  const context = localRunContext(io.cwd, environment);
  return {
    ...resultMeta({
      ...context,
      sha: io.env.GITHUB_SHA || context.sha,
      ref: io.env.GITHUB_REF || context.ref,
    }),
    startedAt,
  };
}
