/** The deploy plan as a value: targets, trust, digests, previews, credentials, labels. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';
import type { PerfResult } from '../../../src/result.js';
import type { RunContext } from '../../../src/run-context.js';
import { type CloudRunPlan, planDeploy } from '../../../src/stages/deploy/plan.js';

const PROVIDER = 'projects/123456789/locations/global/workloadIdentityPools/github/providers/github';
const DIGEST = `sha256:${'b'.repeat(64)}`;

const context = (overrides: Partial<RunContext> = {}): RunContext => ({
  inActions: true,
  eventName: 'push',
  repository: 'acme/api',
  repositoryId: '1',
  repositoryOwnerId: '2',
  sha: '0123456789abcdef0123456789abcdef01234567',
  ref: 'refs/heads/main',
  defaultBranch: 'main',
  isDefaultBranch: true,
  pullRequest: undefined,
  untrustedPullRequest: false,
  untrustedReason: undefined,
  oidcAvailable: true,
  runUrl: '',
  workspace: '/w',
  tempDir: '/tmp',
  environment: 'Prod/EU',
  apiUrl: '',
  serverUrl: '',
  runId: '1',
  ...overrides,
});

const result = (image?: PerfResult['image']): PerfResult => ({
  schemaVersion: 1,
  meta: {
    tool: 'orchestra-perf',
    version: '0',
    commit: '',
    ref: '',
    environment: '',
    startedAt: '',
    runUrl: '',
  },
  ...(image ? { image } : {}),
});

const config = (deploy: Record<string, unknown> = {}) =>
  configSchema.parse({
    deploy: {
      target: 'cloud-run',
      'project-id': 'acme-prod',
      region: 'us-central1',
      service: 'api',
      'workload-identity-provider': PROVIDER,
      'service-account': 'deployer@acme-prod.iam.gserviceaccount.com',
      ...deploy,
    },
  });

function cloudRunPlan(input: Parameters<typeof planDeploy>[0]): CloudRunPlan {
  const planned = planDeploy(input);
  if (!planned.run || planned.plan.target !== 'cloud-run') throw new Error('expected a cloud-run plan');
  return planned.plan;
}

describe('planDeploy', () => {
  it('deploys what the image stage pushed, by digest, as a serving deploy with WIF and impersonation', () => {
    const plan = cloudRunPlan({
      config: config(),
      context: context(),
      result: result({
        ref: 'us-docker.pkg.dev/acme-prod/apps/api:0123456',
        digest: DIGEST,
        sizeBytes: 1,
        buildMs: 1,
      }),
    });
    expect(plan).toMatchObject({
      service: 'projects/acme-prod/locations/us-central1/services/api',
      image: `us-docker.pkg.dev/acme-prod/apps/api@${DIGEST}`,
      mode: 'serving',
      tag: undefined,
      traffic: 'all',
      revisionPrefix: 'api-0123456',
      credentials: {
        method: 'wif',
        provider: PROVIDER,
        serviceAccount: 'deployer@acme-prod.iam.gserviceaccount.com',
        universeDomain: 'googleapis.com',
      },
    });
    expect(plan.settings.labels).toEqual({
      'managed-by': 'orchestra-perf',
      'commit-sha': '0123456789abcdef0123456789abcdef01234567',
      environment: 'prod-eu',
    });
  });

  it('plans a preview tagged with the PR number from the payload, never the branch name', () => {
    const pr = {
      number: 42,
      headSha: 'c'.repeat(40),
      headRef: 'pr-999-evil',
      baseRef: 'main',
      headRepo: 'acme/api',
      baseRepo: 'acme/api',
      title: '',
      author: 'dev',
    };
    const plan = cloudRunPlan({
      config: config({ image: `r.io/a/b@${DIGEST}`, traffic: { canary: [10, 100] } }),
      context: context({ pullRequest: pr }),
      result: result(),
    });
    expect(plan.mode).toBe('preview');
    expect(plan.tag).toBe('pr-42');
    expect(plan.traffic).toBe('none');
    expect(plan.settings.labels['orchestra-perf-pr']).toBe('42');
  });

  it('skips an untrusted pull request with the reason, before any credentials are planned', () => {
    const planned = planDeploy({
      config: config({ image: `r.io/a/b@${DIGEST}` }),
      context: context({
        untrustedPullRequest: true,
        untrustedReason: 'the pull request comes from the fork evil/api',
      }),
      result: result(),
    });
    expect(planned).toEqual({
      run: false,
      reason: expect.stringContaining('the pull request comes from the fork evil/api'),
    });
  });

  it('refuses a mutable tag: Cloud Run deploys are by digest only', () => {
    expect(() =>
      planDeploy({ config: config({ image: 'r.io/a/b:latest' }), context: context(), result: result() }),
    ).toThrow(ConfigError);
    expect(() =>
      planDeploy({ config: config({ image: 'r.io/a/b:latest' }), context: context(), result: result() }),
    ).toThrow(/digest/);
  });

  it('names every missing required field', () => {
    const bad = configSchema.parse({ deploy: { target: 'cloud-run', image: `r.io/a/b@${DIGEST}` } });
    try {
      planDeploy({ config: bad, context: context(), result: result() });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.field)).toEqual([
        'deploy.project-id',
        'deploy.region',
        'deploy.service',
      ]);
    }
  });

  it('uses ADC when no provider is configured', () => {
    const plan = cloudRunPlan({
      config: config({ 'workload-identity-provider': undefined, image: `r.io/a/b@${DIGEST}` }),
      context: context(),
      result: result(),
    });
    expect(plan.credentials).toEqual({ method: 'adc', universeDomain: 'googleapis.com' });
  });

  it('tags a traffic: none deploy so it can still be reached', () => {
    const plan = cloudRunPlan({
      config: config({ image: `r.io/a/b@${DIGEST}`, traffic: 'none' }),
      context: context(),
      result: result(),
    });
    expect(plan.tag).toBe('sha-0123456');
  });

  it('defaults to the local target outside Actions and runs the built image', () => {
    const planned = planDeploy({
      config: configSchema.parse({}),
      context: context({ inActions: false }),
      result: result({ ref: '127.0.0.1:5000/app:dev', digest: DIGEST, sizeBytes: 1, buildMs: 1 }),
    });
    expect(planned).toMatchObject({
      run: true,
      plan: { target: 'local', image: '127.0.0.1:5000/app:dev', command: undefined, readinessPath: '/' },
    });
  });

  it('runs deploy.command on the local target', () => {
    const planned = planDeploy({
      config: configSchema.parse({
        deploy: { target: 'local', command: 'node server.js', 'readiness-path': '/health' },
      }),
      context: context(),
      result: result(),
    });
    expect(planned).toMatchObject({
      run: true,
      plan: { target: 'local', command: 'node server.js', image: undefined, readinessPath: '/health' },
    });
  });

  it('skips in Actions when nothing is configured to deploy', () => {
    expect(planDeploy({ config: configSchema.parse({}), context: context(), result: result() }).run).toBe(
      false,
    );
  });
});

describe('provider validation before any network call (fault 4)', () => {
  const cases = {
    'a pool name': 'projects/123456789/locations/global/workloadIdentityPools/github',
    'a project ID instead of the number':
      'projects/acme-prod/locations/global/workloadIdentityPools/github/providers/github',
    empty: '',
    'padded with spaces': ` ${PROVIDER} `,
    'a provider ID alone': 'github',
  };
  for (const [what, value] of Object.entries(cases)) {
    it(`rejects ${what} at config time, with the fix`, () => {
      const parsed = configSchema.safeParse({ deploy: { 'workload-identity-provider': value } });
      expect(parsed.success).toBe(false);
      const message = parsed.success ? '' : parsed.error.issues.map((issue) => issue.message).join('\n');
      expect(message).toMatch(/provider|NUMBER|spaces/);
    });
  }
});
