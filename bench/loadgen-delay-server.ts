/**
 * A target with a known latency for bench/loadgen.ts's accuracy checks: `/delay` answers after a
 * fixed delay (argv[2], ms), `/fast` at once, `/__stall?ms=N` holds every response for N ms, and
 * `/__stats` returns the median time the server itself held `/delay` requests: the truth that the
 * generator's p50 is compared with. Prints its port on stdout.
 */
import { createServer, type ServerResponse } from 'node:http';

const delayMs = Number(process.argv[2] ?? 20);
const holds: number[] = [];
let stallUntil = 0;

function reply(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const arrived = performance.now();
  const url = new URL(req.url ?? '/', 'http://x');
  req.resume();
  if (url.pathname === '/__stall') {
    stallUntil = arrived + Number(url.searchParams.get('ms') ?? 1000);
    return reply(res, 'stalling');
  }
  if (url.pathname === '/__stats') {
    const sorted = [...holds].sort((a, b) => a - b);
    return reply(
      res,
      JSON.stringify({ count: sorted.length, holdP50: sorted[Math.floor(sorted.length / 2)] ?? 0 }),
    );
  }
  if (url.pathname === '/__reset') {
    holds.length = 0;
    return reply(res, 'reset');
  }
  const wait = Math.max(url.pathname === '/delay' ? delayMs : 0, stallUntil - arrived);
  const send = () => {
    if (url.pathname === '/delay' && holds.length < 1_000_000) holds.push(performance.now() - arrived);
    reply(res, 'ok');
  };
  if (wait > 0) setTimeout(send, wait);
  else send();
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
