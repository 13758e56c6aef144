/** Entry of the action's post step: wire the real adapters and clean up (runs after any failure). */
import { runPost } from './action/run-post.js';
import { exitWhenDone, runnerDeps } from './action/runner-deps.js';

exitWhenDone(await runPost(runnerDeps(new AbortController().signal)));
