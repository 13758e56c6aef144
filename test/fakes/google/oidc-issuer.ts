/**
 * A fake GitHub Actions OIDC issuer on loopback: the `ACTIONS_ID_TOKEN_REQUEST_URL` endpoint
 * (bearer `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, `&audience=`), issuing RS256 JWTs with GitHub's claims,
 * and its JWKS. Counts every request so tests can prove that none was made.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { listenUrl, sendJson } from './http-util.js';

export interface GithubClaims {
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  ref: string;
  sha: string;
  event_name: string;
  environment?: string;
  [key: string]: unknown;
}

export interface FakeOidcIssuer {
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL (already carries a query, as GitHub's does). */
  requestUrl: string;
  requestToken: string;
  issuer: string;
  jwks(): { keys: JWK[] };
  /** Every token request seen (audience asked for). */
  requests: { audience: string | null }[];
  /** Tokens issued, to assert none leaks into logs. */
  issued: string[];
  claims: GithubClaims;
  /** Answer the next `n` token requests with HTTP 500. */
  failNext(n: number): void;
  /** Sign a token directly (e.g. with a wrong audience or a foreign key). */
  sign(audience: string, overrides?: Record<string, unknown>): Promise<string>;
  env(): Record<string, string>;
  close(): Promise<void>;
}

export const DEFAULT_CLAIMS: GithubClaims = {
  repository: 'acme/api',
  repository_id: '123456',
  repository_owner: 'acme',
  repository_owner_id: '654321',
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  event_name: 'push',
};

export async function startFakeOidcIssuer(claims: Partial<GithubClaims> = {}): Promise<FakeOidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' };
  const requestToken = `oidc-request-${randomBytes(12).toString('hex')}`;
  const merged: GithubClaims = { ...DEFAULT_CLAIMS, ...claims } as GithubClaims;
  const requests: { audience: string | null }[] = [];
  const issued: string[] = [];
  let failures = 0;
  let issuer = '';

  const sign = async (audience: string, overrides: Record<string, unknown> = {}) => {
    const all = { ...merged, ...overrides };
    const subject = `repo:${all.repository}:${all.environment ? `environment:${all.environment}` : all.event_name === 'pull_request' ? 'pull_request' : `ref:${all.ref}`}`;
    const token = await new SignJWT(all)
      .setProtectedHeader({ alg: 'RS256', kid: 'fake-1', typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('5m')
      .setJti(randomBytes(8).toString('hex'))
      .sign(privateKey);
    issued.push(token);
    return token;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/.well-known/jwks') return sendJson(res, 200, { keys: [jwk] });
      if (url.pathname === '/.well-known/openid-configuration') {
        return sendJson(res, 200, {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (url.pathname !== '/_apis/token') return sendJson(res, 404, { message: 'not found' });
      requests.push({ audience: url.searchParams.get('audience') });
      if (req.headers.authorization !== `Bearer ${requestToken}`)
        return sendJson(res, 401, { message: 'Bad credentials' });
      if (failures > 0) {
        failures--;
        return sendJson(res, 500, { message: 'internal error' });
      }
      const audience = url.searchParams.get('audience') ?? `https://github.com/${merged.repository_owner}`;
      const value = await sign(audience);
      sendJson(res, 200, { count: value.length, value });
    })().catch((error: unknown) => sendJson(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = listenUrl(server);
  return {
    requestUrl: `${issuer}/_apis/token?api-version=2.0`,
    requestToken,
    issuer,
    jwks: () => ({ keys: [jwk] }),
    requests,
    issued,
    claims: merged,
    failNext: (n) => {
      failures = n;
    },
    sign,
    env: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/_apis/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
