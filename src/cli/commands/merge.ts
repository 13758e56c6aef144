/**
 * `orchestra-perf merge a.json b.json ... [--out F]`: adds the histograms of shard results
 * losslessly and recomputes the `smoke` section (requests, errors, rps, percentiles, status codes,
 * thresholds). Exit 1 when a re-evaluated threshold fails, 2 when a file is not a smoke result.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeJsonAtomic } from '../../adapters/atomic-file.js';
import { UsageError } from '../../errors.js';
import { formatSmokeTable } from '../../loadgen/format.js';
import { mergeSmokeResults } from '../../loadgen/merge.js';
import { type PerfResult, RESULT_SCHEMA_VERSION, type SmokeResult } from '../../result.js';
import { assertThresholds } from '../../stages/smoke/execute.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';

const USAGE = 'orchestra-perf merge F... [--out F]';
/** Result files are small; anything far larger is not one of ours. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'add the histograms of shard results losslessly and recompute the smoke section',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, { out: { type: 'string' } }, USAGE);
    if (positionals.length === 0) throw new UsageError('no result files to merge', `usage: ${USAGE}`);
    if (values.out !== undefined && values.out.trim() === '')
      throw new UsageError('--out needs a file path', `usage: ${USAGE}`);
    const files = await Promise.all(positionals.map((file) => readResult(resolve(io.cwd, file), file)));
    const smoke = mergeSmokeResults(
      files.map((f) => f.smoke!),
      'result',
    );
    const first = files[0]!;
    const startedAt =
      files
        .map((f) => f.meta?.startedAt ?? '')
        .filter(Boolean)
        .sort()[0] ?? new Date().toISOString();
    const merged: PerfResult = {
      ...first,
      schemaVersion: RESULT_SCHEMA_VERSION,
      meta: { ...first.meta, startedAt },
      smoke,
    };
    io.out(formatSmokeTable(smoke, `merged ${files.length}`));
    if (smoke.baseline) io.out(formatSmokeTable(smoke.baseline, 'baseline'));
    if (values.out) {
      const path = resolve(io.cwd, values.out);
      await writeJsonAtomic(path, merged);
      io.logger.info(`merge: result written to ${path}`);
    }
    assertThresholds(smoke);
    return 0;
  },
};

async function readResult(path: string, shown: string): Promise<PerfResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      'pass result files written by orchestra-perf smoke --out',
    );
  }
  if (text.length > MAX_FILE_BYTES) throw new UsageError(`${shown} is too large to be a result file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${shown} is not JSON`, 'pass result files written by orchestra-perf smoke --out');
  }
  const problem = checkResult(parsed);
  if (problem)
    throw new UsageError(`${shown}: ${problem}`, 'pass result files written by orchestra-perf smoke --out');
  return parsed as PerfResult;
}

/** Enough shape checking that merging cannot silently produce nonsense from a foreign file. */
function checkResult(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a result object';
  if (value.schemaVersion !== RESULT_SCHEMA_VERSION)
    return `schemaVersion is ${JSON.stringify(value.schemaVersion)}, expected ${RESULT_SCHEMA_VERSION}`;
  if (!isObject(value.smoke)) return 'has no smoke section';
  const problem = checkSide(value.smoke, 'smoke');
  if (problem) return problem;
  if (value.smoke.baseline !== undefined) return checkSide(value.smoke.baseline, 'smoke.baseline');
  return undefined;
}

function checkSide(side: unknown, where: string): string | undefined {
  if (!isObject(side)) return `${where} is not an object`;
  const s = side as Partial<Record<keyof SmokeResult, unknown>>;
  if (s.model !== 'open' && s.model !== 'closed') return `${where}.model must be open or closed`;
  for (const key of ['requests', 'errors', 'rps', 'durationS', 'coldStartMs'] as const) {
    if (typeof s[key] !== 'number' || !Number.isFinite(s[key])) return `${where}.${key} must be a number`;
  }
  if (typeof s.histogram !== 'string') return `${where}.histogram must be the encoded histogram`;
  if (!isObject(s.statusCodes) || !Object.values(s.statusCodes).every((n) => typeof n === 'number')) {
    return `${where}.statusCodes must map codes to numbers`;
  }
  if (!Array.isArray(s.thresholds)) return `${where}.thresholds must be a list`;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
