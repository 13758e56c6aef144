/**
 * A real HTTP/1.1 server on 127.0.0.1 for load-generator tests, with behaviours chosen by path:
 *
 *   /ok                  200 "ok" (keep-alive)
 *   /delay?ms=N          200 after N ms
 *   /status?code=N       that status with a small body
 *   /reset               the connection is destroyed without a response (TCP RST)
 *   /close               200 with `Connection: close`, then the server closes
 *   /slow-body?ms=N      200 whose Content-Length body arrives in 4 parts over N ms
 *   /chunked             200 with a chunked body in several writes
 *   /big-header          200 with a 20 KiB header (over the client's 16 KiB limit)
 *   /garbage             bytes that are not HTTP, then the connection closes
 *   /hang                never answers
 *   /until-close         200 with no length: the body ends when the connection closes
 *   /split-head          200 whose head arrives in three pieces, then the server closes
 *   /head-lies           (HEAD) a Content-Length with no body, as HEAD responses do
 *
 * `stall(ms)` holds every response (including those arriving during the stall) until the stall
 * ends; `latencyMs` adds a fixed delay to every response. Counters record requests and the most
 * connections open at once, so tests can check what the generator really did.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpTargetOptions {
  /** Fixed delay added before every response. */
  latencyMs?: number;
}

export class HttpTarget {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stallUntil = 0;
  private readonly hanging = new Set<ServerResponse>();
  readonly counts = new Map<string, number>();
  requests = 0;
  connections = 0;
  openConnections = 0;
  maxOpenConnections = 0;
  /** Most requests received on one connection before their responses finished (pipelining). */
  maxInFlightPerConnection = 0;
  private readonly inFlight = new WeakMap<Socket, number>();
  port = 0;
  latencyMs: number;

  constructor(options: HttpTargetOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** https targets are named `localhost` so that the certificate's name matches (SNI). */
  get url(): string {
    return this.secure ? `https://localhost:${this.port}` : `http://127.0.0.1:${this.port}`;
  }

  private secure = false;

  async start(): Promise<this> {
    return this.startWith(false, (handler) =>
      createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, handler),
    );
  }

  async startWith(
    secure: boolean,
    make: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server,
  ): Promise<this> {
    this.secure = secure;
    const server = make((req, res) => this.handle(req, res));
    server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.connections++;
      this.openConnections++;
      this.maxOpenConnections = Math.max(this.maxOpenConnections, this.openConnections);
      this.sockets.add(socket);
      socket.on('close', () => {
        this.openConnections--;
        this.sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
    return this;
  }

  /** Every response waits until `ms` from now has passed. */
  stall(ms: number): void {
    this.stallUntil = performance.now() + ms;
  }

  resetCounters(): void {
    this.requests = 0;
    this.connections = 0;
    this.maxOpenConnections = this.openConnections;
    this.maxInFlightPerConnection = 0;
    this.counts.clear();
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    const socket = req.socket;
    const inFlight = (this.inFlight.get(socket) ?? 0) + 1;
    this.inFlight.set(socket, inFlight);
    this.maxInFlightPerConnection = Math.max(this.maxInFlightPerConnection, inFlight);
    res.on('close', () => this.inFlight.set(socket, (this.inFlight.get(socket) ?? 1) - 1));
    const url = new URL(req.url ?? '/', 'http://x');
    this.counts.set(url.pathname, (this.counts.get(url.pathname) ?? 0) + 1);
    req.resume();
    const wait = Math.max(this.latencyMs, this.stallUntil - performance.now());
    const respond = () => this.respond(url, req, res);
    if (wait > 0) setTimeout(respond, wait);
    else respond();
  }

  private respond(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const param = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    switch (url.pathname) {
      case '/delay':
        setTimeout(() => text(res, 200, 'ok'), param('ms', 20));
        return;
      case '/status':
        text(res, param('code', 500), 'status');
        return;
      case '/reset':
        req.socket.resetAndDestroy();
        return;
      case '/close':
        res.setHeader('Connection', 'close');
        text(res, 200, 'bye');
        return;
      case '/slow-body': {
        const parts = ['aaaa', 'bbbb', 'cccc', 'dddd'];
        res.writeHead(200, { 'Content-Length': String(parts.join('').length) });
        const step = param('ms', 200) / parts.length;
        parts.forEach((part, index) => {
          setTimeout(
            () => (index === parts.length - 1 ? res.end(part) : res.write(part)),
            step * (index + 1),
          );
        });
        return;
      }
      case '/chunked':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first chunk;');
        setTimeout(() => {
          res.write('x'.repeat(5000));
          res.end('last');
        }, 5);
        return;
      case '/big-header':
        res.setHeader('X-Big', 'b'.repeat(20 * 1024));
        text(res, 200, 'ok');
        return;
      case '/garbage':
        req.socket.end('SPDY/9 what is this\r\n\r\n');
        return;
      case '/split-head': {
        // A raw response whose head and body arrive in pieces (the client must reassemble the head).
        const pieces = ['HTTP/1.1 200 OK\r\nCont', 'ent-Length: 2\r\nConnection: close\r\n\r', '\nok'];
        pieces.forEach((piece, index) => {
          setTimeout(
            () => (index === pieces.length - 1 ? req.socket.end(piece) : req.socket.write(piece)),
            5 * index,
          );
        });
        return;
      }
      case '/hang':
        this.hanging.add(res);
        return;
      case '/until-close':
        req.socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close');
        return;
      default:
        text(res, 200, 'ok');
    }
  }
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export async function startHttpTarget(options?: HttpTargetOptions): Promise<HttpTarget> {
  return new HttpTarget(options).start();
}

/**
 * The same behaviours over HTTPS with a throwaway self-signed certificate for `localhost`
 * (made with the system's openssl into a temp dir, removed on stop).
 */
export async function startHttpsTarget(
  options?: HttpTargetOptions,
): Promise<HttpTarget & { tlsDir: string }> {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createServer: createHttpsServer } = await import('node:https');
  const dir = mkdtempSync(join(tmpdir(), 'http-target-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const target = new HttpTarget(options) as HttpTarget & { tlsDir: string };
  target.tlsDir = dir;
  await target.startWith(true, (handler) =>
    createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      handler,
    ),
  );
  const stop = target.stop.bind(target);
  target.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return target;
}
