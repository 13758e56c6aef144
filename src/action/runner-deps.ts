/** The real adapters both action entry points run with: runner files, @actions/core logging, processes. */
import { ActionsLogger } from '../adapters/actions-logger.js';
import { systemClock } from '../adapters/clock.js';
import { nodeProcessRunner } from '../adapters/process.js';
import { PIPELINE_STAGES } from '../stages/index.js';
import { runnerIO } from './action-io.js';
import type { MainDeps } from './run-main.js';
import { productionServices } from './services.js';

export function runnerDeps(signal: AbortSignal): MainDeps {
  const logger = new ActionsLogger();
  return {
    io: runnerIO,
    logger,
    process: nodeProcessRunner,
    clock: systemClock,
    env: process.env,
    stages: PIPELINE_STAGES,
    services: () => productionServices(logger, process.env),
    signal,
  };
}

/**
 * Libraries can leave a request open after one of our timeouts (the cache client has no socket
 * timeout of its own): do not let it keep the step alive. A clean run exits before this fires.
 */
export function exitWhenDone(exitCode: number): void {
  process.exitCode = exitCode;
  setTimeout(() => process.exit(exitCode), 2000).unref();
}
