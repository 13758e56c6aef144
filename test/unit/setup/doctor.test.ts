/**
 * `orchestra-perf doctor`: a clean repository passes; each planted problem is found on its own, with
 * its file and a fix; the command's exit codes and JSON output are what CI relies on.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/command.js';
import { doctorCommand } from '../../../src/cli/commands/doctor.js';
import { UsageError } from '../../../src/errors.js';
import { NullLogger } from '../../../src/logger.js';
import {
  CREDENTIALS_SAMPLE,
  copiesWholeContext,
  dockerignoreExcludes,
} from '../../../src/setup/doctor/dockerignore.js';
import { runDoctor } from '../../../src/setup/doctor/index.js';

const ACTION = 'org/orchestra-perf-action@0000000000000000000000000000000000000000 # v1';
const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1';

const CONFIG = `image:
  name: us-docker.pkg.dev/acme-prod/apps/api
deploy:
  target: cloud-run
  project-id: acme-prod
  region: us-central1
  service: api
  workload-identity-provider: projects/123456789/locations/global/workloadIdentityPools/gh/providers/gh
  service-account: deployer@acme-prod.iam.gserviceaccount.com
environments:
  prod:
    deploy: { min-instances: 2 }
`;

const WORKFLOW = `name: deploy
on:
  push:
    branches: [main]
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
      checks: write
      contents: write
      id-token: write
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - uses: ${ACTION}
        with:
          environment: dev
`;

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A repository in a temporary directory: the clean setup, with some files replaced or removed. */
function repo(changes: Record<string, string | null> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'doctor-'));
  roots.push(root);
  const files: Record<string, string | null> = {
    '.github/orchestra-perf.yml': CONFIG,
    '.github/workflows/deploy.yml': WORKFLOW,
    Dockerfile: 'FROM node:24-slim\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n',
    '.dockerignore': 'node_modules\ngha-creds-*.json\n',
    ...changes,
  };
  for (const [path, text] of Object.entries(files)) {
    if (text === null) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function checks(root: string): Promise<string[]> {
  return (await runDoctor({ root })).problems.map((p) => p.check);
}

describe('doctor', () => {
  it('finds nothing in a clean repository and says what it checked', async () => {
    const report = await runDoctor({ root: repo() });
    expect(report.problems).toEqual([]);
    expect(report.checked).toEqual([
      '.github/orchestra-perf.yml',
      '.github/workflows/deploy.yml',
      'Dockerfile',
    ]);
  });

  it('accepts the starter templates this project ships', async () => {
    const root = repo({ '.github/workflows/deploy.yml': null });
    cpSync('workflows-templates', join(root, '.github/workflows'), {
      recursive: true,
      filter: (src) => !src.endsWith('.json'),
    });
    expect(await runDoctor({ root })).toMatchObject({ problems: [] });
  });

  it.each([
    [
      'a deploying job without id-token: write',
      WORKFLOW.replace('      id-token: write\n', ''),
      'workflow:deploy-without-id-token',
    ],
    ['an unpinned action', WORKFLOW.replace(CHECKOUT, 'actions/checkout@v7'), 'workflow:unpinned-uses'],
    [
      'pull_request_target',
      WORKFLOW.replace('  push:\n    branches: [main]', '  pull_request_target:'),
      'workflow:pull-request-target',
    ],
    [
      'a checkout that keeps its token',
      WORKFLOW.replace('persist-credentials: false', 'persist-credentials: true'),
      'workflow:checkout-persist-credentials',
    ],
    [
      'a provider that names the project by ID',
      WORKFLOW.replace(
        '          environment: dev\n',
        '          environment: dev\n          deploy-workload-identity-provider: projects/acme-prod/locations/global/workloadIdentityPools/gh/providers/gh\n',
      ),
      'workflow:bad-workload-identity-provider',
    ],
  ])('finds %s in a workflow', async (_name, workflow, check) => {
    const report = await runDoctor({ root: repo({ '.github/workflows/deploy.yml': workflow }) });
    expect(report.problems.map((p) => p.check)).toEqual([check]);
    expect(report.problems[0]?.file).toBe('.github/workflows/deploy.yml');
    expect(report.problems[0]?.fix.length).toBeGreaterThan(10);
  });

  it('finds secrets: inherit on a reusable-workflow call', async () => {
    const caller = `on: push\npermissions: {}\njobs:\n  dev:\n    permissions:\n      checks: write\n      contents: write\n      id-token: write\n    uses: org/orchestra-perf-action/.github/workflows/deploy.yml@0000000000000000000000000000000000000000 # v1\n    with: { environment: dev }\n    secrets: inherit\n`;
    expect(await checks(repo({ '.github/workflows/dev.yml': caller }))).toEqual(['workflow:secrets-inherit']);
  });

  it.each([
    [
      'a pool instead of a provider',
      'projects/123456789/locations/global/workloadIdentityPools/gh',
      /names a pool/,
    ],
    [
      'a project ID instead of a number',
      'projects/acme-prod/locations/global/workloadIdentityPools/gh/providers/gh',
      /project NUMBER/,
    ],
  ])('finds a config provider that is %s', async (_name, provider, message) => {
    const config = CONFIG.replace(
      'projects/123456789/locations/global/workloadIdentityPools/gh/providers/gh',
      provider,
    );
    const report = await runDoctor({ root: repo({ '.github/orchestra-perf.yml': config }) });
    expect(report.problems.map((p) => p.check)).toEqual(['config']);
    expect(report.problems[0]?.message).toMatch(message);
  });

  it('finds a config that fails validation only in one environment, naming it', async () => {
    const config = CONFIG.replace('deploy: { min-instances: 2 }', 'deploy: { min-instances: -1 }');
    const report = await runDoctor({ root: repo({ '.github/orchestra-perf.yml': config }) });
    expect(report.problems.map((p) => p.check)).toEqual(['config']);
    expect(report.problems[0]?.message).toContain('(environment prod)');
  });

  it('finds a missing config', async () => {
    expect(await checks(repo({ '.github/orchestra-perf.yml': null }))).toEqual(['config']);
  });

  it('finds a Dockerfile that copies the whole context without ignoring the credentials file', async () => {
    const report = await runDoctor({ root: repo({ '.dockerignore': 'node_modules\n' }) });
    expect(report.problems.map((p) => p.check)).toEqual(['dockerignore']);
    expect(report.problems[0]?.fix).toContain('gha-creds-*.json');
    expect(await checks(repo({ '.dockerignore': null }))).toEqual(['dockerignore']);
  });

  it("reads the Dockerfile and context from the config's image section", async () => {
    const config = CONFIG.replace('image:\n', 'image:\n  context: services/api\n');
    const root = repo({
      '.github/orchestra-perf.yml': config,
      Dockerfile: null,
      '.dockerignore': null,
      'services/api/Dockerfile': 'FROM scratch\nCOPY ./ /app\n',
    });
    const report = await runDoctor({ root });
    expect(report.problems).toMatchObject([{ check: 'dockerignore', file: 'services/api/Dockerfile' }]);
    writeFileSync(join(root, 'services/api/.dockerignore'), '**/*.json\n');
    expect((await runDoctor({ root })).problems).toEqual([]);
  });

  it('finds an image Dockerfile that is not where the image stage looks (relative to the context)', async () => {
    const config = CONFIG.replace(
      'image:\n',
      'image:\n  context: services/api\n  dockerfile: services/api/Dockerfile\n',
    );
    const root = repo({ '.github/orchestra-perf.yml': config, 'services/api/Dockerfile': 'FROM scratch\n' });
    const report = await runDoctor({ root });
    expect(report.problems.map((p) => p.check)).toEqual(['config']);
    expect(report.problems[0]?.message).toContain('services/api/services/api/Dockerfile');
  });

  it('reports every planted problem at once', async () => {
    const root = repo({
      '.github/workflows/deploy.yml': WORKFLOW.replace(CHECKOUT, 'actions/checkout@main').replace(
        'permissions: {}\n',
        '',
      ),
      '.dockerignore': null,
    });
    expect((await checks(root)).sort()).toEqual([
      'dockerignore',
      'workflow:top-level-permissions',
      'workflow:unpinned-uses',
    ]);
  });
});

describe('the Docker context check', () => {
  it.each([
    ['COPY . .', true],
    ['COPY --chown=node:node ./ /app', true],
    ['ADD . /src', true],
    ['copy . /src', true],
    ['COPY package.json package-lock.json ./', false],
    ['COPY src/ ./src/', false],
    ['COPY --from=build /app/dist .', false],
  ])('%s copies the whole context: %s', (line, expected) => {
    expect(copiesWholeContext(`FROM scratch\n${line}\n`)).toBe(expected);
  });

  it.each([
    ['gha-creds-*.json', true],
    ['/gha-creds-*.json', true],
    ['*.json', true],
    ['**/*.json', true],
    ['gha-creds-*', true],
    ['gha-creds-*\n!gha-creds-*.json', false],
    ['*.json\n!package.json', true],
    ['creds', false],
    ['', false],
    ['# gha-creds-*.json', false],
  ])('.dockerignore %j excludes the credentials file: %s', (ignore, expected) => {
    expect(dockerignoreExcludes(ignore, CREDENTIALS_SAMPLE)).toBe(expected);
  });
});

describe('orchestra-perf doctor (command)', () => {
  function io(cwd: string) {
    const lines: string[] = [];
    const value: CliIO = {
      out: (text) => lines.push(text),
      logger: new NullLogger(),
      cwd,
      env: {},
      signal: new AbortController().signal,
    };
    return { value, lines };
  }

  it('exits 0 on a clean repository', async () => {
    const { value, lines } = io(repo());
    expect(await doctorCommand.run([], value)).toBe(0);
    expect(lines.join('\n')).toContain('no problems found');
  });

  it('exits 1 with the list, as text and as JSON', async () => {
    const root = repo({
      '.dockerignore': null,
      '.github/workflows/deploy.yml': WORKFLOW.replace(CHECKOUT, 'actions/checkout@v7'),
    });
    const text = io(root);
    expect(await doctorCommand.run([], text.value)).toBe(1);
    expect(text.lines.join('\n')).toMatch(
      /2 problems:\n- \.github\/workflows\/deploy\.yml:\d+: actions\/checkout@v7 is not pinned/,
    );
    const json = io(root);
    expect(await doctorCommand.run(['--format', 'json'], json.value)).toBe(1);
    const parsed = JSON.parse(json.lines.join('\n'));
    expect(parsed.ok).toBe(false);
    expect(parsed.problems.map((p: { check: string }) => p.check).sort()).toEqual([
      'dockerignore',
      'workflow:unpinned-uses',
    ]);
  });

  it('takes --config and refuses unknown formats and arguments', async () => {
    const root = repo({ '.github/orchestra-perf.yml': null, 'perf/config.yml': CONFIG });
    expect(await doctorCommand.run(['--config', 'perf/config.yml'], io(root).value)).toBe(0);
    await expect(doctorCommand.run(['--format', 'xml'], io(root).value)).rejects.toBeInstanceOf(UsageError);
    await expect(doctorCommand.run(['extra'], io(root).value)).rejects.toBeInstanceOf(UsageError);
  });
});
