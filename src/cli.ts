#!/usr/bin/env node
/** Entry of the `orchestra-perf` CLI. */
import { runCli } from './cli/main.js';

const cancel = new AbortController();
process.once('SIGINT', () => cancel.abort(new Error('interrupted')));
process.once('SIGTERM', () => cancel.abort(new Error('terminated')));
const exitCode = await runCli(process.argv.slice(2), { signal: cancel.signal });
process.exitCode = exitCode;
// A library request left open after one of our timeouts must not keep the CLI alive.
setTimeout(() => process.exit(exitCode), 2000).unref();
