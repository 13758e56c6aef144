/** The smoke stage as the pipeline runs it: plan from config + deploy result, execute, gate. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { GateError } from '../../../src/errors.js';
import { NullLogger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';
import type { RunContext } from '../../../src/run-context.js';
import { smokeStage } from '../../../src/stages/smoke/index.js';
import type { StageDeps } from '../../../src/stages/stage.js';
import { startHttpTarget } from '../../fakes/http-target/server.js';

const context = { workspace: process.cwd() } as RunContext;
const deps = { logger: new NullLogger(), signal: new AbortController().signal } as unknown as StageDeps;

describe('smokeStage', () => {
  it('tests the deployed URL, writes result.smoke, and fails the gate after writing', async () => {
    const target = await startHttpTarget();
    try {
      const config = configSchema.parse({
        smoke: {
          rate: 40,
          duration: '500ms',
          warmup: '0s',
          paths: ['/ok'],
          thresholds: ['p99<10s', 'rps>=1000000'],
        },
      });
      const result = {
        schemaVersion: 1,
        deploy: { target: 'local', url: target.url, revision: 'r1', readyMs: 1 },
      } as PerfResult;
      expect(smokeStage.name).toBe('smoke');
      expect(smokeStage.policy).toBe('required');
      const planned = smokeStage.plan({ config, context, result });
      expect(planned.run).toBe(true);
      if (!planned.run) return;
      const error = await smokeStage.execute(planned.plan, result, deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GateError);
      expect((error as GateError).exitCode).toBe(1);
      expect((error as GateError).message).toMatch(/rps>=1000000/);
      expect(result.smoke?.requests).toBe(20);
      expect(result.smoke?.url).toBe(`${target.url}/`);
      expect(result.smoke?.thresholds.map((t) => t.pass)).toEqual([true, false]);
    } finally {
      await target.stop();
    }
  });

  it('skips with a reason when nothing says where to send load', () => {
    const planned = smokeStage.plan({
      config: configSchema.parse({}),
      context,
      result: { schemaVersion: 1 } as PerfResult,
    });
    expect(planned).toEqual({ run: false, reason: expect.stringMatching(/no URL/) });
  });
});
