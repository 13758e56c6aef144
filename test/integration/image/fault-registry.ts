/**
 * A fault-injecting reverse proxy in front of the real registry on 127.0.0.1:5000: every request
 * reaches the real registry, except manifest uploads while `failing()` says so, which get the
 * configured status (a registry 5xx, or a DENIED error as distribution writes it).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRegistry {
  host: string;
  manifestPuts: number;
  failedPuts: number;
  close(): Promise<void>;
}

export async function startFaultRegistry(options: {
  failing: () => boolean;
  status: number;
  upstreamPort?: number;
}): Promise<FaultRegistry> {
  const upstreamPort = options.upstreamPort ?? 5000;
  const state = { manifestPuts: 0, failedPuts: 0 };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'PUT' && /\/manifests\//.test(path)) {
      state.manifestPuts++;
      if (options.failing()) {
        state.failedPuts++;
        req.resume();
        const denied = options.status === 401 || options.status === 403;
        res.writeHead(options.status, {
          'content-type': denied ? 'application/json' : 'text/plain',
          'docker-distribution-api-version': 'registry/2.0',
        });
        res.end(
          denied
            ? JSON.stringify({
                errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
              })
            : 'injected fault',
        );
        return;
      }
    }
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    get manifestPuts() {
      return state.manifestPuts;
    },
    get failedPuts() {
      return state.failedPuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
