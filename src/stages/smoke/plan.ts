/**
 * Plans the smoke stage from `config.smoke` and the results so far: which URL (the configured one,
 * else the URL the deploy stage produced), which model, and the workload. Pure: no I/O; the body
 * file is read by execute.
 */
import { isAbsolute, join } from 'node:path';
import type { SmokeConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { redactUrl, type WorkloadPath } from '../../loadgen/request.js';
import type { LoadSchedule, Shard } from '../../loadgen/run.js';
import type { PerfResult } from '../../result.js';
import { type StagePlan, skip } from '../stage.js';

/** Requests per second when the config names neither a rate nor connections. */
export const DEFAULT_RATE = 10;

export interface SmokePlan extends LoadSchedule {
  /** Closed model: requests in flight per connection; 1 = no pipelining. */
  pipelining: number;
  method: string;
  headers: Record<string, string>;
  /** Absolute path of the request body, read at execute time. */
  bodyFile?: string | undefined;
  host?: string | undefined;
  paths: WorkloadPath[];
}

export interface SmokePlanInput {
  smoke: SmokeConfig;
  result: Readonly<PerfResult>;
  /** Relative body-file paths are resolved from here. */
  workspace: string;
  shard?: Shard | undefined;
}

export function planSmoke(input: SmokePlanInput): StagePlan<SmokePlan> {
  const { smoke, result } = input;
  const deployedUrl = result.deploy?.url || undefined;
  const url = smoke.url ?? deployedUrl;
  if (!url) return skip('no URL to test: set smoke.url (or --url), or deploy a service first');
  if (smoke.url && deployedUrl && new URL(smoke.url).origin !== new URL(deployedUrl).origin) {
    // A deploy just happened: load goes to what was deployed and nowhere else (SECURITY.md 21).
    throw new ConfigError([
      {
        field: 'smoke.url',
        message: `${smoke.url} is outside the deployed service ${deployedUrl}; remove smoke.url to test the deployment`,
      },
    ]);
  }
  const baselineUrl = smoke['baseline-url'] ?? (result.deploy?.baselineUrl || undefined);
  const model = smoke.connections !== undefined ? 'closed' : 'open';
  if (smoke.pipelining > 1 && (model === 'open' || baselineUrl)) {
    throw new ConfigError([
      {
        field: 'smoke.pipelining',
        message:
          'pipelining applies to the closed model against one target: set smoke.connections, drop the baseline URL, or remove pipelining',
      },
    ]);
  }
  const rate = model === 'open' ? (smoke.rate ?? DEFAULT_RATE) : undefined;
  const paths = smoke.paths.map((entry) =>
    typeof entry === 'string'
      ? { path: entry, weight: 1 }
      : { path: entry.path, weight: entry.weight, method: entry.method },
  );
  const bodyFile = smoke['body-file'];
  const plan: SmokePlan = {
    url,
    baselineUrl,
    model,
    rate,
    connections: smoke.connections,
    maxConnections: smoke['max-connections'],
    durationMs: smoke.duration,
    warmupMs: smoke.warmup,
    timeoutMs: smoke.timeout,
    maxRequests: smoke['max-requests'],
    pipelining: smoke.pipelining,
    method: smoke.method,
    headers: smoke.headers,
    bodyFile:
      bodyFile === undefined ? undefined : isAbsolute(bodyFile) ? bodyFile : join(input.workspace, bodyFile),
    host: smoke.host,
    paths,
    thresholds: smoke.thresholds,
    insecure: smoke.insecure,
    shard: input.shard,
  };
  return { run: true, plan, summary: describePlan(plan, smoke.rate === undefined && model === 'open') };
}

function describePlan(plan: SmokePlan, defaultRate: boolean): string[] {
  const load =
    plan.model === 'open'
      ? `open model at ${plan.rate} req/s${defaultRate ? ' (default; set smoke.rate or smoke.connections)' : ''}, up to ${plan.maxConnections} connections`
      : `closed model with ${plan.connections} connections${plan.pipelining > 1 ? `, pipelining ${plan.pipelining}` : ''}`;
  const lines = [
    `target ${redactUrl(new URL(plan.url))}`,
    `${load}, ${plan.durationMs / 1000} s after ${plan.warmupMs / 1000} s warmup, timeout ${plan.timeoutMs} ms`,
    `paths: ${plan.paths.length > 0 ? plan.paths.map((p) => `${p.path}:${p.weight}`).join(' ') : new URL(plan.url).pathname}`,
  ];
  if (plan.thresholds.length > 0) lines.push(`thresholds: ${plan.thresholds.map((t) => t.expr).join(', ')}`);
  if (plan.baselineUrl) lines.push(`baseline ${redactUrl(new URL(plan.baselineUrl))}`);
  if (plan.shard) lines.push(`shard ${plan.shard.index}/${plan.shard.count}`);
  return lines;
}
