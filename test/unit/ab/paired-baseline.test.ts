/**
 * When the report uses the paired baseline side and when it falls back to history
 * (src/stages/report/paired-baseline.ts): pure decisions on result files.
 */
import { describe, expect, it } from 'vitest';
import {
  BROKEN_BASELINE_SHARE,
  fallbackNotice,
  pairedBaselineStatus,
  withoutPairedSide,
} from '../../../src/stages/report/paired-baseline.js';
import { compareAndRender } from '../../../src/stages/report/publish.js';
import { perfResult, smokeSide } from '../../helpers/perf-results.js';

const side = (errorsByKind: Record<string, number> = {}) => {
  const errors = Object.values(errorsByKind).reduce((a, b) => a + b, 0);
  return { ...smokeSide({ seed: 2, requests: 1000, errors }), url: 'http://127.0.0.1:9/', errorsByKind };
};

describe('pairedBaselineStatus', () => {
  it('no smoke section, or no baseline expected and none measured: nothing to say', () => {
    expect(pairedBaselineStatus(perfResult({}), 'http://x/')).toEqual({ status: 'none' });
    expect(pairedBaselineStatus(perfResult({ smoke: smokeSide({ seed: 1 }) }), undefined)).toEqual({
      status: 'none',
    });
  });

  it('a measured, answering baseline side is used', () => {
    const smoke = { ...smokeSide({ seed: 1 }), baseline: side() };
    expect(pairedBaselineStatus(perfResult({ smoke }), 'http://x/')).toEqual({ status: 'paired' });
    // Without a configured URL too (a result file from `smoke --baseline-url`).
    expect(pairedBaselineStatus(perfResult({ smoke }), undefined)).toEqual({ status: 'paired' });
  });

  it('HTTP error statuses on the baseline side do not disqualify it: a 5xx baseline is a baseline', () => {
    const smoke = { ...smokeSide({ seed: 1 }), baseline: side({ 'http-status': 400 }) };
    expect(pairedBaselineStatus(perfResult({ smoke }), undefined).status).toBe('paired');
  });

  it('expected but missing: unreachable, with the URL redacted of credentials', () => {
    const status = pairedBaselineStatus(
      perfResult({ smoke: smokeSide({ seed: 1 }) }),
      'https://user:s3cret@base.example.run.app/',
    );
    expect(status).toMatchObject({ status: 'unreachable', url: 'https://base.example.run.app/' });
    expect(JSON.stringify(status)).not.toContain('s3cret');
  });

  it('transport failures above the share: broken, naming the kinds; at or below it: still paired', () => {
    const limit = BROKEN_BASELINE_SHARE * 1000;
    const at = { ...smokeSide({ seed: 1 }), baseline: side({ 'connect-refused': limit }) };
    expect(pairedBaselineStatus(perfResult({ smoke: at }), undefined).status).toBe('paired');
    const over = {
      ...smokeSide({ seed: 1 }),
      baseline: side({ 'connect-refused': limit, reset: 1, 'http-status': 3 }),
    };
    const status = pairedBaselineStatus(perfResult({ smoke: over }), undefined);
    expect(status.status).toBe('broken');
    expect(status).toMatchObject({
      url: 'http://127.0.0.1:9/',
      reason: `it stopped answering during the run (${limit + 1} of 1000 requests failed: connect-refused ${limit}, reset 1)`,
    });
  });
});

describe('withoutPairedSide and fallbackNotice', () => {
  it('drops only the baseline side and leaves the input untouched', () => {
    const smoke = { ...smokeSide({ seed: 1 }), baseline: side() };
    const result = perfResult({ smoke });
    const stripped = withoutPairedSide(result);
    expect(stripped.smoke?.baseline).toBeUndefined();
    expect(stripped.smoke?.histogram).toBe(smoke.histogram);
    expect(result.smoke?.baseline).toBeDefined();
    const plain = perfResult({ smoke: smokeSide({ seed: 1 }) });
    expect(withoutPairedSide(plain)).toBe(plain);
  });

  it('says what the smoke metrics are compared with instead', () => {
    const status = { status: 'unreachable', url: 'http://b/', reason: 'it did not answer' } as const;
    expect(fallbackNotice(status, 3, true)).toBe(
      'Paired baseline http://b/ not used: it did not answer; smoke metrics are compared with stored history (3 runs) instead.',
    );
    expect(fallbackNotice(status, 1, true)).toContain('stored history (1 run) instead');
    expect(fallbackNotice(status, 0, true)).toContain('compared with the stored baseline run instead');
    expect(fallbackNotice(status, 0, false)).toContain('no stored history either');
  });
});

describe('compareAndRender: the paired side first, history as the fallback', () => {
  // History says 100 ms; this run and its paired baseline both say 40 ms.
  const history = [11, 12, 13, 14].map((seed) => perfResult({ smoke: smokeSide({ seed, medianMs: 100 }) }));
  const stored = { history, baseline: history.at(-1) };
  const options = { environment: 'staging', threshold: 0.1, pairedBaselineUrl: 'http://127.0.0.1:9/' };

  it('with a measured paired side, history is not the baseline for smoke metrics', () => {
    const baseline = { ...smokeSide({ seed: 2 }), url: 'http://127.0.0.1:9/' };
    const rendered = compareAndRender(
      perfResult({ smoke: { ...smokeSide({ seed: 1 }), baseline } }),
      stored,
      options,
    );
    expect(rendered.pairedFallback).toBeUndefined();
    expect(rendered.comparison.basis).toBe('paired');
    expect(rendered.comparison.metrics.find((m) => m.name === 'p50')?.source).toBe('paired');
    expect(rendered.comparison.verdict).toBe('unchanged');
  });

  it('without it, history decides, and the report says why', () => {
    const rendered = compareAndRender(perfResult({ smoke: smokeSide({ seed: 1 }) }), stored, options);
    expect(rendered.comparison.basis).toBe('history');
    expect(rendered.comparison.verdict).toBe('improvement');
    expect(rendered.pairedFallback).toContain('stored history (4 runs)');
    expect(rendered.comparison.notes[0]).toBe(rendered.pairedFallback);
    // In the comment too (Markdown-escaped there, so only a plain stretch is matched).
    expect(rendered.comment).toContain('smoke metrics are compared with stored history (4 runs) instead');
  });
});
