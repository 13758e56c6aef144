/**
 * One loopback server standing in for sts.googleapis.com, iamcredentials.googleapis.com and
 * run.googleapis.com (their paths do not overlap). `env()` gives the endpoint overrides that point
 * the product at it. Cloud Run calls need a token this fake issued (401 otherwise), as the real
 * API needs a Google token.
 */
import { createServer, type Server } from 'node:http';
import { FakeCloudRun } from './cloud-run.js';
import { listenUrl, sendGoogleError, sendJson } from './http-util.js';
import {
  type FakeProvider,
  type FakeServiceAccount,
  handleGenerateAccessToken,
  handleSts,
  IdentityState,
} from './identity.js';

export interface FakeGoogleOptions {
  project?: string;
  providers?: FakeProvider[];
  serviceAccounts?: Record<string, FakeServiceAccount>;
}

export interface FakeGoogle {
  url: string;
  identity: IdentityState;
  run: FakeCloudRun;
  /** Every request path seen, in order. */
  log: { method: string; path: string }[];
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const identity = new IdentityState();
  for (const provider of options.providers ?? []) identity.providers.set(provider.name, provider);
  for (const [email, account] of Object.entries(options.serviceAccounts ?? {}))
    identity.serviceAccounts.set(email, account);
  const run = new FakeCloudRun(options.project ?? 'acme-prod');
  const log: { method: string; path: string }[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    log.push({ method: req.method ?? 'GET', path: url.pathname });
    void (async () => {
      if (url.pathname === '/v1/token') return handleSts(identity, req, res);
      const impersonate = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
        url.pathname,
      );
      if (impersonate) {
        if (req.method !== 'POST') return sendGoogleError(res, 405, 'INVALID_ARGUMENT', 'Method not allowed');
        return handleGenerateAccessToken(identity, decodeURIComponent(impersonate[1]!), req, res);
      }
      if (url.pathname.startsWith('/v2/')) {
        const principal = identity.principalFor(req.headers.authorization);
        if (!principal) {
          return sendGoogleError(
            res,
            401,
            'UNAUTHENTICATED',
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          );
        }
        return run.handle(req, res, principal.id, url.pathname, url.searchParams);
      }
      sendGoogleError(
        res,
        404,
        'NOT_FOUND',
        `The requested URL ${url.pathname} was not found on this server.`,
      );
    })().catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, {
          error: { code: 500, status: 'INTERNAL', message: `fake failure: ${String(error)}` },
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = listenUrl(server);
  return {
    url,
    identity,
    run,
    log,
    env: () => ({
      ORCHESTRA_PERF_GOOGLE_STS_URL: `${url}/v1/token`,
      ORCHESTRA_PERF_GOOGLE_IAM_CREDENTIALS_URL: url,
      ORCHESTRA_PERF_GOOGLE_CLOUD_RUN_URL: url,
    }),
    close: async () => {
      await run.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
