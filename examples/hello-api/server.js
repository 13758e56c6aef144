// The example service the demo deploys: a small JSON API with a health path, a fast path and a
// path that does real CPU work. Listens on PORT (Cloud Run's contract), 127.0.0.1 by default here.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const items = Array.from({ length: 50 }, (_, id) => ({ id, name: `item-${id}`, price: (id * 7) % 100 }));
const itemsBody = JSON.stringify(items);
// WORK_ROUNDS lets a demo make the "PR" slower or faster than the baseline on purpose.
const workRounds = Number(process.env.WORK_ROUNDS ?? 2000);

function work(seed) {
  let digest = seed;
  for (let round = 0; round < workRounds; round++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  } else if (url.pathname === '/api/items') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(itemsBody);
  } else if (url.pathname === '/api/work') {
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ digest: work(url.search) }));
  } else {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  }
});

server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`hello-api listening on http://${host}:${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close(() => process.exit(0)));
