import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';
import { buildStage } from '../../../src/stages/build/index.js';
import { planBuild } from '../../../src/stages/build/plan.js';

const buildConfig = (build: unknown) => configSchema.parse({ build }).build;

describe('planBuild', () => {
  it('skips with a reason when there are no tasks', () => {
    expect(planBuild(buildConfig({}), { workspace: '/w', cpuCount: 4 })).toEqual({
      run: false,
      reason: 'no build tasks configured (build.tasks is empty)',
    });
  });

  it('defaults concurrency to the CPU count, capped by the number of tasks', () => {
    const config = buildConfig({
      tasks: [
        { name: 'a', run: 'true' },
        { name: 'b', run: 'true', needs: ['a'], timeout: '2m' },
      ],
    });
    const plan = planBuild(config, { workspace: '/w', cpuCount: 8 });
    if (!plan.run) throw new Error('expected a plan');
    expect(plan.plan).toMatchObject({ concurrency: 2, failFast: true, workspace: '/w', killGraceMs: 5000 });
    expect(plan.summary).toEqual([
      '2 tasks, concurrency 2 (CPU count), fail-fast',
      'order: critical path first, by path length (no previous durations)',
      'timeouts: b 2m0s',
    ]);
  });

  it('takes concurrency, fail-fast and previous durations from its input', () => {
    const config = buildConfig({
      concurrency: 3,
      'fail-fast': false,
      tasks: [
        { name: 'a', run: 'x' },
        { name: 'b', run: 'y' },
        { name: 'c', run: 'z' },
        { name: 'd', run: 'w' },
      ],
    });
    const plan = planBuild(config, { workspace: '/w', cpuCount: 1, previousDurations: { a: 5 } });
    if (!plan.run) throw new Error('expected a plan');
    expect(plan.plan).toMatchObject({ concurrency: 3, failFast: false, previousDurations: { a: 5 } });
    expect(plan.summary[1]).toBe(
      "order: critical path first, from the previous run's durations (1 of 4 tasks known)",
    );
  });

  it('throws the graph ConfigError (exit 2) for a cycle', () => {
    const config = buildConfig({
      tasks: [
        { name: 'a', run: 'x', needs: ['b'] },
        { name: 'b', run: 'y', needs: ['a'] },
      ],
    });
    expect(() => planBuild(config, { workspace: '/w', cpuCount: 1 })).toThrow(ConfigError);
  });

  it('the stage is required and named build', () => {
    expect(buildStage.name).toBe('build');
    expect(buildStage.policy).toBe('required');
  });
});
