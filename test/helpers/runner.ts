/**
 * Runs a built action bundle the way a GitHub runner does: inputs as INPUT_* variables, the
 * runner's files (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH) in a fresh
 * temp dir, and parses back what the step wrote: outputs, saved state, summary, workflow commands.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const NODE = join(REPO_ROOT, 'node_modules/.bin/node');

export type EventName = 'push' | 'pull_request' | 'pull_request_fork';

export interface RunnerOptions {
  inputs?: Record<string, string>;
  event?: EventName;
  /** Payload overrides merged over the fixture. */
  payload?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Working directory of the step (GITHUB_WORKSPACE). */
  workspace?: string;
  /** Reuse the runner files of a previous step (main then post share GITHUB_STATE). */
  runnerDir?: string;
  /** State from main, passed to post as STATE_* variables (what the runner does). */
  state?: Record<string, string>;
  timeoutMs?: number;
}

export interface StepRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** `::error::`, `::warning::`, `::notice::`, `::add-mask::` commands from stdout. */
  commands: { command: string; message: string }[];
  runnerDir: string;
}

export async function runBundle(bundle: 'main' | 'post', options: RunnerOptions = {}): Promise<StepRun> {
  const runnerDir = options.runnerDir ?? mkdtempSync(join(tmpdir(), 'orchestra-runner-'));
  const temp = join(runnerDir, 'runner-temp');
  mkdirSync(temp, { recursive: true });
  const files = {
    output: join(runnerDir, `output-${bundle}`),
    state: join(runnerDir, `state-${bundle}`),
    summary: join(runnerDir, 'summary.md'),
    event: join(runnerDir, 'event.json'),
  };
  for (const file of [files.output, files.state]) writeFileSync(file, '');
  if (!existsSync(files.summary)) writeFileSync(files.summary, '');
  const event = options.event ?? 'push';
  const payload = { ...loadEvent(event), ...options.payload };
  writeFileSync(files.event, JSON.stringify(payload));

  const isPr = event !== 'push';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: isPr ? 'pull_request' : 'push',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_REPOSITORY_ID: '700000001',
    GITHUB_REPOSITORY_OWNER_ID: '900000001',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: isPr ? 'refs/pull/42/merge' : 'refs/heads/main',
    GITHUB_RUN_ID: '123456',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9/api',
    GITHUB_WORKSPACE: options.workspace ?? REPO_ROOT,
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    ...Object.fromEntries(
      Object.entries(options.inputs ?? {}).map(([name, value]) => [inputVariable(name), value]),
    ),
    ...Object.fromEntries(
      Object.entries(options.state ?? {}).map(([name, value]) => [`STATE_${name}`, value]),
    ),
    ...options.env,
  };

  const child = spawn(NODE, [join(REPO_ROOT, 'dist', bundle, 'index.js')], {
    cwd: env.GITHUB_WORKSPACE,
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const exitCode = await new Promise<number | null>((done) => child.on('close', done));
  clearTimeout(timer);

  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseKeyValueFile(readFileSync(files.output, 'utf8')),
    state: parseKeyValueFile(readFileSync(files.state, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    commands: parseCommands(stdout),
    runnerDir,
  };
}

/** The runner's rule: `INPUT_` + name upper-cased with spaces as underscores (hyphens kept). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function loadEvent(name: EventName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/events', `${name}.json`), 'utf8'));
}

/** Parses the `name<<DELIMITER` heredoc format of GITHUB_OUTPUT and GITHUB_STATE. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i]!);
      values[name!] = body.join('\n');
      continue;
    }
    const simple = /^([^=]+)=(.*)$/.exec(lines[i]!);
    if (simple) values[simple[1]!] = simple[2]!;
  }
  return values;
}

function parseCommands(stdout: string): { command: string; message: string }[] {
  const commands: { command: string; message: string }[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
    if (match)
      commands.push({ command: match[1]!, message: match[2]!.replace(/%0A/g, '\n').replace(/%25/g, '%') });
  }
  return commands;
}
