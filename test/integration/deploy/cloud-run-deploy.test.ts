/**
 * The deploy stage end to end against the local Google: plan -> WIF credentials -> one PATCH
 * (allowMissing) -> operation wait -> Ready check; previews, rollback, cleanup and failures.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudRunError } from '../../../src/gcp/cloud-run.js';
import type { PerfResult } from '../../../src/result.js';
import { removePreview, sweepPreviews } from '../../../src/stages/deploy/cleanup.js';
import { cloudRunClientFor, createDeployStage } from '../../../src/stages/deploy/index.js';
import type { DeployPlan } from '../../../src/stages/deploy/plan.js';
import type { StageInput } from '../../../src/stages/stage.js';
import {
  allSecrets,
  DEPLOYER,
  deployConfig,
  emptyResult,
  IMAGE,
  runContext,
  SERVICE_NAME,
  stageDeps,
  startWorld,
  type World,
} from './world.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

const env = () => ({ ...world.issuer.env(), ...world.google.env() });

async function deploy(
  input: StageInput,
  stage = createDeployStage(),
): Promise<{ result: PerfResult; stage: ReturnType<typeof createDeployStage>; plan: DeployPlan }> {
  const planned = stage.plan(input);
  if (!planned.run) throw new Error(`skipped: ${planned.reason}`);
  const result = structuredClone(input.result) as PerfResult;
  await stage.execute(planned.plan, result, stageDeps(world, env()));
  return { result, stage, plan: planned.plan };
}

async function get(url: string): Promise<{ status: number; revision: string | null }> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return { status: response.status, revision: response.headers.get('x-revision') };
}

function digestImage(n: number): string {
  return IMAGE.replace(/@sha256:.*/, `@sha256:${String(n).repeat(64).slice(0, 64)}`);
}

describe('deploy to Cloud Run', () => {
  it('creates the service by digest, waits until Ready with the new revision, and serves it', async () => {
    const config = deployConfig({
      cpu: 2,
      memory: '1Gi',
      'min-instances': 1,
      'max-instances': 5,
      concurrency: 40,
      'startup-cpu-boost': true,
      'execution-environment': 'gen2',
      timeout: '60s',
      'env-vars': { MODE: 'fast' },
      secrets: { DB_PASSWORD: 'db-pass:3' },
    });
    const { result } = await deploy({ config, context: runContext(), result: emptyResult() });
    const deployed = result.deploy!;
    expect(deployed.target).toBe('cloud-run');
    expect(deployed.revision).toMatch(/^api-aaaaaaa-[a-z0-9]{3}$/);
    expect(deployed.readyMs).toBeGreaterThanOrEqual(0);
    const service = world.google.run.serviceJson(SERVICE_NAME) as {
      latestReadyRevision: string;
      template: Record<string, unknown>;
    };
    expect(service.latestReadyRevision).toBe(`${SERVICE_NAME}/revisions/${deployed.revision}`);
    expect(service.template).toMatchObject({
      maxInstanceRequestConcurrency: 40,
      timeout: '60s',
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
      scaling: { minInstanceCount: 1, maxInstanceCount: 5 },
      labels: { 'commit-sha': 'a'.repeat(40), environment: 'staging', 'managed-by': 'orchestra-perf' },
      containers: [
        {
          image: IMAGE,
          resources: { limits: { cpu: '2', memory: '1Gi' }, startupCpuBoost: true },
          env: [
            { name: 'MODE', value: 'fast' },
            { name: 'DB_PASSWORD', valueSource: { secretKeyRef: { secret: 'db-pass', version: '3' } } },
          ],
        },
      ],
    });
    // The Cloud Run calls were made as the impersonated deployer, and the URL serves the revision.
    expect(new Set(world.google.run.calls.map((call) => call.principal))).toEqual(new Set([DEPLOYER]));
    expect(world.google.run.calls.filter((call) => call.method === 'PATCH')).toHaveLength(1);
    expect(await get(`${deployed.url}/health`)).toEqual({ status: 200, revision: deployed.revision });
    const text = world.lines.join('\n');
    for (const secret of allSecrets(world)) expect(text).not.toContain(secret);
  });

  it('updates in place: a second deploy creates a new revision and moves all traffic to it', async () => {
    const first = await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const second = await deploy({
      config: deployConfig({ image: digestImage(2) }),
      context: runContext({ sha: 'd'.repeat(40) }),
      result: emptyResult(),
    });
    expect(second.result.deploy!.revision).not.toBe(first.result.deploy!.revision);
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual({ [second.result.deploy!.revision]: 100 });
  });

  it('retries a 503 from the Cloud Run API and succeeds', async () => {
    world.google.run.faults.failNext = 1;
    const { result } = await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    expect(result.deploy!.revision).toBeTruthy();
    expect(world.google.run.calls[0]!.method).toBe('GET');
    expect(world.google.run.calls[1]!.method).toBe('GET');
  });

  it('fails with the revision condition message when the container never listens on PORT', async () => {
    world.google.run.faults.notListening.set(IMAGE, 'fail');
    const error = (await deploy({
      config: deployConfig(),
      context: runContext(),
      result: emptyResult(),
    }).catch((e: unknown) => e)) as CloudRunError;
    expect(error).toBeInstanceOf(CloudRunError);
    expect(error.message).toContain(
      'failed to start and listen on the port defined provided by the PORT=8080',
    );
    expect(error.hint).toContain('$PORT');
  });

  it('gives up within deploy.wait-timeout when the revision never becomes ready, with its condition message', async () => {
    await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const before = world.google.run.servingSplit(SERVICE_NAME);
    world.google.run.faults.notListening.set(digestImage(3), 'hang');
    const error = (await deploy({
      config: deployConfig({ image: digestImage(3), 'wait-timeout': '2s' }),
      context: runContext(),
      result: emptyResult(),
    }).catch((e: unknown) => e)) as CloudRunError;
    expect(error).toBeInstanceOf(CloudRunError);
    expect(error.message).toMatch(/did not become ready within 2 s/);
    expect(error.message).toContain('Waiting for the container to listen on PORT=8080');
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual(before);
  });
});

describe('previews', () => {
  it('deploys a no-traffic revision tagged pr-<n>, tags the serving one base, and leaves the split identical', async () => {
    const serving = await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const before = world.google.run.servingSplit(SERVICE_NAME);
    const { result } = await deploy({
      config: deployConfig({ image: digestImage(4) }),
      context: runContext({}, { number: 42 }),
      result: emptyResult(),
    });
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual(before);
    expect(before).toEqual({ [serving.result.deploy!.revision]: 100 });
    const preview = result.deploy!;
    expect(preview.url).not.toBe(serving.result.deploy!.url);
    expect(await get(preview.url)).toEqual({ status: 200, revision: preview.revision });
    expect(await get(preview.baselineUrl!)).toEqual({
      status: 200,
      revision: serving.result.deploy!.revision,
    });
    // The service URL still answers as the serving revision.
    expect((await get(serving.result.deploy!.url)).revision).toBe(serving.result.deploy!.revision);
    const labels = (world.google.run.serviceJson(SERVICE_NAME).template as { labels: Record<string, string> })
      .labels;
    expect(labels['orchestra-perf-pr']).toBe('42');
  });

  it('a new preview of the same PR replaces the old one and deletes its revision', async () => {
    await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const first = await deploy({
      config: deployConfig({ image: digestImage(3) }),
      context: runContext({}, { number: 8 }),
      result: emptyResult(),
    });
    const second = await deploy({
      config: deployConfig({ image: digestImage(4) }),
      context: runContext({ sha: '2'.repeat(40) }, { number: 8, headSha: '2'.repeat(40) }),
      result: emptyResult(),
    });
    expect(await get(second.result.deploy!.url)).toEqual({
      status: 200,
      revision: second.result.deploy!.revision,
    });
    expect(world.google.run.revisions.has(`${SERVICE_NAME}/revisions/${first.result.deploy!.revision}`)).toBe(
      false,
    );
  });

  it('cleanup removes the pr tag and deletes the preview revision; the serving split is untouched', async () => {
    const serving = await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const preview = await deploy({
      config: deployConfig({ image: digestImage(5) }),
      context: runContext({}, { number: 7 }),
      result: emptyResult(),
    });
    // A later serving deploy makes the preview revision no longer the latest one, so it can go.
    const next = await deploy({
      config: deployConfig({ image: digestImage(6) }),
      context: runContext({ sha: 'e'.repeat(40) }),
      result: emptyResult(),
    });
    const before = world.google.run.servingSplit(SERVICE_NAME);
    expect(before).toEqual({ [next.result.deploy!.revision]: 100 });
    const client = await cloudRunClientFor(preview.plan as never, stageDeps(world, env()), 'acme/api');
    const outcome = await removePreview(client, SERVICE_NAME, 7, 10_000, world.logger);
    expect(outcome).toEqual({ removedTags: ['pr-7'], deletedRevisions: [preview.result.deploy!.revision] });
    const traffic = world.google.run.serviceJson(SERVICE_NAME).traffic as { tag?: string }[];
    expect(traffic.some((target) => target.tag === 'pr-7')).toBe(false);
    expect(
      world.google.run.revisions.has(`${SERVICE_NAME}/revisions/${preview.result.deploy!.revision}`),
    ).toBe(false);
    expect(
      world.google.run.revisions.has(`${SERVICE_NAME}/revisions/${serving.result.deploy!.revision}`),
    ).toBe(true);
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual(before);
    // A second cleanup finds nothing to do.
    expect(await removePreview(client, SERVICE_NAME, 7, 10_000, world.logger)).toEqual({
      removedTags: [],
      deletedRevisions: [],
    });
  });

  it('the sweep removes preview tags older than the limit and keeps newer ones', async () => {
    await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    await deploy({
      config: deployConfig({ image: digestImage(7) }),
      context: runContext({}, { number: 1 }),
      result: emptyResult(),
    });
    await deploy({
      config: deployConfig({ image: digestImage(8) }),
      context: runContext({}, { number: 2 }),
      result: emptyResult(),
    });
    // Age the first preview's revision by a week.
    const old = [...world.google.run.revisions.values()].find(
      (revision) => (revision.template.labels as Record<string, string>)['orchestra-perf-pr'] === '1',
    )!;
    old.createTime = new Date(Date.now() - 7 * 24 * 3600_000).toISOString();
    const client = await cloudRunClientFor(
      {
        credentials: {
          method: 'wif',
          provider: deployConfig().deploy['workload-identity-provider']!,
          serviceAccount: DEPLOYER,
          universeDomain: 'googleapis.com',
        },
        universeDomain: 'googleapis.com',
      },
      stageDeps(world, env()),
      'acme/api',
    );
    const outcome = await sweepPreviews(
      client,
      SERVICE_NAME,
      3 * 24 * 3600_000,
      Date.now(),
      10_000,
      world.logger,
    );
    expect(outcome.removedTags).toEqual(['pr-1']);
    const tags = (world.google.run.serviceJson(SERVICE_NAME).traffic as { tag?: string }[])
      .map((target) => target.tag)
      .filter(Boolean);
    expect(tags).toContain('pr-2');
    expect(tags).not.toContain('pr-1');
  });
});

describe('rollout and rollback', () => {
  it('rolls traffic back to the previous ready revision when smoke fails on a serving deploy', async () => {
    const first = await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const second = await deploy({
      config: deployConfig({ image: digestImage(9) }),
      context: runContext({ sha: 'f'.repeat(40) }),
      result: emptyResult(),
    });
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual({ [second.result.deploy!.revision]: 100 });
    const revisions = world.google.run.revisions.size;
    await second.stage.onDownstreamFailure!('smoke', second.result, stageDeps(world, env()));
    // A traffic move is not a template change: no new revision.
    expect(world.google.run.revisions.size).toBe(revisions);
    expect(second.result.deploy!.rolledBack).toBe(true);
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual({ [first.result.deploy!.revision]: 100 });
    expect((await get(first.result.deploy!.url)).revision).toBe(first.result.deploy!.revision);
  });

  it('does not touch traffic when smoke fails on a preview', async () => {
    await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const preview = await deploy({
      config: deployConfig({ image: digestImage(1) }),
      context: runContext({}, { number: 9 }),
      result: emptyResult(),
    });
    const patches = world.google.run.calls.filter((call) => call.method === 'PATCH').length;
    await preview.stage.onDownstreamFailure!('smoke', preview.result, stageDeps(world, env()));
    expect(preview.result.deploy!.rolledBack).toBeUndefined();
    expect(world.google.run.calls.filter((call) => call.method === 'PATCH')).toHaveLength(patches);
  });

  it('walks canary steps 10 -> 50 -> 100 while the gate passes, and rolls back when it fails', async () => {
    const first = await deploy({ config: deployConfig(), context: runContext(), result: emptyResult() });
    const canary = await deploy({
      config: deployConfig({ image: digestImage(2), traffic: { canary: [10, 50, 100] } }),
      context: runContext({ sha: '1'.repeat(40) }),
      result: emptyResult(),
    });
    const newRevision = canary.result.deploy!.revision;
    const oldRevision = first.result.deploy!.revision;
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual({ [newRevision]: 10, [oldRevision]: 90 });
    const seen: number[] = [];
    const ok = await canary.stage.advanceCanary(async (percent) => {
      seen.push(percent);
      return percent < 50;
    }, world.logger);
    expect(ok).toBe(false);
    expect(seen).toEqual([10, 50]);
    expect(world.google.run.servingSplit(SERVICE_NAME)).toEqual({ [oldRevision]: 100 });
  });
});

describe('missing id-token permission', () => {
  it('a trusted run without the OIDC variables fails at once with the permission hint and no request', async () => {
    const stage = createDeployStage();
    const planned = stage.plan({
      config: deployConfig(),
      context: runContext({ oidcAvailable: false }),
      result: emptyResult(),
    });
    if (!planned.run) throw new Error(planned.reason);
    const error = (await stage
      .execute(planned.plan, emptyResult(), stageDeps(world, world.google.env()))
      .catch((e: unknown) => e)) as Error & { oneLine(): string; exitCode: number };
    expect(error.oneLine()).toContain('permissions: id-token: write');
    expect(error.exitCode).toBe(1);
    expect(world.issuer.requests).toHaveLength(0);
    expect(world.google.log).toHaveLength(0);
  });
});

describe('untrusted pull requests', () => {
  it('a fork PR skips auth and deploy: no request reaches the OIDC endpoint or Google', () => {
    const stage = createDeployStage();
    const context = runContext(
      {
        untrustedPullRequest: true,
        untrustedReason: 'the pull request comes from the fork evil/api',
        oidcAvailable: false,
      },
      { number: 5, headRepo: 'evil/api' },
    );
    const planned = stage.plan({ config: deployConfig(), context, result: emptyResult() });
    expect(planned.run).toBe(false);
    expect(planned.run ? '' : planned.reason).toContain('fork evil/api');
    expect(world.issuer.requests).toHaveLength(0);
    expect(world.google.log).toHaveLength(0);
  });
});
