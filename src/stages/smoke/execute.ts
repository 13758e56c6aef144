/**
 * Carries out a smoke plan: reads the body file, runs the load test, writes `result.smoke`, and
 * fails the gate (exit 1) after the result is written when a threshold did not pass.
 */
import { readFile } from 'node:fs/promises';
import { GateError, UsageError } from '../../errors.js';
import { describeFailures, runLoadTest } from '../../loadgen/index.js';
import type { Logger } from '../../logger.js';
import type { PerfResult, SmokeResult, SmokeSideResult } from '../../result.js';
import type { SmokePlan } from './plan.js';

const SECRET_HEADER = /authorization|token|secret|key|cookie|password/i;

export interface SmokeDeps {
  logger: Logger;
  signal?: AbortSignal | undefined;
}

export async function executeSmoke(
  plan: SmokePlan,
  result: PerfResult,
  deps: SmokeDeps,
): Promise<SmokeResult> {
  const body = plan.bodyFile === undefined ? undefined : await readBody(plan.bodyFile);
  // Credentials in headers must never reach a log line, whatever goes wrong later.
  for (const [name, value] of Object.entries(plan.headers)) {
    if (SECRET_HEADER.test(name)) deps.logger.mask(value.replace(/^(Bearer|Basic|Token)\s+/i, ''));
  }
  const { method, headers, bodyFile: _bodyFile, host, paths, ...schedule } = plan;
  const smoke = await runLoadTest({
    ...schedule,
    workload: { method, headers, body, host, paths },
    logger: deps.logger,
    signal: deps.signal,
  });
  result.smoke = smoke;
  assertThresholds(smoke);
  return smoke;
}

/** Throws GateError (exit 1) listing the thresholds that failed. */
export function assertThresholds(smoke: SmokeSideResult): void {
  const failures = describeFailures(smoke.thresholds);
  if (failures.length > 0) {
    throw new GateError(
      `smoke thresholds failed: ${failures.join(', ')}`,
      'see the smoke section of the result for the full numbers',
    );
  }
}

async function readBody(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(
      `cannot read the body file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      'check smoke.body-file / --body-file',
    );
  }
}
