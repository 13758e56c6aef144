import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { COMMENT_MAX_LENGTH, renderComment } from '../../../src/report/comment.js';
import { renderSummary } from '../../../src/report/summary.js';
import type { PerfResult } from '../../../src/result.js';
import { compareResults } from '../../../src/stats/compare.js';
import { buildSection, imageSection, perfResult, smokeSide } from '../../helpers/perf-results.js';

const SHA = '3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b';

function fullResult(
  seed: number,
  slowdown = 1,
  extra: Partial<Omit<PerfResult, 'meta'>> & { meta?: Partial<PerfResult['meta']> } = {},
): PerfResult {
  return perfResult({
    cache: { layers: [{ name: 'npm', hit: 'exact', restoreMs: 850, sizeBytes: 52_428_800 }] },
    build: buildSection(60_000 * slowdown),
    image: imageSection(120_000_000),
    deploy: {
      target: 'cloud-run',
      url: 'https://api-pr-42-abc.a.run.app',
      revision: 'api-00042-xyz',
      readyMs: 14_000,
    },
    smoke: {
      ...smokeSide({ seed, slowdown }),
      paths: {
        '/health': {
          requests: 750,
          errors: 0,
          latencyMs: smokeSide({ seed: seed + 1, requests: 750, medianMs: 5 }).latencyMs,
        },
        '/api/items': {
          requests: 2250,
          errors: 0,
          latencyMs: smokeSide({ seed: seed + 2, requests: 2250, slowdown }).latencyMs,
        },
      },
    },
    ...extra,
  });
}

describe('renderComment', () => {
  it('no baseline: says so plainly, shows this run alone', () => {
    const current = fullResult(1);
    const comparison = compareResults(current, { threshold: 0.1 });
    const body = renderComment({ environment: 'staging', current, comparison, headSha: SHA });
    expect(body.startsWith('<!-- orchestra-perf:staging -->\n### ⚪ No baseline yet for staging')).toBe(true);
    expect(body).toMatchSnapshot();
  });

  it('one baseline: a regression leads, with the table, chart and details', () => {
    const baseline = fullResult(10);
    const current = fullResult(20, 1.3);
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    const body = renderComment({
      environment: 'staging',
      current,
      comparison,
      baseline,
      headSha: SHA,
      runUrl: 'https://github.com/acme/api/actions/runs/9',
    });
    const lines = body.split('\n');
    expect(lines[0]).toBe('<!-- orchestra-perf:staging -->');
    expect(lines[1]).toBe('### 🔴 Performance regression in staging');
    expect(body).toContain('| p95 latency |');
    expect(body).toContain('```mermaid\nxychart-beta');
    expect(body).toContain('<summary>Per-path latency</summary>');
    expect(body).toContain('[workflow run](https://github.com/acme/api/actions/runs/9)');
    expect(body).toMatchSnapshot();
  });

  it('history: band baseline and the p95 trend chart', () => {
    const history = Array.from({ length: 8 }, (_, i) => fullResult(100 + i));
    const current = fullResult(200, 0.7);
    const comparison = compareResults(current, { history, threshold: 0.1 });
    const body = renderComment({ environment: 'prod', current, comparison, history, headSha: SHA });
    expect(body).toContain('### 🟢 Performance improved in prod');
    expect(body).toContain('Baseline (median)');
    expect(body).toContain('p95 latency (ms): last 8 baseline runs, then this PR');
    expect(body).toMatchSnapshot();
  });

  it('paired: compares with the serving revision measured in the same window', () => {
    const current = fullResult(30);
    current.smoke = { ...current.smoke!, baseline: smokeSide({ seed: 31 }) };
    const comparison = compareResults(current, { threshold: 0.1 });
    const body = renderComment({ environment: 'preview', current, comparison, headSha: SHA });
    expect(body).toContain('### ⚪ No significant performance change in preview');
    expect(body).toContain('Baseline (paired)');
    expect(body).toMatchSnapshot();
  });

  it('hostile strings from PR titles, paths, task names, URLs and errors render inert', () => {
    const evil =
      '$(id) "><script>alert(1)</script> `x` | y <!-- orchestra-perf:prod --> [a](javascript:b) @team';
    const current = fullResult(40, 1, {
      build: {
        totalMs: 1000,
        criticalPathMs: 900,
        tasks: [{ name: evil, durationMs: 900, status: 'failure' }],
        criticalPath: [evil],
      },
      deploy: { target: 'cloud-run', url: `javascript:alert(1)//${evil}`, revision: evil, readyMs: 1000 },
      cache: { layers: [{ name: evil, hit: 'miss', restoreMs: 0, sizeBytes: 0 }] },
      meta: { runUrl: `https://github.com/a/b/actions/runs/1"><script>` },
    });
    current.smoke = {
      ...current.smoke!,
      paths: { [evil]: { requests: 1, errors: 1, latencyMs: current.smoke!.latencyMs } },
      errorsByKind: { [evil]: 3 },
      thresholds: [{ expr: evil, actual: 1, pass: false }],
    };
    const comparison = compareResults(current, { threshold: 0.1 });
    const body = renderComment({
      environment: 'staging',
      current,
      comparison,
      prTitle: evil,
      headSha: '$(id)',
    });
    // The only comment, backtick pair and script-free HTML are ours.
    expect(body.match(/<!--/g)).toHaveLength(1);
    expect(body).not.toContain('<script');
    expect(body).not.toContain('$(id)');
    expect(body).not.toContain('`x`');
    expect(body).not.toContain('javascript:');
    expect(body).not.toContain('@team');
    expect(body).toContain('https://github.com/a/b/actions/runs/1%22%3E%3Cscript%3E');
    const html = marked.parse(body, { async: false }) as string;
    expect(html).not.toMatch(/<script|href="javascript|<!-- orchestra-perf:prod/);
    // Every table row still has its own column count.
    for (const line of body.split('\n').filter((l) => l.startsWith('| Path') || l.includes('&#36;(id)'))) {
      if (line.startsWith('|')) expect(line.split('|').length).toBeGreaterThan(2);
    }
    const pathRow = body
      .split('\n')
      .find((line) => line.startsWith('| &#36;(id)') && line.split('|').length === 10);
    expect(pathRow).toBeDefined();
    expect(body).toMatchSnapshot();
  });

  it('a 70,000-character result fits under the limit: details trimmed, verdict kept', () => {
    const current = fullResult(50, 1.3);
    const paths: NonNullable<PerfResult['smoke']>['paths'] = {};
    for (let i = 0; i < 700; i++) {
      paths[`/api/items/${'segment-'.repeat(6)}${i}`] = {
        requests: 10,
        errors: 0,
        latencyMs: current.smoke!.latencyMs,
      };
    }
    current.smoke = { ...current.smoke!, paths };
    current.build = buildSection(
      80_000,
      Array.from({ length: 400 }, (_, i): [string, number] => [`task-${'x'.repeat(60)}-${i}`, 1000 + i]),
    );
    const baseline = fullResult(51);
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    const untrimmed = renderComment({
      environment: 'staging',
      current,
      comparison,
      baseline,
      maxLength: 10_000_000,
    });
    expect(untrimmed.length).toBeGreaterThan(70_000);
    const body = renderComment({ environment: 'staging', current, comparison, baseline });
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(body.split('\n').slice(0, 2)).toEqual([
      '<!-- orchestra-perf:staging -->',
      '### 🔴 Performance regression in staging',
    ]);
    expect(body).toContain('| p95 latency |');
    expect(body).toMatch(/more rows? not shown|Trimmed to fit/);
    expect(body.match(/<details>/g)?.length).toBe(body.match(/<\/details>/g)?.length);
    expect(body).toMatchSnapshot();

    // Smaller budgets drop whole sections, then the charts; never the verdict or the table.
    for (const maxLength of [5000, 4000, 3000]) {
      const small = renderComment({ environment: 'staging', current, comparison, baseline, maxLength });
      expect(small.length).toBeLessThanOrEqual(maxLength);
      expect(small).toContain('### 🔴 Performance regression in staging');
      expect(small).toContain('| deploy ready |');
      expect(small).toMatch(/Trimmed to fit the size limit: .*not shown/);
    }
    const bare = renderComment({ environment: 'staging', current, comparison, baseline, maxLength: 2000 });
    expect(bare).not.toContain('<details>');
    expect(bare).not.toContain('```mermaid');
  });
});

describe('renderSummary', () => {
  it('has the same content without the marker', () => {
    const baseline = fullResult(10);
    const current = fullResult(20, 1.3);
    const comparison = compareResults(current, { baseline, threshold: 0.1 });
    const input = { environment: 'staging', current, comparison, baseline, headSha: SHA };
    const summary = renderSummary(input);
    expect(summary.startsWith('### 🔴 Performance regression in staging')).toBe(true);
    expect(renderComment(input)).toBe(`<!-- orchestra-perf:staging -->\n${summary}`);
  });
});
