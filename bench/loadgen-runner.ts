/**
 * Runs one load test in its own process for bench/loadgen.ts (so it can be pinned to a core with
 * taskset) and prints one JSON line: throughput, latency, the process's CPU time and peak RSS.
 * Usage: tsx bench/loadgen-runner.ts '{"url":"http://127.0.0.1:8080/","model":"closed","connections":50,"durationMs":5000}'
 */
import { runLoadTest } from '../src/loadgen/index.js';
import { NullLogger } from '../src/logger.js';

interface RunnerArgs {
  url: string;
  model: 'open' | 'closed';
  rate?: number;
  connections?: number;
  durationMs: number;
  warmupMs?: number;
  paths?: string[];
}

const args = JSON.parse(process.argv[2] ?? '{}') as RunnerArgs;
const cpuBefore = process.cpuUsage();
const result = await runLoadTest({
  url: args.url,
  model: args.model,
  rate: args.rate,
  connections: args.connections,
  maxConnections: 256,
  durationMs: args.durationMs,
  warmupMs: args.warmupMs ?? 0,
  timeoutMs: 10_000,
  workload: { method: 'GET', headers: {}, paths: (args.paths ?? []).map((path) => ({ path, weight: 1 })) },
  insecure: false,
  thresholds: [],
  logger: new NullLogger(),
  maxRequests: undefined,
});
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({
    rps: result.rps,
    requests: result.requests,
    errors: result.errors,
    latencyMs: result.latencyMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    eventLoopUtilization: result.eventLoopUtilization,
    generatorSaturated: result.generatorSaturated,
    scheduleMissed: result.scheduleMissed,
    sendLagMs: result.sendLagMs,
  })}\n`,
);
