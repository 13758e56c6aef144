/**
 * Which ready task to start first: the one with the longest remaining path to the end of the
 * DAG (its own duration plus the longest chain of dependents after it), so the critical path is
 * never left waiting behind short side tasks. Durations come from a previous run when known; a
 * task without history counts as the mean of those with history, and with no history at all
 * every task counts as 1 (static path length).
 */
import type { BuildGraph } from './graph.js';

export function estimateDurations(graph: BuildGraph, previous: ReadonlyMap<string, number>): number[] {
  const known = graph.tasks
    .map((task) => previous.get(task.name))
    .filter((ms): ms is number => ms !== undefined && Number.isFinite(ms) && ms >= 0);
  const fallback = known.length > 0 ? Math.max(1, known.reduce((sum, ms) => sum + ms, 0) / known.length) : 1;
  return graph.tasks.map((task) => {
    const ms = previous.get(task.name);
    return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : fallback;
  });
}

/** `remaining[i]`: estimate of task i plus the longest remaining path among its dependents. */
export function remainingPath(graph: BuildGraph, estimates: readonly number[]): number[] {
  const remaining = new Array<number>(graph.tasks.length).fill(0);
  for (let k = graph.topological.length - 1; k >= 0; k--) {
    const i = graph.topological[k]!;
    let longest = 0;
    for (const dependent of graph.dependents[i]!) longest = Math.max(longest, remaining[dependent]!);
    remaining[i] = estimates[i]! + longest;
  }
  return remaining;
}

/**
 * A comparator for ready tasks: longer remaining path first, then more dependents (unblocks more
 * work), then config order (stable and predictable for the user).
 */
export function byPriority(
  graph: BuildGraph,
  remaining: readonly number[],
): (a: number, b: number) => number {
  return (a, b) =>
    remaining[b]! - remaining[a]! || graph.dependents[b]!.length - graph.dependents[a]!.length || a - b;
}
