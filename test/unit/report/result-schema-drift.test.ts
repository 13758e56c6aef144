/**
 * Every field the result type can carry must pass the strict (fork-safe) validator: the fixture
 * is typed with every optional field required, so adding a field to src/result.ts breaks the
 * build here until it is added to the fixture, and this test until the validator knows it.
 */
import { describe, expect, it } from 'vitest';
import { validateResult } from '../../../src/report/validate-result.js';
import type { PerfResult } from '../../../src/result.js';

type DeepRequired<T> = T extends (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<NonNullable<T[K]>> }
    : T;

const latency = { p50: 1, p90: 2, p95: 3, p99: 4, max: 5, mean: 1.5, p999: 4.5 };
const side = {
  url: 'https://api-pr-42.a.run.app/',
  model: 'open' as const,
  rate: 50,
  connections: 8,
  durationS: 20,
  requests: 1000,
  errors: 1,
  errorRate: 0.001,
  rps: 50,
  coldStartMs: 900,
  latencyMs: latency,
  statusCodes: { '200': 999, '503': 1 },
  histogram: 'HISTFAAAAB==',
  thresholds: [{ expr: 'p95<300ms', actual: 3, pass: true }],
  errorsByKind: { 'http-status': 1 },
  paths: { '/health': { requests: 1000, errors: 1, latencyMs: latency, histogram: 'HISTFAAAAB==' } },
  generatorSaturated: false,
  scheduleMissed: false,
  shard: '1/2',
  errorMessages: { 'http-status': 'HTTP 503' },
  peakConnections: 4,
  eventLoopUtilization: 0.1,
  sendLagMs: { p50: 0.004, p99: 0.1, max: 1 },
};

const everything: DeepRequired<PerfResult> = {
  schemaVersion: 1,
  meta: {
    tool: 'orchestra-perf',
    version: '0.1.0',
    commit: 'a'.repeat(40),
    ref: 'refs/heads/main',
    environment: 'dev',
    startedAt: '2026-11-23T10:00:00Z',
    runUrl: 'https://github.com/acme/api/actions/runs/1',
  },
  cache: {
    layers: [
      { name: 'npm', hit: 'partial', restoreMs: 10, sizeBytes: 100, key: 'k', matchedKey: 'm', error: 'e' },
    ],
  },
  build: {
    totalMs: 10,
    criticalPathMs: 9,
    tasks: [{ name: 'lint', durationMs: 9, status: 'success', startMs: 0, exitCode: 0, reason: 'ok' }],
    criticalPath: ['lint'],
  },
  image: {
    ref: `127.0.0.1:5000/api@sha256:${'b'.repeat(64)}`,
    digest: `sha256:${'b'.repeat(64)}`,
    sizeBytes: 1000,
    buildMs: 100,
    cacheBackend: 'inline',
    cachedSteps: 1,
    totalSteps: 2,
    cacheReason: 'docker driver',
    platforms: [{ platform: 'linux/amd64', digest: `sha256:${'c'.repeat(64)}`, sizeBytes: 1000 }],
  },
  deploy: {
    target: 'cloud-run',
    url: 'https://api.a.run.app',
    revision: 'api-00002-abc',
    readyMs: 9000,
    baselineUrl: 'https://base---api.a.run.app',
    rolledBack: false,
  },
  smoke: { ...side, baseline: side },
};

describe('result file schema', () => {
  it('accepts every field the pipeline can write, in the strict mode used for fork artifacts', () => {
    const validation = validateResult(everything, { unknownKeys: 'reject' });
    expect(validation.ok ? [] : validation.issues).toEqual([]);
  });
});
