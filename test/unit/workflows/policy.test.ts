/**
 * The policy checker flags each violation on its own: every rule has a small bad workflow that
 * differs from a good one in exactly that respect, so the checker cannot pass vacuously.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` here is GitHub expression syntax in workflow text.
import { describe, expect, it } from 'vitest';
import { checkWorkflow, type RuleId } from '../../../src/setup/workflow-policy.js';

const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1';
const AUTH = 'google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093 # v3.0.0';
const ACTION = 'org/orchestra-perf-action@0000000000000000000000000000000000000000 # v1';
const DEPLOY_WF =
  'org/orchestra-perf-action/.github/workflows/deploy.yml@0000000000000000000000000000000000000000 # v1';

const good = `
on:
  pull_request:
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions:
      contents: read
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE" \${{ github.sha }}
  deploy:
    if: github.event.pull_request.head.repo.full_name == github.repository
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: ${AUTH}
      - uses: ${ACTION}
        with:
          stages: deploy,smoke
`;

function rules(source: string): RuleId[] {
  return checkWorkflow(source, 'test.yml').map((f) => f.rule);
}

/** Applies one textual change and insists it really changed something. */
function mutate(from: string, to: string): string {
  expect(good).toContain(from);
  return good.replace(from, to);
}

describe('workflow policy checker', () => {
  it('accepts the good workflow', () => {
    expect(checkWorkflow(good, 'test.yml')).toEqual([]);
  });

  const cases: [string, string, string, RuleId | RuleId[]][] = [
    ['a tag instead of a SHA', CHECKOUT, 'actions/checkout@v7 # v7.0.1', 'unpinned-uses'],
    ['a short SHA', CHECKOUT, 'actions/checkout@3d3c42e # v7.0.1', 'unpinned-uses'],
    ['a branch', ACTION, 'org/orchestra-perf-action@main', 'unpinned-uses'],
    [
      'a SHA without a version comment',
      CHECKOUT,
      'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1',
      'missing-version-comment',
    ],
    ['a docker image by tag', ACTION, 'docker://alpine:3.20', 'unpinned-uses'],
    [
      'github.event inside run',
      'echo "$TITLE"',
      'echo "${{ github.event.pull_request.title }}"',
      'untrusted-in-run',
    ],
    ['github.head_ref inside run', 'echo "$TITLE"', 'echo "${{ github.head_ref }}"', 'untrusted-in-run'],
    ['inputs inside run', 'echo "$TITLE"', 'echo "${{ inputs.service }}"', 'untrusted-in-run'],
    [
      'bracket access to the event',
      'echo "$TITLE"',
      'echo "${{ github[\'event\'].issue.title }}"',
      'untrusted-in-run',
    ],
    ['pull_request_target', 'on:\n  pull_request:\n', 'on:\n  pull_request_target:\n', 'pull-request-target'],
    ['no top-level permissions', 'permissions: {}\n', '', 'top-level-permissions'],
    ['top-level grants', 'permissions: {}\n', 'permissions:\n  contents: read\n', 'top-level-permissions'],
    [
      'a job without permissions',
      '    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout',
      '    steps:\n      - uses: actions/checkout',
      'job-permissions',
    ],
    [
      'write-all on a job',
      '    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout',
      '    permissions: write-all\n    steps:\n      - uses: actions/checkout',
      [
        'job-permissions',
        'id-token-without-deploy',
        'pull-requests-write-without-comment',
        'contents-write-without-history',
        'checks-write-without-report',
        'fork-deploy-unguarded',
      ],
    ],
    [
      'checkout without persist-credentials',
      '        with:\n          persist-credentials: false\n',
      '',
      'checkout-persist-credentials',
    ],
    [
      'checkout persisting credentials',
      'persist-credentials: false',
      'persist-credentials: true',
      'checkout-persist-credentials',
    ],
    [
      'a job without timeout',
      '  build:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n',
      '  build:\n    runs-on: ubuntu-latest\n',
      'job-timeout',
    ],
    [
      'id-token on a job that does not deploy',
      '    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout',
      '    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - uses: actions/checkout',
      ['id-token-without-deploy', 'fork-deploy-unguarded'],
    ],
    [
      'pull-requests: write on a job that does not comment',
      '    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout',
      '    permissions:\n      contents: read\n      pull-requests: write\n    steps:\n      - uses: actions/checkout',
      'pull-requests-write-without-comment',
    ],
    [
      'contents: write without history',
      '    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout',
      '    permissions:\n      contents: write\n    steps:\n      - uses: actions/checkout',
      'contents-write-without-history',
    ],
    [
      'a PR deploy job without the fork guard',
      '    if: github.event.pull_request.head.repo.full_name == github.repository\n',
      '',
      'fork-deploy-unguarded',
    ],
  ];

  it.each(cases)('flags %s', (_name, from, to, rule) => {
    expect(rules(mutate(from, to))).toEqual(Array.isArray(rule) ? rule : [rule]);
  });

  it('flags checks: write on a job that does not report', () => {
    const bad = good.replace(
      '      contents: read\n      id-token: write\n',
      '      checks: write\n      contents: read\n      id-token: write\n',
    );
    expect(rules(bad)).toEqual(['checks-write-without-report']);
  });

  it('allows a PR job that reports to comment and create a check run, but not to append history', () => {
    const reporting = good
      .replace('stages: deploy,smoke', 'stages: deploy,smoke,report')
      .replace(
        '      contents: read\n      id-token: write\n',
        '      checks: write\n      contents: read\n      id-token: write\n      pull-requests: write\n',
      );
    expect(checkWorkflow(reporting, 'ok.yml')).toEqual([]);
    expect(
      rules(
        reporting.replace(
          '      contents: read\n      id-token: write\n',
          '      contents: write\n      id-token: write\n',
        ),
      ),
    ).toEqual(['contents-write-without-history']);
  });

  it('allows history (contents: write) where a push workflow reports, and refuses PR comments there', () => {
    const push = `on: push\npermissions: {}\njobs:\n  d:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    permissions:\n      checks: write\n      contents: write\n      id-token: write\n    steps:\n      - uses: ${ACTION}\n`;
    expect(checkWorkflow(push, 'ok.yml')).toEqual([]);
    expect(
      rules(push.replace('      id-token: write\n', '      id-token: write\n      pull-requests: write\n')),
    ).toEqual(['pull-requests-write-without-comment']);
  });

  it('flags a deploying job without id-token: write', () => {
    expect(
      rules(good.replace('      contents: read\n      id-token: write\n', '      contents: read\n')),
    ).toEqual(['deploy-without-id-token']);
  });

  it('treats the action without stages as deploying only when told the config deploys', () => {
    const noStages = `on: push\npermissions: {}\njobs:\n  d:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    permissions:\n      contents: read\n    steps:\n      - uses: ${ACTION}\n`;
    expect(checkWorkflow(noStages, 'ok.yml')).toEqual([]);
    expect(checkWorkflow(noStages, 'ok.yml', { actionDeploysByDefault: true }).map((f) => f.rule)).toEqual([
      'deploy-without-id-token',
    ]);
  });

  it.each([
    ['a pool name', 'github-pool'],
    ['a project ID', 'projects/acme-prod/locations/global/workloadIdentityPools/gh/providers/gh'],
    ['a pool resource', 'projects/123456/locations/global/workloadIdentityPools/gh'],
  ])('flags a literal provider that is %s', (_name, provider) => {
    const bad = good.replace(
      `      - uses: ${AUTH}\n`,
      `      - uses: ${AUTH}\n        with:\n          workload_identity_provider: ${provider}\n`,
    );
    const findings = checkWorkflow(bad, 'bad.yml');
    expect(findings.map((f) => f.rule)).toEqual(['bad-workload-identity-provider']);
  });

  it('accepts a literal provider with the project number', () => {
    const ok = good.replace(
      `      - uses: ${AUTH}\n`,
      `      - uses: ${AUTH}\n        with:\n          workload_identity_provider: projects/123456/locations/global/workloadIdentityPools/gh/providers/gh\n`,
    );
    expect(checkWorkflow(ok, 'ok.yml')).toEqual([]);
  });

  it('flags secrets: inherit on a reusable-workflow call', () => {
    const bad = `on: push\npermissions: {}\njobs:\n  dev:\n    permissions:\n      contents: write\n      id-token: write\n    uses: ${DEPLOY_WF}\n    secrets: inherit\n`;
    expect(rules(bad)).toEqual(['secrets-inherit']);
  });

  it('flags a reusable-workflow call pinned to a tag', () => {
    const bad = `on: push\npermissions: {}\njobs:\n  dev:\n    permissions: {}\n    uses: org/orchestra-perf-action/.github/workflows/deploy.yml@v1\n`;
    expect(rules(bad)).toEqual(['deploy-without-id-token', 'unpinned-uses']);
  });

  it('does not ask a reusable-workflow call for timeout-minutes (GitHub rejects it there)', () => {
    const ok = `on: push\npermissions: {}\njobs:\n  dev:\n    permissions:\n      contents: write\n      id-token: write\n    uses: ${DEPLOY_WF}\n`;
    expect(checkWorkflow(ok, 'ok.yml')).toEqual([]);
  });

  it('flags id-token on a call to a reusable workflow that does not deploy', () => {
    const bad = `on: workflow_run\npermissions: {}\njobs:\n  r:\n    permissions:\n      id-token: write\n    uses: org/orchestra-perf-action/.github/workflows/perf-report.yml@0000000000000000000000000000000000000000 # v1\n`;
    expect(rules(bad)).toEqual(['id-token-without-deploy']);
  });

  it('allows local actions and workflows without a SHA', () => {
    const ok = good.replace(ACTION, './');
    expect(checkWorkflow(ok, 'ok.yml')).toEqual([]);
  });

  it('treats the action with build-only stages as not deploying', () => {
    expect(
      rules(good.replace('stages: deploy,smoke', 'stages: build').replace(`      - uses: ${AUTH}\n`, '')),
    ).toEqual(['id-token-without-deploy']);
  });

  it('reports the line of an unpinned uses', () => {
    const finding = checkWorkflow(good.replace(CHECKOUT, 'actions/checkout@v7'), 'test.yml').find(
      (f) => f.rule === 'unpinned-uses',
    );
    expect(finding?.line).toBe(good.split('\n').findIndex((l) => l.includes(CHECKOUT)) + 1);
  });

  it('reports YAML that does not parse', () => {
    expect(rules('on: push\njobs:\n  a: [\n')).toEqual(['yaml']);
  });
});
