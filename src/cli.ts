#!/usr/bin/env node
/** Entry of the `orchestra-perf` CLI. */
import { runCli } from './cli/main.js';

const cancel = new AbortController();
process.once('SIGINT', () => cancel.abort(new Error('interrupted')));
process.once('SIGTERM', () => cancel.abort(new Error('terminated')));
process.exitCode = await runCli(process.argv.slice(2), { signal: cancel.signal });
