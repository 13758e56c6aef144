import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/stats/random.js';

describe('createRandom', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    for (const value of seqA) expect(value >= 0 && value < 1).toBe(true);
  });

  it('draws normal, gamma and beta variates with the right moments', () => {
    const random = createRandom(1);
    const n = 20_000;
    const normals = Array.from({ length: n }, () => random.normal());
    const mean = normals.reduce((x, y) => x + y) / n;
    const variance = normals.reduce((x, y) => x + (y - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const gammas = Array.from({ length: n }, () => random.gamma(3));
    expect(Math.abs(gammas.reduce((x, y) => x + y) / n - 3)).toBeLessThan(0.06);
    const betas = Array.from({ length: n }, () => random.beta(2, 6));
    expect(Math.abs(betas.reduce((x, y) => x + y) / n - 0.25)).toBeLessThan(0.01);
  });
});
