/** Small helpers shared by the fake Google servers: body reading, JSON replies, Google error shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The error body of Google's JSON APIs (google.rpc.Status under "error"). */
export function sendGoogleError(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
): void {
  sendJson(res, code, { error: { code, message, status, ...(details.length ? { details } : {}) } });
}

export function listenUrl(server: import('node:http').Server): string {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('server not listening');
  return `http://127.0.0.1:${address.port}`;
}
