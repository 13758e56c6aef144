/**
 * Google credentials for the deploy (and the image stage's registry login), in one of two ways:
 * in-process Workload Identity Federation (GitHub OIDC -> STS -> optional impersonation) with
 * google-auth-library, or Application Default Credentials from a file (what
 * google-github-actions/auth leaves). Every token is masked before anything can log it.
 */
import { readFile } from 'node:fs/promises';
import { GoogleAuth, IdentityPoolClient } from 'google-auth-library';
import type { Clock } from '../adapters/clock.js';
import type { DeployConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { RunContext } from '../run-context.js';
import { mapAuthError } from './auth-hints.js';
import { type GoogleEndpoints, googleEndpoints, impersonationUrl } from './endpoints.js';
import {
  CredentialsError,
  fetchGithubOidcToken,
  oidcRequestFromEnv,
  providerAudience,
} from './github-oidc.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

export type CredentialsPlan =
  | { method: 'wif'; provider: string; serviceAccount: string | undefined; universeDomain: string }
  | { method: 'adc'; universeDomain: string };

/** Pure: which method the config asks for. */
export function planCredentials(deploy: DeployConfig): CredentialsPlan {
  const universeDomain = deploy['universe-domain'];
  const provider = deploy['workload-identity-provider'];
  if (provider) return { method: 'wif', provider, serviceAccount: deploy['service-account'], universeDomain };
  return { method: 'adc', universeDomain };
}

export interface GoogleCredentials {
  method: 'wif' | 'adc';
  /** Who we act as, for messages. */
  principal: string;
  /** A valid access token (refreshed, and the OIDC token re-fetched, when near expiry). */
  accessToken(): Promise<string>;
}

export interface CredentialsDeps {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  context?: Pick<RunContext, 'repository'> | undefined;
  clock?: Clock;
  signal?: AbortSignal;
  endpoints?: GoogleEndpoints;
}

export async function createCredentials(
  plan: CredentialsPlan,
  deps: CredentialsDeps,
): Promise<GoogleCredentials> {
  const endpoints = deps.endpoints ?? googleEndpoints(plan.universeDomain, deps.env);
  return plan.method === 'wif' ? wifCredentials(plan, endpoints, deps) : adcCredentials(deps);
}

function wifCredentials(
  plan: Extract<CredentialsPlan, { method: 'wif' }>,
  endpoints: GoogleEndpoints,
  deps: CredentialsDeps,
): GoogleCredentials {
  // Checked before any request: without id-token: write there is nothing to exchange.
  const oidc = oidcRequestFromEnv(deps.env);
  deps.logger.mask(oidc.requestToken);
  const audience = providerAudience(plan.provider, plan.universeDomain);
  const client = new IdentityPoolClient({
    type: 'external_account',
    audience,
    subject_token_type: JWT_TOKEN_TYPE,
    token_url: endpoints.stsTokenUrl,
    universe_domain: plan.universeDomain,
    scopes: [CLOUD_PLATFORM_SCOPE],
    ...(plan.serviceAccount
      ? {
          service_account_impersonation_url: impersonationUrl(endpoints, plan.serviceAccount),
          service_account_impersonation: { token_lifetime_seconds: 3600 },
        }
      : {}),
    subject_token_supplier: {
      // A fresh OIDC token on every exchange: it lives about five minutes.
      getSubjectToken: () =>
        fetchGithubOidcToken(oidc, audience, {
          logger: deps.logger,
          ...(deps.clock ? { clock: deps.clock } : {}),
          ...(deps.signal ? { signal: deps.signal } : {}),
        }),
    },
  });
  maskTokenResponses(client, deps.logger);
  const hints = {
    provider: plan.provider,
    serviceAccount: plan.serviceAccount,
    repository: deps.context?.repository,
  };
  return {
    method: 'wif',
    principal:
      plan.serviceAccount ?? `the federated identity of ${deps.context?.repository ?? 'this repository'}`,
    accessToken: () => tokenOf(() => client.getAccessToken(), deps.logger, hints),
  };
}

async function adcCredentials(deps: CredentialsDeps): Promise<GoogleCredentials> {
  const path = deps.env.GOOGLE_APPLICATION_CREDENTIALS || deps.env.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE;
  if (!path) {
    throw new CredentialsError(
      'no Google credentials: deploy.workload-identity-provider is not set and GOOGLE_APPLICATION_CREDENTIALS names no file',
      'set deploy.workload-identity-provider (and service-account) with `permissions: id-token: write`, or run google-github-actions/auth before this step',
    );
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CredentialsError(
      `cannot read the credentials file named by GOOGLE_APPLICATION_CREDENTIALS (${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`,
      'run google-github-actions/auth in the same job before this step',
    );
  }
  if (typeof json.private_key === 'string') deps.logger.mask(json.private_key);
  const client = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] }).fromJSON(json as never);
  maskTokenResponses(client, deps.logger);
  const impersonated =
    typeof json.service_account_impersonation_url === 'string'
      ? /serviceAccounts\/([^:]+):/.exec(json.service_account_impersonation_url)?.[1]
      : undefined;
  const principal = String(
    json.client_email ?? impersonated ?? json.audience ?? json.type ?? 'application default credentials',
  );
  const hints = {
    serviceAccount: impersonated ?? (typeof json.client_email === 'string' ? json.client_email : undefined),
    repository: deps.context?.repository,
  };
  return {
    method: 'adc',
    principal,
    accessToken: () => tokenOf(() => client.getAccessToken(), deps.logger, hints),
  };
}

/**
 * The intermediate STS token never reaches our code, yet a debug log of the library could print
 * it: mask every token that passes through the client's transport, the moment it arrives.
 */
function maskTokenResponses(client: { transporter: unknown }, logger: Logger): void {
  const transporter = client.transporter as {
    interceptors?: {
      response?: { add(interceptor: { resolved: (response: unknown) => Promise<unknown> }): void };
    };
  };
  transporter.interceptors?.response?.add({
    resolved: async (response) => {
      const data = (response as { data?: Record<string, unknown> }).data;
      // `value`: the GitHub OIDC JWT when an ADC file's credential_source.url fetches it.
      for (const key of ['access_token', 'accessToken', 'id_token', 'token', 'value']) {
        const value = data?.[key];
        if (typeof value === 'string') logger.mask(value);
      }
      return response;
    },
  });
}

async function tokenOf(
  get: () => Promise<{ token?: string | null }>,
  logger: Logger,
  hints: Parameters<typeof mapAuthError>[1],
): Promise<string> {
  let token: string | null | undefined;
  try {
    ({ token } = await get());
  } catch (error) {
    throw mapAuthError(error, hints);
  }
  if (!token)
    throw new CredentialsError('Google returned no access token', 'check the credentials configuration');
  logger.mask(token);
  return token;
}
