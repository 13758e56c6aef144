/**
 * `orchestra-perf compare [--baseline F] --current F [--format markdown|json] [--threshold 10%]
 * [--environment NAME] [--fail-on-regression]`: deltas and noise-aware verdicts between two result
 * files. Without --baseline, the current file's paired side (`smoke.baseline`, from
 * `smoke --baseline-url`) is the baseline. Exit 0, 1 on a regression with --fail-on-regression,
 * 2 when a flag or a file is wrong (the message names the file and the field).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, GateError, UsageError } from '../../errors.js';
import { renderSummary } from '../../report/summary.js';
import { MAX_RESULT_BYTES, validateResultText } from '../../report/validate-result.js';
import type { PerfResult } from '../../result.js';
import {
  fallbackNotice,
  pairedBaselineStatus,
  withoutPairedSide,
} from '../../stages/report/paired-baseline.js';
import { type Comparison, compareResults, DEFAULT_THRESHOLD } from '../../stats/compare.js';
import { parseFlags } from '../args.js';
import type { CliIO, Command } from '../command.js';

const USAGE =
  'orchestra-perf compare [--baseline F] --current F [--format markdown|json] [--threshold 10%] [--environment NAME] [--fail-on-regression]';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'deltas and noise-aware verdicts between two result files (or the paired run inside one)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      {
        baseline: { type: 'string' },
        current: { type: 'string' },
        format: { type: 'string' },
        threshold: { type: 'string' },
        environment: { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
      },
      USAGE,
    );
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
    if (!values.current) throw new UsageError('--current is required', `usage: ${USAGE}`);
    const format = values.format ?? 'markdown';
    if (format !== 'markdown' && format !== 'json') {
      throw new UsageError(`--format must be markdown or json, not "${format}"`, `usage: ${USAGE}`);
    }
    const threshold =
      values.threshold === undefined ? DEFAULT_THRESHOLD : parseThresholdFlag(values.threshold);

    const measured = await readResultFile(io, values.current, '--current');
    // A paired side that stopped answering mid-run is no baseline: drop it and say so.
    const paired = pairedBaselineStatus(measured, undefined);
    if (paired.status === 'broken')
      io.logger.warning(`compare: ${fallbackNotice(paired, 0, values.baseline !== undefined)}`);
    const current = paired.status === 'broken' ? withoutPairedSide(measured) : measured;
    const baseline = values.baseline ? await readResultFile(io, values.baseline, '--baseline') : undefined;
    if (!baseline && !current.smoke?.baseline) {
      io.logger.warning(
        'compare: no --baseline and no paired baseline (smoke.baseline) in the current file: every metric is no-baseline',
      );
    }

    const comparison = compareResults(current, { ...(baseline ? { baseline } : {}), threshold });
    if (format === 'json') {
      io.out(JSON.stringify(toJson(comparison), null, 2));
    } else {
      const environment = values.environment ?? current.meta?.environment ?? 'default';
      io.out(
        renderSummary({ environment, current, comparison, ...(baseline ? { baseline } : {}) }).trimEnd(),
      );
    }
    if (values['fail-on-regression'] && comparison.verdict === 'regression') {
      const regressed = comparison.metrics.filter((m) => m.verdict === 'regression').map((m) => m.name);
      throw new GateError(
        `performance regression: ${regressed.join(', ')}`,
        'fix the regression, or drop --fail-on-regression to report without failing',
      );
    }
    return 0;
  },
};

/** `--threshold 10%` or a fraction `0.1`. */
export function parseThresholdFlag(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0 || value >= 10 || (!match?.[2] && value > 1)) {
    throw new UsageError(
      `--threshold "${text}" is not a percentage`,
      'write it like 10% (or the fraction 0.1)',
    );
  }
  return value;
}

async function readResultFile(io: CliIO, file: string, flag: string): Promise<PerfResult> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    const buffer = await readFile(path);
    if (buffer.byteLength > MAX_RESULT_BYTES) {
      throw new ConfigError([
        {
          field: `${flag} ${file}`,
          message: `larger than the ${MAX_RESULT_BYTES}-byte cap for a result file`,
        },
      ]);
    }
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError([
      {
        field: `${flag} ${file}`,
        message: `cannot read the file (${code}); pass a result file written by orchestra-perf`,
      },
    ]);
  }
  const checked = validateResultText(text, `${flag} ${file}`, { unknownKeys: 'strip' });
  if (!checked.ok) throw new ConfigError(checked.issues);
  if (checked.ignoredKeys.length > 0) {
    io.logger.warning(
      `compare: ${file}: ignored unknown keys ${checked.ignoredKeys.slice(0, 10).join(', ')}`,
    );
  }
  return checked.result;
}

/** The documented JSON: verdict and metrics with name, baseline, current, change, verdict first. */
export function toJson(comparison: Comparison) {
  return {
    verdict: comparison.verdict,
    metrics: comparison.metrics.map((metric) => ({
      name: metric.name,
      baseline: metric.baseline,
      current: metric.current,
      change: metric.change,
      verdict: metric.verdict,
      unit: metric.unit,
      betterWhen: metric.betterWhen,
      source: metric.source,
      ...(metric.significance ? { significance: metric.significance } : {}),
    })),
    basis: comparison.basis,
    threshold: comparison.threshold,
    notes: comparison.notes,
    ...(comparison.cacheLayers ? { cacheLayers: comparison.cacheLayers } : {}),
  };
}
