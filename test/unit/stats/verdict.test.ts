import { describe, expect, it } from 'vitest';
import type { Significance } from '../../../src/stats/noise.js';
import { judge, overallVerdict, relativeChange } from '../../../src/stats/verdict.js';

const outside: Significance = { method: 'bootstrap', outsideNoise: true, reason: '' };
const inside: Significance = { method: 'bootstrap', outsideNoise: false, reason: '' };
const lower = { betterWhen: 'lower' as const };
const higher = { betterWhen: 'higher' as const };

describe('relativeChange', () => {
  it('is a fraction of the baseline, 0 from 0 to 0, null from 0 or without a baseline', () => {
    expect(relativeChange(100, 112)).toBeCloseTo(0.12, 10);
    expect(relativeChange(100, 80)).toBeCloseTo(-0.2, 10);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(0, 3)).toBeNull();
    expect(relativeChange(null, 3)).toBeNull();
  });
});

describe('judge', () => {
  it('needs both a change beyond the threshold and a change outside the noise', () => {
    expect(judge(lower, 100, 120, 0.1, outside)).toBe('regression');
    expect(judge(lower, 100, 120, 0.1, inside)).toBe('unchanged');
    expect(judge(lower, 100, 105, 0.1, outside)).toBe('unchanged');
    expect(judge(lower, 100, 80, 0.1, outside)).toBe('improvement');
  });

  it('calls a change below the absolute floor unchanged, however significant', () => {
    expect(judge(lower, 0.15, 0.18, 0.1, outside, 1)).toBe('unchanged');
    expect(judge(lower, 10, 11.5, 0.1, outside, 1)).toBe('regression');
    expect(judge(lower, 0.15, 0.18, 0.1, outside)).toBe('regression');
  });

  it('knows the direction of each metric', () => {
    expect(judge(higher, 100, 80, 0.1, outside)).toBe('regression');
    expect(judge(higher, 100, 120, 0.1, outside)).toBe('improvement');
  });

  it('says no-baseline without one and never judges a not-judged metric', () => {
    expect(judge(lower, null, 120, 0.1, outside)).toBe('no-baseline');
    expect(judge(lower, 100, 500, 0.1, { method: 'not-judged', outsideNoise: true, reason: '' })).toBe(
      'unchanged',
    );
  });

  it('lets the noise test alone decide a change from zero', () => {
    expect(judge(lower, 0, 0.01, 0.1, outside)).toBe('regression');
    expect(judge(lower, 0, 0.01, 0.1, inside)).toBe('unchanged');
  });
});

describe('overallVerdict', () => {
  it('is the worst news', () => {
    expect(overallVerdict([{ verdict: 'improvement' }, { verdict: 'regression' }])).toBe('regression');
    expect(overallVerdict([{ verdict: 'improvement' }, { verdict: 'unchanged' }])).toBe('improvement');
    expect(overallVerdict([{ verdict: 'unchanged' }, { verdict: 'no-baseline' }])).toBe('unchanged');
  });
});
