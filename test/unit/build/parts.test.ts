import { describe, expect, it } from 'vitest';
import { criticalPath } from '../../../src/stages/build/critical-path.js';
import { isStrippedVariable, taskEnvironment } from '../../../src/stages/build/env.js';
import { buildGraph } from '../../../src/stages/build/graph.js';
import { lastLines, OutputTail } from '../../../src/stages/build/output-tail.js';
import { durationsFromResult } from '../../../src/stages/build/previous-durations.js';
import { estimateDurations, remainingPath } from '../../../src/stages/build/priority.js';
import { task } from './virtual-time.js';

describe('criticalPath', () => {
  it('follows the chain of needs with the largest summed actual duration', () => {
    const graph = buildGraph([
      task('lint'),
      task('unit'),
      task('bundle', ['lint']),
      task('pack', ['bundle', 'unit']),
    ]);
    expect(criticalPath(graph, [200, 300, 110, 5])).toEqual({ ms: 315, path: [0, 2, 3] });
    expect(criticalPath(graph, [100, 300, 110, 5])).toEqual({ ms: 305, path: [1, 3] });
  });

  it('is empty for no tasks and a single task for independent ones', () => {
    expect(criticalPath(buildGraph([]), [])).toEqual({ ms: 0, path: [] });
    expect(criticalPath(buildGraph([task('a'), task('b')]), [5, 9])).toEqual({ ms: 9, path: [1] });
  });
});

describe('priority', () => {
  it('counts path length without history and the mean of known durations for new tasks', () => {
    const graph = buildGraph([task('a'), task('b', ['a']), task('c', ['b']), task('d')]);
    expect(remainingPath(graph, estimateDurations(graph, new Map()))).toEqual([3, 2, 1, 1]);
    const estimates = estimateDurations(
      graph,
      new Map([
        ['a', 10],
        ['b', 30],
        ['zz', 1000],
      ]),
    );
    expect(estimates).toEqual([10, 30, 20, 20]);
    expect(remainingPath(graph, estimates)).toEqual([60, 50, 20, 20]);
  });
});

describe('taskEnvironment', () => {
  it('removes our tokens and every INPUT_*, keeps the rest, adds the task env', () => {
    const env = taskEnvironment(
      {
        PATH: '/bin',
        HOME: '/root',
        GITHUB_TOKEN: 'ghs_x',
        'INPUT_GITHUB-TOKEN': 'ghs_y',
        INPUT_CONFIG: 'a.yml',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x',
        ACTIONS_RUNTIME_TOKEN: 'r',
        GITHUB_SHA: 'abc',
      },
      { NODE_ENV: 'production', PATH: '/opt/bin' },
    );
    expect(env).toEqual({ PATH: '/opt/bin', HOME: '/root', GITHUB_SHA: 'abc', NODE_ENV: 'production' });
  });

  it('matches case-insensitively', () => {
    expect(isStrippedVariable('github_token')).toBe(true);
    expect(isStrippedVariable('input_x')).toBe(true);
    expect(isStrippedVariable('GITHUB_TOKEN_PATH')).toBe(false);
  });
});

describe('OutputTail', () => {
  it('keeps the tail within the limit, starting at a line, and counts what it dropped', () => {
    const tail = new OutputTail(10);
    for (let i = 0; i < 10; i++) tail.push(Buffer.from(`line${i}\n`));
    const { text, droppedBytes } = tail.snapshot();
    expect(text).toBe('line9\n');
    expect(droppedBytes).toBe(60 - 6);
  });

  it('decodes invalid UTF-8 lossily', () => {
    const tail = new OutputTail(100);
    tail.push(Buffer.from([0xff, 0xfe, 0x41, 0xc3]));
    expect(tail.snapshot().text).toBe('\uFFFD\uFFFDA\uFFFD');
  });

  it('lastLines takes the last n lines without a trailing empty line', () => {
    expect(lastLines('a\nb\nc\n', 2)).toEqual(['b', 'c']);
    expect(lastLines('a\r\nb', 5)).toEqual(['a', 'b']);
    expect(lastLines('', 5)).toEqual([]);
  });
});

describe('durationsFromResult', () => {
  it('takes successful tasks with sane numbers only', () => {
    const result = {
      build: {
        tasks: [
          { name: 'a', durationMs: 120, status: 'success' },
          { name: 'b', durationMs: 50, status: 'failure' },
          { name: 'c', durationMs: -1, status: 'success' },
          { name: 'd', durationMs: '9', status: 'success' },
          { name: '__proto__', durationMs: 9, status: 'success' },
          null,
        ],
      },
    };
    expect(durationsFromResult(result)).toEqual({ a: 120 });
    expect(durationsFromResult(null)).toEqual({});
    expect(durationsFromResult({ build: { tasks: 'x' } })).toEqual({});
  });
});
