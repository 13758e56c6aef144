import { describe, expect, it } from 'vitest';
import { conclusionFor, renderCheckRun } from '../../../src/report/check-run.js';
import { renderSummary } from '../../../src/report/summary.js';
import { compareResults } from '../../../src/stats/compare.js';
import { perfResult, smokeSide } from '../../helpers/perf-results.js';

describe('renderCheckRun', () => {
  const baseline = perfResult({ smoke: smokeSide({ seed: 1 }) });
  const current = perfResult({ smoke: smokeSide({ seed: 2, slowdown: 1.3 }) });
  const comparison = compareResults(current, { baseline, threshold: 0.1 });
  const input = { environment: 'staging', current, comparison, baseline };

  it('names the check per environment and carries the report', () => {
    const check = renderCheckRun(input, { failOnRegression: true });
    expect(check.name).toBe('orchestra-perf / staging');
    expect(check.conclusion).toBe('failure');
    expect(check.title).toBe('Regression: p50, p90, p95, p99, mean');
    expect(check.summary).toBe(renderSummary(input));
  });

  it('maps verdicts to conclusions', () => {
    expect(conclusionFor('regression', false)).toBe('neutral');
    expect(conclusionFor('regression', true)).toBe('failure');
    expect(conclusionFor('improvement', true)).toBe('success');
    expect(conclusionFor('unchanged', true)).toBe('success');
    expect(conclusionFor('no-baseline', true)).toBe('neutral');
  });
});
