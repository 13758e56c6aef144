/** A stage whose implementation has not landed yet says so at run time; it never pretends. */
import type { StageName } from '../config/schema.js';
import type { Stage } from './stage.js';

export function notBuiltStage(name: StageName): Stage<never> {
  return {
    name,
    policy: 'optional',
    plan: () => ({
      run: false,
      reason: `the ${name} stage is not built yet in this version of orchestra-perf`,
    }),
    execute: async () => {
      throw new Error(`the ${name} stage is not built yet`);
    },
  };
}
