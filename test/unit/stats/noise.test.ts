import { describe, expect, it } from 'vitest';
import { bucketsFromEncoded } from '../../../src/stats/buckets.js';
import {
  bandNoise,
  binomialTwoSided,
  bootstrapPercentile,
  historyBand,
  percentileNoise,
  proportionNoise,
  rateNoise,
} from '../../../src/stats/noise.js';
import { createRandom } from '../../../src/stats/random.js';
import { smokeSide } from '../../helpers/perf-results.js';

const options = (seed = 1) => ({ confidence: 0.998, resamples: 400, random: createRandom(seed) });

describe('bootstrapPercentile', () => {
  it('spreads around the observed percentile with the spread of repeated runs', () => {
    // Repeated runs from one distribution: their p95 spread is what the bootstrap must estimate.
    const p95s = Array.from(
      { length: 60 },
      (_, i) => smokeSide({ seed: 100 + i, requests: 2000 }).latencyMs.p95,
    );
    const mean = p95s.reduce((x, y) => x + y) / p95s.length;
    const runSd = Math.sqrt(p95s.reduce((x, y) => x + (y - mean) ** 2, 0) / (p95s.length - 1));
    const side = smokeSide({ seed: 7, requests: 2000 });
    const draws = bootstrapPercentile(bucketsFromEncoded(side.histogram)!, 95, 1000, createRandom(2));
    const bootMean = draws.reduce((x, y) => x + y) / draws.length;
    const bootSd = Math.sqrt(draws.reduce((x, y) => x + (y - bootMean) ** 2, 0) / (draws.length - 1));
    expect(Math.abs(bootMean - side.latencyMs.p95) / side.latencyMs.p95).toBeLessThan(0.02);
    expect(bootSd / runSd).toBeGreaterThan(0.6);
    expect(bootSd / runSd).toBeLessThan(1.6);
  });

  it('is deterministic for a seed', () => {
    const dist = bucketsFromEncoded(smokeSide({ seed: 1 }).histogram)!;
    expect(bootstrapPercentile(dist, 99, 50, createRandom(9))).toEqual(
      bootstrapPercentile(dist, 99, 50, createRandom(9)),
    );
  });
});

describe('percentileNoise', () => {
  const a = smokeSide({ seed: 1 });
  const b = smokeSide({ seed: 2 });
  const slow = smokeSide({ seed: 3, slowdown: 1.3 });
  const dist = (side: typeof a) => bucketsFromEncoded(side.histogram)!;

  it('keeps an A/A change inside the noise and puts a 30% slowdown outside', () => {
    const same = percentileNoise(dist(a), dist(b), 95, a.latencyMs.p95, b.latencyMs.p95, options());
    expect(same.method).toBe('bootstrap');
    expect(same.outsideNoise).toBe(false);
    expect(same.interval!.low).toBeLessThan(0);
    expect(same.interval!.high).toBeGreaterThan(0);
    const worse = percentileNoise(dist(a), dist(slow), 95, a.latencyMs.p95, slow.latencyMs.p95, options());
    expect(worse.outsideNoise).toBe(true);
    expect(worse.interval!.low).toBeGreaterThan(0.1);
  });

  it('does not judge a tail percentile with too few requests beyond it', () => {
    const small = smokeSide({ seed: 4, requests: 1000 });
    const result = percentileNoise(dist(small), dist(small), 99, 1, 1, options());
    expect(result.method).toBe('not-judged');
    expect(result.reason).toMatch(/too few requests beyond p99 \(10, needs 30\)/);
  });
});

describe('proportionNoise', () => {
  it('exact binomial p-values match hand computation', () => {
    // 5 of 5 errors on one side of two equal halves: 2 * 0.5^5.
    expect(binomialTwoSided(5, 5, 0.5)).toBeCloseTo(0.0625, 10);
    expect(binomialTwoSided(0, 0, 0.5)).toBe(1);
    expect(binomialTwoSided(3, 6, 0.5)).toBeCloseTo(1, 10);
  });

  it('flags a jump from no errors to many, not a handful', () => {
    const none = { errors: 0, requests: 3000 };
    expect(proportionNoise(none, { errors: 3, requests: 3000 }, options()).outsideNoise).toBe(false);
    const many = proportionNoise(none, { errors: 40, requests: 3000 }, options());
    expect(many.outsideNoise).toBe(true);
    expect(many.pValue!).toBeLessThan(1e-6);
    // Large counts take the z-test path.
    const big = proportionNoise(
      { errors: 1500, requests: 100_000 },
      { errors: 1600, requests: 100_000 },
      options(),
    );
    expect(big.method).toBe('two-proportion');
    expect(big.outsideNoise).toBe(false);
  });
});

describe('rateNoise', () => {
  it('treats request counts as Poisson', () => {
    const base = { rps: 50, requests: 3000, durationS: 60 };
    expect(rateNoise(base, { rps: 49, requests: 2940, durationS: 60 }, options()).outsideNoise).toBe(false);
    expect(rateNoise(base, { rps: 35, requests: 2100, durationS: 60 }, options()).outsideNoise).toBe(true);
  });
});

describe('history band', () => {
  const history = [100, 102, 98, 101, 99, 103, 97, 100, 250, 100, 101, 99];

  it('is centred on the median and not widened by one outlier', () => {
    const band = historyBand(history, 0.998);
    expect(band.center).toBeCloseTo(100, 0);
    expect(band.runs).toBe(12);
    expect(band.high).toBeLessThan(130);
    expect(band.low).toBeGreaterThan(75);
  });

  it('puts a far value outside and a near one inside', () => {
    expect(bandNoise(history, 104, 0.998).outsideNoise).toBe(false);
    expect(bandNoise(history, 160, 0.998).outsideNoise).toBe(true);
  });

  it('is wide for a short history and a point for identical values', () => {
    expect(historyBand([100, 110, 90], 0.998).high).toBeGreaterThan(200);
    const flat = historyBand([5, 5, 5, 5], 0.998);
    expect(flat.low).toBe(5);
    expect(flat.high).toBe(5);
  });
});
