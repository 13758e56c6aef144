/**
 * The build stage: a DAG of the user's shell tasks run with bounded concurrency, critical path
 * first, fail-fast by default. Required: a failed build stops the pipeline before an image.
 */
import { availableParallelism } from 'node:os';
import type { Stage } from '../stage.js';
import { executeBuild } from './execute.js';
import { type BuildPlan, planBuild } from './plan.js';

export interface BuildStageOptions {
  /** Task durations of an earlier run (e.g. from the baseline result), for ordering. */
  previousDurations?: Readonly<Record<string, number>>;
}

export function createBuildStage(options: BuildStageOptions = {}): Stage<BuildPlan> {
  return {
    name: 'build',
    policy: 'required',
    plan: ({ config, context }) =>
      planBuild(config.build, {
        workspace: context.workspace,
        cpuCount: availableParallelism(),
        ...(options.previousDurations ? { previousDurations: options.previousDurations } : {}),
      }),
    execute: executeBuild,
  };
}

export const buildStage: Stage<BuildPlan> = createBuildStage();

export { type BuildGraph, buildGraph } from './graph.js';
export { type BuildPlan, planBuild } from './plan.js';
export { durationsFromResult, readPreviousDurations } from './previous-durations.js';
export { BuildFailedError, runBuild } from './run-build.js';
