import { describe, expect, it } from 'vitest';
import { renderLatencySvg } from '../../../src/report/svg-chart.js';

const current = { p50: 41.2, p90: 70.4, p95: 88.1, p99: 130.6 };
const baseline = { p50: 40, p90: 66, p95: 80.5, p99: 120 };

describe('renderLatencySvg', () => {
  it('draws one bar per percentile and side, scaled to the largest value', () => {
    const svg = renderLatencySvg({ title: 'staging latency', current, baseline });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const bars = [
      ...svg.matchAll(
        /<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#(0969da|8c959f)">/g,
      ),
    ];
    expect(bars).toHaveLength(8);
    const heights = bars.map((bar) => Number(bar[2]));
    // p99 current is the tallest bar; the p50 baseline the shortest.
    expect(Math.max(...heights)).toBe(heights[7]);
    expect(Math.min(...heights)).toBe(heights[0]);
    expect(svg).toContain('<title>p95 current: 88.1 ms</title>');
    expect(svg).toMatchSnapshot();
  });

  it('draws the current run alone without a baseline', () => {
    const svg = renderLatencySvg({ title: 'local', current });
    expect(svg.match(/fill="#0969da"><title>/g)).toHaveLength(4);
    expect(svg).not.toContain('baseline');
  });

  it('escapes the title and survives non-finite numbers', () => {
    const svg = renderLatencySvg({
      title: '<script>alert("x")</script> & co',
      current: { ...current, p99: Number.NaN },
    });
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; co');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
