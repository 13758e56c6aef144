/**
 * The `local` deploy target: runs the built image (`docker run -d --network host` with PORT) or the
 * user's `deploy.command` on this machine, waits until the readiness path answers, and hands back
 * `http://127.0.0.1:PORT`. What `orchestra-perf run` and the demo use outside GitHub.
 */
import { createServer } from 'node:net';
import type { Clock } from '../../adapters/clock.js';
import { systemClock } from '../../adapters/clock.js';
import type { ProcessRunner, RunOutcome } from '../../adapters/process.js';
import { ExitCode, OrchestraError, UnreachableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { LocalPlan } from './plan.js';

export interface LocalTarget {
  url: string;
  port: number;
  /** `docker:<container id>` or `process:<pid>`: what `stop` removes (also from the post step). */
  handle: string;
  readyMs: number;
  stop(): Promise<void>;
}

export interface LocalDeps {
  process: ProcessRunner;
  logger: Logger;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** Pure: the `docker run` argv for the image (argv array, never a shell). */
export function dockerRunArgs(
  image: string,
  port: number,
  env: Record<string, string>,
  name: string,
): string[] {
  const args = ['docker', 'run', '-d', '--name', name, '--network', 'host', '-e', `PORT=${port}`];
  for (const [key, value] of Object.entries(env)) args.push('-e', `${key}=${value}`);
  args.push('--label', 'orchestra-perf.local=1', image);
  return args;
}

export async function startLocalTarget(plan: LocalPlan, deps: LocalDeps): Promise<LocalTarget> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const port = plan.port || (await freeLoopbackPort());
  const url = `http://127.0.0.1:${port}`;
  if (plan.command) {
    const controller = new AbortController();
    const env = { ...(deps.env ?? process.env), ...plan.envVars, PORT: String(port) };
    let exited: RunOutcome | undefined;
    // The user's own shell command: the one place a shell runs, because the user wrote one.
    const running = deps.process.run(['/bin/sh', '-c', plan.command], {
      env,
      ...(plan.cwd ? { cwd: plan.cwd } : {}),
      signal: controller.signal,
      killGraceMs: 3000,
      maxOutputBytes: 64 * 1024,
    });
    void running.then((outcome) => {
      exited = outcome;
    });
    const stop = async () => {
      controller.abort();
      await running;
    };
    try {
      await waitForReadiness(`${url}${plan.readinessPath}`, plan.waitTimeoutMs, clock, () =>
        exited
          ? `the command exited with ${exited.exitCode ?? exited.signal}: ${exited.stderr.trim().split('\n').slice(-5).join(' | ')}`
          : undefined,
      );
    } catch (error) {
      await stop();
      throw error;
    }
    deps.logger.info(`Local target ready at ${url} (command)`);
    return { url, port, handle: 'process', readyMs: Math.round(clock.now() - started), stop };
  }
  const image = plan.image!;
  const name = `orchestra-perf-${port}-${Date.now().toString(36)}`;
  const run = await deps.process.run(dockerRunArgs(image, port, plan.envVars, name), {
    timeoutMs: 120_000,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  if (run.exitCode !== 0) {
    throw new OrchestraError(
      `docker run ${image} failed: ${(run.spawnError?.message ?? run.stderr).trim().slice(-500)}`,
      ExitCode.gateFailed,
      'check that the image exists locally (or in its registry) and that a Docker engine runs',
    );
  }
  const containerId = run.stdout.trim().split('\n').pop()!;
  const stop = () => removeContainer(deps.process, containerId);
  try {
    await waitForReadiness(`${url}${plan.readinessPath}`, plan.waitTimeoutMs, clock, async () => {
      const inspect = await deps.process.run(['docker', 'inspect', '-f', '{{.State.Running}}', containerId], {
        timeoutMs: 10_000,
      });
      if (inspect.exitCode === 0 && inspect.stdout.trim() === 'true') return undefined;
      return 'the container exited';
    });
  } catch (error) {
    const logs = await deps.process.run(['docker', 'logs', '--tail', '20', containerId], {
      timeoutMs: 10_000,
    });
    await stop();
    const tail = `${logs.stdout}${logs.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new UnreachableError(
      `${(error as Error).message}${tail ? `; container logs: ${tail}` : ''}`,
      'the container must listen on 127.0.0.1:$PORT (or 0.0.0.0:$PORT)',
    );
  }
  deps.logger.info(`Local target ready at ${url} (container ${containerId.slice(0, 12)})`);
  return { url, port, handle: `docker:${containerId}`, readyMs: Math.round(clock.now() - started), stop };
}

export async function removeContainer(runner: ProcessRunner, containerId: string): Promise<void> {
  await runner.run(['docker', 'rm', '-f', containerId], { timeoutMs: 30_000 });
}

/** Polls GET `url` until it answers below 500, the target dies, or `timeoutMs` passes. */
export async function waitForReadiness(
  url: string,
  timeoutMs: number,
  clock: Clock,
  dead: () => string | undefined | Promise<string | undefined>,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  let delay = 50;
  let last = 'no answer yet';
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last =
        (error as Error).cause instanceof Error
          ? ((error as Error).cause as Error).message
          : (error as Error).message;
    }
    const reason = await dead();
    if (reason)
      throw new UnreachableError(
        `the local target never became ready at ${url}: ${reason}`,
        'the service must listen on $PORT',
      );
    if (clock.now() >= deadline) {
      throw new UnreachableError(
        `the local target did not become ready at ${url} within ${Math.round(timeoutMs / 1000)} s (${last})`,
        'the service must listen on $PORT and answer the readiness path',
      );
    }
    await clock.sleep(delay);
    delay = Math.min(delay * 2, 1000);
  }
}
