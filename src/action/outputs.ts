/** The action's outputs, computed from the result object (pure). */
import type { PerfResult } from '../result.js';

export const RESULT_OUTPUTS = [
  'image-digest',
  'image-size',
  'url',
  'revision',
  'p50-ms',
  'p95-ms',
  'p99-ms',
  'rps',
  'error-rate',
  'cold-start-ms',
  'build-ms',
] as const;

export function outputsFromResult(
  result: PerfResult,
): Record<(typeof RESULT_OUTPUTS)[number], string | undefined> {
  const number = (value: number | undefined, digits = 2) =>
    value === undefined || !Number.isFinite(value) ? undefined : String(Number(value.toFixed(digits)));
  return {
    'image-digest': result.image?.digest,
    'image-size': number(result.image?.sizeBytes, 0),
    url: result.deploy?.url ?? result.smoke?.url,
    revision: result.deploy?.revision,
    'p50-ms': number(result.smoke?.latencyMs.p50),
    'p95-ms': number(result.smoke?.latencyMs.p95),
    'p99-ms': number(result.smoke?.latencyMs.p99),
    rps: number(result.smoke?.rps),
    'error-rate': number(result.smoke?.errorRate, 6),
    'cold-start-ms': number(result.smoke?.coldStartMs),
    'build-ms': number(result.build?.totalMs, 0),
  };
}
