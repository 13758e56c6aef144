/**
 * The action's post step. Runs even after main failed or was cancelled: every stage's post hook
 * (save caches, remove credential files, docker logout) runs, and one failing does not stop the
 * others. It never fails the job: a broken cleanup is a warning.
 */
import { runPostHooks } from '../pipeline.js';
import type { BaseServices, StageDeps } from '../stages/stage.js';
import type { MainDeps } from './run-main.js';

export async function runPost(deps: MainDeps): Promise<number> {
  const base: BaseServices = {
    outputs: { set: () => {} },
    writeSummary: (markdown: string) => deps.io.appendSummary(markdown),
  };
  const stageDeps: StageDeps = {
    logger: deps.logger,
    process: deps.process,
    clock: deps.clock,
    state: deps.io,
    signal: deps.signal,
    env: deps.env,
    services: { ...base, ...deps.services() },
  };
  const problems = await runPostHooks(deps.stages, stageDeps);
  if (problems.length === 0) deps.logger.info('post: cleanup complete');
  return 0;
}
