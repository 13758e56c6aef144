/**
 * Interleaved A/B simulation (`npm run bench:ab`, `npx tsx bench/ab.ts`): does measuring the PR
 * and the serving revision in the same time window (paired) beat measuring them in separate
 * windows (unpaired, the single-baseline method) when a noisy neighbour steals CPU in bursts?
 *
 * Real processes on this machine: four HTTP targets (bench/ab-target.ts: a setTimeout wait plus
 * a fixed amount of CPU work; two bases and an equal PR at SLEEP_MS + WORK_MS, a slower PR with
 * both parts times SLOWDOWN), pinned with taskset to one core together with the burners
 * (bench/ab-burner.ts: CPU bursts of random length); the load generator (this process) is pinned to
 * the other core. Each of RUNS rounds measures, all with the same schedule and length:
 *   paired:   equal PR + its base interleaved, then slow PR + its base (one window each);
 *   unpaired: equal PR alone, its base alone, slow PR alone, its base alone (four windows),
 *             compared as current vs one baseline run (compareResults with `baseline`).
 * A `regression` verdict with equal targets is a false alarm; with the slower PR, a detection.
 * Results: bench/results/ab.json. Targets: paired <= 1% false alarms and >= 95% detection.
 *
 * Noise profiles (env): the default is the harsh one: targets with CPU work and two burners with
 * random 0.3-2.5 s bursts, so that windows differ as runs hours apart do. The issue's example,
 * setTimeout-only targets and one burner 200 ms on / 300 ms off, is
 *   AB_WORK_MS=0 AB_SLEEP_MS=20 AB_BURNERS=1 AB_ON_MIN=200 AB_ON_MAX=200 AB_OFF_MIN=300 AB_OFF_MAX=300
 * Each profile's latest figures stay in ab.json (`otherProfiles`); AB_RUNS, AB_RATE,
 * AB_DURATION_MS, AB_SLOWDOWN and AB_VERBOSE=1 (every comparison, per metric) also apply.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runLoadTest } from '../src/loadgen/index.js';
import { NullLogger } from '../src/logger.js';
import type { PerfResult, SmokeResult } from '../src/result.js';
import { type Comparison, compareResults } from '../src/stats/compare.js';
import { work } from './ab-work.js';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const RUNS = Number(env.AB_RUNS ?? 50);
/** Requests per second to each target. */
const RATE = Number(env.AB_RATE ?? 100);
const DURATION_MS = Number(env.AB_DURATION_MS ?? 1500);
const WARMUP_MS = Number(env.AB_WARMUP_MS ?? 200);
/** The base target's latency on an idle core: SLEEP_MS of waiting plus WORK_MS of CPU work. */
const SLEEP_MS = Number(env.AB_SLEEP_MS ?? 18.5);
const WORK_MS = Number(env.AB_WORK_MS ?? 1.5);
const BASE_MS = SLEEP_MS + WORK_MS;
const SLOWDOWN = Number(env.AB_SLOWDOWN ?? 1.15);
const THRESHOLD = 0.1;
const BURNERS = Number(env.AB_BURNERS ?? 2);
/** Burst lengths (ms): on for [min, max], then off for [min, max], drawn per burst. */
const BURST = {
  onMs: [Number(env.AB_ON_MIN ?? 300), Number(env.AB_ON_MAX ?? 2500)],
  offMs: [Number(env.AB_OFF_MIN ?? 300), Number(env.AB_OFF_MAX ?? 2500)],
} as const;
const TARGET_CORE = env.AB_TARGET_CORE ?? '0';
const GENERATOR_CORE = env.AB_GENERATOR_CORE ?? '1';
const SEED = Number(env.AB_SEED ?? 20_261_123);
const children: ChildProcess[] = [];
/**
 * Names the noise setting, so that runs of different settings keep each other's figures in
 * ab.json (`otherProfiles`) instead of overwriting them.
 */
const PROFILE = `${WORK_MS > 0 ? `${SLEEP_MS} ms wait + ${WORK_MS} ms CPU` : `${SLEEP_MS} ms wait only`}; ${BURNERS} burner(s), on ${BURST.onMs.join('-')} ms, off ${BURST.offMs.join('-')} ms; ${RATE} req/s for ${DURATION_MS} ms`;

/** The figures of earlier runs with other profiles, from the existing results file. */
function otherProfiles(file: string): Record<string, unknown> {
  let previous: { profile?: string; otherProfiles?: Record<string, unknown> } & Record<string, unknown>;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  const { otherProfiles: older = {}, ...rest } = previous;
  const kept: Record<string, unknown> = { ...older };
  if (typeof previous.profile === 'string') kept[previous.profile] = rest;
  delete kept[PROFILE];
  return kept;
}

function pinned(core: string, script: string, args: string[]): ChildProcess {
  const child = spawn(
    'taskset',
    ['-c', core, process.execPath, '--import', 'tsx', join(here, script), ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  return child;
}

/** Loop iterations of ab-target.ts's work() per millisecond, measured here on an idle core. */
function calibrate(): number {
  work(200_000); // warm the JIT
  let best = 0;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    work(1_000_000);
    best = Math.max(best, 1_000_000 / (performance.now() - started));
  }
  return best;
}

async function startTarget(sleepMs: number, iterations: number): Promise<string> {
  const child = pinned(TARGET_CORE, 'ab-target.ts', [String(sleepMs), String(Math.round(iterations))]);
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('target did not start in 20 s')), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  return `http://127.0.0.1:${port}`;
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

async function measure(url: string, baselineUrl?: string): Promise<SmokeResult> {
  return runLoadTest({
    url,
    baselineUrl,
    model: 'open',
    rate: RATE,
    maxConnections: 256,
    durationMs: DURATION_MS,
    warmupMs: WARMUP_MS,
    timeoutMs: 2000,
    workload: { method: 'GET', headers: {}, paths: [{ path: '/', weight: 1 }] },
    insecure: false,
    thresholds: [],
    logger: new NullLogger(),
  });
}

function asResult(smoke: SmokeResult): PerfResult {
  return {
    schemaVersion: 1,
    meta: {
      tool: 'orchestra-perf',
      version: 'bench',
      commit: '',
      ref: '',
      environment: 'bench-ab',
      startedAt: new Date().toISOString(),
      runUrl: '',
    },
    smoke,
  };
}

interface Tally {
  runs: number;
  regressions: number;
  byMetric: Record<string, number>;
  p50Changes: number[];
  p95Changes: number[];
  /** Runs where the generator itself was saturated or missed its schedule (latencies suspect). */
  generatorTrouble: number;
  errors: number;
  /** One character per run: R a regression verdict, . anything else. */
  trace: string;
}

const tally = (): Tally => ({
  runs: 0,
  regressions: 0,
  byMetric: {},
  p50Changes: [],
  p95Changes: [],
  generatorTrouble: 0,
  errors: 0,
  trace: '',
});

const VERBOSE = env.AB_VERBOSE === '1';

function count(into: Tally, comparison: Comparison, sides: SmokeResult[], label = ''): void {
  into.runs++;
  into.trace += comparison.verdict === 'regression' ? 'R' : '.';
  if (VERBOSE) {
    const shown = comparison.metrics
      .filter((m) => m.verdict !== 'no-baseline' && m.change !== null)
      .map((m) => {
        const i = m.significance?.interval;
        return `${m.name}${m.verdict === 'regression' ? '!' : ''} ${(m.change! * 100).toFixed(1)}%${i ? ` [${(i.low * 100).toFixed(1)}, ${(i.high * 100).toFixed(1)}]` : ''}`;
      });
    console.error(`  ${label}: ${comparison.verdict}; ${shown.join('; ')}`);
  }
  if (comparison.verdict === 'regression') into.regressions++;
  for (const metric of comparison.metrics) {
    if (metric.verdict === 'regression') into.byMetric[metric.name] = (into.byMetric[metric.name] ?? 0) + 1;
    if (metric.name === 'p50' && metric.change !== null) into.p50Changes.push(metric.change);
    if (metric.name === 'p95' && metric.change !== null) into.p95Changes.push(metric.change);
  }
  for (const side of sides) {
    if (side.generatorSaturated || side.scheduleMissed) into.generatorTrouble++;
    into.errors += side.errors;
  }
}

function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { min: at(0), p5: at(0.05), median: at(0.5), p95: at(0.95), max: at(0.999) };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function figures(t: Tally, kind: 'falseAlarm' | 'detection') {
  const rate = t.runs > 0 ? t.regressions / t.runs : 0;
  return {
    runs: t.runs,
    [kind === 'falseAlarm' ? 'falseAlarms' : 'detections']: t.regressions,
    [kind === 'falseAlarm' ? 'falseAlarmRate' : 'detectionRate']: round(rate),
    regressionsByMetric: t.byMetric,
    p50Change: quantiles(t.p50Changes),
    p95Change: quantiles(t.p95Changes),
    generatorTroubleSides: t.generatorTrouble,
    requestErrors: t.errors,
    perRun: t.trace,
  };
}

async function main(): Promise<void> {
  const pin = spawnSync('taskset', ['-cp', GENERATOR_CORE, String(process.pid)], { encoding: 'utf8' });
  if (pin.status !== 0) console.error(`could not pin the generator: ${pin.stderr.trim()}`);
  const slowMs = Math.round(BASE_MS * SLOWDOWN * 1000) / 1000;
  const perMs = calibrate();
  // Targets start one at a time before the burners, on an idle core. The slow PR scales both
  // parts, so it is SLOWDOWN slower whatever the noise does to the CPU part.
  // One base process per PR target, so that every target process serves the same number of
  // windows per round (2): a process that serves more often stays warmer (caches, scheduler
  // history) and answers faster, which measured as a steady 5-10% bias between two otherwise
  // identical processes when one base served every window.
  const baseEqual = await startTarget(SLEEP_MS, WORK_MS * perMs);
  const prEqual = await startTarget(SLEEP_MS, WORK_MS * perMs);
  const baseSlow = await startTarget(SLEEP_MS, WORK_MS * perMs);
  const prSlow = await startTarget(SLEEP_MS * SLOWDOWN, WORK_MS * SLOWDOWN * perMs);
  const totalSeconds = Math.ceil((RUNS * 6 * (DURATION_MS + WARMUP_MS + 300)) / 1000) + 120;
  for (let i = 0; i < BURNERS; i++) {
    pinned(TARGET_CORE, 'ab-burner.ts', [
      String(SEED + i),
      String(BURST.onMs[0]),
      String(BURST.onMs[1]),
      String(BURST.offMs[0]),
      String(BURST.offMs[1]),
      String(totalSeconds),
    ]);
  }
  // One discarded round first: every target's handler JIT-compiled, connections warm.
  await measure(prEqual, baseEqual);
  await measure(prSlow, baseSlow);
  const t = {
    pairedEqual: tally(),
    pairedSlow: tally(),
    unpairedEqual: tally(),
    unpairedSlow: tally(),
  };
  const started = performance.now();
  /** The machine's 1-minute load average at each run: other work on this shared machine shows here. */
  const loadAverage: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    loadAverage.push(Math.round(loadavg()[0]! * 100) / 100);
    const seed = SEED + run;
    const pe = await measure(prEqual, baseEqual);
    count(
      t.pairedEqual,
      compareResults(asResult(pe), { threshold: THRESHOLD, seed }),
      [pe, pe.baseline!],
      'paired equal',
    );
    const ps = await measure(prSlow, baseSlow);
    count(
      t.pairedSlow,
      compareResults(asResult(ps), { threshold: THRESHOLD, seed }),
      [ps, ps.baseline!],
      'paired slow',
    );
    // Unpaired: each side alone in its own window, as a PR run against a baseline run would be.
    const ue = await measure(prEqual);
    const ube = await measure(baseEqual);
    const us = await measure(prSlow);
    const ubs = await measure(baseSlow);
    count(
      t.unpairedEqual,
      compareResults(asResult(ue), { threshold: THRESHOLD, seed, baseline: asResult(ube) }),
      [ue, ube],
      'unpaired equal',
    );
    count(
      t.unpairedSlow,
      compareResults(asResult(us), { threshold: THRESHOLD, seed, baseline: asResult(ubs) }),
      [us, ubs],
      'unpaired slow',
    );
    console.error(
      `run ${run + 1}/${RUNS}: false alarms paired ${t.pairedEqual.regressions} unpaired ${t.unpairedEqual.regressions}; ` +
        `detections paired ${t.pairedSlow.regressions} unpaired ${t.unpairedSlow.regressions} ` +
        `(${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  stopAll();

  const paired = {
    falseAlarm: figures(t.pairedEqual, 'falseAlarm'),
    detection: figures(t.pairedSlow, 'detection'),
  };
  const unpaired = {
    falseAlarm: figures(t.unpairedEqual, 'falseAlarm'),
    detection: figures(t.unpairedSlow, 'detection'),
  };
  const pairedFalse = t.pairedEqual.regressions / RUNS;
  const pairedDetect = t.pairedSlow.regressions / RUNS;
  const unpairedFalse = t.unpairedEqual.regressions / RUNS;
  const unpairedDetect = t.unpairedSlow.regressions / RUNS;
  const out = {
    profile: PROFILE,
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    elapsedS: Math.round((performance.now() - started) / 1000),
    setup: {
      runs: RUNS,
      ratePerTarget: RATE,
      model: 'open',
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
      requestsPerSide: Math.round((RATE * DURATION_MS) / 1000),
      baseLatencyMs: BASE_MS,
      slowPrLatencyMs: slowMs,
      threshold: THRESHOLD,
      targets: `bench/ab-target.ts (Node), one process per target: ${SLEEP_MS} ms setTimeout then ${WORK_MS} ms of CPU work (calibrated loop, ${Math.round(perMs)} iterations/ms); the slow PR scales both by ${SLOWDOWN}`,
      noisyNeighbour: {
        processes: BURNERS,
        burstOnMs: BURST.onMs,
        burstOffMs: BURST.offMs,
        note: 'bench/ab-burner.ts, burst lengths drawn at random per burst, so windows differ in stolen CPU',
      },
      targetProcesses:
        'four: a base per PR target, so every process serves 2 windows per round (with one shared base serving every window, that busier process answered 5-10% faster than an identical idle one, a bias pairing cannot remove)',
      pinning: { targetsAndBurners: `core ${TARGET_CORE}`, generator: `core ${GENERATOR_CORE}` },
      unpaired: 'PR alone, then base alone, in separate windows; compareResults(current, { baseline })',
      paired: 'PR and base interleaved on one schedule; compareResults(current) with smoke.baseline',
      verdict: 'overall verdict `regression` (any metric) counts',
      warmupRound: 'one paired round per PR target before the measured runs, discarded (JIT, connections)',
    },
    paired,
    unpaired,
    loadAveragePerRun: loadAverage,
    targets: {
      pairedFalseAlarmRateAtMost: 0.01,
      pairedDetectionRateAtLeast: 0.95,
      met: {
        pairedFalseAlarms: pairedFalse <= 0.01,
        pairedDetection: pairedDetect >= 0.95,
        unpairedWorse: unpairedFalse > pairedFalse || unpairedDetect < pairedDetect,
      },
    },
  };
  const file = join(here, 'results', 'ab.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...out, otherProfiles: otherProfiles(file) }, null, 2)}\n`);
  console.log(
    JSON.stringify(
      {
        paired: { falseAlarmRate: round(pairedFalse), detectionRate: round(pairedDetect) },
        unpaired: { falseAlarmRate: round(unpairedFalse), detectionRate: round(unpairedDetect) },
        met: out.targets.met,
        file,
      },
      null,
      2,
    ),
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
