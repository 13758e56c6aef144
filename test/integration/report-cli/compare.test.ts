/**
 * `orchestra-perf compare` end to end on files in a temp directory: the command reads, validates,
 * compares and prints, and every failure maps to its exit code through the one error policy.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/command.js';
import { compareCommand } from '../../../src/cli/commands/compare.js';
import { toOrchestraError } from '../../../src/errors.js';
import type { Logger } from '../../../src/logger.js';
import { buildSection, perfResult, smokeSide } from '../../helpers/perf-results.js';

let dir: string;

function capture() {
  const out: string[] = [];
  const log: string[] = [];
  const logger: Logger = {
    info: (m) => log.push(m),
    debug: () => {},
    warning: (m) => log.push(`warning: ${m}`),
    error: (m) => log.push(`error: ${m}`),
    notice: (m) => log.push(m),
    mask: () => {},
    group: (_name, body) => body(),
  };
  const io: CliIO = {
    out: (text) => out.push(text),
    logger,
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
  };
  return { io, out, log };
}

/** Runs the command as the CLI dispatcher does: a thrown error becomes its exit code and one line. */
async function run(args: string[]) {
  const { io, out, log } = capture();
  let code: number;
  try {
    code = await compareCommand.run(args, io);
  } catch (error) {
    const failure = toOrchestraError(error);
    log.push(`error: ${failure.oneLine()}`);
    code = failure.exitCode;
  }
  return { code, stdout: out.join('\n'), stderr: log.join('\n') };
}

function write(name: string, value: unknown) {
  writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestra-compare-'));
  write('base.json', perfResult({ smoke: smokeSide({ seed: 1 }), build: buildSection(60_000) }));
  write('same.json', perfResult({ smoke: smokeSide({ seed: 2 }), build: buildSection(61_000) }));
  write(
    'slow.json',
    perfResult({ smoke: smokeSide({ seed: 3, slowdown: 1.3 }), build: buildSection(60_000) }),
  );
  write(
    'paired.json',
    perfResult({ smoke: { ...smokeSide({ seed: 4, slowdown: 1.3 }), baseline: smokeSide({ seed: 5 }) } }),
  );
  write('alone.json', perfResult({ smoke: smokeSide({ seed: 6 }) }));
  const bad = perfResult({ smoke: smokeSide({ seed: 7 }) }) as unknown as {
    smoke: { latencyMs: { p95: unknown } };
  };
  bad.smoke.latencyMs.p95 = 'fast';
  write('bad.json', bad);
  write('v2.json', { ...perfResult({}), schemaVersion: 2 });
  write('notjson.json', '{"schemaVersion": 1,');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compare --format json', () => {
  it('prints verdict and per-metric name, baseline, current, change, verdict', async () => {
    const { code, stdout } = await run([
      '--baseline',
      'base.json',
      '--current',
      'slow.json',
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.verdict).toBe('regression');
    expect(Object.keys(json).slice(0, 2)).toEqual(['verdict', 'metrics']);
    for (const metric of json.metrics) {
      expect(Object.keys(metric).slice(0, 5)).toEqual(['name', 'baseline', 'current', 'change', 'verdict']);
      expect(['regression', 'improvement', 'unchanged', 'no-baseline']).toContain(metric.verdict);
    }
    const p95 = json.metrics.find((m: { name: string }) => m.name === 'p95');
    expect(p95.verdict).toBe('regression');
    expect(p95.change).toBeCloseTo(p95.current / p95.baseline - 1, 10);
  });

  it('unchanged for an A/A pair', async () => {
    const { code, stdout } = await run([
      '--baseline',
      'base.json',
      '--current',
      'same.json',
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).verdict).toBe('unchanged');
  });

  it('without --baseline compares against the paired side inside the file', async () => {
    const { stdout } = await run(['--current', 'paired.json', '--format', 'json']);
    const json = JSON.parse(stdout);
    expect(json.basis).toBe('paired');
    expect(json.verdict).toBe('regression');
  });

  it('says no-baseline when there is none, with a warning', async () => {
    const { code, stdout, stderr } = await run(['--current', 'alone.json', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).verdict).toBe('no-baseline');
    expect(stderr).toMatch(/no --baseline and no paired baseline/);
  });

  it('honours --threshold', async () => {
    const { stdout } = await run([
      '--baseline',
      'base.json',
      '--current',
      'slow.json',
      '--format',
      'json',
      '--threshold',
      '50%',
    ]);
    expect(JSON.parse(stdout).verdict).toBe('unchanged');
  });
});

describe('compare --format markdown', () => {
  it('prints the report with the environment name', async () => {
    const { code, stdout } = await run([
      '--baseline',
      'base.json',
      '--current',
      'slow.json',
      '--environment',
      'dev',
    ]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('### 🔴 Performance regression in dev');
    expect(stdout).toContain('| p95 latency |');
  });
});

describe('compare exit codes', () => {
  it('exit 1 on a regression with --fail-on-regression', async () => {
    const { code, stderr } = await run([
      '--baseline',
      'base.json',
      '--current',
      'slow.json',
      '--fail-on-regression',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/performance regression: p50, p90, p95/);
    const ok = await run(['--baseline', 'base.json', '--current', 'same.json', '--fail-on-regression']);
    expect(ok.code).toBe(0);
  });

  it.each([
    [['--baseline', 'base.json'], /--current is required/],
    [['--current', 'slow.json', '--format', 'xml'], /--format must be markdown or json/],
    [['--current', 'slow.json', '--threshold', 'ten'], /--threshold "ten" is not a percentage/],
    [['--current', 'slow.json', '--nope'], /Unknown option/],
    [['--current', 'missing.json'], /--current missing.json: cannot read the file \(ENOENT\)/],
    [['--current', 'bad.json'], /--current bad.json: smoke.latencyMs.p95: /],
    [['--current', 'v2.json'], /schemaVersion: must be 1/],
    [['--current', 'slow.json', '--baseline', 'notjson.json'], /--baseline notjson.json: not JSON/],
  ])('exit 2 for %j, naming the problem', async (args, message) => {
    const { code, stderr } = await run(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
