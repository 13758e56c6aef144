/**
 * Validation of a result file (`perf-result.json`, schemaVersion 1) read from disk or from an
 * artifact another workflow uploaded: text size capped, numbers finite and in range, strings
 * bounded, known keys only (or unknown keys dropped and listed, for files from newer versions).
 * Every problem names its field (`smoke.latencyMs.p95: ...`). Fork-safe: nothing in an accepted
 * file can be larger than the caps, and every string is still escaped when rendered.
 */
import { z } from 'zod';
import type { ConfigIssue } from '../errors.js';
import type { PerfResult } from '../result.js';

/** A result file larger than this is refused before parsing. */
export const MAX_RESULT_BYTES = 8 * 1024 * 1024;
const MAX_HISTOGRAM_CHARS = 2 * 1024 * 1024;
const MAX_ENTRIES = 2000;

export interface ValidateOptions {
  /** `reject` (default): unknown keys are errors; `strip`: dropped and listed in `ignoredKeys`. */
  unknownKeys?: 'reject' | 'strip';
}

export type ValidationResult =
  | { ok: true; result: PerfResult; ignoredKeys: string[] }
  | { ok: false; issues: ConfigIssue[] };

const text = (max: number) => z.string().max(max);
const ms = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();
const fraction = z.number().finite().min(0).max(1);
const bounded = <T extends z.ZodType>(value: T, max = MAX_ENTRIES) =>
  z.array(value).max(max, `at most ${max} entries`);
const record = <T extends z.ZodType>(key: number, value: T) =>
  z
    .record(text(key), value)
    .refine((entries) => Object.keys(entries).length <= MAX_ENTRIES, `at most ${MAX_ENTRIES} entries`);

function schema(mode: 'reject' | 'strip') {
  const obj = <T extends z.ZodRawShape>(shape: T) =>
    mode === 'reject' ? z.strictObject(shape) : z.object(shape);
  const latency = obj({ p50: ms, p90: ms, p95: ms, p99: ms, max: ms, mean: ms, p999: ms.optional() });
  const histogram = text(MAX_HISTOGRAM_CHARS).regex(
    /^[A-Za-z0-9+/]*={0,2}$/,
    'must be base64 (an encoded HdrHistogram)',
  );
  const side = {
    url: text(2048),
    model: z.enum(['open', 'closed']),
    rate: z.number().finite().nonnegative().optional(),
    connections: count.optional(),
    durationS: z.number().finite().nonnegative(),
    requests: count,
    errors: count,
    errorRate: fraction,
    rps: z.number().finite().nonnegative(),
    coldStartMs: ms,
    latencyMs: latency,
    statusCodes: record(10, count),
    histogram,
    thresholds: bounded(obj({ expr: text(200), actual: z.number().finite(), pass: z.boolean() }), 100),
    errorsByKind: record(100, count).optional(),
    paths: record(
      2048,
      obj({ requests: count, errors: count, latencyMs: latency, histogram: histogram.optional() }),
    ).optional(),
    generatorSaturated: z.boolean().optional(),
    scheduleMissed: z.boolean().optional(),
    shard: text(40).optional(),
    errorMessages: record(100, text(2000)).optional(),
    peakConnections: count.optional(),
    eventLoopUtilization: fraction.optional(),
    sendLagMs: obj({ p50: ms, p99: ms, max: ms }).optional(),
  };
  const smokeSide = obj(side);
  return obj({
    schemaVersion: z.literal(1, { error: 'must be 1 (this version reads schemaVersion 1 result files)' }),
    meta: obj({
      tool: text(100),
      version: text(100),
      commit: text(100),
      ref: text(500),
      environment: text(200),
      startedAt: text(100),
      runUrl: text(2048),
    }),
    cache: obj({
      layers: bounded(
        obj({
          name: text(200),
          hit: z.enum(['exact', 'partial', 'miss']),
          restoreMs: ms,
          sizeBytes: count,
          key: text(1000).optional(),
          matchedKey: text(1000).optional(),
          error: text(2000).optional(),
        }),
        200,
      ),
    }).optional(),
    build: obj({
      totalMs: ms,
      criticalPathMs: ms,
      tasks: bounded(
        obj({
          name: text(200),
          durationMs: ms,
          status: z.enum(['success', 'failure', 'cancelled', 'skipped', 'timeout']),
          startMs: ms.optional(),
          exitCode: z.number().int().nullable().optional(),
          reason: text(2000).optional(),
        }),
      ),
      criticalPath: bounded(text(200)).optional(),
    }).optional(),
    image: obj({
      ref: text(1000),
      digest: text(200),
      sizeBytes: count,
      buildMs: ms,
      cacheBackend: text(100).optional(),
      cachedSteps: count.optional(),
      totalSteps: count.optional(),
      cacheReason: text(1000).optional(),
      platforms: bounded(obj({ platform: text(100), digest: text(200), sizeBytes: count }), 50).optional(),
    }).optional(),
    deploy: obj({
      target: text(100),
      url: text(2048),
      revision: text(500),
      readyMs: ms,
      baselineUrl: text(2048).optional(),
      rolledBack: z.boolean().optional(),
    }).optional(),
    smoke: obj({ ...side, baseline: smokeSide.optional() }).optional(),
  });
}

const schemas = { reject: schema('reject'), strip: schema('strip') };

/** Validates a parsed JSON value. */
export function validateResult(value: unknown, options: ValidateOptions = {}): ValidationResult {
  const mode = options.unknownKeys ?? 'reject';
  const parsed = schemas[mode].safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.slice(0, 20).map((issue) => ({
        field: fieldName(issue.path),
        message:
          issue.code === 'unrecognized_keys'
            ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k.slice(0, 60))).join(', ')}`
            : issue.message,
      })),
    };
  }
  const ignoredKeys = mode === 'strip' ? droppedKeys(value, parsed.data) : [];
  return { ok: true, result: parsed.data as PerfResult, ignoredKeys };
}

/** Validates result-file text: size cap, JSON, then the schema. `source` names the file in issues. */
export function validateResultText(
  textValue: string,
  source: string,
  options: ValidateOptions = {},
): ValidationResult {
  const bytes = Buffer.byteLength(textValue, 'utf8');
  if (bytes > MAX_RESULT_BYTES) {
    return {
      ok: false,
      issues: [
        {
          field: source,
          message: `${bytes} bytes, more than the ${MAX_RESULT_BYTES}-byte cap for a result file`,
        },
      ],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(textValue);
  } catch (error) {
    return {
      ok: false,
      issues: [{ field: source, message: `not JSON (${(error as Error).message.slice(0, 200)})` }],
    };
  }
  const result = validateResult(value, options);
  if (result.ok) return result;
  return {
    ok: false,
    issues: result.issues.map((issue) => ({ field: `${source}: ${issue.field}`, message: issue.message })),
  };
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part).slice(0, 80)}`,
    )
    .join('');
}

/** Dotted paths present in `input` and absent from `kept` (what strip mode dropped). */
function droppedKeys(input: unknown, kept: unknown, prefix = ''): string[] {
  if (!isObject(input) || !isObject(kept)) {
    if (Array.isArray(input) && Array.isArray(kept)) {
      return input.flatMap((item, i) => droppedKeys(item, kept[i], `${prefix}[${i}]`));
    }
    return [];
  }
  const out: string[] = [];
  for (const key of Object.keys(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!(key in kept)) out.push(path);
    else out.push(...droppedKeys(input[key], kept[key], path));
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
