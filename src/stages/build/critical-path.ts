/**
 * The critical path of a finished run: the chain of `needs` whose actual durations add up to the
 * most. No scheduler can finish the build faster than this chain, so it says where speeding up a
 * task shortens the build and where it does not.
 */
import type { BuildGraph } from './graph.js';

export interface CriticalPath {
  ms: number;
  /** Task indices, first to last. */
  path: number[];
}

export function criticalPath(graph: BuildGraph, durations: readonly number[]): CriticalPath {
  const count = graph.tasks.length;
  const finish = new Array<number>(count).fill(0);
  const via = new Array<number>(count).fill(-1);
  for (const i of graph.topological) {
    let before = 0;
    for (const need of graph.needs[i]!) {
      if (via[i] === -1 || finish[need]! > before) {
        before = finish[need]!;
        via[i] = need;
      }
    }
    finish[i] = before + Math.max(0, durations[i] ?? 0);
  }
  let end = -1;
  for (let i = 0; i < count; i++) if (end === -1 || finish[i]! > finish[end]!) end = i;
  const path: number[] = [];
  for (let i = end; i !== -1; i = via[i]!) path.unshift(i);
  return { ms: end === -1 ? 0 : finish[end]!, path };
}
