/**
 * The registry client against an in-process registry on loopback that speaks the distribution
 * API: token auth by challenge (Bearer realm/service/scope, Basic at the token endpoint),
 * manifests and indexes addressed by digest.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MEDIA_TYPES,
  parseChallenge,
  RegistryClient,
  RegistryError,
} from '../../../src/adapters/registry.js';

const USER = 'oauth2accesstoken';
const PASSWORD = 'short-lived-token';
const TOKEN = 'registry-bearer-token';
const digestOf = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const layer = (size: number, n: number) => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  size,
  digest: `sha256:${String(n).repeat(64)}`,
});
const config = {
  mediaType: 'application/vnd.oci.image.config.v1+json',
  size: 900,
  digest: `sha256:${'9'.repeat(64)}`,
};

const amd64 = JSON.stringify({
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociManifest,
  config,
  layers: [layer(1000, 1), layer(234, 2)],
});
const arm64 = JSON.stringify({
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociManifest,
  config,
  layers: [layer(2000, 3)],
});
const attestation = JSON.stringify({
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociManifest,
  config,
  layers: [layer(55, 4)],
});
const index = JSON.stringify({
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociIndex,
  manifests: [
    {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: digestOf(amd64),
      size: amd64.length,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: digestOf(arm64),
      size: arm64.length,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
    {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: digestOf(attestation),
      size: attestation.length,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': digestOf(amd64),
      },
    },
  ],
});
const manifests = new Map([amd64, arm64, attestation, index].map((body) => [digestOf(body), body]));

let server: Server;
let base: string;
let log: string[] = [];
let failures = 0;
let tamper = false;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', base);
  log.push(`${req.method} ${url.pathname} ${req.headers.authorization?.split(' ')[0] ?? '-'}`);
  if (url.pathname === '/token') {
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return void res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    if (
      url.searchParams.get('service') !== 'fake-registry' ||
      url.searchParams.get('scope') !== 'repository:team/app:pull'
    ) {
      return void res.writeHead(400).end('bad scope');
    }
    return void res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
  }
  const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
  if (!match) return void res.writeHead(404).end();
  if (failures > 0) {
    failures--;
    return void res.writeHead(503).end('try later');
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    res.writeHead(401, {
      'www-authenticate': `Bearer realm="${base}/token",service="fake-registry",scope="repository:${match[1]}:pull"`,
      'content-type': 'application/json',
    });
    return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  }
  const body = manifests.get(match[2]!);
  if (!body || match[1] !== 'team/app')
    return void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
  const accept = req.headers.accept ?? '';
  const type = (JSON.parse(body) as { mediaType: string }).mediaType;
  if (!accept.includes(type)) return void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
  res.writeHead(200, { 'content-type': type, 'docker-content-digest': match[2]! });
  res.end(tamper ? body.replace('1000', '1001') : body);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  log = [];
  failures = 0;
  tamper = false;
});

const host = () => base.slice('http://'.length);
const client = (withCredentials = true) =>
  new RegistryClient({
    credentials: async (registry) =>
      withCredentials && registry === host() ? { username: USER, password: PASSWORD } : undefined,
    policy: { baseDelayMs: 1, maxDelayMs: 2 },
  });

describe('RegistryClient', () => {
  it('parses challenges with quoted and bare values', () => {
    expect(
      parseChallenge('Bearer realm="https://a/token",service="a.io",scope="repository:x/y:pull,push"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://a/token', service: 'a.io', scope: 'repository:x/y:pull,push' },
    });
    expect(parseChallenge('Basic realm=Registry')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry' },
    });
  });

  it('sums layer sizes per platform of an index, skipping attestations, with a token from the challenge', async () => {
    const size = await client().imageSize(host(), 'team/app', digestOf(index));
    expect(size).toEqual({
      sizeBytes: 1234 + 2000,
      platforms: [
        { platform: 'linux/amd64', digest: digestOf(amd64), sizeBytes: 1234 },
        { platform: 'linux/arm64/v8', digest: digestOf(arm64), sizeBytes: 2000 },
      ],
    });
    // One challenge, one token, then the token is reused for the child manifests.
    expect(log.filter((line) => line.startsWith('GET /token'))).toHaveLength(1);
    expect(log.filter((line) => line.endsWith('Bearer'))).toHaveLength(3);
  });

  it('reads a single image manifest', async () => {
    expect(await client().imageSize(host(), 'team/app', digestOf(amd64))).toEqual({
      sizeBytes: 1234,
      platforms: [{ platform: 'default', digest: digestOf(amd64), sizeBytes: 1234 }],
    });
  });

  it('retries a 503 and then succeeds', async () => {
    failures = 2;
    expect((await client().imageSize(host(), 'team/app', digestOf(amd64))).sizeBytes).toBe(1234);
  });

  it('refuses content whose digest differs from the one asked for', async () => {
    tamper = true;
    await expect(client().getManifest(host(), 'team/app', digestOf(amd64))).rejects.toThrow(
      /the registry served other content/,
    );
  });

  it('reports a refused read and a missing manifest as registry errors', async () => {
    await expect(client(false).getManifest(host(), 'team/app', digestOf(amd64))).rejects.toThrow(
      /refused a pull token for team\/app \(HTTP 401\)/,
    );
    await expect(client().getManifest(host(), 'team/app', `sha256:${'0'.repeat(64)}`)).rejects.toBeInstanceOf(
      RegistryError,
    );
  });
});
