import { describe, expect, it } from 'vitest';
import { median, normalCdf, normalQuantile, scaledMad, studentT } from '../../../src/stats/robust.js';

describe('robust statistics', () => {
  it('median and scaled MAD ignore one wild value', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    const values = [10, 11, 9, 10, 10.5, 9.5, 1000];
    expect(median(values)).toBe(10);
    expect(scaledMad(values)).toBeCloseTo(1.4826 * 0.5, 6);
  });

  it('normal quantile and CDF match tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 5);
  });

  it('Student t quantiles are close to tables and approach the normal', () => {
    expect(studentT(0.025, 10)).toBeCloseTo(2.228, 2);
    expect(studentT(0.005, 29)).toBeCloseTo(2.756, 2);
    expect(studentT(0.001, 9)).toBeGreaterThan(4.2);
    expect(studentT(0.001, 9)).toBeLessThan(4.4);
    expect(studentT(0.025, Number.POSITIVE_INFINITY)).toBeCloseTo(1.96, 2);
  });
});
