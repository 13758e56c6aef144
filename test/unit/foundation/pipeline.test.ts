import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { localRunContext } from '../../../src/adapters/local-context.js';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { resolveConfig } from '../../../src/config/load.js';
import type { StageName } from '../../../src/config/schema.js';
import { GateError, UnreachableError, UsageError } from '../../../src/errors.js';
import { NullLogger } from '../../../src/logger.js';
import { parseStageSelection, runPipeline, runPostHooks } from '../../../src/pipeline.js';
import type { Stage, StageDeps } from '../../../src/stages/stage.js';

type Behaviour = 'ok' | 'skip' | 'fail' | 'gate' | 'unreachable' | 'usage';

function fakeStage(
  name: StageName,
  behaviour: Behaviour,
  log: string[],
  policy: 'required' | 'optional' = 'required',
): Stage<string> {
  return {
    name,
    policy,
    plan: () =>
      behaviour === 'skip'
        ? { run: false, reason: `${name} has nothing to do` }
        : { run: true, plan: name, summary: [`${name} plan`] },
    async execute(plan, result) {
      log.push(`execute ${plan}`);
      if (name === 'smoke') result.smoke = { url: 'http://127.0.0.1:1/' } as never;
      if (behaviour === 'fail') throw new Error(`${name} broke`);
      if (behaviour === 'usage') throw new UsageError('cache key is 513 characters; the service allows 512');
      if (behaviour === 'gate') throw new GateError('p95<300ms failed: 412 ms');
      if (behaviour === 'unreachable')
        throw new UnreachableError('http://127.0.0.1:1/ refused the connection');
    },
    async onDownstreamFailure(failed) {
      log.push(`${name} reacts to ${failed}`);
    },
    async post() {
      log.push(`post ${name}`);
      if (behaviour === 'fail') throw new Error('post broke');
    },
  };
}

const deps = (): StageDeps => ({
  logger: new NullLogger(),
  process: nodeProcessRunner,
  clock: systemClock,
  state: { save: () => {}, get: () => '' },
  signal: new AbortController().signal,
  env: {},
  services: { outputs: { set: () => {} }, writeSummary: async () => {} },
});

async function run(
  behaviours: Partial<Record<StageName, Behaviour>>,
  optional: StageName[] = [],
  selected = 'all',
) {
  const log: string[] = [];
  const names: StageName[] = ['cache', 'build', 'image', 'deploy', 'smoke', 'report'];
  const stages = names.map((name) =>
    fakeStage(name, behaviours[name] ?? 'ok', log, optional.includes(name) ? 'optional' : 'required'),
  );
  const selection = parseStageSelection(selected);
  if ('error' in selection) throw new Error(selection.error);
  const outcome = await runPipeline(
    {
      config: resolveConfig({}),
      context: localRunContext(process.cwd(), 'test'),
      selected: selection,
      stages: stages as Stage<unknown>[],
    },
    deps(),
  );
  return {
    outcome,
    log,
    status: Object.fromEntries(outcome.stages.map((stage) => [stage.stage, stage.status])),
  };
}

describe('runPipeline', () => {
  it('runs every stage in order when all succeed', async () => {
    const { outcome, log } = await run({});
    expect(outcome.exitCode).toBe(0);
    expect(log).toEqual([
      'execute cache',
      'execute build',
      'execute image',
      'execute deploy',
      'execute smoke',
      'execute report',
    ]);
  });

  it('states why a stage was skipped', async () => {
    const { outcome } = await run({ image: 'skip' }, [], 'build,image');
    expect(outcome.stages.find((stage) => stage.stage === 'image')?.reason).toBe('image has nothing to do');
    expect(outcome.stages.find((stage) => stage.stage === 'smoke')?.reason).toBe(
      'not selected by the stages input',
    );
  });

  it('turns an optional stage failure into a warning and goes on', async () => {
    const { outcome, status } = await run({ cache: 'fail' }, ['cache']);
    expect(outcome.exitCode).toBe(0);
    expect(status).toMatchObject({ cache: 'warning', build: 'success', report: 'success' });
  });

  it("fails an optional stage on a usage error: a bad key is the user's to fix, not an outage", async () => {
    const { outcome, status } = await run({ cache: 'usage' }, ['cache']);
    expect(outcome.exitCode).toBe(2);
    expect(status).toMatchObject({ cache: 'failed', build: 'skipped' });
  });

  it('stops after a required failure, keeps the report when there is something to report, and rolls back', async () => {
    const { outcome, status, log } = await run({ smoke: 'unreachable' });
    expect(outcome.exitCode).toBe(3);
    expect(status).toMatchObject({ deploy: 'success', smoke: 'failed', report: 'success' });
    expect(log).toContain('deploy reacts to smoke');
    expect(outcome.error?.message).toMatch(/^smoke stage failed: .*refused/);
  });

  it('skips the stages after a failure when there is nothing to report', async () => {
    const { outcome, status } = await run({ build: 'fail' });
    expect(outcome.exitCode).toBe(1);
    expect(status).toMatchObject({ build: 'failed', image: 'skipped', deploy: 'skipped', report: 'skipped' });
    expect(outcome.stages.find((stage) => stage.stage === 'image')?.reason).toBe(
      'not run because the build stage failed',
    );
  });

  it('lets the report run after a threshold gate fails, then exits 1', async () => {
    const { outcome, status } = await run({ smoke: 'gate' });
    expect(outcome.exitCode).toBe(1);
    expect(status).toMatchObject({ smoke: 'failed', report: 'success' });
  });

  it('runs every post hook even when one fails', async () => {
    const log: string[] = [];
    const problems = await runPostHooks(
      [fakeStage('cache', 'fail', log), fakeStage('image', 'ok', log)] as Stage<unknown>[],
      deps(),
    );
    expect(log).toEqual(['post cache', 'post image']);
    expect(problems).toEqual(['cache post step: post broke']);
  });
});

describe('onDownstreamSuccess (canary gating)', () => {
  it('lets an earlier stage repeat a later stage, and fails the run when it throws', async () => {
    const calls: string[] = [];
    let smokeRuns = 0;
    const smoke: Stage<string> = {
      name: 'smoke',
      policy: 'required',
      plan: () => ({ run: true, plan: 'smoke', summary: [] }),
      async execute() {
        smokeRuns++;
        if (smokeRuns === 3) throw new GateError('p95<300ms failed at 50%');
      },
    };
    const deploy: Stage<string> = {
      name: 'deploy',
      policy: 'required',
      plan: () => ({ run: true, plan: 'deploy', summary: [] }),
      async execute() {},
      async onDownstreamSuccess(succeeded, _result, _deps, repeat) {
        calls.push(succeeded);
        for (const step of [10, 50]) {
          try {
            await repeat();
          } catch {
            throw new GateError(`canary failed at ${step}%; rolled back`);
          }
        }
      },
    };
    const outcome = await runPipeline(
      {
        config: resolveConfig({}),
        context: localRunContext(process.cwd(), 'test'),
        selected: new Set(['deploy', 'smoke']),
        stages: [deploy, smoke] as Stage<unknown>[],
      },
      deps(),
    );
    expect(calls).toEqual(['smoke']);
    expect(smokeRuns).toBe(3);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stages.find((stage) => stage.stage === 'deploy')).toMatchObject({
      status: 'failed',
      reason: 'canary failed at 50%; rolled back',
    });
  });
});

describe('parseStageSelection', () => {
  it('accepts all, lists with commas or spaces, and rejects unknown names', () => {
    expect([...(parseStageSelection('all') as Set<string>)]).toHaveLength(6);
    expect([...(parseStageSelection('build, smoke') as Set<string>)]).toEqual(['build', 'smoke']);
    expect(parseStageSelection('build,deplyo')).toEqual({
      error: expect.stringMatching(/unknown stage deplyo/),
    });
  });
});
