/**
 * The `googleAccessToken` service: one lazily created credentials object shared by the image stage
 * (Artifact Registry login) and the deploy stage, so the OIDC exchange happens at most once per
 * token lifetime. Nothing is requested until a stage actually asks for a token.
 */
import type { Config } from '../../config/schema.js';
import { createCredentials, type GoogleCredentials, planCredentials } from '../../gcp/credentials.js';
import type { Logger } from '../../logger.js';
import type { RunContext } from '../../run-context.js';

declare module '../stage.js' {
  interface StageServices {
    /** A Google access token (WIF or ADC), masked; created on first use. */
    googleAccessToken?: () => Promise<string>;
  }
}

export interface GoogleTokenServiceInput {
  config: Config;
  context: RunContext;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * Undefined for an untrusted pull request: fork code never gets a Google token, and no request
 * reaches the OIDC endpoint.
 */
export function googleAccessTokenService(
  input: GoogleTokenServiceInput,
): (() => Promise<string>) | undefined {
  if (input.context.untrustedPullRequest) return undefined;
  let credentials: Promise<GoogleCredentials> | undefined;
  return async () => {
    credentials ??= createCredentials(planCredentials(input.config.deploy), {
      env: input.env,
      logger: input.logger,
      context: input.context,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    try {
      return await (await credentials).accessToken();
    } catch (error) {
      credentials = undefined;
      throw error;
    }
  };
}
