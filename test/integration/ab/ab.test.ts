/**
 * Interleaved A/B smoke end to end (issue 10), against real HTTP servers on 127.0.0.1: the built
 * CLI (`smoke --baseline-url ... --out`, then `compare --current`) for the verdicts and the JSON
 * contract, the load generator for a target dying mid-run, and the smoke and report stages for a
 * baseline that never answers. Latency figures are only compared between the two sides of one
 * run (the paired design), never against wall-clock limits.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { LocalHistory } from '../../../src/adapters/local-history.js';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { compareCommand } from '../../../src/cli/commands/compare.js';
import { configSchema } from '../../../src/config/schema.js';
import { githubRunContext } from '../../../src/github/context.js';
import { runLoadTest } from '../../../src/loadgen/index.js';
import { type Logger, NullLogger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';
import { reportStage } from '../../../src/stages/report/index.js';
import { compareAndRender } from '../../../src/stages/report/publish.js';
import { executeSmoke } from '../../../src/stages/smoke/execute.js';
import { planSmoke } from '../../../src/stages/smoke/plan.js';
import type { StageDeps } from '../../../src/stages/stage.js';
import { decodeHistogram } from '../../../src/stats/hdr.js';
import { type HttpTarget, startHttpTarget } from '../../fakes/http-target/server.js';
import { perfResult, smokeSide } from '../../helpers/perf-results.js';
import { freePort } from '../../helpers/ports.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';

const CLI = resolve('dist/cli/index.js');
let dir: string;
const targets: HttpTarget[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchestra-ab-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(targets.splice(0).map((target) => target.stop()));
});

async function target(latencyMs: number): Promise<HttpTarget> {
  const started = await startHttpTarget({ latencyMs });
  targets.push(started);
  return started;
}

/** The built CLI in its own process, as a user runs it. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, timeout: 60_000, env: { PATH: process.env.PATH } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

interface CompareJson {
  verdict: string;
  basis: string;
  metrics: {
    name: string;
    baseline: number | null;
    current: number | null;
    change: number | null;
    verdict: string;
    source: string;
  }[];
}

/** 250 req/s to each side for 3 s: 750 requests a side, enough beyond p95 for it to be judged. */
async function pairedRun(pr: HttpTarget, base: HttpTarget, out: string): Promise<CompareJson> {
  const smoke = await cli([
    'smoke',
    '--url',
    pr.url,
    '--baseline-url',
    base.url,
    '--rate',
    '250',
    '--duration',
    '3s',
    '--warmup',
    '500ms',
    '--out',
    out,
  ]);
  expect(smoke.stderr).not.toMatch(/not reachable/);
  expect(smoke.code).toBe(0);
  const compared = await cli(['compare', '--current', out, '--format', 'json']);
  expect(compared.code).toBe(0);
  return JSON.parse(compared.stdout) as CompareJson;
}

function metric(json: CompareJson, name: string) {
  const found = json.metrics.find((m) => m.name === name);
  if (!found) throw new Error(`no ${name} in ${JSON.stringify(json.metrics.map((m) => m.name))}`);
  return found;
}

describe('interleaved A/B through the CLI', () => {
  it('equal targets: the paired verdict is unchanged, in the documented JSON shape', async () => {
    const json = await pairedRun(await target(20), await target(20), 'equal.json');
    const file = JSON.parse(await readFile(join(dir, 'equal.json'), 'utf8')) as PerfResult;
    // 250 req/s for 3 s to each side (the warmup boundary may let one more in).
    for (const side of [file.smoke!, file.smoke!.baseline!]) {
      expect(side.requests).toBeGreaterThanOrEqual(749);
      expect(side.requests).toBeLessThanOrEqual(751);
    }

    expect(json.basis).toBe('paired');
    expect(json.verdict).toBe('unchanged');
    for (const m of json.metrics) {
      expect(Object.keys(m).slice(0, 5)).toEqual(['name', 'baseline', 'current', 'change', 'verdict']);
      expect(m.verdict).not.toBe('regression');
    }
    for (const name of ['p50', 'p95']) {
      const m = metric(json, name);
      expect(m.source).toBe('paired');
      expect(m.baseline).toBe(
        name === 'p50' ? file.smoke!.baseline!.latencyMs.p50 : file.smoke!.baseline!.latencyMs.p95,
      );
      expect(m.current).toBe(name === 'p50' ? file.smoke!.latencyMs.p50 : file.smoke!.latencyMs.p95);
      expect(typeof m.change).toBe('number');
    }
  });

  it('a PR target 20% slower (24 ms vs 20 ms) is a regression on p50 and p95', async () => {
    const json = await pairedRun(await target(24), await target(20), 'slower.json');
    expect(json.basis).toBe('paired');
    expect(json.verdict).toBe('regression');
    for (const name of ['p50', 'p95']) {
      const m = metric(json, name);
      expect(m.source).toBe('paired');
      expect(m.verdict).toBe('regression');
      expect(m.change).toBeGreaterThan(0.1);
    }
    // The gate on the same file: exit 1 with the regressed metrics named.
    const gated = await cli(['compare', '--current', 'slower.json', '--fail-on-regression']);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/performance regression: .*p50/);
  });
});

describe('a target dying mid-run', () => {
  it('is reported on its own side; the other side keeps every request and its own numbers', async () => {
    const pr = await target(5);
    const base = await target(5);
    // Half-way by progress, not by the clock: once the PR target has answered its pre-flight and
    // 100 of its 200 requests, the baseline server closes (connections destroyed, port closed).
    const kill = setInterval(() => {
      if (pr.requests < 101) return;
      clearInterval(kill);
      void base.stop();
    }, 5);
    const smoke = await runLoadTest({
      url: pr.url,
      baselineUrl: base.url,
      model: 'open',
      rate: 100,
      maxConnections: 64,
      durationMs: 2000,
      warmupMs: 0,
      timeoutMs: 2000,
      workload: { method: 'GET', headers: {}, paths: [{ path: '/ok', weight: 1 }] },
      insecure: false,
      thresholds: [],
      logger: new NullLogger(),
    });
    clearInterval(kill);

    // The PR side: all 200 scheduled requests answered, its histogram holds exactly them.
    expect(smoke.requests).toBe(200);
    expect(smoke.errors).toBe(0);
    expect(smoke.errorsByKind ?? {}).toEqual({});
    expect(smoke.statusCodes).toEqual({ '200': 200 });
    expect(decodeHistogram(smoke.histogram).totalCount).toBe(200);
    expect(smoke.paths?.['/ok']?.requests).toBe(200);
    // Its latencies are its own answers (>= the 5 ms the server waits), nothing from the dead side.
    expect(smoke.latencyMs.p50).toBeGreaterThanOrEqual(5);

    // The baseline side: the same schedule, the failures counted by kind on that side only.
    const side = smoke.baseline!;
    expect(side.requests).toBe(200);
    expect(side.errors).toBeGreaterThanOrEqual(50);
    expect(Object.keys(side.errorsByKind ?? {})).toEqual(
      expect.arrayContaining([expect.stringMatching(/connect-refused|reset/)]),
    );
    expect((side.statusCodes['200'] ?? 0) + side.errors).toBe(200);
    expect(side.statusCodes['200']).toBeGreaterThanOrEqual(50);

    // The report does not take a dead baseline as a baseline (that would call the PR an
    // improvement in errors): stored history instead, with the reason.
    const current = perfResult({ smoke });
    const history = [1, 2, 3, 4].map((seed) =>
      perfResult({ smoke: smokeSide({ seed, medianMs: 6, sigma: 0.1, requests: 200, durationS: 2 }) }),
    );
    const rendered = compareAndRender(
      current,
      { history, baseline: history.at(-1) },
      { environment: 'staging', threshold: 0.1, pairedBaselineUrl: base.url },
    );
    expect(rendered.pairedFallback).toMatch(
      /stopped answering during the run .*compared with stored history \(4 runs\)/,
    );
    expect(rendered.comparison.basis).toBe('history');
    expect(rendered.comparison.metrics.find((m) => m.name === 'error-rate')?.verdict).not.toBe('improvement');
    expect(rendered.summary).toContain('stopped answering during the run');

    // `compare` without --baseline drops the dead side as well, and says why.
    const file = join(mkdtempSync(join(tmpdir(), 'ab-dead-')), 'current.json');
    writeFileSync(file, JSON.stringify(current));
    const lines: string[] = [];
    const warnings: string[] = [];
    const logger: Logger = Object.assign(new NullLogger(), {
      warning: (line: string) => {
        warnings.push(line);
      },
    });
    await compareCommand.run(['--current', file, '--format', 'json'], {
      out: (text) => lines.push(text),
      logger,
      cwd: process.cwd(),
      env: {},
      signal: new AbortController().signal,
    });
    expect(warnings.join('\n')).toMatch(/stopped answering during the run/);
    expect(JSON.parse(lines.join('\n')).verdict).toBe('no-baseline');
  });
});

describe('a baseline URL that is not reachable', () => {
  it('the smoke stage measures the PR alone; the report falls back to history with a notice', async () => {
    const pr = await target(5);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const workspace = await mkdtemp(join(dir, 'ws-'));
    const config = configSchema.parse({
      smoke: { url: pr.url, 'baseline-url': dead, rate: 50, duration: '1s', warmup: '0s', paths: ['/ok'] },
      report: { comment: 'never' },
    });
    const context = { ...githubRunContext({}, 'staging', {}), workspace };
    const logger = new RecordingLogger();

    const smokePlan = planSmoke({ smoke: config.smoke, result: {} as PerfResult, workspace });
    if (!smokePlan.run) throw new Error(smokePlan.reason);
    expect(smokePlan.plan.baselineUrl).toBe(dead);
    const result: PerfResult = perfResult({ meta: { commit: 'b'.repeat(40) } });
    await executeSmoke(smokePlan.plan, result, { logger });
    expect(result.smoke?.requests).toBe(50);
    expect(result.smoke?.baseline).toBeUndefined();
    expect(logger.lines.join('\n')).toMatch(/notice: smoke: the baseline is not reachable/);

    // Three earlier local runs of the same service: the history the report falls back to.
    const history = new LocalHistory(workspace);
    for (const seed of [1, 2, 3]) {
      await history.append(
        'staging',
        perfResult({ smoke: smokeSide({ seed, medianMs: 6, sigma: 0.1, requests: 50, durationS: 1 }) }),
        10,
      );
    }
    const planned = reportStage.plan({ config, context, result });
    if (!planned.run) throw new Error(planned.reason);
    expect(planned.plan.pairedBaselineUrl).toBe(dead);
    const summaries: string[] = [];
    const outputs: Record<string, string> = {};
    const deps: StageDeps = {
      logger,
      process: nodeProcessRunner,
      clock: systemClock,
      state: { save: () => {}, get: () => '' },
      signal: new AbortController().signal,
      env: {},
      services: {
        localHistory: history,
        writeSummary: async (markdown) => void summaries.push(markdown),
        outputs: {
          set: (name, value) => {
            outputs[name] = value;
          },
        },
      },
    };
    await reportStage.execute(planned.plan, result, deps);

    const log = logger.lines.join('\n');
    expect(log).toContain(
      `notice: report: Paired baseline ${dead}/ not used: it did not answer the pre-flight request, so only this revision was measured; smoke metrics are compared with stored history (3 runs) instead.`,
    );
    expect(outputs.verdict).toMatch(/^(regression|improvement|unchanged)$/);
    expect(summaries.join('\n')).toContain('compared with stored history (3 runs)');
    expect(summaries.join('\n')).toMatch(/Noise band from the last 3 baseline runs/);
  });
});
