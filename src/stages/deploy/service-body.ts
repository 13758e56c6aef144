/**
 * Pure construction of the Cloud Run v2 Service body that one PATCH (allowMissing=true) sends.
 * The PATCH replaces the whole service, so fields we do not manage (volumes, VPC access, sidecars)
 * are carried over from the existing service; output-only fields are dropped.
 */
import type {
  Container,
  EnvVar,
  RevisionTemplate,
  Service,
  TrafficTarget,
} from '../../gcp/cloud-run-types.js';
import type { CloudRunPlan, ServiceSettings } from './plan.js';

/** Output-only fields of google.cloud.run.v2.Service (the API ignores them; we do not send them). */
const SERVICE_OUTPUT_ONLY = [
  'uid',
  'generation',
  'createTime',
  'updateTime',
  'deleteTime',
  'expireTime',
  'creator',
  'lastModifier',
  'observedGeneration',
  'terminalCondition',
  'conditions',
  'latestReadyRevision',
  'latestCreatedRevision',
  'trafficStatuses',
  'uri',
  'urls',
  'reconciling',
  'etag',
  'satisfiesPzs',
] as const;

export function stripOutputOnly(service: Service): Service {
  const copy: Record<string, unknown> = structuredClone(service);
  for (const key of SERVICE_OUTPUT_ONLY) delete copy[key];
  return copy as unknown as Service;
}

/** Env entries for the first container: merged with what runs now, or replacing it. */
export function mergeEnv(
  existing: readonly EnvVar[] | undefined,
  settings: Pick<ServiceSettings, 'envVars' | 'secrets' | 'envStrategy'>,
): EnvVar[] {
  const wanted: EnvVar[] = [
    ...Object.entries(settings.envVars).map(([name, value]) => ({ name, value })),
    ...Object.entries(settings.secrets).map(([name, ref]) => ({
      name,
      valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } },
    })),
  ];
  if (settings.envStrategy === 'overwrite') return wanted;
  const names = new Set(wanted.map((entry) => entry.name));
  return [...(existing ?? []).filter((entry) => !names.has(entry.name)), ...wanted];
}

function durationString(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(3)}s`;
}

export function buildTemplate(
  plan: CloudRunPlan,
  existing: Service | undefined,
  revisionName: string,
): RevisionTemplate {
  const s = plan.settings;
  const previous = existing ? stripOutputOnly(existing).template : undefined;
  const [first, ...sidecars] = previous?.containers ?? [];
  const limits: Record<string, string> = { ...(first?.resources?.limits ?? {}) };
  if (s.cpu) limits.cpu = s.cpu;
  if (s.memory) limits.memory = s.memory;
  const resources: NonNullable<Container['resources']> = { ...(first?.resources ?? {}) };
  if (Object.keys(limits).length > 0) resources.limits = limits;
  if (s.startupCpuBoost !== undefined) resources.startupCpuBoost = s.startupCpuBoost;
  const container: Container = {
    ...(first ?? {}),
    image: plan.image,
    env: mergeEnv(first?.env, s),
  };
  if (Object.keys(resources).length > 0) container.resources = resources;
  if (container.env?.length === 0) delete container.env;

  const template: RevisionTemplate = {
    ...(previous ?? {}),
    revision: revisionName,
    labels: { ...(previous?.labels ?? {}), ...s.labels },
    containers: [container, ...sidecars],
  };
  if (s.minInstances !== undefined || s.maxInstances !== undefined) {
    template.scaling = {
      ...(previous?.scaling ?? {}),
      ...(s.minInstances !== undefined ? { minInstanceCount: s.minInstances } : {}),
      ...(s.maxInstances !== undefined ? { maxInstanceCount: s.maxInstances } : {}),
    };
  }
  if (s.concurrency !== undefined) template.maxInstanceRequestConcurrency = s.concurrency;
  if (s.timeoutMs !== undefined) template.timeout = durationString(s.timeoutMs);
  if (s.runtimeServiceAccount) template.serviceAccount = s.runtimeServiceAccount;
  if (s.executionEnvironment) {
    template.executionEnvironment =
      s.executionEnvironment === 'gen1' ? 'EXECUTION_ENVIRONMENT_GEN1' : 'EXECUTION_ENVIRONMENT_GEN2';
  }
  return template;
}

/** The full body: existing service (input fields) + our template, labels and traffic. */
export function buildServiceBody(
  plan: CloudRunPlan,
  existing: Service | undefined,
  revisionName: string,
  traffic: TrafficTarget[],
): Service & { name: string } {
  const base = existing ? stripOutputOnly(existing) : undefined;
  return {
    ...(base ?? {}),
    name: plan.service,
    labels: { ...(base?.labels ?? {}), ...plan.settings.labels },
    template: buildTemplate(plan, existing, revisionName),
    traffic,
  };
}

/** The same service with only its traffic changed (no new revision: the template is untouched). */
export function withTraffic(current: Service, traffic: TrafficTarget[]): Service & { name: string } {
  const base = stripOutputOnly(current);
  return { ...base, name: current.name!, traffic };
}
