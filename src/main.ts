/** Entry of the action's main step: wire the real adapters and run. */
import { runnerIO } from './action/action-io.js';
import { runMain } from './action/run-main.js';
import { productionServices } from './action/services.js';
import { ActionsLogger } from './adapters/actions-logger.js';
import { systemClock } from './adapters/clock.js';
import { nodeProcessRunner } from './adapters/process.js';
import { PIPELINE_STAGES } from './stages/index.js';

const cancel = new AbortController();
process.once('SIGTERM', () => cancel.abort(new Error('the job was cancelled')));
process.once('SIGINT', () => cancel.abort(new Error('the job was cancelled')));

const logger = new ActionsLogger();
const exitCode = await runMain({
  io: runnerIO,
  logger,
  process: nodeProcessRunner,
  clock: systemClock,
  env: process.env,
  stages: PIPELINE_STAGES,
  services: (base) => productionServices(base, logger, process.env),
  signal: cancel.signal,
});
process.exitCode = exitCode;
// Libraries can leave a request open after one of our timeouts (the cache client has no socket
// timeout of its own); do not let it keep the step alive. A clean run exits before this fires.
setTimeout(() => process.exit(exitCode), 2000).unref();
