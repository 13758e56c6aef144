/**
 * A small Docker CLI adapter over the ProcessRunner: argv arrays only, an optional private
 * DOCKER_CONFIG, passwords through stdin. It knows how the CLI reports a missing engine or a
 * missing buildx plugin and turns those into errors that name the fix.
 */
import { UnreachableError, UsageError } from '../errors.js';
import type { ProcessRunner, RunOptions, RunOutcome } from './process.js';

export interface DockerOptions {
  /** The docker binary (default `docker` on PATH). */
  binary?: string;
  env: NodeJS.ProcessEnv;
  /** A private DOCKER_CONFIG directory (credentials from our logins); unset: the user's. */
  configDir?: string | undefined;
  signal?: AbortSignal;
}

export type DockerRunOptions = Pick<
  RunOptions,
  'input' | 'timeoutMs' | 'onStdout' | 'onStderr' | 'maxOutputBytes' | 'cwd'
>;

const NO_ENGINE =
  /(Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|dial unix .*docker\.sock)/i;
const NO_BUILDX =
  /('buildx' is not a docker command|unknown command: docker buildx|unknown (shorthand )?flag.*buildx)/i;

export class DockerCli {
  constructor(
    private readonly process: ProcessRunner,
    private readonly options: DockerOptions,
  ) {}

  get configDir(): string | undefined {
    return this.options.configDir;
  }

  /** The same adapter with a different DOCKER_CONFIG. */
  withConfigDir(configDir: string | undefined): DockerCli {
    return new DockerCli(this.process, { ...this.options, configDir });
  }

  /** Runs `docker <args>`; a spawn failure (no docker binary) becomes a clear error. */
  async run(args: readonly string[], options: DockerRunOptions = {}): Promise<RunOutcome> {
    const env = { ...this.options.env };
    if (this.options.configDir) env.DOCKER_CONFIG = this.options.configDir;
    const outcome = await this.process.run([this.options.binary ?? 'docker', ...args], {
      ...options,
      env,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    if (outcome.spawnError) {
      throw new UnreachableError(
        `cannot run docker: ${outcome.spawnError.message}`,
        'install the Docker CLI on the runner (GitHub-hosted Ubuntu runners have it) and put it on PATH',
      );
    }
    return outcome;
  }

  /** The engine version; throws when no engine answers. */
  async serverVersion(): Promise<string> {
    const outcome = await this.run(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
    if (outcome.exitCode !== 0 || !outcome.stdout.trim()) {
      const reason =
        NO_ENGINE.test(outcome.stderr) || !outcome.stderr.trim()
          ? 'no engine answered'
          : firstLine(outcome.stderr);
      throw new UnreachableError(
        `no Docker engine is reachable (${firstLine(outcome.stderr) || reason})`,
        'start the Docker daemon (or set DOCKER_HOST to a running engine); GitHub-hosted Ubuntu runners have one',
      );
    }
    return outcome.stdout.trim();
  }

  /** The buildx version; throws when the plugin is missing. */
  async buildxVersion(): Promise<string> {
    const outcome = await this.run(['buildx', 'version'], { timeoutMs: 30_000 });
    if (outcome.exitCode !== 0) {
      const text = `${outcome.stdout}\n${outcome.stderr}`;
      throw new UsageError(
        `docker buildx is not available${NO_BUILDX.test(text) ? '' : `: ${firstLine(outcome.stderr)}`}`,
        'add docker/setup-buildx-action before this step, or install the docker-buildx plugin into ~/.docker/cli-plugins',
      );
    }
    return outcome.stdout.trim();
  }

  /** `docker buildx inspect` of the current builder (BUILDX_BUILDER or the selected one), as text. */
  async buildxInspect(): Promise<string> {
    const outcome = await this.run(['buildx', 'inspect'], { timeoutMs: 60_000 });
    if (outcome.exitCode !== 0) {
      if (NO_ENGINE.test(outcome.stderr)) await this.serverVersion();
      throw new UsageError(
        `docker buildx inspect failed: ${firstLine(outcome.stderr)}`,
        'check the builder (docker buildx ls); select one with docker buildx use, or set BUILDX_BUILDER',
      );
    }
    return outcome.stdout;
  }

  /** `docker login` with the password on stdin, never in argv. */
  async login(registry: string, username: string, password: string): Promise<void> {
    const outcome = await this.run(['login', '--username', username, '--password-stdin', registry], {
      input: password,
      timeoutMs: 60_000,
    });
    if (outcome.exitCode !== 0) {
      const text = firstLine(outcome.stderr) || firstLine(outcome.stdout);
      const refused = /(unauthorized|denied|401|403|incorrect username or password)/i.test(text);
      const message = `docker login to ${registry} failed: ${text}`;
      if (refused) {
        throw new UsageError(
          message,
          `the registry refused the credentials for user ${username}; check that the token is current and may push to ${registry}`,
        );
      }
      throw new UnreachableError(message, `check that ${registry} is reachable from the runner`);
    }
  }

  async logout(registry: string): Promise<boolean> {
    const outcome = await this.run(['logout', registry], { timeoutMs: 30_000 });
    return outcome.exitCode === 0;
  }
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .find((line) => line !== '' && !line.startsWith('WARNING')) ?? ''
  );
}
