import { describe, expect, it } from 'vitest';
import { escapeName, renderBuildGantt } from '../../../src/report/gantt.js';
import type { BuildResult } from '../../../src/result.js';

describe('renderBuildGantt', () => {
  it('draws one bar per task that ran, critical path marked', () => {
    const build: BuildResult = {
      totalMs: 2500,
      criticalPathMs: 2400,
      criticalPath: ['lint', 'bundle'],
      tasks: [
        { name: 'lint', durationMs: 1000, status: 'success', startMs: 0 },
        { name: 'unit', durationMs: 2000.4, status: 'failure', startMs: 0 },
        { name: 'bundle', durationMs: 1400, status: 'success', startMs: 1001 },
        { name: 'pack', durationMs: 0, status: 'skipped' },
        { name: 'e2e', durationMs: 0, status: 'cancelled', startMs: 2000 },
      ],
    };
    expect(renderBuildGantt(build)).toBe(
      [
        '```mermaid',
        'gantt',
        '  title Build: 2.5s total, critical path 2.4s',
        '  dateFormat x',
        '  axisFormat %M:%S',
        '  section tasks',
        '  lint :crit, done, t0, 0, 1000',
        '  unit (failure) :active, t1, 0, 2000',
        '  bundle :crit, done, t2, 1001, 2401',
        '  e2e (cancelled) :t3, 2000, 2001',
        '```',
      ].join('\n'),
    );
  });

  it('is empty when nothing ran', () => {
    expect(
      renderBuildGantt({
        totalMs: 0,
        criticalPathMs: 0,
        tasks: [{ name: 'a', durationMs: 0, status: 'skipped' }],
      }),
    ).toBe('');
  });

  it('neutralises names and numbers from an untrusted result file', () => {
    const hostile: BuildResult = {
      totalMs: Number.NaN,
      criticalPathMs: 1,
      tasks: [
        { name: 'a";curl x|sh;#\n```\n<img src=x>', durationMs: 5, status: 'success', startMs: 0 },
        { name: 'x', durationMs: -5, status: 'success', startMs: 0 },
        { name: 'y', durationMs: 5, status: 'success', startMs: Number.POSITIVE_INFINITY },
      ],
    };
    const chart = renderBuildGantt(hostile);
    const bars = chart.split('\n').filter((line) => /:.*t\d/.test(line));
    expect(bars).toEqual(['  a__curl x_sh________img src_x_ :done, t0, 0, 5']);
    expect(chart).toContain('title Build: ? total');
    expect(chart.match(/```/g)).toHaveLength(2);
  });

  it('shortens very long names', () => {
    expect(escapeName('x'.repeat(100))).toHaveLength(60);
    expect(escapeName('')).toBe('_');
  });
});
