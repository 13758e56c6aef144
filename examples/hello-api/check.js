// The example's "unit test" build task: starts the server on a free port and checks each path.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const server = spawn(process.execPath, ['server.js'], {
  env: { ...process.env, PORT: String(port) },
  stdio: 'ignore',
});
try {
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const expectations = { '/health': 200, '/api/items': 200, '/api/work?x=1': 200, '/missing': 404 };
  for (const [path, status] of Object.entries(expectations)) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    if (response.status !== status) throw new Error(`${path}: expected ${status}, got ${response.status}`);
  }
  console.log(`checked ${Object.keys(expectations).length} paths`);
} finally {
  server.kill();
}
