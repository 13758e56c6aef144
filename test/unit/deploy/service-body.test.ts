/** The Cloud Run request bodies as values, and checked against the v2 protos. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import type { Service } from '../../../src/gcp/cloud-run-types.js';
import { sanitizeLabels } from '../../../src/stages/deploy/labels.js';
import { type CloudRunPlan, planDeploy } from '../../../src/stages/deploy/plan.js';
import { buildServiceBody, mergeEnv, withTraffic } from '../../../src/stages/deploy/service-body.js';
import { checkMessage } from '../../fakes/google/proto-check.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const NAME = 'projects/acme-prod/locations/us-central1/services/api';

function plan(deploy: Record<string, unknown> = {}): CloudRunPlan {
  const config = configSchema.parse({
    deploy: {
      target: 'cloud-run',
      'project-id': 'acme-prod',
      region: 'us-central1',
      service: 'api',
      image: `r.io/acme/api@${DIGEST}`,
      ...deploy,
    },
  });
  const planned = planDeploy({
    config,
    context: {
      inActions: true,
      eventName: 'push',
      repository: 'acme/api',
      repositoryId: '1',
      repositoryOwnerId: '2',
      sha: 'a'.repeat(40),
      ref: 'refs/heads/main',
      defaultBranch: 'main',
      isDefaultBranch: true,
      pullRequest: undefined,
      untrustedPullRequest: false,
      untrustedReason: undefined,
      oidcAvailable: true,
      runUrl: '',
      workspace: '/',
      tempDir: '/tmp',
      environment: 'prod',
      apiUrl: '',
      serverUrl: '',
      runId: '1',
    },
    result: {
      schemaVersion: 1,
      meta: { tool: '', version: '', commit: '', ref: '', environment: '', startedAt: '', runUrl: '' },
    },
  });
  if (!planned.run || planned.plan.target !== 'cloud-run') throw new Error('no plan');
  return planned.plan;
}

describe('buildServiceBody', () => {
  it('builds the full service for a first deploy', () => {
    const body = buildServiceBody(
      plan({
        cpu: '1',
        memory: '512Mi',
        'min-instances': 0,
        'max-instances': 3,
        concurrency: 80,
        timeout: '5m',
        'startup-cpu-boost': true,
        'execution-environment': 'gen1',
        'runtime-service-account': 'runtime@acme-prod.iam.gserviceaccount.com',
        'env-vars': { A: 1 },
        secrets: { KEY: 'api-key:latest' },
      }),
      undefined,
      'api-aaaaaaa-x1y',
      [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    );
    expect(body).toEqual({
      name: NAME,
      labels: { 'managed-by': 'orchestra-perf', 'commit-sha': 'a'.repeat(40), environment: 'prod' },
      template: {
        revision: 'api-aaaaaaa-x1y',
        labels: { 'managed-by': 'orchestra-perf', 'commit-sha': 'a'.repeat(40), environment: 'prod' },
        containers: [
          {
            image: `r.io/acme/api@${DIGEST}`,
            env: [
              { name: 'A', value: '1' },
              { name: 'KEY', valueSource: { secretKeyRef: { secret: 'api-key', version: 'latest' } } },
            ],
            resources: { limits: { cpu: '1', memory: '512Mi' }, startupCpuBoost: true },
          },
        ],
        scaling: { minInstanceCount: 0, maxInstanceCount: 3 },
        maxInstanceRequestConcurrency: 80,
        timeout: '300s',
        serviceAccount: 'runtime@acme-prod.iam.gserviceaccount.com',
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN1',
      },
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    });
    // What we send is a valid google.cloud.run.v2.Service with nothing the API would refuse.
    expect(
      checkMessage('google.cloud.run.v2.Service', body, 'service', { stripOutputOnly: false }),
    ).toBeTruthy();
  });

  it('keeps what it does not manage (sidecars, volumes, user labels) and drops output-only fields', () => {
    const existing: Service = {
      name: NAME,
      uid: 'u',
      generation: '3',
      uri: 'https://api-x.a.run.app',
      latestReadyRevision: `${NAME}/revisions/api-1`,
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
      labels: { team: 'core' },
      template: {
        revision: 'api-1',
        volumes: [{ name: 'cfg', emptyDir: {} }],
        containers: [
          {
            name: 'app',
            image: 'r.io/acme/api@sha256:old',
            env: [
              { name: 'KEEP', value: 'k' },
              { name: 'A', value: 'old' },
            ],
          },
          { name: 'sidecar', image: 'r.io/acme/proxy@sha256:p' },
        ],
      },
    };
    const body = buildServiceBody(plan({ 'env-vars': { A: 'new' } }), existing, 'api-2', []);
    expect(body).not.toHaveProperty('uid');
    expect(body).not.toHaveProperty('uri');
    expect(body).not.toHaveProperty('latestReadyRevision');
    expect(body.labels).toMatchObject({ team: 'core', environment: 'prod' });
    expect(body.template.volumes).toEqual([{ name: 'cfg', emptyDir: {} }]);
    expect(body.template.containers).toEqual([
      {
        name: 'app',
        image: `r.io/acme/api@${DIGEST}`,
        env: [
          { name: 'KEEP', value: 'k' },
          { name: 'A', value: 'new' },
        ],
      },
      { name: 'sidecar', image: 'r.io/acme/proxy@sha256:p' },
    ]);
    expect(
      checkMessage('google.cloud.run.v2.Service', body, 'service', { stripOutputOnly: false }),
    ).toBeTruthy();
  });

  it('changes only the traffic for traffic moves (no template change, so no new revision)', () => {
    const current: Service = {
      name: NAME,
      uid: 'u',
      template: { revision: 'api-1', containers: [{ image: 'i@sha256:1' }] },
      traffic: [],
    };
    expect(
      withTraffic(current, [
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-1', percent: 100 },
      ]),
    ).toEqual({
      name: NAME,
      template: current.template,
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-1', percent: 100 }],
    });
  });
});

describe('mergeEnv', () => {
  const existing = [
    { name: 'OLD', value: '1' },
    { name: 'A', value: 'x' },
  ];
  it('merges by name, new values win', () => {
    expect(mergeEnv(existing, { envVars: { A: 'y' }, secrets: {}, envStrategy: 'merge' })).toEqual([
      { name: 'OLD', value: '1' },
      { name: 'A', value: 'y' },
    ]);
  });
  it('overwrites: only what the config says', () => {
    expect(mergeEnv(existing, { envVars: { A: 'y' }, secrets: {}, envStrategy: 'overwrite' })).toEqual([
      { name: 'A', value: 'y' },
    ]);
  });
});

describe('labels', () => {
  it('sanitises keys and values to GCP label rules', () => {
    expect(sanitizeLabels({ Environment: 'Prod/EU', '1x': 'feature/ABC.def', long: 'x'.repeat(80) })).toEqual(
      {
        environment: 'prod-eu',
        'l-1x': 'feature-abc-def',
        long: 'x'.repeat(63),
      },
    );
  });
});
