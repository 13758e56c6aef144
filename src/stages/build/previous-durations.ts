/**
 * Task durations from an earlier result file, so the next run can start the longest chain first.
 * Only a hint: a missing or malformed file yields no durations (and a reason), never a failure.
 * Only successful tasks count: a failed or stopped task's duration says nothing of its real length.
 */
import { readFile } from 'node:fs/promises';

export function durationsFromResult(value: unknown): Record<string, number> {
  const tasks = (value as { build?: { tasks?: unknown } } | null)?.build?.tasks;
  const durations: Record<string, number> = {};
  if (!Array.isArray(tasks)) return durations;
  for (const task of tasks) {
    if (task === null || typeof task !== 'object') continue;
    const { name, durationMs, status } = task as Record<string, unknown>;
    if (typeof name !== 'string' || typeof durationMs !== 'number' || status !== 'success') continue;
    if (
      !Number.isFinite(durationMs) ||
      durationMs < 0 ||
      name === '__proto__' ||
      Object.hasOwn(durations, name)
    )
      continue;
    durations[name] = durationMs;
  }
  return durations;
}

export async function readPreviousDurations(
  path: string,
): Promise<{ durations: Record<string, number>; problem?: string }> {
  try {
    return { durations: durationsFromResult(JSON.parse(await readFile(path, 'utf8'))) };
  } catch (error) {
    return { durations: {}, problem: `cannot use ${path} for task durations: ${(error as Error).message}` };
  }
}
