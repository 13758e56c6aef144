import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/config/durations.js';
import { parseImageRef } from '../../../src/config/image-ref.js';
import { parseThreshold, thresholdPasses } from '../../../src/config/thresholds.js';

describe('thresholds', () => {
  it.each([
    ['p95<300ms', { metric: 'p95', op: '<', value: 300 }],
    ['p99 <= 1.5s', { metric: 'p99', op: '<=', value: 1500 }],
    ['error-rate<1%', { metric: 'error-rate', op: '<', value: 0.01 }],
    ['rps>=100', { metric: 'rps', op: '>=', value: 100 }],
    ['cold-start<2s', { metric: 'cold-start', op: '<', value: 2000 }],
    ['mean>0', { metric: 'mean', op: '>', value: 0 }],
  ])('parses %s', (text, expected) => {
    expect(parseThreshold(text)).toMatchObject(expected);
  });

  it.each(['p95<<3', 'p42<3ms', 'p95~3ms', 'rps>=100ms', 'p95<10%', 'error-rate<200%', '', 'p95<'])(
    'rejects %j',
    (text) => {
      expect(parseThreshold(text)).toHaveProperty('error');
    },
  );

  it('evaluates every operator at the boundary', () => {
    const at = (expr: string, actual: number) => thresholdPasses(parseThreshold(expr) as never, actual);
    expect([at('p95<300ms', 300), at('p95<=300ms', 300), at('rps>100', 100), at('rps>=100', 100)]).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
});

describe('durations', () => {
  it('converts units and rejects the rest', () => {
    expect([parseDuration('500ms'), parseDuration('1.5s'), parseDuration('2m'), parseDuration('1h')]).toEqual(
      [500, 1500, 120_000, 3_600_000],
    );
    expect([parseDuration('10x'), parseDuration('10'), parseDuration('-1s'), parseDuration('s')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('image references', () => {
  it('parses registry, repository, tag and digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`127.0.0.1:5000/team/api:v1@${digest}`)).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'team/api',
      tag: 'v1',
      digest,
    });
    expect(parseImageRef('api')).toEqual({
      registry: undefined,
      repository: 'api',
      tag: undefined,
      digest: undefined,
    });
    expect(parseImageRef('localhost/api:latest')).toMatchObject({ registry: 'localhost', tag: 'latest' });
  });
  it.each(['Api', 'a b', 'gcr.io/a/b:', 'gcr.io//b', 'a/b@sha256:xyz', ''])('rejects %j', (text) => {
    expect(parseImageRef(text)).toHaveProperty('error');
  });
});
