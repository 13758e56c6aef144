/**
 * A local stand-in for GitHub's cache service v2: the Twirp JSON API that @actions/cache calls
 * (`/twirp/github.actions.results.api.v1.CacheService/{CreateCacheEntry, FinalizeCacheEntryUpload,
 * GetCacheEntryDownloadURL}`), with field names as in the library's generated protobuf code
 * (requests use proto names: key, version, restore_keys, size_bytes; responses: ok,
 * signed_upload_url, signed_download_url, matched_key, entry_id, message), handing out SAS URLs of
 * a real Azurite blob store.
 *
 * Semantics kept from the real service: entries are scoped by ref (from the runtime token's `ac`
 * claim) and by key + version; lookup searches the run's scopes in order, in each the exact key
 * then each restore key as a prefix (newest first); an entry becomes visible only once finalized;
 * CreateCacheEntry for an existing key + version + scope is a 409 `already_exists`; a token
 * without a writable scope gets `ok: false` with `cache write denied: ...`. Errors are Twirp
 * errors: JSON `{ code, msg }` with the code's HTTP status; a wrong Content-Type or path is
 * `bad_route` (404, as Twirp's generated servers answer), a body that is not JSON `malformed`
 * (400), a missing key or version `invalid_argument` (400), no bearer token `unauthenticated`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobSASPermissions, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { type Azurite, startAzurite } from './azurite.js';
import { type CacheScope, scopesOf } from './tokens.js';

export const SERVICE = 'github.actions.results.api.v1.CacheService';
export const METHODS = ['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'] as const;
export type Method = (typeof METHODS)[number];

/**
 * An injected failure, `times` times (default: always): a status (5xx), a response that never
 * comes (`hang`), or, for GetCacheEntryDownloadURL, a download URL whose blob never arrives
 * (`hangDownload`: the lookup succeeds, the GET on the signed URL hangs).
 */
export interface Fault {
  method: Method;
  status?: number;
  hang?: boolean;
  hangDownload?: boolean;
  times?: number;
}

export interface Call {
  method: string;
  status: number;
  body: unknown;
}

interface Entry {
  key: string;
  version: string;
  scope: string;
  blob: string;
  sizeBytes?: number;
  finalized: boolean;
  createdAt: number;
  id: number;
}

const TWIRP_STATUS: Record<string, number> = {
  bad_route: 404,
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  internal: 500,
  unimplemented: 501,
  unavailable: 503,
};

export class FakeCacheService {
  readonly calls: Call[] = [];
  private readonly entries: Entry[] = [];
  private faults: (Fault & { left: number })[] = [];
  private nextId = 1;
  private seq = 0;

  private constructor(
    private readonly server: Server,
    readonly azurite: Azurite,
    /** ACTIONS_RESULTS_URL: base URL with a trailing slash, as the runner sets it. */
    readonly url: string,
  ) {}

  static async start(): Promise<FakeCacheService> {
    const azurite = await startAzurite();
    let service: FakeCacheService | undefined;
    const server = createServer((req, res) => {
      service?.handle(req, res).catch((error: unknown) => twirpError(res, 'internal', String(error)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    service = new FakeCacheService(server, azurite, `http://127.0.0.1:${port}/`);
    return service;
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Finalized entries, for assertions. */
  finalized(): { key: string; version: string; scope: string; sizeBytes?: number }[] {
    return this.entries
      .filter((e) => e.finalized)
      .map(({ key, version, scope, sizeBytes }) => ({ key, version, scope, sizeBytes }));
  }

  callsTo(method: Method): Call[] {
    return this.calls.filter((call) => call.method === method);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.azurite.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/hanging-blob/')) {
      this.calls.push({ method: 'download', status: 0, body: path });
      return; // a blob store that accepted the connection and never sends a byte
    }
    const match = /^\/twirp\/([\w.]+)\/(\w+)$/.exec(path);
    const method = match?.[2] ?? path;
    const reply = (status: number, payload: unknown) => {
      this.calls.push({ method, status, body: safeJson(body) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const fail = (code: keyof typeof TWIRP_STATUS, msg: string) =>
      reply(TWIRP_STATUS[code] ?? 500, { code, msg });

    if (
      req.method !== 'POST' ||
      !match ||
      match[1] !== SERVICE ||
      !(METHODS as readonly string[]).includes(method)
    ) {
      return fail('bad_route', `no handler for path "${path}"`);
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      return fail('bad_route', `unexpected Content-Type: "${req.headers['content-type'] ?? ''}"`);
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!auth?.[1]) return fail('unauthenticated', 'missing bearer token');
    const fault = this.faults.find((f) => f.method === method && f.left > 0);
    if (fault && !fault.hangDownload) {
      fault.left--;
      if (fault.hang) {
        this.calls.push({ method, status: 0, body: safeJson(body) });
        return; // never answered; stop() destroys the socket
      }
      const status = fault.status ?? 500;
      return reply(status, {
        code: status === 503 ? 'unavailable' : status === 501 ? 'unimplemented' : 'internal',
        msg: 'injected fault',
      });
    }
    let request: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      request = parsed as Record<string, unknown>;
    } catch (error) {
      return fail('malformed', `the json request could not be decoded: ${String(error)}`);
    }
    const key = request.key;
    const version = request.version;
    if (typeof key !== 'string' || key === '') return fail('invalid_argument', 'key is required');
    if (typeof version !== 'string' || version === '') return fail('invalid_argument', 'version is required');
    const scopes = scopesOf(auth[1]);

    if (method === 'GetCacheEntryDownloadURL') {
      const restoreKeys = request.restore_keys ?? [];
      if (!Array.isArray(restoreKeys) || restoreKeys.some((k) => typeof k !== 'string')) {
        return fail('invalid_argument', 'restore_keys must be a list of strings');
      }
      const readable = scopes.filter((s) => s.read);
      if (readable.length === 0)
        return fail('permission_denied', 'cache read denied: token has no readable scopes');
      const entry = this.lookup(readable, key, version, restoreKeys as string[]);
      if (!entry) return reply(200, { ok: false, signed_download_url: '', matched_key: '' });
      if (fault?.hangDownload) {
        fault.left--;
        const hanging = `${this.url}hanging-blob/${entry.blob}?sig=x`;
        return reply(200, { ok: true, signed_download_url: hanging, matched_key: entry.key });
      }
      return reply(200, {
        ok: true,
        signed_download_url: this.sasUrl(entry.blob, 'r'),
        matched_key: entry.key,
      });
    }

    const writable = scopes.find((s) => s.write);
    if (method === 'CreateCacheEntry') {
      if (!writable)
        return reply(200, {
          ok: false,
          signed_upload_url: '',
          message: 'cache write denied: token has no writable scopes',
        });
      if (this.entries.some((e) => e.key === key && e.version === version && e.scope === writable.scope)) {
        return fail('already_exists', 'cache entry with the same key, version, and scope already exists');
      }
      const blob = `${createHash('sha256').update(`${writable.scope}\0${key}\0${version}`).digest('hex')}.tar`;
      this.entries.push({
        key,
        version,
        scope: writable.scope,
        blob,
        finalized: false,
        createdAt: this.seq++,
        id: this.nextId++,
      });
      return reply(200, { ok: true, signed_upload_url: this.sasUrl(blob, 'cw') });
    }

    // FinalizeCacheEntryUpload
    if (!writable)
      return reply(200, {
        ok: false,
        entry_id: '0',
        message: 'cache write denied: token has no writable scopes',
      });
    const entry = this.entries.find(
      (e) => e.key === key && e.version === version && e.scope === writable.scope && !e.finalized,
    );
    if (!entry) return fail('not_found', 'no cache entry reservation with this key and version');
    const sizeBytes = Number(request.size_bytes);
    const properties = await this.azurite.container
      .getBlobClient(entry.blob)
      .getProperties()
      .catch(() => undefined);
    if (!properties) return fail('not_found', 'the cache archive was not uploaded');
    if (properties.contentLength !== sizeBytes) {
      return reply(200, {
        ok: false,
        entry_id: '0',
        message: `size_bytes ${sizeBytes} does not match the uploaded ${properties.contentLength}`,
      });
    }
    entry.finalized = true;
    entry.sizeBytes = sizeBytes;
    entry.createdAt = this.seq++;
    return reply(200, { ok: true, entry_id: String(entry.id) });
  }

  private lookup(
    scopes: CacheScope[],
    key: string,
    version: string,
    restoreKeys: string[],
  ): Entry | undefined {
    for (const scope of scopes) {
      const candidates = this.entries
        .filter((e) => e.finalized && e.version === version && e.scope === scope.scope)
        .sort((a, b) => b.createdAt - a.createdAt);
      const exact = candidates.find((e) => e.key === key);
      if (exact) return exact;
      for (const prefix of restoreKeys) {
        const hit = candidates.find((e) => e.key.startsWith(prefix));
        if (hit) return hit;
      }
    }
    return undefined;
  }

  private sasUrl(blob: string, permissions: string): string {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: this.azurite.container.containerName,
        blobName: blob,
        permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + 3_600_000),
      },
      this.azurite.credential,
    ).toString();
    return `${this.azurite.endpoint}/${this.azurite.container.containerName}/${blob}?${sas}`;
  }
}

function twirpError(res: ServerResponse, code: string, msg: string): void {
  if (res.headersSent) return;
  res
    .writeHead(TWIRP_STATUS[code] ?? 500, { 'content-type': 'application/json' })
    .end(JSON.stringify({ code, msg }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
