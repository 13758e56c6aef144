/**
 * The deploy stage's pure plan: which target, which image (by digest only for Cloud Run), which
 * credentials method, preview or serving, and every setting of the service. Skips with a reason
 * when there is nothing to deploy or the run is untrusted; throws ConfigError for bad combinations.
 */
import { parseImageRef } from '../../config/image-ref.js';
import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { type CredentialsPlan, planCredentials } from '../../gcp/credentials.js';
import type { PerfResult } from '../../result.js';
import type { RunContext } from '../../run-context.js';
import { type StageInput, type StagePlan, skip } from '../stage.js';
import { sanitizeLabels } from './labels.js';
import { previewTag } from './traffic.js';

export type TrafficPolicy = Config['deploy']['traffic'];

export interface ServiceSettings {
  cpu: string | undefined;
  memory: string | undefined;
  minInstances: number | undefined;
  maxInstances: number | undefined;
  concurrency: number | undefined;
  timeoutMs: number | undefined;
  startupCpuBoost: boolean | undefined;
  executionEnvironment: 'gen1' | 'gen2' | undefined;
  runtimeServiceAccount: string | undefined;
  envVars: Record<string, string>;
  secrets: Record<string, { secret: string; version: string }>;
  envStrategy: 'merge' | 'overwrite';
  /** Service and revision labels, already sanitised. */
  labels: Record<string, string>;
}

export interface CloudRunPlan {
  target: 'cloud-run';
  project: string;
  region: string;
  serviceId: string;
  /** `projects/P/locations/R/services/S`. */
  service: string;
  /** By digest, always. */
  image: string;
  credentials: CredentialsPlan;
  universeDomain: string;
  /** `owner/name`, for error hints. */
  repository: string | undefined;
  /** A PR preview (no traffic, tagged) or a serving deploy under `traffic`. */
  mode: 'preview' | 'serving';
  /** Tag for the new revision: `pr-<n>` for previews. */
  tag: string | undefined;
  traffic: TrafficPolicy;
  waitTimeoutMs: number;
  /** `<service>-<sha7>`: execute appends a short random suffix. */
  revisionPrefix: string;
  settings: ServiceSettings;
}

export interface LocalPlan {
  target: 'local';
  /** The image to `docker run`, or undefined when a command runs instead. */
  image: string | undefined;
  command: string | undefined;
  port: number | undefined;
  readinessPath: string;
  waitTimeoutMs: number;
  envVars: Record<string, string>;
  /** Where the command runs (default: the current directory); e.g. a worktree of the base commit. */
  cwd?: string;
}

export type DeployPlan = CloudRunPlan | LocalPlan;

type Target = 'cloud-run' | 'local' | 'none';

function chooseTarget(config: Config, context: RunContext): Target {
  const deploy = config.deploy;
  if (deploy.target) return deploy.target;
  if (!context.inActions) return 'local';
  return deploy.service || deploy['project-id'] ? 'cloud-run' : 'none';
}

/** The image to deploy: what the image stage pushed (by digest), or `deploy.image` for a promotion. */
export function deployImage(config: Config, result: Readonly<PerfResult>): string | undefined {
  const pushed = result.image;
  if (pushed?.digest) {
    const parsed = parseImageRef(pushed.ref);
    if ('error' in parsed) return `${pushed.ref}@${pushed.digest}`;
    const name = parsed.registry ? `${parsed.registry}/${parsed.repository}` : parsed.repository;
    return `${name}@${pushed.digest}`;
  }
  return config.deploy.image ?? pushed?.ref;
}

export function planDeploy(input: StageInput): StagePlan<DeployPlan> {
  const { config, context, result } = input;
  const deploy = config.deploy;
  const target = chooseTarget(config, context);
  if (target === 'none') return skip('deploy.target is none (or no Cloud Run service is configured)');
  if (target === 'local') return planLocal(config, result);

  if (context.untrustedPullRequest) {
    return skip(
      `${context.untrustedReason ?? 'the pull request is untrusted'}: no OIDC token is requested and nothing is deployed (fork code never gets Google credentials)`,
    );
  }
  const missing = (['project-id', 'region', 'service'] as const).filter((key) => !deploy[key]);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((key) => ({ field: `deploy.${key}`, message: 'is required for the cloud-run target' })),
    );
  }
  const image = deployImage(config, result);
  if (!image) {
    throw new ConfigError([
      {
        field: 'deploy.image',
        message: 'nothing to deploy: run the image stage or set deploy.image to IMAGE@sha256:...',
      },
    ]);
  }
  const ref = parseImageRef(image);
  if ('error' in ref || !ref.digest) {
    throw new ConfigError([
      {
        field: 'deploy.image',
        message: `"${image}" is not pinned by digest; Cloud Run deploys are by digest only (IMAGE@sha256:...)`,
      },
    ]);
  }
  const project = deploy['project-id']!;
  const region = deploy.region!;
  const serviceId = deploy.service!;
  const pr = context.pullRequest;
  const mode = pr ? 'preview' : 'serving';
  const tag = pr
    ? previewTag(pr.number)
    : deploy.traffic === 'none'
      ? `sha-${shortSha(context.sha)}`
      : undefined;
  const sha7 = shortSha(context.sha);
  const labels = sanitizeLabels({
    ...deploy.labels,
    'managed-by': 'orchestra-perf',
    'commit-sha': context.sha || 'unknown',
    environment: context.environment || 'default',
    ...(pr ? { 'orchestra-perf-pr': String(pr.number) } : {}),
  });
  const settings: ServiceSettings = {
    cpu: deploy.cpu,
    memory: deploy.memory,
    minInstances: deploy['min-instances'],
    maxInstances: deploy['max-instances'],
    concurrency: deploy.concurrency,
    timeoutMs: deploy.timeout,
    startupCpuBoost: deploy['startup-cpu-boost'],
    executionEnvironment: deploy['execution-environment'],
    runtimeServiceAccount: deploy['runtime-service-account'],
    envVars: deploy['env-vars'],
    secrets: Object.fromEntries(
      Object.entries(deploy.secrets).map(([name, reference]) => {
        const [secret, version] = reference.split(':') as [string, string];
        return [name, { secret, version }];
      }),
    ),
    envStrategy: deploy['env-vars-update-strategy'],
    labels,
  };
  const plan: CloudRunPlan = {
    target: 'cloud-run',
    project,
    region,
    serviceId,
    service: `projects/${project}/locations/${region}/services/${serviceId}`,
    image,
    credentials: planCredentials(deploy),
    universeDomain: deploy['universe-domain'],
    repository: context.repository,
    mode,
    tag,
    traffic: mode === 'preview' ? 'none' : deploy.traffic,
    waitTimeoutMs: deploy['wait-timeout'],
    revisionPrefix: `${serviceId}-${sha7}`.slice(0, 58).replace(/-+$/, ''),
    settings,
  };
  const summary = [
    `Cloud Run service ${plan.service}`,
    `image ${image}`,
    mode === 'preview'
      ? `preview: no-traffic revision tagged ${tag}`
      : `traffic: ${describeTraffic(plan.traffic)}`,
    plan.credentials.method === 'wif'
      ? `credentials: Workload Identity Federation via ${plan.credentials.provider}${plan.credentials.serviceAccount ? ` as ${plan.credentials.serviceAccount}` : ' (direct)'}`
      : 'credentials: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS)',
  ];
  return { run: true, plan, summary };
}

function planLocal(config: Config, result: Readonly<PerfResult>): StagePlan<DeployPlan> {
  const deploy = config.deploy;
  const command = deploy.command;
  const image = command ? undefined : (result.image?.ref ?? deploy.image ?? config.image.name);
  if (!command && !image)
    return skip('local target: no image was built and no deploy.command or deploy.image is set');
  const plan: LocalPlan = {
    target: 'local',
    image,
    command,
    port: deploy.port,
    readinessPath: deploy['readiness-path'],
    waitTimeoutMs: Math.min(deploy['wait-timeout'], 120_000),
    envVars: deploy['env-vars'],
  };
  return {
    run: true,
    plan,
    summary: [
      command ? `local: run \`${command}\` with PORT set` : `local: docker run --network host ${image}`,
      `readiness: GET ${plan.readinessPath}`,
    ],
  };
}

function describeTraffic(traffic: TrafficPolicy): string {
  return typeof traffic === 'string' ? traffic : `canary ${traffic.canary.join('% -> ')}%`;
}

export function shortSha(sha: string): string {
  return (sha || 'nosha').slice(0, 7).toLowerCase();
}
