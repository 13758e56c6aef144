import { describe, expect, it } from 'vitest';
import { MAX_RESULT_BYTES, validateResult, validateResultText } from '../../../src/report/validate-result.js';
import { buildSection, imageSection, perfResult, smokeSide } from '../../helpers/perf-results.js';

const good = () =>
  perfResult({
    cache: { layers: [{ name: 'npm', hit: 'exact', restoreMs: 10, sizeBytes: 100 }] },
    build: buildSection(1000),
    image: imageSection(1e6),
    deploy: { target: 'local', url: 'http://127.0.0.1:8080', revision: 'r1', readyMs: 5 },
    smoke: { ...smokeSide({ seed: 1, requests: 200 }), baseline: smokeSide({ seed: 2, requests: 200 }) },
  });

describe('validateResult', () => {
  it('accepts a complete result file', () => {
    const result = validateResult(JSON.parse(JSON.stringify(good())));
    expect(result.ok).toBe(true);
  });

  const DELETE = Symbol('delete');
  /** Sets (or deletes) the value at a path of a parsed JSON copy. */
  function mutate(value: unknown, path: (string | number)[], next: unknown) {
    let node = value as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    if (next === DELETE) delete node[last];
    else node[last] = next;
  }

  it.each([
    ['schemaVersion', ['schemaVersion'], 2, 'schemaVersion'],
    ['a string latency', ['smoke', 'latencyMs', 'p95'], '12', 'smoke.latencyMs.p95'],
    ['a negative duration', ['build', 'totalMs'], -1, 'build.totalMs'],
    ['an error rate above 1', ['smoke', 'errorRate'], 3, 'smoke.errorRate'],
    ['a fractional request count', ['smoke', 'baseline', 'requests'], 1.5, 'smoke.baseline.requests'],
    ['a non-base64 histogram', ['smoke', 'histogram'], '<script>', 'smoke.histogram'],
    ['an unknown cache hit', ['cache', 'layers', 0, 'hit'], 'maybe', 'cache.layers[0].hit'],
    ['an unknown key', ['smoke', 'evil'], 1, 'smoke'],
    ['a missing meta', ['meta'], DELETE, 'meta'],
  ] as const)('rejects %s and names the field', (_what, path, next, field) => {
    const value = JSON.parse(JSON.stringify(good()));
    mutate(value, [...path], next);
    const result = validateResult(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((issue) => issue.field)).toContain(field);
  });

  it('rejects Infinity that JSON.parse makes of 1e999', () => {
    const text = JSON.stringify(good()).replace(/"readyMs":5/, '"readyMs":1e999');
    const result = validateResultText(text, 'f.json');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]!.field).toBe('f.json: deploy.readyMs');
  });

  it('drops and lists unknown keys in strip mode', () => {
    const value = JSON.parse(JSON.stringify(good()));
    value.smoke.futureField = { x: 1 };
    value.extra = true;
    const result = validateResult(value, { unknownKeys: 'strip' });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.ignoredKeys.sort()).toEqual(['extra', 'smoke.futureField']);
      expect('futureField' in result.result.smoke!).toBe(false);
    }
  });

  it('refuses oversized text and non-JSON before parsing', () => {
    const big = validateResultText(' '.repeat(MAX_RESULT_BYTES + 1), 'big.json');
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.issues[0]!.message).toMatch(/cap/);
    const bad = validateResultText('{nope', 'bad.json');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]!.message).toMatch(/^not JSON/);
  });
});
