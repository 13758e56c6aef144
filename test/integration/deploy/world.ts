/**
 * Shared setup for the deploy integration tests: the fake OIDC issuer and the fake Google wired
 * together (provider trusting the issuer, a deployer service account bound to the repository), a
 * config, a run context, and a logger that records every line it would print (masked).
 */

import { systemClock } from '../../../src/adapters/clock.js';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { type Config, configSchema } from '../../../src/config/schema.js';
import { ConsoleLogger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';
import type { PullRequestInfo, RunContext } from '../../../src/run-context.js';
import type { StageDeps } from '../../../src/stages/stage.js';
import {
  type FakeGoogle,
  type FakeOidcIssuer,
  startFakeGoogle,
  startFakeOidcIssuer,
} from '../../fakes/google/index.js';

export const PROJECT = 'acme-prod';
export const REGION = 'us-central1';
export const SERVICE = 'api';
export const SERVICE_NAME = `projects/${PROJECT}/locations/${REGION}/services/${SERVICE}`;
export const PROVIDER = 'projects/123456789/locations/global/workloadIdentityPools/github/providers/github';
export const DEPLOYER = 'deployer@acme-prod.iam.gserviceaccount.com';
export const IMAGE = `us-docker.pkg.dev/acme-prod/apps/api@sha256:${'b'.repeat(64)}`;
export const REPO_PRINCIPAL_SET =
  'principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/attribute.repository/acme/api';

export interface World {
  issuer: FakeOidcIssuer;
  google: FakeGoogle;
  lines: string[];
  logger: ConsoleLogger;
  close(): Promise<void>;
}

export async function startWorld(options: { ownerId?: string; bindings?: string[] } = {}): Promise<World> {
  const issuer = await startFakeOidcIssuer();
  const ownerId = options.ownerId ?? '654321';
  const google = await startFakeGoogle({
    project: PROJECT,
    providers: [
      {
        name: PROVIDER,
        issuer: issuer.issuer,
        jwks: issuer.jwks(),
        attributeCondition: (assertion) => assertion.repository_owner_id === ownerId,
      },
    ],
    serviceAccounts: { [DEPLOYER]: { workloadIdentityUsers: options.bindings ?? [REPO_PRINCIPAL_SET] } },
  });
  google.run.readyDelayMs = 20;
  const lines: string[] = [];
  const logger = new ConsoleLogger((line) => lines.push(line), true);
  return {
    issuer,
    google,
    lines,
    logger,
    close: async () => {
      await google.close();
      await issuer.close();
    },
  };
}

export function deployConfig(deploy: Record<string, unknown> = {}): Config {
  return configSchema.parse({
    deploy: {
      target: 'cloud-run',
      'project-id': PROJECT,
      region: REGION,
      service: SERVICE,
      image: IMAGE,
      'workload-identity-provider': PROVIDER,
      'service-account': DEPLOYER,
      'wait-timeout': '20s',
      ...deploy,
    },
  });
}

export function runContext(overrides: Partial<RunContext> = {}, pr?: Partial<PullRequestInfo>): RunContext {
  const pullRequest: PullRequestInfo | undefined = pr
    ? {
        number: 42,
        headSha: 'c'.repeat(40),
        headRef: 'feature',
        baseRef: 'main',
        headRepo: 'acme/api',
        baseRepo: 'acme/api',
        title: 'x',
        author: 'dev',
        ...pr,
      }
    : undefined;
  return {
    inActions: true,
    eventName: pr ? 'pull_request' : 'push',
    repository: 'acme/api',
    repositoryId: '123456',
    repositoryOwnerId: '654321',
    sha: pullRequest?.headSha ?? 'a'.repeat(40),
    ref: 'refs/heads/main',
    defaultBranch: 'main',
    isDefaultBranch: !pr,
    pullRequest,
    untrustedPullRequest: false,
    untrustedReason: undefined,
    oidcAvailable: true,
    runUrl: '',
    workspace: process.cwd(),
    tempDir: '/tmp',
    environment: 'staging',
    apiUrl: 'http://127.0.0.1:1',
    serverUrl: 'https://github.com',
    runId: '1',
    ...overrides,
  };
}

export function emptyResult(): PerfResult {
  return {
    schemaVersion: 1,
    meta: {
      tool: 'orchestra-perf',
      version: '0',
      commit: '',
      ref: '',
      environment: 'staging',
      startedAt: '',
      runUrl: '',
    },
  };
}

export function stageDeps(
  world: World,
  env: NodeJS.ProcessEnv,
  services: StageDeps['services'] = {},
): StageDeps {
  const state = new Map<string, string>();
  return {
    logger: world.logger,
    process: nodeProcessRunner,
    clock: systemClock,
    state: { save: (key, value) => void state.set(key, value), get: (key) => state.get(key) ?? '' },
    signal: new AbortController().signal,
    env,
    services,
  };
}

/** Every secret the fakes handed out: none may appear in a log line. */
export function allSecrets(world: World): string[] {
  return [...world.issuer.issued, ...world.google.identity.tokens.keys(), world.issuer.requestToken];
}
