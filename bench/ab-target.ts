/**
 * A target for bench/ab.ts whose latency is part wait, part CPU work, like a real handler: each
 * request sleeps `sleepMs`, then runs a fixed number of loop iterations (`workIterations`,
 * calibrated once by the bench on an idle core). A neighbour that steals this core slows the work
 * and delays the wake-ups, so latency moves with the noise, as on a shared runner; a pure
 * setTimeout target would barely notice it. argv: sleepMs, workIterations. Prints its port.
 */
import { createServer } from 'node:http';
import { work } from './ab-work.js';

const sleepMs = Number(process.argv[2] ?? 20);
const iterations = Number(process.argv[3] ?? 0);
let sink = 0;

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  setTimeout(() => {
    sink += work(iterations);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
    res.end('ok');
  }, sleepMs);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(sink === -1 ? 1 : 0)));
