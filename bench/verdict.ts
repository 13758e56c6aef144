/**
 * Verdict simulation (`npx tsx bench/verdict.ts`, `npm run bench:verdict`): how often does
 * compareResults cry wolf, and how often does it catch a real regression?
 *
 * Each trial draws latency samples from one realistic distribution (log-normal body plus a slow
 * log-normal tail, as GC pauses and cold connections produce), records them into HdrHistograms
 * exactly as the load generator does, builds result files, and compares:
 * - A/A: baseline and current from the same distribution -> any `regression` is a false alarm
 *   (target <= 1%);
 * - 20% p95 regression: every current sample 20% slower -> p95 flagged as `regression`
 *   (target >= 95%).
 * Modes: one baseline run, a paired run (smoke.baseline), and a history of 10 baseline runs.
 * Everything is seeded: the same command prints the same figures. Results: bench/results/verdict.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PerfResult, SmokeSideResult } from '../src/result.js';
import { type Comparison, compareResults, DEFAULT_CONFIDENCE } from '../src/stats/compare.js';
import { createHistogram, encodeHistogram, recordMicros, summarize } from '../src/stats/hdr.js';
import { createRandom, type Random } from '../src/stats/random.js';

const SEED = Number(process.env.VERDICT_SEED ?? 20_261_123);
const TRIALS = Number(process.env.VERDICT_TRIALS ?? 1000);
/** As many as the default history window (compare.ts DEFAULT_HISTORY_WINDOW). */
const HISTORY_RUNS = Number(process.env.VERDICT_HISTORY_RUNS ?? 30);
const THRESHOLD = 0.1;
/** Unset: compareResults' default (DEFAULT_CONFIDENCE); set to explore the trade-off. */
const CONFIDENCE = process.env.VERDICT_CONFIDENCE ? Number(process.env.VERDICT_CONFIDENCE) : undefined;
/** Open model at 50 req/s: the documented default run of 20 s (1000 requests), then 60 s and 120 s. */
const RATE = 50;
const DURATIONS_S = (process.env.VERDICT_DURATIONS ?? '20,60,120').split(',').map(Number);
let DURATION_S = 20;
let REQUESTS = RATE * DURATION_S;
const ERROR_PROBABILITY = 0.002;

const distribution = {
  body: { medianMs: 40, sigma: 0.45 },
  tail: { probability: 0.02, medianMs: 250, sigma: 0.5 },
  coldStart: { medianMs: 900, sigma: 0.3 },
};

function lognormal(random: Random, medianMs: number, sigma: number): number {
  return medianMs * Math.exp(sigma * random.normal());
}

function drawLatencyMs(random: Random): number {
  const { body, tail } = distribution;
  return random.next() < tail.probability
    ? lognormal(random, tail.medianMs, tail.sigma)
    : lognormal(random, body.medianMs, body.sigma);
}

function smokeRun(random: Random, slowdown: number): SmokeSideResult {
  const histogram = createHistogram();
  let errors = 0;
  for (let i = 0; i < REQUESTS; i++) {
    recordMicros(histogram, drawLatencyMs(random) * slowdown * 1000);
    if (random.next() < ERROR_PROBABILITY) errors++;
  }
  const side: SmokeSideResult = {
    url: 'http://127.0.0.1:8080',
    model: 'open',
    rate: RATE,
    durationS: DURATION_S,
    requests: REQUESTS,
    errors,
    errorRate: errors / REQUESTS,
    rps: REQUESTS / DURATION_S,
    coldStartMs: lognormal(random, distribution.coldStart.medianMs, distribution.coldStart.sigma) * slowdown,
    latencyMs: summarize(histogram),
    statusCodes: { '200': REQUESTS - errors },
    histogram: encodeHistogram(histogram),
    thresholds: [],
  };
  histogram.destroy();
  return side;
}

function result(smoke: SmokeSideResult, baseline?: SmokeSideResult): PerfResult {
  return {
    schemaVersion: 1,
    meta: {
      tool: 'orchestra-perf',
      version: 'bench',
      commit: '0'.repeat(40),
      ref: 'refs/heads/main',
      environment: 'bench',
      startedAt: '2026-01-01T00:00:00Z',
      runUrl: '',
    },
    smoke: baseline ? { ...smoke, baseline } : smoke,
  };
}

type Mode = 'single-baseline' | 'paired' | 'history';

/** One comparison. History mode reuses one drawn history for the A/A and the A/B trial of a round. */
function trial(mode: Mode, random: Random, slowdown: number, seed: number, history: PerfResult[]) {
  const current = smokeRun(random, slowdown);
  const other = mode === 'history' ? undefined : smokeRun(random, 1);
  const started = performance.now();
  const common = { threshold: THRESHOLD, seed, ...(CONFIDENCE ? { confidence: CONFIDENCE } : {}) };
  const comparison: Comparison =
    mode === 'paired'
      ? compareResults(result(current, other), common)
      : mode === 'single-baseline'
        ? compareResults(result(current), { ...common, baseline: result(other!) })
        : compareResults(result(current), { ...common, history });
  return { comparison, ms: performance.now() - started };
}

interface ModeFigures {
  trials: number;
  falseAlarmRate: number;
  falseAlarmsByMetric: Record<string, number>;
  p95DetectionRate: number;
  anyRegressionDetectionRate: number;
  meanCompareMs: number;
}

function runMode(mode: Mode): ModeFigures {
  const random = createRandom(SEED ^ mode.length);
  let falseAlarms = 0;
  const byMetric: Record<string, number> = {};
  let p95Detected = 0;
  let anyDetected = 0;
  let compareMs = 0;
  for (let i = 0; i < TRIALS; i++) {
    const history =
      mode === 'history' ? Array.from({ length: HISTORY_RUNS }, () => result(smokeRun(random, 1))) : [];
    const { comparison: aa, ms: aaMs } = trial(mode, random, 1, i, history);
    if (aa.verdict === 'regression') falseAlarms++;
    for (const metric of aa.metrics) {
      if (metric.verdict === 'regression') byMetric[metric.name] = (byMetric[metric.name] ?? 0) + 1;
    }
    const { comparison: ab, ms: abMs } = trial(mode, random, 1.2, i, history);
    compareMs += (aaMs + abMs) / 2;
    if (ab.metrics.find((metric) => metric.name === 'p95')?.verdict === 'regression') p95Detected++;
    if (ab.verdict === 'regression') anyDetected++;
  }
  return {
    trials: TRIALS,
    falseAlarmRate: falseAlarms / TRIALS,
    falseAlarmsByMetric: byMetric,
    p95DetectionRate: p95Detected / TRIALS,
    anyRegressionDetectionRate: anyDetected / TRIALS,
    meanCompareMs: compareMs / TRIALS,
  };
}

const modes = (process.env.VERDICT_MODES ?? 'single-baseline,paired,history').split(',') as Mode[];
const runs: {
  requestsPerRun: number;
  durationS: number;
  modes: Record<string, ModeFigures>;
  targetsMet: boolean;
}[] = [];
for (const duration of DURATIONS_S) {
  DURATION_S = duration;
  REQUESTS = RATE * duration;
  const figures: Record<string, ModeFigures> = {};
  for (const mode of modes) {
    figures[mode] = runMode(mode);
    const f = figures[mode]!;
    console.log(
      `${String(REQUESTS).padStart(6)} req/run ${mode.padEnd(16)} false alarms ${(f.falseAlarmRate * 100).toFixed(2)}% ` +
        `(target <= 1%)  p95 detection ${(f.p95DetectionRate * 100).toFixed(1)}% (target >= 95%)  ` +
        `compare ${f.meanCompareMs.toFixed(1)} ms  false alarms by metric ${JSON.stringify(f.falseAlarmsByMetric)}`,
    );
  }
  const targetsMet = Object.values(figures).every(
    (f) => f.falseAlarmRate <= 0.01 && f.p95DetectionRate >= 0.95,
  );
  runs.push({ requestsPerRun: REQUESTS, durationS: duration, modes: figures, targetsMet });
}

const report = {
  seed: SEED,
  trialsPerMode: TRIALS,
  confidence: CONFIDENCE ?? DEFAULT_CONFIDENCE,
  setup: {
    rate: RATE,
    model: 'open (requests per run fixed by the schedule)',
    threshold: THRESHOLD,
    historyRuns: HISTORY_RUNS,
    errorProbability: ERROR_PROBABILITY,
    distribution,
    regression: 'every current latency sample multiplied by 1.2 (so p95 is 20% higher)',
  },
  targets: { falseAlarmRate: 0.01, p95DetectionRate: 0.95 },
  runs,
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'verdict.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
for (const run of runs) console.log(`${run.requestsPerRun} requests per run: targets met: ${run.targetsMet}`);
console.log(`written ${out}`);
