/**
 * Merging shard results: histograms are added losslessly and every number is recomputed from the
 * sums (never averaged percentiles). Shards run at the same time on one schedule, so their rates
 * and request rates add up; the run's duration is the longest shard's.
 */
import { UsageError } from '../errors.js';
import type { SmokeResult, SmokeSideResult } from '../result.js';
import {
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  mergeHistograms,
  summarize,
} from '../stats/hdr.js';
import { evaluateThresholds, thresholdsFromResults } from './thresholds.js';

export function mergeSmokeResults(results: readonly SmokeResult[], label = 'result'): SmokeResult {
  const merged: SmokeResult = mergeSides(results, label);
  const baselines = results.map((r) => r.baseline);
  if (baselines.every((b) => b !== undefined))
    merged.baseline = mergeSides(baselines as SmokeSideResult[], `${label} baseline`);
  else if (baselines.some((b) => b !== undefined)) {
    throw new UsageError(
      'some results have a paired baseline and some do not',
      'merge shards of the same smoke run only',
    );
  }
  return merged;
}

function mergeSides(results: readonly SmokeSideResult[], label: string): SmokeSideResult {
  if (results.length === 0) throw new UsageError(`no ${label} to merge`, 'pass at least one result file');
  const first = results[0]!;
  for (const result of results) {
    if (result.model !== first.model) {
      throw new UsageError(
        `cannot merge an ${first.model}-model result with a ${result.model}-model one`,
        'merge shards of the same smoke run only',
      );
    }
  }
  const histogram = mergeHistograms(results.map((r, i) => decode(r.histogram, `${label} ${i + 1}`)));
  const requests = sum(results.map((r) => r.requests));
  const errors = sum(results.map((r) => r.errors));
  const rps = round3(sum(results.map((r) => r.rps)));
  const measured = {
    latencyMs: summarize(histogram),
    rps,
    errorRate: requests > 0 ? errors / requests : 0,
    coldStartMs: Math.max(...results.map((r) => r.coldStartMs)),
  };
  const thresholds = thresholdsFromResults(results.flatMap((r) => r.thresholds));
  const out: SmokeSideResult = {
    url: first.url,
    model: first.model,
    ...(first.model === 'open'
      ? { rate: round3(sum(results.map((r) => r.rate ?? 0))) }
      : { connections: sum(results.map((r) => r.connections ?? 0)) }),
    durationS: Math.max(...results.map((r) => r.durationS)),
    requests,
    errors,
    ...measured,
    statusCodes: addCounts(results.map((r) => r.statusCodes)),
    histogram: encodeHistogram(histogram),
    thresholds: evaluateThresholds(thresholds, measured),
    errorsByKind: addCounts(results.map((r) => r.errorsByKind ?? {})),
    paths: mergePaths(results, label),
    generatorSaturated: results.some((r) => r.generatorSaturated === true),
    scheduleMissed: results.some((r) => r.scheduleMissed === true),
    errorMessages: Object.assign({}, ...results.map((r) => r.errorMessages ?? {}).reverse()),
    peakConnections: sum(results.map((r) => r.peakConnections ?? 0)),
  };
  return out;
}

function mergePaths(
  results: readonly SmokeSideResult[],
  label: string,
): NonNullable<SmokeSideResult['paths']> {
  const byPath = new Map<string, { requests: number; errors: number; histograms: Histogram[] }>();
  results.forEach((result, index) => {
    for (const [path, entry] of Object.entries(result.paths ?? {})) {
      const slot = byPath.get(path) ?? { requests: 0, errors: 0, histograms: [] };
      slot.requests += entry.requests;
      slot.errors += entry.errors;
      if (entry.histogram)
        slot.histograms.push(decode(entry.histogram, `${label} ${index + 1} path ${path}`));
      byPath.set(path, slot);
    }
  });
  const out: NonNullable<SmokeSideResult['paths']> = {};
  for (const [path, slot] of byPath) {
    const histogram = mergeHistograms(slot.histograms);
    out[path] = {
      requests: slot.requests,
      errors: slot.errors,
      latencyMs: summarize(histogram),
      histogram: encodeHistogram(histogram),
    };
  }
  return out;
}

function decode(encoded: unknown, what: string): Histogram {
  if (typeof encoded !== 'string')
    throw new UsageError(`${what} has no histogram`, 'merge result files written by orchestra-perf smoke');
  try {
    return decodeHistogram(encoded);
  } catch (error) {
    throw new UsageError(
      `${what}: ${(error as Error).message}`,
      'merge result files written by orchestra-perf smoke',
    );
  }
}

function addCounts(list: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of list)
    for (const [key, value] of Object.entries(counts)) out[key] = (out[key] ?? 0) + value;
  return out;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
