/**
 * Turns the failures people actually hit with Workload Identity Federation into one message that
 * names the cause and the fix. The raw library error is never passed on: it carries the request
 * (subject token, bearer headers) in its properties.
 */
import { CredentialsError } from './github-oidc.js';

interface ErrorShape {
  message?: unknown;
  status?: unknown;
  code?: unknown;
  response?: { status?: unknown; data?: unknown };
}

export interface AuthHintContext {
  provider?: string | undefined;
  serviceAccount?: string | undefined;
  repository?: string | undefined;
}

export function mapAuthError(error: unknown, context: AuthHintContext): Error {
  if (error instanceof CredentialsError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ErrorShape;
  const status = typeof shape.response?.status === 'number' ? shape.response.status : undefined;
  const data = shape.response?.data as
    | { error?: string | { message?: string; status?: string }; error_description?: string }
    | undefined;
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const oauthCode = typeof data?.error === 'string' ? data.error : /Error code (\w+)/.exec(message)?.[1];
  const description = typeof data?.error_description === 'string' ? data.error_description : '';
  const googleMessage = typeof data?.error === 'object' ? (data.error.message ?? '') : '';
  const detail = (description || googleMessage || message).slice(0, 300);
  const provider = context.provider ?? 'the provider';

  // The audience names the provider: a wrong or missing provider shows up here first.
  const audienceProblem =
    oauthCode === 'invalid_target' ||
    oauthCode === 'invalid_request' ||
    (oauthCode === 'invalid_grant' && /audience/i.test(detail));
  if (audienceProblem) {
    return new CredentialsError(
      `Google STS rejected the token exchange (${oauthCode}: ${detail})`,
      `the audience must be an existing, enabled provider: set workload-identity-provider to its full name (projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>; now ${provider}) and keep the provider's allowed audiences at the default`,
    );
  }
  if (oauthCode === 'invalid_grant' || oauthCode === 'unauthorized_client') {
    return new CredentialsError(
      `Google STS rejected the GitHub OIDC token (${oauthCode}: ${detail})`,
      `the provider's attribute condition or attribute mapping does not accept this run; check that ${provider}'s attribute condition allows ${context.repository ?? 'this repository'} (e.g. assertion.repository_id / assertion.repository_owner_id), that google.subject is mapped from assertion.sub, and that the issuer is https://token.actions.githubusercontent.com`,
    );
  }
  if (status === 403 || status === 401) {
    if (context.serviceAccount) {
      return new CredentialsError(
        `impersonating ${context.serviceAccount} was refused (HTTP ${status}: ${detail})`,
        `grant the federated principal roles/iam.workloadIdentityUser on ${context.serviceAccount}, e.g. \`gcloud iam service-accounts add-iam-policy-binding ${context.serviceAccount} --role=roles/iam.workloadIdentityUser --member="principalSet://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/attribute.repository/${context.repository ?? 'OWNER/REPO'}"\``,
      );
    }
    return new CredentialsError(
      `Google refused the federated credentials (HTTP ${status}: ${detail})`,
      'grant the principalSet the roles it needs on the project',
    );
  }
  if (status !== undefined && status >= 500) {
    return new CredentialsError(
      `Google's token service failed with HTTP ${status} after retries: ${detail}`,
      're-run the job later',
    );
  }
  return new CredentialsError(
    `getting Google credentials failed: ${detail}`,
    'check the workload identity provider and service account settings',
  );
}
