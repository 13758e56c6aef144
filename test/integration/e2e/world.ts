/**
 * The world the end-to-end action test runs in: every local fake the action talks to on GitHub
 * (the GitHub REST API, the Actions OIDC issuer, Google STS / IAM Credentials / Cloud Run running
 * the real image in Docker, the cache service v2 over Azurite) and a workspace holding the example
 * service with a config that uses every stage. `stepEnv` gives the variables a runner would set
 * for a step so that the built bundles reach these fakes instead of the internet.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeProcessRunner, type ProcessRunner } from '../../../src/adapters/process.js';
import { FakeCacheService } from '../../fakes/cache-service/server.js';
import { runtimeToken } from '../../fakes/cache-service/tokens.js';
import type { FakeGitHub } from '../../fakes/github-api/server.js';
import { ACTIONS_TOKEN, startFake } from '../../fakes/github-api/setup.js';
import {
  type FakeGoogle,
  type FakeOidcIssuer,
  startFakeGoogle,
  startFakeOidcIssuer,
} from '../../fakes/google/index.js';
import { LOCAL_NODE_BASE, LOCAL_REGISTRY } from '../../helpers/docker.js';
import { REPO_ROOT } from '../../helpers/runner.js';

// The identity of the repository as the runner emulation and its event fixtures describe it.
export const REPOSITORY = 'acme/api';
export const REPOSITORY_ID = '700000001';
export const OWNER_ID = '900000001';
export const PR_NUMBER = 42;
export const PR_HEAD_SHA = 'b'.repeat(40);
export const ENVIRONMENT = 'staging';

export const PROJECT = 'acme-prod';
export const REGION = 'us-central1';
export const SERVICE = 'hello-api';
export const SERVICE_NAME = `projects/${PROJECT}/locations/${REGION}/services/${SERVICE}`;
export const PROVIDER = 'projects/123456789/locations/global/workloadIdentityPools/github/providers/github';
export const DEPLOYER = 'deployer@acme-prod.iam.gserviceaccount.com';
const REPO_PRINCIPAL_SET = `principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/attribute.repository/${REPOSITORY}`;

/** Runtime tokens as GitHub scopes them: the default branch writes its own scope; a PR reads main's. */
export const PUSH_RUNTIME_TOKEN = runtimeToken([{ scope: 'refs/heads/main', read: true, write: true }]);
export const PR_RUNTIME_TOKEN = runtimeToken([
  { scope: `refs/pull/${PR_NUMBER}/merge`, read: true, write: true },
  { scope: 'refs/heads/main', read: true, write: false },
]);

export interface E2eWorld {
  github: FakeGitHub;
  issuer: FakeOidcIssuer;
  google: FakeGoogle;
  cache: FakeCacheService;
  workspace: string;
  imageName: string;
  /** The label on every container the fake Cloud Run started for this world. */
  containerLabel: string;
  /** Variables of a step on the runner, pointing at the fakes. */
  stepEnv(runtimeToken: string): Record<string, string>;
  /** Every secret handed out so far: none may appear unmasked in a step's output. */
  secrets(): string[];
  close(): Promise<void>;
}

const EXAMPLE_FILES = ['server.js', 'package.json', 'Dockerfile', '.dockerignore'];

/** The config a user would commit: every stage, sized for a test (short smoke, small rate). */
export function e2eConfig(imageName: string): string {
  return `# Every stage, as a repository using the action would configure it.
cache:
  auto: false
  layers:
    - name: build-output
      paths: [.build-cache]
      key-files: [package.json]
build:
  tasks:
    - { name: syntax, run: node --check server.js }
    - { name: bundle-info, run: mkdir -p .build-cache && wc -c server.js > .build-cache/size.txt, needs: [syntax] }
image:
  name: ${imageName}
  context: .
  build-args: { BASE_IMAGE: ${LOCAL_NODE_BASE} }
deploy:
  target: cloud-run
  project-id: ${PROJECT}
  region: ${REGION}
  service: ${SERVICE}
  workload-identity-provider: ${PROVIDER}
  service-account: ${DEPLOYER}
  wait-timeout: 60s
smoke:
  duration: 2500ms
  warmup: 500ms
  rate: 20
  paths:
    - { path: /health, weight: 1 }
    - { path: /api/items, weight: 2 }
  thresholds: [error-rate<5%]
report:
  comment: always
`;
}

export async function startE2eWorld(): Promise<E2eWorld> {
  const closers: (() => Promise<void> | void)[] = [];
  // Every closer runs even when an earlier one fails (a leaked container outlives the test).
  const close = async () => {
    const errors: unknown[] = [];
    for (const closer of closers.reverse())
      await Promise.resolve()
        .then(closer)
        .catch((e) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  };
  const runId = Math.random().toString(36).slice(2, 10);
  const imageName = `${LOCAL_REGISTRY}/e2e/hello-api-${runId}`;
  const containerLabel = `${E2E_CONTAINER_LABEL}=${runId}`;
  // Runs last: the fake Cloud Run's containers (using the image) are gone by then.
  closers.push(() => removeLocalImages(imageName));
  try {
    const github = await startFake();
    closers.push(() => github.close());
    // The PR the pull_request fixture names, with its head commit (the fork fixture shares both).
    github.addPullRequest({ number: PR_NUMBER, headSha: PR_HEAD_SHA, title: 'Speed up /api/items' });
    github.addCommit('a'.repeat(40));

    const issuer = await startFakeOidcIssuer({
      repository: REPOSITORY,
      repository_id: REPOSITORY_ID,
      repository_owner_id: OWNER_ID,
    });
    closers.push(() => issuer.close());
    const google = await startFakeGoogle({
      project: PROJECT,
      providers: [
        {
          name: PROVIDER,
          issuer: issuer.issuer,
          jwks: issuer.jwks(),
          attributeCondition: (assertion) => assertion.repository_owner_id === OWNER_ID,
        },
      ],
      serviceAccounts: { [DEPLOYER]: { workloadIdentityUsers: [REPO_PRINCIPAL_SET] } },
    });
    // The fake Cloud Run runs the deployed image for real; its containers go when it closes.
    google.run.docker = relabelling(containerLabel);
    google.run.startupTimeoutMs = 30_000;
    closers.push(() => google.close());

    const cache = await FakeCacheService.start();
    closers.push(() => cache.stop());

    const workspace = mkdtempSync(join(tmpdir(), 'orchestra-e2e-ws-'));
    closers.push(() => rmSync(workspace, { recursive: true, force: true }));
    for (const file of EXAMPLE_FILES) {
      copyFileSync(join(REPO_ROOT, 'examples/hello-api', file), join(workspace, file));
    }
    writeFileSync(join(workspace, 'orchestra-perf.yml'), e2eConfig(imageName));

    return {
      github,
      issuer,
      google,
      cache,
      workspace,
      imageName,
      stepEnv: (token) => ({
        GITHUB_API_URL: github.url,
        ...issuer.env(),
        ...google.env(),
        ACTIONS_CACHE_SERVICE_V2: 'true',
        ACTIONS_RESULTS_URL: cache.url,
        ACTIONS_RUNTIME_TOKEN: token,
        SEGMENT_DOWNLOAD_TIMEOUT_MINS: '1',
      }),
      secrets: () => [
        ACTIONS_TOKEN,
        issuer.requestToken,
        ...issuer.issued,
        ...google.identity.tokens.keys(),
        PUSH_RUNTIME_TOKEN,
        PR_RUNTIME_TOKEN,
      ],
      containerLabel,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The fake Cloud Run's own label, which other Docker tests count globally. */
const FAKE_RUN_LABEL = 'orchestra-perf.fake-cloud-run=1';
export const E2E_CONTAINER_LABEL = 'orchestra-perf.e2e-cloud-run';

/**
 * The real process runner, except that the fake Cloud Run's containers carry this world's own
 * label instead of the shared one: test/integration/deploy/docker-cloud-run.test.ts asserts after
 * each test that no container with the shared label exists, and this file's long-lived revisions
 * would fail it when both files run at once (integration files run two at a time).
 */
function relabelling(label: string): ProcessRunner {
  return {
    run: (argv, options) =>
      nodeProcessRunner.run(
        argv.map((arg) => (arg === FAKE_RUN_LABEL ? label : arg)),
        options,
      ),
  };
}

/**
 * The references the image stage and the fake Cloud Run left in the local engine, removed by name
 * (never by image ID: another test may hold the same image under its own name).
 */
function removeLocalImages(imageName: string): void {
  const list = (format: string) =>
    execFileSync('docker', ['images', '--digests', '--format', format, imageName])
      .toString()
      .split('\n')
      .filter((line) => line && !line.includes('<none>'));
  const refs = [...list('{{.Repository}}:{{.Tag}}'), ...list('{{.Repository}}@{{.Digest}}')];
  for (const ref of new Set(refs)) {
    try {
      execFileSync('docker', ['rmi', ref], { stdio: 'pipe', timeout: 120_000 });
    } catch (error) {
      // Untagging an earlier reference may already have deleted the image this one named.
      if (!String((error as { stderr?: unknown }).stderr).includes('No such image')) throw error;
    }
  }
}

/** Every file under a directory, relative paths. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const relative = join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
