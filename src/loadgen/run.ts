/**
 * One load test from options to a `smoke` result section: prepare the requests, pre-flight the
 * target, run the engine with a progress line every 2 s, watch the generator's own event loop,
 * then summarise and evaluate thresholds. With a baseline URL, the same schedule goes to both
 * targets, alternating request by request, and the baseline's numbers land in `smoke.baseline`.
 * Knows nothing of config files, the CLI or GitHub.
 */
import { performance } from 'node:perf_hooks';
import type { Threshold } from '../config/thresholds.js';
import { describe, UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SmokeResult, SmokeSideResult } from '../result.js';
import { decodeHistogram, encodeHistogram, mergeHistograms, percentileMs, summarize } from '../stats/hdr.js';
import { type EngineSide, type EngineStats, runEngine } from './engine.js';
import { type PreflightResult, preflight } from './preflight.js';
import { Recorder } from './recorder.js';
import { type PreparedRequest, pathCycle, prepareRequests, redactUrl, type Workload } from './request.js';
import { evaluateThresholds } from './thresholds.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** What to send, where, and for how long: the smoke plan (a value) and the engine share it. */
export interface LoadSchedule {
  url: string;
  /** Paired A/B: the serving revision, measured on the same schedule, interleaved. */
  baselineUrl?: string | undefined;
  model: 'open' | 'closed';
  /** Open model: total requests/s over all shards (to each target when paired). */
  rate?: number | undefined;
  /** Closed model: total connections over all shards (to each target when paired). */
  connections?: number | undefined;
  maxConnections: number;
  durationMs: number;
  warmupMs: number;
  timeoutMs: number;
  maxRequests?: number | undefined;
  /** Closed model without a baseline: requests in flight per connection (1 = no pipelining). */
  pipelining?: number | undefined;
  insecure: boolean;
  thresholds: readonly Threshold[];
  shard?: Shard | undefined;
}

export interface LoadTestOptions extends LoadSchedule {
  workload: Workload;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** Progress line period; 2 s by default. */
  progressEveryMs?: number;
}

/** Event-loop utilisation above which the generator itself is the bottleneck. */
export const SATURATION_ELU = 0.8;

export async function runLoadTest(options: LoadTestOptions): Promise<SmokeResult> {
  const url = new URL(options.url);
  for (const target of [url, ...(options.baselineUrl ? [new URL(options.baselineUrl)] : [])]) {
    if (target.password) options.logger.mask(decodeURIComponent(target.password));
  }
  const requests = prepareRequests(url, options.workload);
  const weights = options.workload.paths.length > 0 ? options.workload.paths.map((p) => p.weight) : [1];
  const shard = options.shard ?? { index: 1, count: 1 };
  const cycle = shardCycle(pathCycle(weights), shard);

  let rate = 0;
  let connections = 0;
  let phaseMs = 0;
  let pairOffsetMs: number | undefined;
  if (options.model === 'open') {
    const total = options.rate ?? 0;
    if (!(total > 0))
      throw new UsageError('the open model needs a rate', 'pass --rate R (requests per second)');
    rate = total / shard.count;
    // Shard i sends the (i-1)th slot of every group of N on the one global schedule.
    phaseMs = ((shard.index - 1) * 1000) / total;
    pairOffsetMs = 500 / total;
  } else {
    const total = options.connections ?? 0;
    connections = Math.floor(total / shard.count) + (shard.index <= total % shard.count ? 1 : 0);
    if (connections < 1) {
      throw new UsageError(
        `shard ${shard.index}/${shard.count} gets no connection out of ${total}`,
        'use at least as many connections as shards',
      );
    }
  }

  const pipelining = options.pipelining ?? 1;
  if (pipelining > 1 && (options.model !== 'closed' || options.baselineUrl)) {
    throw new UsageError(
      'pipelining works with the closed model and one target only',
      'use connections (not rate) and no baseline URL, or drop pipelining',
    );
  }
  const preflightOptions = {
    timeoutMs: options.timeoutMs,
    insecure: options.insecure,
    signal: options.signal,
  };
  const first = await preflight(url, requests[0]!, preflightOptions);
  let baseline: { url: URL; requests: PreparedRequest[]; first: PreflightResult } | undefined;
  if (options.baselineUrl) {
    const baselineUrl = new URL(options.baselineUrl);
    const baselineRequests = prepareRequests(baselineUrl, options.workload);
    try {
      baseline = {
        url: baselineUrl,
        requests: baselineRequests,
        first: await preflight(baselineUrl, baselineRequests[0]!, preflightOptions),
      };
    } catch (error) {
      // The PR side is still worth measuring; the report falls back to stored history.
      options.logger.notice(
        `smoke: the baseline is not reachable, measuring ${redactUrl(url)} alone: ${describe(error)}`,
      );
    }
  }
  const load =
    options.model === 'open'
      ? `open model at ${fmt(rate)} req/s${baseline ? ' to each target' : ''}`
      : `closed model with ${connections} connections${baseline ? ' to each target' : ''}` +
        (pipelining > 1 ? `, ${pipelining} requests pipelined on each` : '');
  options.logger.info(
    `smoke: ${redactUrl(url)} answered ${first.status} in ${first.coldStartMs} ms; ${load}` +
      (baseline ? `, paired with ${redactUrl(baseline.url)} (answered ${baseline.first.status})` : '') +
      (shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : '') +
      `, ${options.durationMs / 1000} s after ${options.warmupMs / 1000} s warmup`,
  );

  const recorder = new Recorder(requests.map((r) => r.path));
  const sides: EngineSide[] = [{ endpoint: first.endpoint, requests, recorder }];
  if (baseline) {
    sides.push({
      endpoint: baseline.first.endpoint,
      requests: baseline.requests,
      recorder: new Recorder(requests.map((r) => r.path)),
    });
  }

  const eluStart = performance.eventLoopUtilization();
  const started = performance.now();
  let lastRequests = 0;
  let lastAt = started;
  let saturatedIntervals = 0;
  let eluLast = eluStart;
  const progress = setInterval(() => {
    const now = performance.now();
    const elu = performance.eventLoopUtilization(eluLast);
    eluLast = performance.eventLoopUtilization();
    if (elu.utilization > SATURATION_ELU) saturatedIntervals++;
    const inWarmup = now - started < options.warmupMs;
    const perSecond = ((recorder.requests - lastRequests) * 1000) / (now - lastAt);
    lastRequests = recorder.requests;
    lastAt = now;
    options.logger.info(
      inWarmup
        ? `smoke: warming up (${((now - started) / 1000).toFixed(0)} s)`
        : `smoke: ${((now - started - options.warmupMs) / 1000).toFixed(0)} s  ${fmt(perSecond)} req/s  ` +
            `p95 ${percentileMs(recorder.histogram, 95)} ms  errors ${recorder.errors}` +
            (elu.utilization > SATURATION_ELU ? `  (generator busy: ELU ${elu.utilization.toFixed(2)})` : ''),
    );
  }, options.progressEveryMs ?? 2000);

  let stats: EngineStats;
  try {
    stats = await runEngine({
      sides,
      cycle,
      model: options.model,
      rate,
      phaseMs,
      pairOffsetMs,
      connections,
      maxConnections: options.maxConnections,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      timeoutMs: options.timeoutMs,
      maxRequests: options.maxRequests,
      pipelining,
      signal: options.signal,
    });
  } finally {
    clearInterval(progress);
  }
  const elu = performance.eventLoopUtilization(eluStart).utilization;
  const generatorSaturated = elu > SATURATION_ELU || saturatedIntervals > 0;

  const common = {
    model: options.model,
    rate,
    connections,
    stats,
    elu,
    generatorSaturated,
    shard,
    method: options.workload.method,
  };
  const result: SmokeResult = sideResult({
    ...common,
    url,
    requests,
    recorder,
    first,
    thresholds: options.thresholds,
  });
  if (baseline) {
    result.baseline = sideResult({
      ...common,
      url: baseline.url,
      requests: baseline.requests,
      recorder: sides[1]!.recorder,
      first: baseline.first,
      // Gates apply to the change under test; the baseline is there to compare against.
      thresholds: [],
    });
  }
  if (stats.scheduleMissed) {
    options.logger.warning(
      `smoke: the target could not absorb ${fmt(rate)} req/s with ${options.maxConnections} connections ` +
        `(up to ${stats.maxQueued} requests waited for a connection); latencies include that wait`,
    );
  }
  if (generatorSaturated) {
    options.logger.warning(
      `smoke: the load generator was saturated (event-loop utilisation ${elu.toFixed(2)}); latencies may be inflated by the generator itself`,
    );
  }
  return result;
}

interface SideInput {
  url: URL;
  model: 'open' | 'closed';
  rate: number;
  connections: number;
  requests: readonly PreparedRequest[];
  recorder: Recorder;
  first: PreflightResult;
  stats: EngineStats;
  elu: number;
  generatorSaturated: boolean;
  shard: Shard;
  method: string;
  thresholds: readonly Threshold[];
}

/** One target's section: the DESIGN.md keys, then the extras (errors by kind, per path, flags). */
function sideResult(input: SideInput): SmokeSideResult {
  const { recorder, stats } = input;
  const durationS = Math.max(0.001, (stats.measuredEnd - stats.measuredStart) / 1000);
  const paths: NonNullable<SmokeSideResult['paths']> = {};
  input.requests.forEach((request, index) => {
    const key = request.method === input.method ? request.path : `${request.method} ${request.path}`;
    const existing = paths[key];
    let histogram = recorder.pathHistograms[index]!;
    let requests = recorder.pathRequests[index]!;
    let errors = recorder.pathErrors[index]!;
    if (existing?.histogram) {
      // The same path listed twice: one entry.
      histogram = mergeHistograms([decodeHistogram(existing.histogram), histogram]);
      requests += existing.requests;
      errors += existing.errors;
    }
    paths[key] = { requests, errors, latencyMs: summarize(histogram), histogram: encodeHistogram(histogram) };
  });
  const measured = {
    latencyMs: summarize(recorder.histogram),
    rps: round3(recorder.requests / durationS),
    errorRate: recorder.requests > 0 ? recorder.errors / recorder.requests : 0,
    coldStartMs: input.first.coldStartMs,
  };
  return {
    url: redactUrl(input.url),
    model: input.model,
    ...(input.model === 'open' ? { rate: input.rate } : { connections: input.connections }),
    durationS: round3(durationS),
    requests: recorder.requests,
    errors: recorder.errors,
    ...measured,
    statusCodes: recorder.statusCodes(),
    histogram: encodeHistogram(recorder.histogram),
    thresholds: evaluateThresholds(input.thresholds, measured),
    errorsByKind: recorder.errorKinds(),
    paths,
    generatorSaturated: input.generatorSaturated,
    scheduleMissed: stats.scheduleMissed,
    ...(input.shard.count > 1 ? { shard: `${input.shard.index}/${input.shard.count}` } : {}),
    errorMessages: Object.fromEntries(recorder.errorSamples),
    peakConnections: stats.peakConnections,
    eventLoopUtilization: round3(input.elu),
    ...(input.model === 'open'
      ? {
          sendLagMs: {
            p50: percentileMs(stats.sendLag, 50),
            p99: percentileMs(stats.sendLag, 99),
            max: percentileMs(stats.sendLag, 100),
          },
        }
      : {}),
  };
}

/** Shard i of N takes global slots i-1, i-1+N, ...: the same path order as one unsharded run. */
export function shardCycle(cycle: Uint16Array, shard: Shard): Uint16Array {
  if (shard.count === 1) return cycle;
  const out = new Uint16Array(cycle.length);
  for (let j = 0; j < cycle.length; j++) out[j] = cycle[(j * shard.count + shard.index - 1) % cycle.length]!;
  return out;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function fmt(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}
