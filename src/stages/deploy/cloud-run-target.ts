/**
 * Carries a CloudRunPlan out: one create-or-update call, a bounded wait on the operation, and the
 * check that the service is Ready with the new revision as its latest ready one. Also the traffic
 * moves that come after (canary steps, rollback), which reuse the same wait.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../adapters/clock.js';
import { systemClock } from '../../adapters/clock.js';
import { type CloudRunClient, CloudRunError } from '../../gcp/cloud-run.js';
import type { Operation, Revision, Service, TrafficTarget } from '../../gcp/cloud-run-types.js';
import type { Logger } from '../../logger.js';
import type { DeployResult } from '../../result.js';
import type { CloudRunPlan } from './plan.js';
import { buildServiceBody, withTraffic } from './service-body.js';
import {
  BASE_TAG,
  canaryTraffic,
  lastSegment,
  previewTraffic,
  rollbackTraffic,
  rolloutTraffic,
  type Split,
  servingSplit,
  tagUri,
} from './traffic.js';

export interface CloudRunDeployment {
  plan: CloudRunPlan;
  client: CloudRunClient;
  /** Short name of the revision this run created. */
  revision: string;
  /** The split that served before this deploy (explicit revisions): where a rollback returns. */
  previousSplit: Split[];
  /** The canary step reached (percent of traffic on the new revision). */
  percent: number;
}

export interface CloudRunDeps {
  client: CloudRunClient;
  logger: Logger;
  clock?: Clock;
  /** Revision suffix source; random by default. */
  suffix?: () => string;
}

export function newRevisionName(prefix: string, suffix: string): string {
  return `${prefix}-${suffix}`.slice(0, 63).replace(/-+$/, '');
}

/** Traffic for the first write, from the plan's mode and policy. */
export function initialTraffic(
  plan: CloudRunPlan,
  existing: Service | undefined,
  revision: string,
): { traffic: TrafficTarget[]; percent: number } {
  const previous = servingSplit(existing);
  if (plan.mode === 'preview' || plan.traffic === 'none') {
    return {
      traffic: previewTraffic(existing, revision, plan.tag ?? `sha-${revision}`),
      percent: previous.length === 0 ? 100 : 0,
    };
  }
  if (plan.traffic === 'all' || previous.length === 0)
    return { traffic: rolloutTraffic(existing), percent: 100 };
  const first = plan.traffic.canary[0]!;
  return { traffic: canaryTraffic(previous, revision, first, keptTags(existing)), percent: first };
}

function keptTags(service: Service | undefined): TrafficTarget[] {
  return (service?.traffic ?? [])
    .filter((target) => target.tag && !target.percent && target.tag !== BASE_TAG)
    .map((target) => ({ ...target }));
}

export async function deployCloudRun(
  plan: CloudRunPlan,
  deps: CloudRunDeps,
): Promise<{ result: DeployResult; deployment: CloudRunDeployment }> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const existing = await deps.client.getService(plan.service);
  // A new preview of the same PR replaces the old one: its revision goes once nothing routes to it.
  const replaced = plan.tag
    ? existing?.traffic?.find((target) => target.tag === plan.tag)?.revision
    : undefined;
  const revision = newRevisionName(plan.revisionPrefix, (deps.suffix ?? randomSuffix)());
  const { traffic, percent } = initialTraffic(plan, existing, revision);
  const body = buildServiceBody(plan, existing, revision, traffic);
  deps.logger.info(
    `${existing ? 'Updating' : 'Creating'} ${plan.service} with revision ${revision} (${plan.image})`,
  );
  const operation = await deps.client.applyService(body);
  const service = await waitReady(
    deps.client,
    operation,
    plan.service,
    revision,
    plan.waitTimeoutMs,
    deps.logger,
  );
  const readyMs = Math.round(clock.now() - started);
  const taggedUrl = plan.tag ? tagUri(service, plan.tag) : undefined;
  const url = taggedUrl ?? service.uri ?? service.urls?.[0] ?? '';
  const baselineUrl = plan.tag ? tagUri(service, BASE_TAG) : undefined;
  const result: DeployResult = {
    target: 'cloud-run',
    url,
    revision,
    readyMs,
    ...(baselineUrl ? { baselineUrl } : {}),
  };
  deps.logger.info(`Revision ${revision} is ready at ${url} (${readyMs} ms)`);
  if (replaced && replaced !== revision) await deleteIfUnrouted(deps, service, replaced);
  return {
    result,
    deployment: { plan, client: deps.client, revision, previousSplit: servingSplit(existing), percent },
  };
}

/** Best effort: a leftover preview revision is only clutter, never a reason to fail the deploy. */
async function deleteIfUnrouted(deps: CloudRunDeps, service: Service, revision: string): Promise<void> {
  const routed = (service.traffic ?? []).some((target) => target.revision === revision);
  if (routed || lastSegment(service.latestCreatedRevision) === revision) return;
  try {
    await deps.client.deleteRevision(`${service.name}/revisions/${revision}`);
    deps.logger.info(`Deleted the replaced preview revision ${revision}`);
  } catch (error) {
    deps.logger.warning(
      `could not delete the replaced preview revision ${revision}: ${(error as Error).message}`,
    );
  }
}

/**
 * Waits for the operation within `timeoutMs`; then requires Ready and latestReadyRevision ==
 * `revision`. Any failure names the revision's own condition message (e.g. not listening on PORT).
 */
export async function waitReady(
  client: CloudRunClient,
  operation: Operation,
  serviceName: string,
  revision: string | undefined,
  timeoutMs: number,
  logger: Logger,
): Promise<Service> {
  const done = await client.waitOperation(operation, timeoutMs);
  if (!done.done) {
    throw new CloudRunError(
      `${revision ? `revision ${revision}` : serviceName} did not become ready within ${Math.round(timeoutMs / 1000)} s${await revisionDetail(client, serviceName, revision)}`,
      0,
      'DEADLINE_EXCEEDED',
      'check that the container listens on $PORT and starts quickly; raise deploy.wait-timeout if it is just slow',
    );
  }
  if (done.error) {
    throw new CloudRunError(
      `the deploy operation failed: ${done.error.message}${await revisionDetail(client, serviceName, revision)}`,
      0,
      String(done.error.code),
      'read the revision logs in Cloud Logging; a container must listen on 0.0.0.0:$PORT',
    );
  }
  const service = await client.getService(serviceName);
  if (!service) throw new CloudRunError(`${serviceName} is gone after the deploy`, 404, 'NOT_FOUND');
  const ready = service.terminalCondition?.state === 'CONDITION_SUCCEEDED';
  if (!ready) {
    throw new CloudRunError(
      `${serviceName} is not Ready: ${service.terminalCondition?.message ?? service.terminalCondition?.state ?? 'no condition'}${await revisionDetail(client, serviceName, revision)}`,
      0,
      'FAILED_PRECONDITION',
    );
  }
  if (revision && lastSegment(service.latestReadyRevision) !== revision) {
    throw new CloudRunError(
      `the latest ready revision is ${lastSegment(service.latestReadyRevision) || 'none'}, not ${revision}${await revisionDetail(client, serviceName, revision)}`,
      0,
      'FAILED_PRECONDITION',
    );
  }
  logger.debug(
    `${serviceName} Ready; latest ready revision ${revision ?? lastSegment(service.latestReadyRevision)}`,
  );
  return service;
}

async function revisionDetail(
  client: CloudRunClient,
  serviceName: string,
  revision: string | undefined,
): Promise<string> {
  if (!revision) return '';
  let found: Revision | undefined;
  try {
    found = await client.getRevision(`${serviceName}/revisions/${revision}`);
  } catch {
    return '';
  }
  const failing = found?.conditions?.find(
    (condition) => condition.state !== 'CONDITION_SUCCEEDED' && condition.message,
  );
  return failing ? `; revision ${revision}: ${failing.message}` : '';
}

/** Replaces the traffic only and waits for the service to settle. */
export async function setTraffic(
  deployment: CloudRunDeployment,
  compute: (current: Service) => TrafficTarget[],
  logger: Logger,
): Promise<Service> {
  const { client, plan } = deployment;
  const current = await client.getService(plan.service);
  if (!current) throw new CloudRunError(`${plan.service} no longer exists`, 404, 'NOT_FOUND');
  const operation = await client.applyService(withTraffic(current, compute(current)));
  return waitReady(client, operation, plan.service, undefined, plan.waitTimeoutMs, logger);
}

/** Returns traffic to the split that served before this deploy. */
export async function rollbackCloudRun(deployment: CloudRunDeployment, logger: Logger): Promise<boolean> {
  if (deployment.previousSplit.length === 0) {
    logger.warning('no previous ready revision to roll back to (this was the first deploy)');
    return false;
  }
  const target = deployment.previousSplit.map((entry) => `${entry.revision} ${entry.percent}%`).join(', ');
  logger.warning(`Rolling traffic back to ${target}`);
  await setTraffic(deployment, (current) => rollbackTraffic(current, deployment.previousSplit), logger);
  deployment.percent = 0;
  return true;
}

/**
 * Walks the remaining canary steps; before each, `gate` decides (e.g. the smoke thresholds at the
 * current step). A failed gate rolls back and returns false.
 */
export async function advanceCanary(
  deployment: CloudRunDeployment,
  gate: (percent: number) => Promise<boolean>,
  logger: Logger,
): Promise<boolean> {
  const policy = deployment.plan.traffic;
  const steps = typeof policy === 'object' ? policy.canary.filter((step) => step > deployment.percent) : [];
  for (const step of steps) {
    if (!(await gate(deployment.percent))) {
      await rollbackCloudRun(deployment, logger);
      return false;
    }
    logger.info(`Canary: ${step}% of traffic to ${deployment.revision}`);
    await setTraffic(
      deployment,
      (current) => canaryTraffic(deployment.previousSplit, deployment.revision, step, keptTags(current)),
      logger,
    );
    deployment.percent = step;
  }
  return true;
}

function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(3)].map((byte) => alphabet[byte % alphabet.length]).join('');
}
