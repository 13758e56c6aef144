/** The build stage's execute: run the plan, record the `build` section, fail when tasks failed. */
import type { PerfResult } from '../../result.js';
import type { StageDeps } from '../stage.js';
import type { BuildPlan } from './plan.js';
import { runBuild } from './run-build.js';

export async function executeBuild(plan: BuildPlan, result: PerfResult, deps: StageDeps): Promise<void> {
  const run = await runBuild(plan, deps);
  // Written before throwing: a failed build's timings still belong in the report.
  result.build = run.build;
  if (run.error) throw run.error;
}
