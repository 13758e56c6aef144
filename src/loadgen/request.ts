/**
 * The workload as bytes: each path's request is serialised once, before the run, so sending a
 * request is one `socket.write` of a prepared Buffer. Also the weighted path order, computed once.
 */
import { UsageError } from '../errors.js';

export interface WorkloadPath {
  path: string;
  weight: number;
  method?: string | undefined;
}

export interface Workload {
  method: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
  /** Host header override (the connection still goes to the URL's host). */
  host?: string | undefined;
  /** Empty: the URL's own path. */
  paths: readonly WorkloadPath[];
}

export interface PreparedRequest {
  /** The path as reported in results (per-path latency). */
  path: string;
  method: string;
  bytes: Buffer;
  /** HEAD: the response has no body whatever its headers say. */
  noBody: boolean;
}

const FORBIDDEN_VALUE = /[\r\n\0]/;
const PATH_OK = /^\/[\x21-\x7e]*$/;

/** Serialises one request per path; rejects header values and paths that could split a request. */
export function prepareRequests(url: URL, workload: Workload): PreparedRequest[] {
  const paths =
    workload.paths.length > 0 ? workload.paths : [{ path: `${url.pathname}${url.search}`, weight: 1 }];
  let host = workload.host ?? url.host;
  const extra: string[] = [];
  for (const [name, value] of Object.entries(workload.headers)) {
    if (FORBIDDEN_VALUE.test(value) || FORBIDDEN_VALUE.test(name)) {
      throw new UsageError(
        `header "${name}" contains a line break or NUL`,
        'write one header per --header flag, as "Name: value"',
      );
    }
    const lower = name.toLowerCase();
    if (lower === 'host') host = value;
    else if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') {
      throw new UsageError(
        `header "${name}" is set by the load generator itself`,
        `remove the ${name} header`,
      );
    } else extra.push(`${name}: ${value}\r\n`);
  }
  if (FORBIDDEN_VALUE.test(host))
    throw new UsageError('the Host override contains a line break', 'write a plain host name');
  return paths.map(({ path, method }) => {
    if (!PATH_OK.test(path)) {
      throw new UsageError(
        `path "${path}" is not a request path`,
        'a path starts with / and has no spaces or control characters',
      );
    }
    const verb = method ?? workload.method;
    const body = workload.body;
    const sendsBody = body !== undefined && verb !== 'GET' && verb !== 'HEAD';
    const head =
      `${verb} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: orchestra-perf\r\nAccept: */*\r\n${extra.join('')}` +
      (sendsBody ? `Content-Length: ${body.length}\r\n` : '') +
      '\r\n';
    const bytes = sendsBody
      ? Buffer.concat([Buffer.from(head, 'latin1'), body])
      : Buffer.from(head, 'latin1');
    return { path, method: verb, bytes, noBody: verb === 'HEAD' };
  });
}

/**
 * A repeating order of path indexes honouring the weights (smooth weighted round-robin), so
 * `/a:1 /b:3` sends a b b b evenly interleaved rather than at random: deterministic across shards
 * and runs. The cycle is long enough to represent fractional weights to about 1%.
 */
export function pathCycle(weights: readonly number[], maxLength = 1000): Uint16Array {
  if (weights.length === 1) return Uint16Array.of(0);
  const total = weights.reduce((sum, w) => sum + w, 0);
  const integral = weights.every((w) => Number.isInteger(w));
  const length = integral && total <= maxLength ? total : maxLength;
  const cycle = new Uint16Array(length);
  const current = new Float64Array(weights.length);
  for (let step = 0; step < length; step++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    cycle[step] = best;
  }
  return cycle;
}

/** The URL as reported and logged: without any user name or password in it. */
export function redactUrl(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}
