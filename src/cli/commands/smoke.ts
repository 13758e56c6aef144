/**
 * `orchestra-perf smoke`: the load test alone. Flags become config overrides, so validation and
 * messages are the shared ones (`--rate: ...`); prints a short table and writes the full result
 * (schemaVersion, meta, smoke) to `--out`. Exit 0 ok, 1 thresholds failed, 2 usage/config,
 * 3 target unreachable.
 */
import { resolve } from 'node:path';
import { writeJsonAtomic } from '../../adapters/atomic-file.js';
import { parsePathSpec } from '../../config/inputs.js';
import type { ConfigOverride } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import { formatSmokeTable } from '../../loadgen/format.js';
import type { Shard } from '../../loadgen/run.js';
import { type PerfResult, RESULT_SCHEMA_VERSION } from '../../result.js';
import { assertThresholds, executeSmoke } from '../../stages/smoke/execute.js';
import { planSmoke } from '../../stages/smoke/plan.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { CONFIG_FLAGS, loadCliConfig } from '../config-flags.js';
import { cliResultMeta } from '../result-meta.js';

const USAGE =
  'orchestra-perf smoke --url U [--baseline-url B] (--rate R | --connections C) [--duration D] [--warmup D] [--timeout D] ' +
  "[--path P]... [--threshold T]... [--shard i/N] [--out F] [--max-connections N] [--max-requests N] [--pipelining N] [--method M] [--header 'K: V']... " +
  '[--body-file F] [--host H] [--insecure] [--config F] [--env NAME]';

const FLAGS = {
  ...CONFIG_FLAGS,
  url: { type: 'string' },
  'baseline-url': { type: 'string' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  timeout: { type: 'string' },
  path: { type: 'string', multiple: true },
  threshold: { type: 'string', multiple: true },
  shard: { type: 'string' },
  out: { type: 'string' },
  'max-connections': { type: 'string' },
  'max-requests': { type: 'string' },
  pipelining: { type: 'string' },
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  'body-file': { type: 'string' },
  host: { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

export const smokeCommand: Command = {
  name: 'smoke',
  summary: 'load-test a URL (open model --rate or closed model --connections); --out writes the result',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, FLAGS, USAGE);
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
    if (values.out !== undefined && values.out.trim() === '')
      throw new UsageError('--out needs a file path', `usage: ${USAGE}`);
    const shard = values.shard === undefined ? undefined : parseShard(values.shard);
    const startedAt = new Date().toISOString();
    const { config, environment } = await loadCliConfig(values, smokeOverrides(values));

    const planned = planSmoke({ smoke: config.smoke, result: {} as PerfResult, workspace: io.cwd, shard });
    if (!planned.run)
      throw new UsageError(
        'no URL to test',
        `pass --url U (or set smoke.url in the config); usage: ${USAGE}`,
      );
    for (const line of planned.summary) io.logger.info(`smoke: ${line}`);

    const result: PerfResult = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      meta: cliResultMeta(io, environment, startedAt),
    };
    let gateError: unknown;
    try {
      await executeSmoke(planned.plan, result, { logger: io.logger, signal: io.signal });
    } catch (error) {
      // Threshold failures still print and write the result; anything else has no result to write.
      if (!result.smoke) throw error;
      gateError = error;
    }
    io.out(formatSmokeTable(result.smoke!));
    if (result.smoke!.baseline) io.out(formatSmokeTable(result.smoke!.baseline, 'baseline'));
    if (values.out) {
      const path = resolve(io.cwd, values.out);
      await writeJsonAtomic(path, result);
      io.logger.info(`smoke: result written to ${path}`);
    }
    if (gateError) throw gateError;
    assertThresholds(result.smoke!);
    return 0;
  },
};

/** Each flag as a config override at its `smoke.*` path, named by the flag in messages. */
export function smokeOverrides(values: Values): ConfigOverride[] {
  const overrides: ConfigOverride[] = [];
  const set = (flag: string, key: string, value: unknown) => {
    if (value !== undefined) overrides.push({ source: `--${flag}`, path: ['smoke', key], value });
  };
  set('url', 'url', values.url);
  set('baseline-url', 'baseline-url', values['baseline-url']);
  if (values.rate !== undefined && values.connections !== undefined) {
    throw new UsageError(
      'pass --rate (open model) or --connections (closed model), not both',
      `usage: ${USAGE}`,
    );
  }
  // A model chosen on the command line replaces the file's model rather than conflicting with it.
  if (values.rate !== undefined) {
    set('rate', 'rate', numeric(values.rate));
    overrides.push({ source: '--rate', path: ['smoke', 'connections'], value: undefined });
  }
  if (values.connections !== undefined) {
    set('connections', 'connections', numeric(values.connections));
    overrides.push({ source: '--connections', path: ['smoke', 'rate'], value: undefined });
  }
  set('duration', 'duration', values.duration);
  set('warmup', 'warmup', values.warmup);
  set('timeout', 'timeout', values.timeout);
  if (values.path) set('path', 'paths', values.path.map(parsePathSpec));
  if (values.threshold) set('threshold', 'thresholds', values.threshold);
  set('max-connections', 'max-connections', numeric(values['max-connections']));
  set('max-requests', 'max-requests', numeric(values['max-requests']));
  set('pipelining', 'pipelining', numeric(values.pipelining));
  set('method', 'method', values.method);
  if (values.header) set('header', 'headers', parseHeaders(values.header));
  set('body-file', 'body-file', values['body-file']);
  set('host', 'host', values.host);
  if (values.insecure) set('insecure', 'insecure', true);
  return overrides;
}

/** A number when the text is one; otherwise the text itself, so the schema reports it with the flag's name. */
function numeric(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : text;
}

function parseHeaders(list: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of list) {
    const colon = entry.indexOf(':');
    if (colon <= 0)
      throw new UsageError(
        `--header "${entry}" is not "Name: value"`,
        "write e.g. --header 'Authorization: Bearer x'",
      );
    headers[entry.slice(0, colon).trim()] = entry.slice(colon + 1).trim();
  }
  return headers;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!(index >= 1 && count >= 1 && index <= count && count <= 1000)) {
    throw new UsageError(`--shard "${text}" is not i/N with 1 <= i <= N`, 'write e.g. --shard 1/4');
  }
  return { index, count };
}
