/**
 * The build DAG from `build.tasks`: names resolved to indices, duplicates, unknown `needs` and
 * cycles rejected as one ConfigError (exit 2) that names the field as the user wrote it. Pure:
 * the schema has already checked each task's shape; this checks how the tasks relate.
 */
import type { BuildTask } from '../../config/schema.js';
import { ConfigError, type ConfigIssue } from '../../errors.js';

export interface BuildGraph {
  tasks: readonly BuildTask[];
  /** `needs[i]`: indices of the tasks task i waits for. */
  needs: readonly (readonly number[])[];
  /** `dependents[i]`: indices of the tasks that wait for task i. */
  dependents: readonly (readonly number[])[];
  /** Every index, each after all of its needs. */
  topological: readonly number[];
}

export function buildGraph(tasks: readonly BuildTask[]): BuildGraph {
  const issues: ConfigIssue[] = [];
  const index = new Map<string, number>();
  tasks.forEach((task, i) => {
    const first = index.get(task.name);
    if (first === undefined) index.set(task.name, i);
    else
      issues.push({
        field: `build.tasks[${i}].name`,
        message: `duplicate task name "${task.name}" (first at build.tasks[${first}]); task names must be unique`,
      });
  });

  const names = [...index.keys()];
  const needs: number[][] = tasks.map(() => []);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((task, i) => {
    if (index.get(task.name) !== i) return; // a duplicate: already reported, not part of the graph
    const seen = new Set<number>();
    for (const need of task.needs) {
      const target = index.get(need);
      if (target === undefined) {
        const close = closest(need, names);
        issues.push({
          field: `build.tasks[${i}].needs`,
          message: `task "${task.name}" needs unknown task "${need}"${close ? ` (did you mean "${close}"?)` : ''}; known tasks: ${names.join(', ')}`,
        });
        continue;
      }
      if (seen.has(target)) continue;
      seen.add(target);
      needs[i]!.push(target);
      dependents[target]!.push(i);
    }
  });

  for (const cycle of findCycles(tasks.length, needs)) {
    const first = cycle[0]!;
    issues.push({
      field: `build.tasks[${first}].needs`,
      message: `dependency cycle: ${[...cycle, first].map((i) => tasks[i]!.name).join(' -> ')}; remove one of these needs`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  return { tasks, needs, dependents, topological: topologicalOrder(needs, dependents) };
}

/**
 * Each cycle once, as the list of task indices in `needs` order (a needs b needs c needs a), found
 * by a depth-first search that reports the back edges it meets. Iterative: a deep chain of 10,000
 * tasks must not overflow the stack.
 */
function findCycles(count: number, needs: readonly (readonly number[])[]): number[][] {
  const state = new Uint8Array(count); // 0 unvisited, 1 on the current path, 2 done
  const cycles: number[][] = [];
  for (let root = 0; root < count; root++) {
    if (state[root] !== 0) continue;
    const path: number[] = [root];
    const cursor: number[] = [0];
    state[root] = 1;
    while (path.length > 0) {
      const node = path[path.length - 1]!;
      const next = needs[node]![cursor[cursor.length - 1]!++];
      if (next === undefined) {
        state[node] = 2;
        path.pop();
        cursor.pop();
      } else if (state[next] === 1) {
        cycles.push(path.slice(path.indexOf(next)));
      } else if (state[next] === 0) {
        state[next] = 1;
        path.push(next);
        cursor.push(0);
      }
    }
  }
  return cycles;
}

/** Kahn's algorithm in config order, so ties keep the order the user wrote. */
function topologicalOrder(
  needs: readonly (readonly number[])[],
  dependents: readonly (readonly number[])[],
): number[] {
  const waiting = needs.map((list) => list.length);
  const order: number[] = [];
  for (let i = 0; i < needs.length; i++) if (waiting[i] === 0) order.push(i);
  for (let head = 0; head < order.length; head++) {
    for (const dependent of dependents[order[head]!]!) {
      if (--waiting[dependent]! === 0) order.push(dependent);
    }
  }
  return order;
}

/** The candidate within a small edit distance of `name`, for a did-you-mean. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: a swapped pair of letters (`lnit`) counts as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
