/**
 * A ProcessRunner that answers like the Docker CLI for the commands the image stage runs, with
 * scripted `buildx build` outcomes (recorded outputs from the real CLI). It records every call so
 * tests can check argv, stdin and DOCKER_CONFIG.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRunner, RunOptions, RunOutcome } from '../../../src/adapters/process.js';

export interface Call {
  argv: string[];
  input: string | undefined;
  dockerConfig: string | undefined;
}

export interface BuildScript {
  exitCode: number;
  /** A recorded buildx output fixture name, or literal text. */
  output: string;
  /** Written to --metadata-file when set. */
  metadata?: Record<string, string>;
}

export const fixtureOutput = (name: string) =>
  readFileSync(`test/fixtures/image/buildx-output/${name}.txt`, 'utf8');

export class FakeDocker implements ProcessRunner {
  calls: Call[] = [];
  engine = true;
  buildx = true;
  inspect = readFileSync('test/fixtures/image/buildx-inspect/docker-driver.txt', 'utf8');
  builds: BuildScript[] = [];

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunOutcome> {
    const dockerConfig = options.env?.DOCKER_CONFIG;
    this.calls.push({ argv: [...argv], input: options.input, dockerConfig });
    const args = argv.slice(1);
    const done = (exitCode: number, stdout = '', stderr = ''): RunOutcome => {
      if (stderr) options.onStderr?.(Buffer.from(stderr));
      return { exitCode, signal: null, stdout, stderr, timedOut: false, cancelled: false, durationMs: 1 };
    };
    const noEngine =
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n';
    if (args[0] === 'version') return this.engine ? done(0, '20.10.24+dfsg1\n') : done(1, '', noEngine);
    if (args[0] === 'buildx' && !this.buildx)
      return done(1, '', "docker: 'buildx' is not a docker command.\nSee 'docker --help'\n");
    if (args[0] === 'buildx' && args[1] === 'version') return done(0, 'github.com/docker/buildx 0.13.1\n');
    if (args[0] === 'buildx' && args[1] === 'inspect')
      return this.engine ? done(0, this.inspect) : done(1, '', `ERROR: ${noEngine}`);
    if (args[0] === 'login') {
      const registry = args[args.length - 1]!;
      const user = args[args.indexOf('--username') + 1]!;
      if (!args.includes('--password-stdin'))
        return done(1, '', 'Error: Cannot perform an interactive login from a non TTY device\n');
      const dir = dockerConfig ?? '/nonexistent';
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'config.json');
      const config = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as {
        auths?: Record<string, { auth: string }>;
      };
      config.auths = {
        ...config.auths,
        [registry]: { auth: Buffer.from(`${user}:${options.input ?? ''}`).toString('base64') },
      };
      await writeFile(file, JSON.stringify(config));
      return done(0, 'Login Succeeded\n');
    }
    if (args[0] === 'logout') return done(0, `Removing login credentials for ${args[1]}\n`);
    if (args[0] === 'buildx' && args[1] === 'build') {
      const script = this.builds.shift();
      if (!script) throw new Error('unexpected build');
      const metadataFile = args[args.indexOf('--metadata-file') + 1];
      if (script.metadata && metadataFile) await writeFile(metadataFile, JSON.stringify(script.metadata));
      const text = script.output.includes('\n') ? script.output : fixtureOutput(script.output);
      return done(script.exitCode, '', text);
    }
    return done(127, '', `unexpected docker ${args.join(' ')}`);
  }

  get buildCalls(): Call[] {
    return this.calls.filter((call) => call.argv[1] === 'buildx' && call.argv[2] === 'build');
  }
}
