import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';
import type { PerfResult } from '../../../src/result.js';
import { planSmoke } from '../../../src/stages/smoke/plan.js';

const smokeOf = (smoke: Record<string, unknown>) => configSchema.parse({ smoke }).smoke;
const noResult = {} as PerfResult;
const deployed = (url: string, baselineUrl?: string) =>
  ({
    deploy: { target: 'cloud-run', url, revision: 'r1', readyMs: 1, ...(baselineUrl ? { baselineUrl } : {}) },
  }) as PerfResult;

describe('planSmoke', () => {
  it('skips with a reason when there is no URL', () => {
    const plan = planSmoke({ smoke: smokeOf({}), result: noResult, workspace: '/w' });
    expect(plan).toEqual({ run: false, reason: expect.stringMatching(/no URL to test/) });
  });

  it('takes the deployed URL and baseline when smoke.url is not set', () => {
    const plan = planSmoke({
      smoke: smokeOf({ rate: 50 }),
      result: deployed('https://pr-1---api.run.app', 'https://api.run.app'),
      workspace: '/w',
    });
    expect(plan.run && plan.plan.url).toBe('https://pr-1---api.run.app');
    expect(plan.run && plan.plan.baselineUrl).toBe('https://api.run.app');
  });

  it('prefers the configured URLs', () => {
    const plan = planSmoke({
      smoke: smokeOf({ url: 'http://127.0.0.1:1/', 'baseline-url': 'http://127.0.0.1:2/', connections: 4 }),
      result: noResult,
      workspace: '/w',
    });
    expect(plan.run).toBe(true);
    if (!plan.run) return;
    expect(plan.plan).toMatchObject({
      url: 'http://127.0.0.1:1/',
      baselineUrl: 'http://127.0.0.1:2/',
      model: 'closed',
      connections: 4,
      rate: undefined,
    });
  });

  it('allows pipelining only for the closed model against one target', () => {
    const closed = planSmoke({
      smoke: smokeOf({ url: 'http://127.0.0.1:1/', connections: 2, pipelining: 4 }),
      result: noResult,
      workspace: '/w',
    });
    expect(closed.run && closed.plan.pipelining).toBe(4);
    expect(() =>
      planSmoke({
        smoke: smokeOf({ url: 'http://127.0.0.1:1/', rate: 5, pipelining: 4 }),
        result: noResult,
        workspace: '/w',
      }),
    ).toThrow(/pipelining applies to the closed model/);
  });

  it('refuses a smoke.url outside the service just deployed', () => {
    expect(() =>
      planSmoke({
        smoke: smokeOf({ url: 'https://elsewhere.example' }),
        result: deployed('https://api.run.app'),
        workspace: '/w',
      }),
    ).toThrow(ConfigError);
  });

  it('builds the workload: weighted paths, body file from the workspace, thresholds, default rate', () => {
    const plan = planSmoke({
      smoke: smokeOf({
        url: 'http://127.0.0.1:9/',
        paths: ['/health', { path: '/api/items', weight: 3, method: 'POST' }],
        'body-file': 'fixtures/body.json',
        thresholds: ['p95<300ms'],
        duration: '5s',
        warmup: '1s',
      }),
      result: noResult,
      workspace: '/w',
    });
    expect(plan.run).toBe(true);
    if (!plan.run) return;
    expect(plan.plan).toMatchObject({
      model: 'open',
      rate: 10,
      durationMs: 5000,
      warmupMs: 1000,
      bodyFile: '/w/fixtures/body.json',
      paths: [
        { path: '/health', weight: 1 },
        { path: '/api/items', weight: 3, method: 'POST' },
      ],
    });
    expect(plan.plan.thresholds.map((t) => t.expr)).toEqual(['p95<300ms']);
    expect(plan.summary.join('\n')).toMatch(/default; set smoke.rate/);
  });
});
