/**
 * A registry v2 (OCI distribution) HTTP client: reads manifests, image indexes and manifest lists,
 * and sums compressed layer sizes per platform. Authenticates the way registries ask to in their
 * `WWW-Authenticate` challenge: Basic, or a Bearer token from the named realm (Artifact Registry,
 * Docker Hub, distribution with token auth). Retries follow the shared HTTP policy.
 */
import { createHash } from 'node:crypto';
import { ExitCode, OrchestraError } from '../errors.js';
import type { Clock } from './clock.js';
import { fetchWithRetry, type RetryPolicy } from './http.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Credentials for a registry host, or undefined for anonymous access. */
export type CredentialLookup = (registry: string) => Promise<RegistryCredentials | undefined>;

export interface RegistryClientOptions {
  credentials?: CredentialLookup;
  fetchImpl?: typeof fetch;
  clock?: Clock;
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Plain HTTP hosts; by default loopback hosts (as Docker treats them: insecure is allowed). */
  insecure?: (registry: string) => boolean;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Manifest {
  mediaType: string;
  digest: string;
  /** Image manifest: config and layers. */
  config?: Descriptor;
  layers?: Descriptor[];
  /** Index / manifest list: one descriptor per platform (and attestations). */
  manifests?: Descriptor[];
}

export interface PlatformSize {
  platform: string;
  digest: string;
  sizeBytes: number;
}

export interface ImageSize {
  /** Sum over the platforms (equals the single manifest's size for a one-platform image). */
  sizeBytes: number;
  platforms: PlatformSize[];
}

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const ACCEPT = Object.values(MEDIA_TYPES).join(', ');

export class RegistryError extends OrchestraError {
  constructor(
    message: string,
    readonly status: number,
    hint?: string,
  ) {
    super(message, ExitCode.gateFailed, hint);
  }
}

export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The API host of a registry name (`docker.io` is served at registry-1.docker.io). */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (quoted or token values). */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const part of match[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[part[1]!.toLowerCase()] =
      part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : (part[3] ?? '');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

export class RegistryClient {
  private readonly authorization = new Map<string, string>();

  constructor(private readonly options: RegistryClientOptions = {}) {}

  /** GET a manifest by tag or digest; a digest reference is verified against the body. */
  async getManifest(registry: string, repository: string, reference: string): Promise<Manifest> {
    const base = this.baseUrl(registry);
    const url = `${base}/v2/${repository}/manifests/${reference}`;
    const response = await this.request(registry, repository, url);
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status === 404) {
      throw new RegistryError(
        `manifest ${registry}/${repository}@${reference} not found`,
        404,
        'check that the push finished and the name is right',
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(
        `reading ${registry}/${repository} was refused (HTTP ${response.status}): ${body.toString('utf8').slice(0, 300)}`,
        response.status,
        `give the credentials used for ${registry} read access to the repository`,
      );
    }
    if (!response.ok) {
      throw new RegistryError(
        `reading manifest ${registry}/${repository}@${reference} failed with HTTP ${response.status}`,
        response.status,
      );
    }
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(
        `manifest ${registry}/${repository}@${reference} has digest ${digest}: the registry served other content`,
        502,
      );
    }
    const parsed = JSON.parse(body.toString('utf8')) as Omit<Manifest, 'digest'>;
    const mediaType = parsed.mediaType ?? response.headers.get('content-type')?.split(';')[0] ?? '';
    return { ...parsed, mediaType, digest };
  }

  /**
   * Compressed size of an image: the sum of its layers' sizes as pushed (what a pull downloads).
   * For an index or manifest list, per platform; attestation manifests are not platforms.
   */
  async imageSize(registry: string, repository: string, digest: string): Promise<ImageSize> {
    const top = await this.getManifest(registry, repository, digest);
    if (top.manifests) {
      const platforms: PlatformSize[] = [];
      for (const entry of top.manifests) {
        if (isAttestation(entry)) continue;
        const child = await this.getManifest(registry, repository, entry.digest);
        platforms.push({ platform: platformName(entry), digest: entry.digest, sizeBytes: sumLayers(child) });
      }
      return { sizeBytes: platforms.reduce((sum, platform) => sum + platform.sizeBytes, 0), platforms };
    }
    const size = sumLayers(top);
    return { sizeBytes: size, platforms: [{ platform: 'default', digest: top.digest, sizeBytes: size }] };
  }

  private baseUrl(registry: string): string {
    const insecure = (this.options.insecure ?? isLoopbackRegistry)(registry);
    return `${insecure ? 'http' : 'https'}://${registryApiHost(registry)}`;
  }

  /** One request with the cached authorization; on a 401 challenge, authenticate once and retry. */
  private async request(registry: string, repository: string, url: string): Promise<Response> {
    const key = `${registry}/${repository}`;
    const send = (authorization: string | undefined) =>
      fetchWithRetry(
        url,
        { headers: { accept: ACCEPT, ...(authorization ? { authorization } : {}) } },
        {
          what: `registry ${registry}`,
          fix: `check that ${registry} is reachable from the runner`,
          ...(this.options.policy ? { policy: this.options.policy } : {}),
          ...(this.options.clock ? { clock: this.options.clock } : {}),
          ...(this.options.signal ? { signal: this.options.signal } : {}),
          ...(this.options.fetchImpl ? { fetchImpl: this.options.fetchImpl } : {}),
        },
      );
    let response = await send(this.authorization.get(key));
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
    await response.arrayBuffer().catch(() => undefined);
    const authorization = challenge ? await this.authenticate(registry, repository, challenge) : undefined;
    if (!authorization) return response;
    this.authorization.set(key, authorization);
    response = await send(authorization);
    return response;
  }

  private async authenticate(
    registry: string,
    repository: string,
    challenge: Challenge,
  ): Promise<string | undefined> {
    const credentials = await this.options.credentials?.(registry);
    const basic = credentials
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
      : undefined;
    if (challenge.scheme === 'basic') return basic;
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const tokenUrl = new URL(challenge.params.realm);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.set('scope', challenge.params.scope ?? `repository:${repository}:pull`);
    const response = await fetchWithRetry(
      tokenUrl,
      { headers: basic ? { authorization: basic } : {} },
      {
        what: `registry token service ${tokenUrl.origin}`,
        ...(this.options.policy ? { policy: this.options.policy } : {}),
        ...(this.options.clock ? { clock: this.options.clock } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        ...(this.options.fetchImpl ? { fetchImpl: this.options.fetchImpl } : {}),
      },
    );
    if (!response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      throw new RegistryError(
        `the token service of ${registry} refused a pull token for ${repository} (HTTP ${response.status})`,
        response.status,
        `check the credentials for ${registry}`,
      );
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }
}

function sumLayers(manifest: Manifest): number {
  if (!manifest.layers)
    throw new RegistryError(`manifest ${manifest.digest} (${manifest.mediaType}) lists no layers`, 502);
  return manifest.layers.reduce((sum, layer) => sum + (Number.isFinite(layer.size) ? layer.size : 0), 0);
}

function isAttestation(entry: Descriptor): boolean {
  return (
    entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    entry.platform?.os === 'unknown'
  );
}

function platformName(entry: Descriptor): string {
  const platform = entry.platform;
  if (!platform) return 'unknown';
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
