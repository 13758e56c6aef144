import { describe, expect, it } from 'vitest';
import { checkWorkloadIdentityProvider } from '../../../src/config/gcp-names.js';
import { shellQuote, shellQuoteExpanding } from '../../../src/setup/shell-quote.js';
import { planWifSetup } from '../../../src/setup/wif-setup.js';

const full = planWifSetup({
  projectId: 'acme-prod',
  projectNumber: '123456789',
  region: 'us-central1',
  repository: 'acme/api',
  repositoryId: '700000001',
  repositoryOwnerId: '900000001',
  runtimeServiceAccount: 'api-runtime@acme-prod.iam.gserviceaccount.com',
  productionEnvironment: 'prod',
});
const all = full.commands.map((command) => command.argv.join(' ')).join('\n');

describe('planWifSetup', () => {
  it('never grants broad roles and never creates keys', () => {
    expect(all).not.toMatch(/roles\/(owner|editor|iam\.serviceAccountAdmin|run\.admin|iam\.securityAdmin)/);
    expect(all).not.toMatch(/keys create|service-accounts keys/);
    expect(full.terraform).not.toMatch(/google_service_account_key|roles\/(owner|editor)/);
  });

  it('grants exactly the deploy roles, each on the narrowest resource', () => {
    const grants = full.commands
      .filter((command) => command.argv.some((arg) => arg.startsWith('--role=')))
      .map((command) => ({
        role: command.argv.find((arg) => arg.startsWith('--role='))!.slice(7),
        on: command.argv.slice(1, 5).join(' '),
        target: command.argv[4],
      }));
    expect(grants.filter((grant) => grant.role === 'roles/run.developer')).toHaveLength(2);
    expect(grants.find((grant) => grant.role === 'roles/iam.serviceAccountUser')?.target).toBe(
      'api-runtime@acme-prod.iam.gserviceaccount.com',
    );
    expect(grants.find((grant) => grant.role === 'roles/artifactregistry.writer')?.on).toMatch(
      /^artifacts repositories add-iam-policy-binding apps/,
    );
    expect(new Set(grants.map((grant) => grant.role))).toEqual(
      new Set([
        'roles/run.developer',
        'roles/iam.serviceAccountUser',
        'roles/artifactregistry.writer',
        'roles/iam.workloadIdentityUser',
      ]),
    );
  });

  it('restricts the provider to the repository by numeric IDs and prod to its environment subject', () => {
    expect(all).toContain(
      "--attribute-condition=assertion.repository_owner_id == '900000001' && assertion.repository_id == '700000001'",
    );
    expect(all).toContain(
      '--member=principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/attribute.repository_id/700000001',
    );
    expect(all).toContain(
      '--member=principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/subject/repo:acme/api:environment:prod',
    );
    expect(full.productionServiceAccount).toBe('orchestra-deployer-prod@acme-prod.iam.gserviceaccount.com');
  });

  it('produces a provider name the config accepts', () => {
    expect(checkWorkloadIdentityProvider(full.providerName)).toBeUndefined();
  });

  it('looks up what it does not know instead of guessing', () => {
    const partial = planWifSetup({ projectId: 'acme-prod', region: 'us-central1', repository: 'acme/api' });
    expect(partial.commands.slice(0, 3).map((command) => command.captures)).toEqual([
      'PROJECT_NUMBER',
      'REPOSITORY_ID',
      'REPOSITORY_OWNER_ID',
    ]);
  });
});

describe('shell quoting of printed commands', () => {
  it('quotes what a shell would interpret, and keeps shell variables expandable only where meant', () => {
    expect(shellQuote("it's $(id)")).toBe(`'it'\\''s $(id)'`);
    expect(shellQuote('--project=acme')).toBe('--project=acme');
    const variable = ['$', '{REPOSITORY_ID}'].join('');
    expect(shellQuoteExpanding(`x == '${variable}' $HOME \`id\``)).toBe(
      `"x == '${variable}' \\$HOME \\\`id\\\`"`,
    );
  });
});
