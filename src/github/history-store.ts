/**
 * Perf history on a data branch (default `orchestra-perf-data`), one file per environment:
 * `history/<environment>.json` = `{ schemaVersion: 1, results: PerfResult[] }`.
 *
 * Writes go through the contents API with compare-and-swap on the file's blob sha: a 409/422 means
 * someone else wrote in between, so the file is read again, the result appended again and the write
 * retried (bounded). Nothing is ever force-written: a corrupt or foreign file is reported and left
 * alone, and a missing branch is created as an orphan commit (it shares no history with the code).
 * Without write permission (403) the store says so and the caller goes on read-only.
 */
import type { Logger } from '../logger.js';
import { validateResult } from '../report/validate-result.js';
import type { PerfResult } from '../result.js';
import { type GitHubApi, statusOf } from './api.js';

export const HISTORY_SCHEMA_VERSION = 1;

export interface HistoryFile {
  schemaVersion: typeof HISTORY_SCHEMA_VERSION;
  results: PerfResult[];
}

export interface HistoryLocation {
  branch: string;
  environment: string;
}

export type HistoryRead =
  | { status: 'ok'; results: PerfResult[]; sha: string }
  | { status: 'missing' }
  | { status: 'corrupt'; reason: string; sha: string };

export type HistoryAppend =
  | { status: 'appended'; attempts: number; size: number; createdBranch: boolean }
  | { status: 'corrupt'; reason: string }
  | { status: 'read-only'; reason: string }
  | { status: 'conflict'; attempts: number };

export function historyPath(environment: string): string {
  if (!/^[\w-]+$/.test(environment))
    throw new Error(`environment "${environment}" cannot name a history file`);
  return `history/${environment}.json`;
}

/** Parses and checks the file; a reason instead of results when it is not ours or not intact. */
export function parseHistory(text: string): { results: PerfResult[] } | { reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { reason: `not JSON (${(error as Error).message})` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return { reason: 'not a history object' };
  const file = parsed as Partial<HistoryFile>;
  if (file.schemaVersion !== HISTORY_SCHEMA_VERSION)
    return { reason: `schemaVersion ${JSON.stringify(file.schemaVersion)} is not ${HISTORY_SCHEMA_VERSION}` };
  if (!Array.isArray(file.results)) return { reason: '"results" is not a list' };
  const results: PerfResult[] = [];
  for (const [index, entry] of file.results.entries()) {
    // Keys from newer versions are dropped, not fatal; wrong types or ranges make the file foreign.
    const checked = validateResult(entry, { unknownKeys: 'strip' });
    if (!checked.ok)
      return {
        reason: `results[${index}] is not an orchestra-perf result (${checked.issues[0]?.field}: ${checked.issues[0]?.message})`,
      };
    results.push(checked.result);
  }
  return { results };
}

export function serializeHistory(results: PerfResult[]): string {
  // One result per line keeps the data branch's diffs readable.
  return `{"schemaVersion":${HISTORY_SCHEMA_VERSION},"results":[\n${results.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
}

export async function readHistory(api: GitHubApi, where: HistoryLocation): Promise<HistoryRead> {
  const file = await api.getFile(historyPath(where.environment), where.branch);
  if (!file) return { status: 'missing' };
  const parsed = parseHistory(file.content);
  if ('reason' in parsed) return { status: 'corrupt', reason: parsed.reason, sha: file.sha };
  return { status: 'ok', results: parsed.results, sha: file.sha };
}

export interface AppendOptions extends HistoryLocation {
  result: PerfResult;
  /** Keep the last N results. */
  size: number;
  maxAttempts?: number;
  logger: Logger;
}

const README = `# orchestra-perf history

Written by orchestra-perf on runs of the default branch: one file per environment under
\`history/\`, each \`{ "schemaVersion": 1, "results": [...] }\`, newest last. Do not edit by hand;
a file that does not parse is reported and never overwritten.
`;

export async function appendHistory(api: GitHubApi, options: AppendOptions): Promise<HistoryAppend> {
  const path = historyPath(options.environment);
  const maxAttempts = options.maxAttempts ?? 5;
  let createdBranch = false;
  try {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await readHistory(api, options);
      if (current.status === 'corrupt') {
        options.logger.warning(
          `history file ${path} on ${options.branch} is not usable (${current.reason}); left untouched, not appended`,
        );
        return { status: 'corrupt', reason: current.reason };
      }
      if (current.status === 'missing' && !(await api.branchSha(options.branch))) {
        createdBranch = (await createBranch(api, options.branch, options.logger)) || createdBranch;
      }
      // A re-run of the same commit replaces its earlier result instead of counting twice.
      const previous =
        current.status === 'ok'
          ? current.results.filter((entry) => entry.meta.commit !== options.result.meta.commit)
          : [];
      const results = [...previous, options.result].slice(-options.size);
      try {
        await api.putFile({
          path,
          branch: options.branch,
          message: `orchestra-perf: ${options.environment} result for ${options.result.meta.commit.slice(0, 12) || 'unknown commit'}`,
          content: serializeHistory(results),
          ...(current.status === 'ok' ? { sha: current.sha } : {}),
        });
        return { status: 'appended', attempts: attempt, size: results.length, createdBranch };
      } catch (error) {
        const status = statusOf(error);
        // 409: the sha moved; 422: the file appeared since we read it ("sha wasn't supplied").
        if (status !== 409 && status !== 422) throw error;
        options.logger.info(
          `history ${path} changed while appending (HTTP ${status}); reading it again (attempt ${attempt}/${maxAttempts})`,
        );
      }
    }
    return { status: 'conflict', attempts: maxAttempts };
  } catch (error) {
    const status = statusOf(error);
    if (status === 403 || status === 404) {
      return {
        status: 'read-only',
        reason: `the token cannot write to ${options.branch} (HTTP ${status}); grant \`contents: write\` to the job that runs on the default branch`,
      };
    }
    throw error;
  }
}

/** Returns false when another run created the branch first (that is fine). */
async function createBranch(api: GitHubApi, branch: string, logger: Logger): Promise<boolean> {
  try {
    await api.createOrphanBranch(branch, { 'README.md': README }, 'orchestra-perf: start the history branch');
    logger.info(`created the history branch ${branch}`);
    return true;
  } catch (error) {
    if (statusOf(error) === 422 && (await api.branchSha(branch))) return false;
    throw error;
  }
}
