import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

function issuesOf(text: string, environment?: string): string[] {
  try {
    resolveConfig({ file: { path: 'orchestra-perf.yml', text }, environment });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.field}: ${issue.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('applies defaults to an empty file', () => {
    const config = resolveConfig({ file: { path: 'f.yml', text: '' } });
    expect(config.smoke.duration).toBe(20_000);
    expect(config.smoke.warmup).toBe(3_000);
    expect(config.report['regression-threshold']).toBeCloseTo(0.1);
    expect(config.report.comment).toBe('always');
    expect(config.deploy.target).toBeUndefined();
    expect(config.cache.auto).toBe(true);
  });

  it('parses the DESIGN.md example and deep-merges the environment override', () => {
    const text = `
build:
  concurrency: 2
  tasks:
    - { name: lint, run: npm run lint }
    - { name: bundle, run: npm run build, needs: [lint] }
image: { name: us-docker.pkg.dev/acme/apps/api, context: ., dockerfile: Dockerfile }
deploy:
  target: cloud-run
  project-id: acme-prod
  region: us-central1
  service: api
  workload-identity-provider: projects/123456789/locations/global/workloadIdentityPools/gh/providers/gh
  service-account: deployer@acme-prod.iam.gserviceaccount.com
  cpu: 2
  memory: 2Gi
  min-instances: 1
  max-instances: 20
smoke:
  duration: 20s
  rate: 50
  paths: [{ path: /health, weight: 1 }, { path: /api/items, weight: 3 }]
  thresholds: [p95<300ms, error-rate<1%]
report: { regression-threshold: 10%, fail-on-regression: true }
environments:
  prod:
    deploy: { min-instances: 2, max-instances: 50 }
`;
    const config = resolveConfig({ file: { path: 'f.yml', text }, environment: 'prod' });
    expect(config.deploy['min-instances']).toBe(2);
    expect(config.deploy['max-instances']).toBe(50);
    expect(config.deploy.memory).toBe('2Gi');
    expect(config.deploy.cpu).toBe('2');
    expect(config.build.tasks[1]).toMatchObject({ name: 'bundle', needs: ['lint'] });
    expect(config.smoke.thresholds).toEqual([
      { expr: 'p95<300ms', metric: 'p95', op: '<', value: 300 },
      { expr: 'error-rate<1%', metric: 'error-rate', op: '<', value: 0.01 },
    ]);
    const staging = resolveConfig({ file: { path: 'f.yml', text }, environment: 'staging' });
    expect(staging.deploy['min-instances']).toBe(1);
  });

  it('lets inputs override the file and names the input in errors', () => {
    const file = { path: 'f.yml', text: 'smoke: { duration: 20s }' };
    const config = resolveConfig({
      file,
      overrides: [{ source: 'input smoke-duration', path: ['smoke', 'duration'], value: '5s' }],
    });
    expect(config.smoke.duration).toBe(5000);
    expect(() =>
      resolveConfig({
        file,
        overrides: [{ source: 'input smoke-duration', path: ['smoke', 'duration'], value: '5x' }],
      }),
    ).toThrow(/input smoke-duration: "5x" is not a duration/);
  });

  it.each([
    ['unknown top-level key', 'smokee: {}', /smokee: unknown key \(did you mean "smoke"\?\)/],
    [
      'unknown stage key',
      'smoke: { durration: 5s }',
      /smoke: unknown key "durration" \(did you mean "duration"\?\)/,
    ],
    ['wrong type', 'deploy: { min-instances: "two" }', /deploy\.min-instances: .*expected number.*got "two"/],
    ['bad duration', 'smoke: { duration: 10x }', /smoke\.duration: "10x" is not a duration; write .*20s/],
    [
      'bad threshold',
      'smoke: { thresholds: ["p95<<3"] }',
      /smoke\.thresholds\[0\]: "p95<<3" is not a threshold; write <metric><op><value>/,
    ],
    ['threshold unit', 'smoke: { thresholds: ["error-rate<5ms"] }', /error-rate is a ratio: use %/],
    [
      'service name',
      'deploy: { service: My_Service }',
      /deploy\.service: "My_Service" must start with a lowercase letter/,
    ],
    [
      'service too long',
      `deploy: { service: ${'a'.repeat(50)} }`,
      /deploy\.service: .* Cloud Run allows at most 49/,
    ],
    [
      'region',
      'deploy: { region: us-central }',
      /deploy\.region: "us-central" is not a Cloud Run region \(did you mean us-central1\?\)/,
    ],
    ['zone as region', 'deploy: { region: us-central1-a }', /is not a Cloud Run region/],
    [
      'image reference',
      'image: { name: "us-docker.pkg.dev/Acme/api" }',
      /image\.name: .* is not an image reference: repository/,
    ],
    [
      'image digest',
      'deploy: { image: "gcr.io/a/b@sha256:123" }',
      /deploy\.image: .* digest "sha256:123" is not sha256:<64 hex/,
    ],
    [
      'provider by project ID',
      'deploy: { workload-identity-provider: projects/acme-prod/locations/global/workloadIdentityPools/gh/providers/gh }',
      /project NUMBER/,
    ],
    [
      'provider as pool',
      'deploy: { workload-identity-provider: projects/123/locations/global/workloadIdentityPools/gh }',
      /names a pool, not a provider/,
    ],
    [
      'provider bare id',
      'deploy: { workload-identity-provider: github-pool }',
      /looks like a pool or provider ID alone/,
    ],
    [
      'provider padded',
      'deploy: { workload-identity-provider: " projects/123/locations/global/workloadIdentityPools/gh/providers/gh" }',
      /leading or trailing spaces/,
    ],
    ['service account', 'deploy: { service-account: deployer@acme }', /is not a service account email/],
    ['memory', 'deploy: { memory: 2GB }', /deploy\.memory: .* Mi or Gi/],
    [
      'rate and connections',
      'smoke: { rate: 5, connections: 4 }',
      /smoke\.rate: set rate .* or connections .* not both/,
    ],
    ['duration cap', 'smoke: { duration: 1h }', /smoke\.duration: exceeds max-duration/],
    ['url protocol', 'smoke: { url: "ftp://x" }', /smoke\.url/],
    [
      'percent',
      'report: { regression-threshold: ten }',
      /report\.regression-threshold: "ten" is not a percentage/,
    ],
    ['enum', 'report: { comment: sometimes }', /report\.comment/],
  ])('rejects %s with a fix-it message', (_name, text, pattern) => {
    expect(issuesOf(text).join('\n')).toMatch(pattern);
  });

  it('reports every problem at once, and names environment overrides by their path', () => {
    const issues = issuesOf(
      'bogus: 1\nsmoke: { duration: 10x }\nenvironments: { prod: { deploy: { region: mars1 } } }',
      'prod',
    );
    expect(issues).toHaveLength(3);
    expect(issues.join('\n')).toMatch(/environments\.prod\.deploy\.region: "mars1"/);
  });

  it('points at the line of a YAML syntax error', () => {
    expect(issuesOf('smoke:\n  duration: [5s\n')[0]).toMatch(/orchestra-perf\.yml:\d+: YAML does not parse/);
  });

  it('rejects duplicate keys rather than silently taking the last', () => {
    expect(issuesOf('smoke: { duration: 5s }\nsmoke: { duration: 6s }')[0]).toMatch(/YAML does not parse/);
  });
});
