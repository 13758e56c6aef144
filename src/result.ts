/**
 * The result file (`perf-result.json`, schemaVersion 1) from DESIGN.md. Every stage writes its own
 * section; absent stages are absent keys. Latencies in milliseconds, errorRate a fraction.
 */
export const RESULT_SCHEMA_VERSION = 1;

export interface ResultMeta {
  tool: string;
  version: string;
  commit: string;
  ref: string;
  environment: string;
  startedAt: string;
  runUrl: string;
}

export type CacheHit = 'exact' | 'partial' | 'miss';
export interface CacheLayerResult {
  name: string;
  hit: CacheHit;
  restoreMs: number;
  sizeBytes: number;
  /** Extra telemetry beyond the contract. */
  key?: string;
  matchedKey?: string;
  /** The restore failed (service error or timeout) and the layer counts as a miss. */
  error?: string;
}

export type TaskStatus = 'success' | 'failure' | 'cancelled' | 'skipped' | 'timeout';
export interface BuildTaskResult {
  name: string;
  durationMs: number;
  status: TaskStatus;
  startMs?: number;
  exitCode?: number | null;
  /** Why the task was skipped, stopped or failed, in words. */
  reason?: string;
}
export interface BuildResult {
  totalMs: number;
  criticalPathMs: number;
  tasks: BuildTaskResult[];
  criticalPath?: string[];
}

export interface ImageResult {
  ref: string;
  digest: string;
  sizeBytes: number;
  buildMs: number;
  cacheBackend?: string;
  cachedSteps?: number;
  totalSteps?: number;
  /** Why that cache backend was chosen (builder driver, Actions cache service, cache-ref). */
  cacheReason?: string;
  /** Compressed size per platform (multi-platform images, or when platforms were set). */
  platforms?: Array<{ platform: string; digest: string; sizeBytes: number }>;
}

export interface DeployResult {
  target: string;
  url: string;
  revision: string;
  readyMs: number;
  baselineUrl?: string;
  rolledBack?: boolean;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  p999?: number;
}

export interface ThresholdResult {
  expr: string;
  actual: number;
  pass: boolean;
}

export interface SmokeSideResult {
  url: string;
  model: 'open' | 'closed';
  rate?: number;
  connections?: number;
  durationS: number;
  requests: number;
  errors: number;
  errorRate: number;
  rps: number;
  coldStartMs: number;
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
  /** Base64 of the compressed HdrHistogram (microseconds). */
  histogram: string;
  thresholds: ThresholdResult[];
  errorsByKind?: Record<string, number>;
  paths?: Record<string, { requests: number; errors: number; latencyMs: LatencySummary; histogram?: string }>;
  generatorSaturated?: boolean;
  scheduleMissed?: boolean;
  shard?: string;
  /** The first message seen per error kind. */
  errorMessages?: Record<string, string>;
  /** Most connections open at once. */
  peakConnections?: number;
  /** The generator's own event-loop utilisation over the run (0..1). */
  eventLoopUtilization?: number;
  /** Open model: how late requests left after their intended time (both sides of a pair together). */
  sendLagMs?: { p50: number; p99: number; max: number };
}

export interface SmokeResult extends SmokeSideResult {
  /** The serving revision measured in the same run (interleaved A/B). */
  baseline?: SmokeSideResult;
}

export interface PerfResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  meta: ResultMeta;
  cache?: { layers: CacheLayerResult[] };
  build?: BuildResult;
  image?: ImageResult;
  deploy?: DeployResult;
  smoke?: SmokeResult;
}
