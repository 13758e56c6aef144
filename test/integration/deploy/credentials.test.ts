/**
 * WIF and ADC credentials against the local Google: the real google-auth-library talking to the
 * fake STS and IAM Credentials, with the GitHub OIDC token from the fake issuer.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentials, planCredentials } from '../../../src/gcp/credentials.js';
import { CredentialsError } from '../../../src/gcp/github-oidc.js';
import { allSecrets, DEPLOYER, deployConfig, PROVIDER, startWorld, type World } from './world.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...world.issuer.env(), ...world.google.env(), ...extra };
}

async function token(deploy: Record<string, unknown> = {}, environment = env()): Promise<string> {
  const credentials = await createCredentials(planCredentials(deployConfig(deploy).deploy), {
    env: environment,
    logger: world.logger,
    context: { repository: 'acme/api' },
  });
  return credentials.accessToken();
}

function expectNoSecretsLogged(extra: string[] = []): void {
  const text = [...world.lines, ...extra].join('\n');
  for (const secret of allSecrets(world)) expect(text).not.toContain(secret);
}

describe('Workload Identity Federation', () => {
  it('exchanges the GitHub OIDC token at STS and impersonates the service account', async () => {
    const accessToken = await token();
    const principal = world.google.identity.tokens.get(accessToken);
    expect(principal).toMatchObject({ kind: 'service-account', id: DEPLOYER });
    expect(world.issuer.requests).toEqual([{ audience: `//iam.googleapis.com/${PROVIDER}` }]);
    expect(world.google.identity.stsCalls).toBe(1);
    expect(world.google.identity.iamCalls).toBe(1);
    // Every token is masked: logging them prints *** only.
    world.logger.info(`token ${accessToken} jwt ${world.issuer.issued[0]}`);
    expectNoSecretsLogged();
  });

  it('works without impersonation (direct WIF): the federated token is used as is', async () => {
    const accessToken = await token({ 'service-account': undefined });
    expect(world.google.identity.tokens.get(accessToken)).toMatchObject({
      kind: 'federated',
      id: expect.stringContaining('/subject/repo:acme/api:ref:refs/heads/main'),
    });
    expect(world.google.identity.iamCalls).toBe(0);
    world.logger.info(`token ${accessToken}`);
    expectNoSecretsLogged();
  });

  it('re-fetches the short-lived GitHub OIDC token on every refresh instead of reusing it', async () => {
    // Federated tokens that expire within the library's refresh margin force a refresh per call.
    world.google.identity.stsLifetimeS = 60;
    const credentials = await createCredentials(
      planCredentials(deployConfig({ 'service-account': undefined }).deploy),
      {
        env: env(),
        logger: world.logger,
      },
    );
    const first = await credentials.accessToken();
    const second = await credentials.accessToken();
    expect(second).not.toBe(first);
    expect(world.issuer.requests).toHaveLength(2);
    expect(new Set(world.issuer.issued).size).toBe(2);
    expect(world.google.identity.stsCalls).toBe(2);
  });

  it('fails at once without the OIDC variables, naming id-token: write, with no request made', async () => {
    const error = await token({}, { ...world.google.env() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).exitCode).toBe(1);
    expect((error as CredentialsError).oneLine()).toContain('permissions: id-token: write');
    expect(world.issuer.requests).toHaveLength(0);
    expect(world.google.log).toHaveLength(0);
  });

  it('maps a provider that does not exist (wrong audience) to the provider-name hint, without retrying', async () => {
    const wrong = 'projects/123456789/locations/global/workloadIdentityPools/github/providers/gitlab';
    const error = (await token({ 'workload-identity-provider': wrong }).catch(
      (e: unknown) => e,
    )) as CredentialsError;
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain('invalid_target');
    expect(error.hint).toContain('full name');
    expect(world.google.identity.stsCalls).toBe(1);
    expectNoSecretsLogged([error.oneLine()]);
  });

  it('maps an attribute condition that rejects the repository to the condition/mapping hint', async () => {
    await world.close();
    world = await startWorld({ ownerId: '999' });
    const error = (await token().catch((e: unknown) => e)) as CredentialsError;
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain('rejected by the attribute condition');
    expect(error.hint).toContain('attribute condition');
    expect(world.google.identity.stsCalls).toBe(1);
    expect(world.google.identity.iamCalls).toBe(0);
  });

  it('maps a missing roles/iam.workloadIdentityUser binding (403) to the principalSet hint, without retrying', async () => {
    await world.close();
    world = await startWorld({
      bindings: [
        'principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/attribute.repository/acme/other',
      ],
    });
    const error = (await token().catch((e: unknown) => e)) as CredentialsError;
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain('HTTP 403');
    expect(error.hint).toContain('roles/iam.workloadIdentityUser');
    expect(error.hint).toContain('principalSet://');
    expect(world.google.identity.iamCalls).toBe(1);
    expectNoSecretsLogged([error.oneLine()]);
  });

  it('retries generateAccessToken after a 503 and succeeds', async () => {
    world.google.identity.iamFailures = 1;
    const accessToken = await token();
    expect(world.google.identity.tokens.get(accessToken)?.id).toBe(DEPLOYER);
    expect(world.google.identity.iamCalls).toBe(2);
  });

  it('retries the OIDC endpoint: 500, 500, then 200 succeeds', async () => {
    world.issuer.failNext(2);
    await token();
    expect(world.issuer.requests).toHaveLength(3);
  });

  it('gives up on the OIDC endpoint after four 500s and says after how many attempts', async () => {
    world.issuer.failNext(4);
    const error = (await token().catch((e: unknown) => e)) as CredentialsError;
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain('after 4 attempts');
    expect(world.issuer.requests).toHaveLength(4);
    expect(world.google.identity.stsCalls).toBe(0);
  });
});

describe('Application Default Credentials', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchestra-perf-adc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses an external_account file like google-github-actions/auth writes, pointing at the fake', async () => {
    const file = join(dir, 'gha-creds-1234.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience: `//iam.googleapis.com/${PROVIDER}`,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: `${world.google.url}/v1/token`,
        service_account_impersonation_url: `${world.google.url}/v1/projects/-/serviceAccounts/${DEPLOYER}:generateAccessToken`,
        credential_source: {
          url: `${world.issuer.requestUrl}&audience=${encodeURIComponent(`//iam.googleapis.com/${PROVIDER}`)}`,
          headers: { Authorization: `Bearer ${world.issuer.requestToken}` },
          format: { type: 'json', subject_token_field_name: 'value' },
        },
      }),
    );
    chmodSync(file, 0o600);
    const accessToken = await token(
      { 'workload-identity-provider': undefined, 'service-account': undefined },
      {
        GOOGLE_APPLICATION_CREDENTIALS: file,
        ...world.google.env(),
      },
    );
    expect(world.google.identity.tokens.get(accessToken)).toMatchObject({
      kind: 'service-account',
      id: DEPLOYER,
    });
    // The library fetched the OIDC JWT itself here; it must be masked all the same.
    expect(world.issuer.issued).toHaveLength(1);
    world.logger.info(`token ${accessToken} jwt ${world.issuer.issued[0]}`);
    expectNoSecretsLogged();
  });

  it('says how to get credentials when neither WIF nor a credentials file is configured', async () => {
    const error = (await token({ 'workload-identity-provider': undefined }, {}).catch(
      (e: unknown) => e,
    )) as CredentialsError;
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.hint).toContain('google-github-actions/auth');
  });
});

describe('googleAccessToken service (shared with the image stage)', () => {
  it('is absent for an untrusted pull request, and lazy otherwise: no request until a token is asked for', async () => {
    const { googleAccessTokenService } = await import('../../../src/stages/deploy/google-token.js');
    const { runContext } = await import('./world.js');
    const fork = runContext(
      { untrustedPullRequest: true, untrustedReason: 'fork' },
      { number: 1, headRepo: 'evil/api' },
    );
    expect(
      googleAccessTokenService({ config: deployConfig(), context: fork, env: env(), logger: world.logger }),
    ).toBeUndefined();
    const service = googleAccessTokenService({
      config: deployConfig(),
      context: runContext(),
      env: env(),
      logger: world.logger,
    })!;
    expect(world.issuer.requests).toHaveLength(0);
    const first = await service();
    const second = await service();
    expect(second).toBe(first);
    expect(world.issuer.requests).toHaveLength(1);
    expect(world.google.identity.tokens.get(first)?.id).toBe(DEPLOYER);
  });
});
