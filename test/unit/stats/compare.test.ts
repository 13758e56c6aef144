import { describe, expect, it } from 'vitest';
import { significanceMark } from '../../../src/report/render.js';
import { type Comparison, compareResults, type MetricComparison } from '../../../src/stats/compare.js';
import { buildSection, imageSection, perfResult, smokeSide } from '../../helpers/perf-results.js';

const metric = (comparison: Comparison, name: MetricComparison['name']) =>
  comparison.metrics.find((m) => m.name === name)!;

describe('compareResults', () => {
  it('says no-baseline plainly when there is nothing to compare', () => {
    const comparison = compareResults(
      perfResult({ smoke: smokeSide({ seed: 1 }), build: buildSection(60_000) }),
      {
        threshold: 0.1,
      },
    );
    expect(comparison.verdict).toBe('no-baseline');
    expect(comparison.basis).toBe('none');
    expect(comparison.notes[0]).toMatch(/^No baseline yet/);
    for (const m of comparison.metrics) {
      expect(m.verdict).toBe('no-baseline');
      expect(m.baseline).toBeNull();
      expect(m.change).toBeNull();
    }
  });

  it('ignores pipeline jitter below the absolute floors, judges real changes', () => {
    const judged = (baselineMs: number, currentMs: number, baseSize: number, size: number) => {
      const comparison = compareResults(
        perfResult({ build: buildSection(currentMs), image: imageSection(size) }),
        {
          baseline: perfResult({ build: buildSection(baselineMs), image: imageSection(baseSize) }),
          threshold: 0.1,
        },
      );
      return [metric(comparison, 'build').verdict, metric(comparison, 'image-size').verdict];
    };
    // 30 ms -> 56 ms is +87% but jitter; 200 KiB -> 300 KiB is +50% but below a MiB.
    expect(judged(30, 56, 200 * 1024, 300 * 1024)).toEqual(['unchanged', 'unchanged']);
    const floored = compareResults(perfResult({ build: buildSection(56) }), {
      baseline: perfResult({ build: buildSection(30) }),
      threshold: 0.1,
    });
    expect(significanceMark(metric(floored, 'build'))).toBe('below the 1 s floor');
    expect(judged(30_000, 45_000, 100e6, 130e6)).toEqual(['regression', 'regression']);
  });

  it('lists every metric present in both, each with its direction and unit', () => {
    const current = perfResult({
      smoke: smokeSide({ seed: 1 }),
      build: buildSection(60_000),
      image: imageSection(100e6),
      deploy: { target: 'local', url: 'http://127.0.0.1:8080', revision: 'r2', readyMs: 4000 },
    });
    const comparison = compareResults(current, { baseline: current, threshold: 0.1 });
    expect(comparison.metrics.map((m) => m.name)).toEqual([
      'p50',
      'p90',
      'p95',
      'p99',
      'max',
      'mean',
      'rps',
      'error-rate',
      'cold-start',
      'build',
      'critical-path',
      'image-size',
      'deploy-ready',
    ]);
    expect(metric(comparison, 'rps').betterWhen).toBe('higher');
    expect(metric(comparison, 'p95').betterWhen).toBe('lower');
    expect(metric(comparison, 'image-size').unit).toBe('bytes');
    expect(metric(comparison, 'error-rate').unit).toBe('ratio');
    expect(comparison.verdict).toBe('unchanged');
    for (const m of comparison.metrics) expect(m.change).toBe(0);
  });

  it('keeps an A/A pair (same distribution, different samples) unchanged', () => {
    const baseline = perfResult({ smoke: smokeSide({ seed: 11 }) });
    const current = perfResult({ smoke: smokeSide({ seed: 12 }) });
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    expect(comparison.basis).toBe('single-baseline');
    expect(comparison.verdict).toBe('unchanged');
    expect(metric(comparison, 'p95').significance?.method).toBe('bootstrap');
  });

  it('flags a 25% slowdown as a regression and a 25% speed-up as an improvement', () => {
    const baseline = perfResult({ smoke: smokeSide({ seed: 21 }) });
    const slower = compareResults(perfResult({ smoke: smokeSide({ seed: 22, slowdown: 1.25 }) }), {
      baseline,
      threshold: 0.1,
    });
    expect(slower.verdict).toBe('regression');
    expect(metric(slower, 'p95').verdict).toBe('regression');
    expect(metric(slower, 'p95').change!).toBeGreaterThan(0.15);
    const faster = compareResults(perfResult({ smoke: smokeSide({ seed: 22, slowdown: 0.75 }) }), {
      baseline,
      threshold: 0.1,
    });
    expect(faster.verdict).toBe('improvement');
    expect(metric(faster, 'p50').verdict).toBe('improvement');
  });

  it('does not call a significant change below the threshold a regression', () => {
    const baseline = perfResult({ smoke: smokeSide({ seed: 31, requests: 50_000, durationS: 1000 }) });
    const current = perfResult({
      smoke: smokeSide({ seed: 32, requests: 50_000, durationS: 1000, slowdown: 1.06 }),
    });
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    const p50 = metric(comparison, 'p50');
    expect(p50.significance?.outsideNoise).toBe(true);
    expect(p50.verdict).toBe('unchanged');
    // The same change with a 5% threshold is a regression.
    expect(metric(compareResults(current, { baseline, threshold: 0.05 }), 'p50').verdict).toBe('regression');
  });

  it('compares against the paired side first when the current file has one', () => {
    const current = perfResult({
      smoke: { ...smokeSide({ seed: 41, slowdown: 1.3 }), baseline: smokeSide({ seed: 42 }) },
      build: buildSection(60_000),
    });
    const unrelated = perfResult({
      smoke: smokeSide({ seed: 43, slowdown: 1.3 }),
      build: buildSection(60_000),
    });
    const comparison = compareResults(current, { baseline: unrelated, threshold: 0.1 });
    expect(comparison.basis).toBe('paired');
    expect(metric(comparison, 'p95').source).toBe('paired');
    expect(metric(comparison, 'p95').verdict).toBe('regression');
    expect(metric(comparison, 'build').source).toBe('baseline');
    expect(comparison.notes.join(' ')).toMatch(/same time window/);
  });

  it('uses a noise band with a history of at least three runs', () => {
    const history = Array.from({ length: 12 }, (_, i) => perfResult({ smoke: smokeSide({ seed: 100 + i }) }));
    const same = compareResults(perfResult({ smoke: smokeSide({ seed: 200 }) }), { history, threshold: 0.1 });
    expect(same.basis).toBe('history');
    expect(same.verdict).toBe('unchanged');
    const p95 = metric(same, 'p95');
    expect(p95.source).toBe('history');
    expect(p95.significance?.band?.runs).toBe(12);
    const slow = compareResults(perfResult({ smoke: smokeSide({ seed: 201, slowdown: 1.3 }) }), {
      history,
      threshold: 0.1,
    });
    expect(metric(slow, 'p95').verdict).toBe('regression');
    // Error rate is still judged by counts against the newest run, not by a band.
    expect(metric(slow, 'error-rate').significance?.method).toBe('two-proportion');
  });

  it('falls back to the newest history run with fewer than three runs', () => {
    const history = [
      perfResult({ smoke: smokeSide({ seed: 1 }) }),
      perfResult({ smoke: smokeSide({ seed: 2 }) }),
    ];
    const comparison = compareResults(perfResult({ smoke: smokeSide({ seed: 3 }) }), {
      history,
      threshold: 0.1,
    });
    expect(comparison.basis).toBe('single-baseline');
    expect(metric(comparison, 'p50').baseline).toBe(history[1]!.smoke!.latencyMs.p50);
  });

  it('judges build time and image size by the threshold alone with one baseline, and says so', () => {
    const baseline = perfResult({ build: buildSection(60_000), image: imageSection(100e6) });
    const current = perfResult({ build: buildSection(75_000), image: imageSection(104e6) });
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    expect(metric(comparison, 'build').verdict).toBe('regression');
    expect(metric(comparison, 'build').significance?.method).toBe('threshold-only');
    expect(metric(comparison, 'image-size').verdict).toBe('unchanged');
    expect(comparison.notes.join(' ')).toMatch(/threshold only.*build, critical-path, image-size/);
  });

  it('never judges max, and cold start only with a history', () => {
    const baseline = perfResult({ smoke: smokeSide({ seed: 1, coldStartMs: 500 }) });
    const current = perfResult({ smoke: smokeSide({ seed: 2, coldStartMs: 5000 }) });
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    expect(metric(comparison, 'cold-start').verdict).toBe('unchanged');
    expect(metric(comparison, 'cold-start').significance?.method).toBe('not-judged');
    expect(metric(comparison, 'max').significance?.method).toBe('not-judged');
    const history = [480, 520, 500, 510, 490].map((coldStartMs, i) =>
      perfResult({ smoke: smokeSide({ seed: 10 + i, coldStartMs }) }),
    );
    expect(metric(compareResults(current, { history, threshold: 0.1 }), 'cold-start').verdict).toBe(
      'regression',
    );
  });

  it('flags errors appearing, by a two-proportion test', () => {
    const baseline = perfResult({ smoke: smokeSide({ seed: 1 }) });
    const few = compareResults(perfResult({ smoke: smokeSide({ seed: 2, errors: 2 }) }), {
      baseline,
      threshold: 0.1,
    });
    expect(metric(few, 'error-rate').verdict).toBe('unchanged');
    expect(metric(few, 'error-rate').change).toBeNull();
    const many = compareResults(perfResult({ smoke: smokeSide({ seed: 2, errors: 60 }) }), {
      baseline,
      threshold: 0.1,
    });
    expect(metric(many, 'error-rate').verdict).toBe('regression');
  });

  it('is deterministic for a seed', () => {
    const baseline = perfResult({ smoke: smokeSide({ seed: 1 }) });
    const current = perfResult({ smoke: smokeSide({ seed: 2, slowdown: 1.1 }) });
    expect(compareResults(current, { baseline, threshold: 0.1, seed: 5 })).toEqual(
      compareResults(current, { baseline, threshold: 0.1, seed: 5 }),
    );
  });

  it('falls back to the threshold when a histogram is unreadable, and says so', () => {
    const baseline = perfResult({ smoke: { ...smokeSide({ seed: 1 }), histogram: '' } });
    const current = perfResult({ smoke: smokeSide({ seed: 2, slowdown: 1.2 }) });
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    expect(metric(comparison, 'p95').significance?.method).toBe('threshold-only');
    expect(metric(comparison, 'p95').verdict).toBe('regression');
  });

  it('reports cache layers per layer against the baseline', () => {
    const baseline = perfResult({
      cache: { layers: [{ name: 'npm', hit: 'exact', restoreMs: 800, sizeBytes: 5e7 }] },
    });
    const current = perfResult({
      cache: {
        layers: [
          { name: 'npm', hit: 'miss', restoreMs: 0, sizeBytes: 0 },
          { name: 'models', hit: 'partial', restoreMs: 300, sizeBytes: 1e6 },
        ],
      },
    });
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    expect(comparison.cacheLayers).toEqual([
      {
        name: 'npm',
        current: 'miss',
        baseline: 'exact',
        restoreMs: 0,
        baselineRestoreMs: 800,
        sizeBytes: 0,
        baselineSizeBytes: 5e7,
      },
      {
        name: 'models',
        current: 'partial',
        baseline: null,
        restoreMs: 300,
        baselineRestoreMs: null,
        sizeBytes: 1e6,
        baselineSizeBytes: null,
      },
    ]);
  });
});
