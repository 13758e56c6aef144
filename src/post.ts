/** Entry of the action's post step: wire the real adapters and clean up. */
import { runnerIO } from './action/action-io.js';
import { runPost } from './action/run-post.js';
import { productionServices } from './action/services.js';
import { ActionsLogger } from './adapters/actions-logger.js';
import { systemClock } from './adapters/clock.js';
import { nodeProcessRunner } from './adapters/process.js';
import { PIPELINE_STAGES } from './stages/index.js';

const logger = new ActionsLogger();
process.exitCode = await runPost({
  io: runnerIO,
  logger,
  process: nodeProcessRunner,
  clock: systemClock,
  env: process.env,
  stages: PIPELINE_STAGES,
  services: (base) => productionServices(base, logger, process.env),
  signal: new AbortController().signal,
});
