import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { buildGraph, closest } from '../../../src/stages/build/graph.js';
import { task } from './virtual-time.js';

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('buildGraph', () => {
  it('resolves needs to indices and orders topologically, config order on ties', () => {
    const graph = buildGraph([
      task('bundle', ['lint']),
      task('lint'),
      task('unit'),
      task('pack', ['bundle', 'unit']),
    ]);
    expect(graph.needs).toEqual([[1], [], [], [0, 2]]);
    expect(graph.dependents).toEqual([[3], [0], [3], []]);
    expect(graph.topological).toEqual([1, 2, 0, 3]);
  });

  it('ignores a repeated need', () => {
    expect(buildGraph([task('a'), task('b', ['a', 'a'])]).needs[1]).toEqual([0]);
  });

  it('prints a cycle in needs order and names the field', () => {
    const issues = issuesOf(() =>
      buildGraph([task('a', ['b']), task('b', ['c']), task('c', ['a']), task('d')]),
    );
    expect(issues).toEqual([
      {
        field: 'build.tasks[0].needs',
        message: 'dependency cycle: a -> b -> c -> a; remove one of these needs',
      },
    ]);
  });

  it('reports a task that needs itself', () => {
    const issues = issuesOf(() => buildGraph([task('x'), task('self', ['x', 'self'])]));
    expect(issues[0]).toMatchObject({ field: 'build.tasks[1].needs' });
    expect(issues[0]!.message).toContain('self -> self');
  });

  it('reports every separate cycle', () => {
    const issues = issuesOf(() =>
      buildGraph([task('a', ['b']), task('b', ['a']), task('c', ['d']), task('d', ['c'])]),
    );
    expect(issues.map((issue) => issue.message)).toEqual([
      'dependency cycle: a -> b -> a; remove one of these needs',
      'dependency cycle: c -> d -> c; remove one of these needs',
    ]);
  });

  it('rejects an unknown need with a did-you-mean', () => {
    const issues = issuesOf(() => buildGraph([task('lint'), task('test'), task('bundle', ['lnit'])]));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe('build.tasks[2].needs');
    expect(issues[0]!.message).toContain('unknown task "lnit" (did you mean "lint"?)');
  });

  it('gives no suggestion when nothing is close', () => {
    const issues = issuesOf(() => buildGraph([task('lint'), task('bundle', ['docker-image'])]));
    expect(issues[0]!.message).not.toContain('did you mean');
  });

  it('rejects duplicate names, pointing at both', () => {
    const issues = issuesOf(() => buildGraph([task('lint'), task('unit'), task('lint')]));
    expect(issues).toEqual([
      {
        field: 'build.tasks[2].name',
        message: 'duplicate task name "lint" (first at build.tasks[0]); task names must be unique',
      },
    ]);
  });

  it('lists every problem at once', () => {
    const issues = issuesOf(() =>
      buildGraph([task('a', ['b']), task('b', ['a']), task('a'), task('c', ['zz'])]),
    );
    expect(issues.map((issue) => issue.field).sort()).toEqual([
      'build.tasks[0].needs',
      'build.tasks[2].name',
      'build.tasks[3].needs',
    ]);
  });

  it('handles a 10,000-task chain without recursion limits', () => {
    const tasks = Array.from({ length: 10_000 }, (_, i) => task(`t${i}`, i > 0 ? [`t${i - 1}`] : []));
    expect(buildGraph(tasks).topological[9_999]).toBe(9_999);
    tasks[0] = task('t0', ['t9999']);
    expect(issuesOf(() => buildGraph(tasks))[0]!.message).toMatch(
      /^dependency cycle: t0 -> t9999 -> t9998 .* -> t1 -> t0;/,
    );
  });
});

describe('closest', () => {
  it('finds small typos, case-insensitively, and nothing far away', () => {
    expect(closest('Bundel', ['lint', 'bundle'])).toBe('bundle');
    expect(closest('tset', ['test', 'lint'])).toBe('test');
    expect(closest('deploy', ['lint', 'unit'])).toBeUndefined();
  });
});
