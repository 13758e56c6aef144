/** Entry of the action's main step: wire the real adapters and run. */
import { runMain } from './action/run-main.js';
import { exitWhenDone, runnerDeps } from './action/runner-deps.js';

const cancel = new AbortController();
process.once('SIGTERM', () => cancel.abort(new Error('the job was cancelled')));
process.once('SIGINT', () => cancel.abort(new Error('the job was cancelled')));

exitWhenDone(await runMain(runnerDeps(cancel.signal)));
