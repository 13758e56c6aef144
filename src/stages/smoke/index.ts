/** The smoke stage: a load test against the configured or just-deployed URL. */
import type { Stage } from '../stage.js';
import { executeSmoke } from './execute.js';
import { planSmoke, type SmokePlan } from './plan.js';

export const smokeStage: Stage<SmokePlan> = {
  name: 'smoke',
  policy: 'required',
  plan: ({ config, context, result }) =>
    planSmoke({ smoke: config.smoke, result, workspace: context.workspace }),
  execute: async (plan, result, deps) => {
    await executeSmoke(plan, result, { logger: deps.logger, signal: deps.signal });
  },
};

export { assertThresholds, executeSmoke } from './execute.js';
export { planSmoke, type SmokePlan } from './plan.js';
