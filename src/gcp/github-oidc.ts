/**
 * Fetches the GitHub Actions OIDC token (a JWT that lives about five minutes) for the workload
 * identity provider's audience. Called on every STS exchange, never cached across refreshes, so
 * long jobs keep working. 5xx and network errors are retried (bounded); 4xx fail at once.
 */
import type { Clock } from '../adapters/clock.js';
import { fetchWithRetry, HttpError, type RetryPolicy } from '../adapters/http.js';
import { ExitCode, OrchestraError } from '../errors.js';
import type { Logger } from '../logger.js';

export const ID_TOKEN_PERMISSION_HINT =
  'grant the job `permissions: id-token: write` (and run on a trusted event: fork pull requests get no OIDC token)';

/** A credentials failure: exit 1 with the hint that fixes it. */
export class CredentialsError extends OrchestraError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.gateFailed, hint, options);
  }
}

export interface OidcRequest {
  requestUrl: string;
  requestToken: string;
}

/** Reads the runner's OIDC request variables; a missing one is the missing permission, named. */
export function oidcRequestFromEnv(env: NodeJS.ProcessEnv): OidcRequest {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new CredentialsError(
      'GitHub did not provide an OIDC token request URL (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are unset), so Workload Identity Federation cannot authenticate',
      ID_TOKEN_PERMISSION_HINT,
    );
  }
  return { requestUrl, requestToken };
}

/** `//iam.googleapis.com/<provider>`: the audience STS checks the token against. */
export function providerAudience(provider: string, universeDomain = 'googleapis.com'): string {
  return `//iam.${universeDomain}/${provider}`;
}

export interface FetchOidcOptions {
  logger: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  policy?: Partial<RetryPolicy>;
}

export async function fetchGithubOidcToken(
  request: OidcRequest,
  audience: string,
  options: FetchOidcOptions,
): Promise<string> {
  options.logger.mask(request.requestToken);
  const url = new URL(request.requestUrl);
  url.searchParams.set('audience', audience);
  let response: Response;
  try {
    response = await fetchWithRetry(
      url,
      {
        headers: {
          authorization: `Bearer ${request.requestToken}`,
          accept: 'application/json; api-version=2.0',
        },
      },
      {
        what: 'GitHub OIDC token request',
        fix: 'the runner could not reach its token service; re-run the job',
        policy: { retries: 3, ...options.policy },
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (error) {
    if (error instanceof HttpError) {
      throw new CredentialsError(error.message, "GitHub's token service is failing; re-run the job later", {
        cause: error,
      });
    }
    throw error;
  }
  const text = await response.text();
  if (!response.ok) {
    throw new CredentialsError(
      `GitHub OIDC token request failed with HTTP ${response.status}: ${text.slice(0, 300)}`,
      ID_TOKEN_PERMISSION_HINT,
    );
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value.split('.').length !== 3) {
    throw new CredentialsError('GitHub OIDC token response has no JWT in "value"', 're-run the job');
  }
  options.logger.mask(value);
  return value;
}
