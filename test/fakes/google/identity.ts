/**
 * The fake's identity half: STS `POST /v1/token` (RFC 8693 token exchange as Google implements
 * it for workload identity pools) and IAM Credentials `generateAccessToken`. Errors are shaped
 * like Google's: OAuth-style `{error, error_description}` from STS, google.rpc.Status from IAM.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, type JWK, errors as joseErrors, jwtVerify } from 'jose';
import { readBody, sendGoogleError, sendJson } from './http-util.js';

export interface FakeProvider {
  /** projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider> */
  name: string;
  issuer: string;
  jwks: { keys: JWK[] };
  /** Empty: the provider's canonical name with or without `https:` (Google's default). */
  allowedAudiences?: string[];
  /** Stands in for the CEL attribute condition, e.g. `assertion.repository_owner_id == '654321'`. */
  attributeCondition?: (assertion: Record<string, unknown>) => boolean;
  disabled?: boolean;
}

export interface Principal {
  kind: 'federated' | 'service-account';
  /** `principal://iam.googleapis.com/<pool>/subject/<sub>` or the service account email. */
  id: string;
  attributes: Record<string, string>;
  pool: string;
  expiresAt: number;
}

export interface FakeServiceAccount {
  /** Members holding roles/iam.workloadIdentityUser on it (principal:// or principalSet://). */
  workloadIdentityUsers: string[];
}

export class IdentityState {
  readonly tokens = new Map<string, Principal>();
  readonly providers = new Map<string, FakeProvider>();
  readonly serviceAccounts = new Map<string, FakeServiceAccount>();
  stsCalls = 0;
  iamCalls = 0;
  stsFailures = 0;
  /** Lifetime of federated tokens, in seconds (shorten it to force refreshes). */
  stsLifetimeS = 3600;
  iamFailures = 0;

  principalFor(authorization: string | undefined): Principal | undefined {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const principal = token ? this.tokens.get(token) : undefined;
    return principal && principal.expiresAt > Date.now() ? principal : undefined;
  }

  issue(
    principal: Omit<Principal, 'expiresAt'>,
    prefix: string,
    lifetimeS = 3600,
  ): { token: string; expiresAt: number } {
    const token = `${prefix}${randomBytes(24).toString('base64url')}`;
    const expiresAt = Date.now() + lifetimeS * 1000;
    this.tokens.set(token, { ...principal, expiresAt });
    return { token, expiresAt };
  }
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TYPES = ['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token'];
const AUDIENCE =
  /^\/\/iam\.googleapis\.com\/(projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+)$/;

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

export async function handleSts(
  state: IdentityState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  state.stsCalls++;
  if (req.method !== 'POST') return oauthError(res, 405, 'invalid_request', 'Method not allowed.');
  if (state.stsFailures > 0) {
    state.stsFailures--;
    return sendGoogleError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
  }
  if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
    return oauthError(
      res,
      400,
      'invalid_request',
      'Request content type must be application/x-www-form-urlencoded.',
    );
  }
  const form = new URLSearchParams(await readBody(req));
  if (form.get('grant_type') !== TOKEN_EXCHANGE) {
    return oauthError(
      res,
      400,
      'unsupported_grant_type',
      `Unsupported grant type: ${form.get('grant_type') ?? ''}.`,
    );
  }
  for (const key of ['audience', 'subject_token', 'subject_token_type', 'requested_token_type']) {
    if (!form.get(key))
      return oauthError(res, 400, 'invalid_request', `Required parameter is missing or invalid: ${key}.`);
  }
  if (form.get('requested_token_type') !== ACCESS_TOKEN_TYPE) {
    return oauthError(
      res,
      400,
      'invalid_request',
      `Invalid value for "requested_token_type": ${form.get('requested_token_type')}.`,
    );
  }
  if (!SUBJECT_TYPES.includes(form.get('subject_token_type')!)) {
    return oauthError(
      res,
      400,
      'invalid_request',
      `Invalid value for "subject_token_type": ${form.get('subject_token_type')}.`,
    );
  }
  const audience = form.get('audience')!;
  const providerName = AUDIENCE.exec(audience)?.[1];
  if (!providerName) {
    return oauthError(
      res,
      400,
      'invalid_request',
      `Invalid value for "audience". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.`,
    );
  }
  const provider = state.providers.get(providerName);
  if (!provider || provider.disabled) {
    return oauthError(
      res,
      400,
      'invalid_target',
      'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
    );
  }
  const allowed = provider.allowedAudiences?.length
    ? provider.allowedAudiences
    : [`//iam.googleapis.com/${providerName}`, `https://iam.googleapis.com/${providerName}`];
  let assertion: Record<string, unknown>;
  try {
    ({ payload: assertion } = await jwtVerify(form.get('subject_token')!, createLocalJWKSet(provider.jwks), {
      algorithms: ['RS256'],
      clockTolerance: 30,
    }));
  } catch (error) {
    const description =
      error instanceof joseErrors.JWTExpired
        ? 'ID Token expired.'
        : error instanceof joseErrors.JWSSignatureVerificationFailed ||
            error instanceof joseErrors.JWKSNoMatchingKey
          ? 'Invalid JWT signature.'
          : `Invalid JWT: ${(error as Error).message}.`;
    return oauthError(res, 400, 'invalid_grant', description);
  }
  if (assertion.iss !== provider.issuer) {
    return oauthError(
      res,
      400,
      'invalid_grant',
      `The issuer in ID Token ${String(assertion.iss)} does not match the expected ones: ${provider.issuer}.`,
    );
  }
  const tokenAudiences = Array.isArray(assertion.aud) ? assertion.aud.map(String) : [String(assertion.aud)];
  if (!tokenAudiences.some((aud) => allowed.includes(aud))) {
    return oauthError(
      res,
      400,
      'invalid_grant',
      `The audience in ID Token [${tokenAudiences.join(', ')}] does not match the expected audience.`,
    );
  }
  if (provider.attributeCondition && !provider.attributeCondition(assertion)) {
    return oauthError(
      res,
      400,
      'unauthorized_client',
      'The given credential is rejected by the attribute condition.',
    );
  }
  const pool = providerName.replace(/\/providers\/[^/]+$/, '');
  const attributes: Record<string, string> = {};
  for (const key of [
    'repository',
    'repository_id',
    'repository_owner',
    'repository_owner_id',
    'ref',
    'environment',
  ]) {
    if (assertion[key] !== undefined) attributes[key] = String(assertion[key]);
  }
  const { token } = state.issue(
    {
      kind: 'federated',
      id: `principal://iam.googleapis.com/${pool}/subject/${String(assertion.sub)}`,
      attributes,
      pool,
    },
    'fed.',
    state.stsLifetimeS,
  );
  sendJson(res, 200, {
    access_token: token,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: state.stsLifetimeS,
  });
}

/** Members a federated principal matches: its own principal:// and every principalSet:// of its attributes. */
export function memberships(principal: Principal): string[] {
  const set = `principalSet://iam.googleapis.com/${principal.pool}`;
  return [
    principal.id,
    `${set}/*`,
    ...Object.entries(principal.attributes).map(([key, value]) => `${set}/attribute.${key}/${value}`),
  ];
}

export async function handleGenerateAccessToken(
  state: IdentityState,
  email: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  state.iamCalls++;
  if (state.iamFailures > 0) {
    state.iamFailures--;
    return sendGoogleError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
  }
  const caller = state.principalFor(req.headers.authorization);
  if (!caller) {
    return sendGoogleError(
      res,
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    );
  }
  let body: { scope?: unknown; lifetime?: unknown; delegates?: unknown };
  try {
    body = JSON.parse(await readBody(req)) as typeof body;
  } catch {
    return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
  }
  const unknown = Object.keys(body).filter((key) => !['scope', 'lifetime', 'delegates'].includes(key));
  if (unknown.length)
    return sendGoogleError(
      res,
      400,
      'INVALID_ARGUMENT',
      `Invalid JSON payload received. Unknown name "${unknown[0]}": Cannot find field.`,
    );
  if (!Array.isArray(body.scope) || body.scope.length === 0)
    return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Scope required.');
  const lifetime =
    body.lifetime === undefined ? 3600 : Number(/^(\d+)s$/.exec(String(body.lifetime))?.[1] ?? Number.NaN);
  if (!(lifetime > 0 && lifetime <= 3600)) {
    return sendGoogleError(
      res,
      400,
      'INVALID_ARGUMENT',
      'The lifetime of the access token must be at most 3600 seconds.',
    );
  }
  const account = state.serviceAccounts.get(email);
  const allowed =
    account && memberships(caller).some((member) => account.workloadIdentityUsers.includes(member));
  if (!allowed) {
    return sendGoogleError(
      res,
      403,
      'PERMISSION_DENIED',
      "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
      [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'IAM_PERMISSION_DENIED',
          domain: 'iam.googleapis.com',
          metadata: { permission: 'iam.serviceAccounts.getAccessToken' },
        },
      ],
    );
  }
  const { token, expiresAt } = state.issue(
    { kind: 'service-account', id: email, attributes: {}, pool: '' },
    'ya29.fake-',
    lifetime,
  );
  sendJson(res, 200, { accessToken: token, expireTime: new Date(expiresAt).toISOString() });
}
