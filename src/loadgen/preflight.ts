/**
 * The pre-flight request: one real request before the load starts. A dead or unresolvable target
 * fails here within seconds (exit 3, naming the URL and the error) instead of "completing" a run of
 * thousands of failed requests. It also resolves the host once for all connections, and its
 * latency (connect included) is the run's `coldStartMs`: the first request the target sees.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { UnreachableError } from '../errors.js';
import type { EndpointAddress } from './engine.js';
import { type PreparedRequest, redactUrl } from './request.js';
import { ResponseParser } from './response-parser.js';

export interface PreflightResult {
  endpoint: EndpointAddress;
  status: number;
  coldStartMs: number;
}

/** Longest the pre-flight waits for name resolution plus the response (the run's timeout if lower). */
export const PREFLIGHT_LIMIT_MS = 10_000;

export async function preflight(
  url: URL,
  request: PreparedRequest,
  options: { timeoutMs: number; insecure: boolean; signal?: AbortSignal | undefined },
): Promise<PreflightResult> {
  const limit = Math.min(options.timeoutMs, PREFLIGHT_LIMIT_MS);
  const secure = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const started = performance.now();
  const unreachable = (what: string, hint: string, cause?: unknown) =>
    new UnreachableError(`cannot reach ${redactUrl(url)}: ${what}`, hint, { cause });

  let address = hostname;
  if (!net.isIP(hostname)) {
    try {
      address = (await withTimeout(lookup(hostname), limit, 'name resolution')).address;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw unreachable(`cannot resolve ${hostname} (${code})`, 'check the host name in the URL', error);
    }
  }
  const endpoint: EndpointAddress = {
    address,
    port,
    tls: secure,
    servername: hostname,
    insecure: options.insecure,
  };
  const remaining = Math.max(1, limit - (performance.now() - started));
  const status = await new Promise<number>((resolve, reject) => {
    let settled = false;
    let socket: net.Socket;
    const parser = new ResponseParser({
      onResponse: (code) => settle(undefined, code),
      onParseError: (message) =>
        settle(
          unreachable(
            `the response is not valid HTTP/1.1 (${message})`,
            'check that the URL points at an HTTP server (http:// vs https://)',
          ),
        ),
    });
    const settle = (error: Error | undefined, code = 0) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(code);
    };
    const timer = setTimeout(
      () =>
        settle(
          unreachable(
            `no response within ${Math.round(remaining)} ms`,
            'check that the service is up and answering on that port',
          ),
        ),
      remaining,
    );
    const onAbort = () => settle(new Error('cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onConnected = () => {
      parser.expect(request.noBody);
      socket.write(request.bytes);
    };
    if (secure) {
      socket = tls.connect({
        host: address,
        port,
        servername: net.isIP(hostname) ? undefined : hostname,
        rejectUnauthorized: !options.insecure,
        ALPNProtocols: ['http/1.1'],
      });
      socket.once('secureConnect', onConnected);
    } else {
      socket = net.connect({ host: address, port, noDelay: true });
      socket.once('connect', onConnected);
    }
    socket.on('data', (chunk: Buffer) => {
      if (parser.execute(chunk, 0, chunk.length) < 0) return;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      const hint =
        code === 'ECONNREFUSED'
          ? 'nothing listens there; check the URL and port, and that the service started'
          : /CERT|SSL|TLS/.test(code)
            ? 'the TLS certificate was rejected; fix it, or pass --insecure for a test target'
            : 'check the URL and the network path to it';
      settle(
        unreachable(
          `${code}${error.message && error.message !== code ? ` (${error.message})` : ''}`,
          hint,
          error,
        ),
      );
    });
    socket.on('close', () => {
      if (parser.finish()) return;
      settle(
        unreachable(
          'the connection closed before a response arrived',
          'check that the service answers HTTP on that port',
        ),
      );
    });
  });
  return { endpoint, status, coldStartMs: Math.round((performance.now() - started) * 1000) / 1000 };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
