/**
 * `orchestra-perf init`: detect the repository, write `.github/orchestra-perf.yml` (one per service
 * in a monorepo) and the caller workflows from the starter templates pinned to one commit, and
 * print (or, with --apply, run) the least-privilege WIF setup. Never overwrites a changed file
 * without asking (or --force); a second run with the same answers changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../adapters/atomic-file.js';
import { nodeProcessRunner, type ProcessRunner } from '../../adapters/process.js';
import { checkProjectId, checkRegion, checkServiceName } from '../../config/gcp-names.js';
import { UnreachableError, UsageError } from '../../errors.js';
import { actionCommit, readWorkflowTemplates } from '../../setup/action-source.js';
import { detectRepository } from '../../setup/detect.js';
import { planInit } from '../../setup/init-plan.js';
import { shellLine, shellQuoteExpanding } from '../../setup/shell-quote.js';
import { planWifSetup, type SetupCommand } from '../../setup/wif-setup.js';
import { parseFlags } from '../args.js';
import type { CliIO, Command } from '../command.js';
import { defaultsOnly, type Prompter, terminalPrompter } from '../prompt.js';

const USAGE =
  'orchestra-perf init [--yes] [--force] [--project-id P --region R --service S] [--repository OWNER/NAME --repository-id N --owner-id N --project-number N] [--prod-environment NAME] [--action-repo OWNER/NAME --action-sha SHA] [--terraform] [--apply]';

const FLAGS = {
  yes: { type: 'boolean' },
  force: { type: 'boolean' },
  apply: { type: 'boolean' },
  terraform: { type: 'boolean' },
  'project-id': { type: 'string' },
  'project-number': { type: 'string' },
  region: { type: 'string' },
  service: { type: 'string' },
  repository: { type: 'string' },
  'repository-id': { type: 'string' },
  'owner-id': { type: 'string' },
  'prod-environment': { type: 'string' },
  'action-repo': { type: 'string' },
  'action-sha': { type: 'string' },
} as const;

export interface InitDeps {
  prompter?: Prompter;
  process?: ProcessRunner;
}

export function createInitCommand(deps: InitDeps = {}): Command {
  return {
    name: 'init',
    summary: 'scaffold the config and caller workflows; print the WIF setup',
    usage: USAGE,
    async run(args, io) {
      const { values } = parseFlags(args, FLAGS, USAGE);
      const interactive = !values.yes && process.stdin.isTTY === true;
      const prompter = deps.prompter ?? (interactive ? terminalPrompter() : defaultsOnly);
      const detection = detectRepository(io.cwd);

      const projectId = await answer(
        prompter,
        'Google Cloud project ID',
        values['project-id'],
        'my-gcp-project',
        checkProjectId,
      );
      const region = await answer(prompter, 'Cloud Run region', values.region, 'us-central1', checkRegion);
      const service = detection.monorepo
        ? undefined
        : await answer(
            prompter,
            'Cloud Run service name',
            values.service,
            detection.services[0]!.name,
            checkServiceName,
          );
      const repository =
        values.repository ?? (await prompter.ask('GitHub repository (owner/name)', guessRepository(io.cwd)));
      if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
        throw new UsageError(`--repository "${repository}" is not owner/name`);
      const actionSha = values['action-sha'] ?? actionCommit();
      if (!actionSha) {
        throw new UsageError(
          'cannot tell which commit of orchestra-perf-action to pin the workflows to',
          'pass --action-sha <40-hex commit of the release you use>',
        );
      }

      const files = planInit(
        detection,
        {
          projectId,
          region,
          service,
          actionRepository: values['action-repo'] ?? 'org/orchestra-perf-action',
          actionSha,
        },
        readWorkflowTemplates(),
      );
      const written = await writeFiles(files, io, prompter, values.force === true);

      const wif = planWifSetup({
        projectId,
        projectNumber: values['project-number'],
        region,
        repository,
        repositoryId: values['repository-id'],
        repositoryOwnerId: values['owner-id'],
        productionEnvironment: values['prod-environment'] ?? 'prod',
        service,
      });
      io.out('');
      io.out(
        `Detected: ${detection.services.map((s) => `${s.name} (${s.language}${s.dockerfile ? `, ${s.dockerfile}` : ', no Dockerfile'})`).join(', ')}`,
      );
      io.out(`Files: ${written.join(', ') || 'none changed'}`);
      io.out('');
      if (values.terraform) {
        io.out(wif.terraform);
      } else {
        io.out('One-time Google setup (Workload Identity Federation; no keys). Run these, or pass --apply:');
        io.out(renderCommands(wif.commands));
      }
      io.out('');
      io.out(
        'Then set these variables on the GitHub environments (Settings > Environments), no secrets needed:',
      );
      for (const [name, value] of Object.entries(wif.variables)) io.out(`  ${name}=${value}`);
      io.out(
        'Give the `prod` environment required reviewers. Then open a pull request: the preview comment appears on it.',
      );
      if (values.apply) await applyCommands(wif.commands, io, deps.process ?? nodeProcessRunner);
      return 0;
    },
  };
}

export const initCommand = createInitCommand();

async function answer(
  prompter: Prompter,
  question: string,
  given: string | undefined,
  fallback: string,
  check: (value: string) => string | undefined,
): Promise<string> {
  const value = given ?? (await prompter.ask(question, fallback));
  const problem = check(value);
  if (problem) throw new UsageError(`${question} "${value}" ${problem}`);
  return value;
}

function guessRepository(cwd: string): string {
  try {
    const config = readFileSync(join(cwd, '.git', 'config'), 'utf8');
    const url = /url = .*github\.com[:/]([\w.-]+\/[\w.-]+?)(?:\.git)?$/m.exec(config)?.[1];
    if (url) return url;
  } catch {
    // not a git checkout
  }
  return 'owner/repository';
}

async function writeFiles(
  files: { path: string; content: string }[],
  io: CliIO,
  prompter: Prompter,
  force: boolean,
): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const target = join(io.cwd, file.path);
    if (existsSync(target)) {
      const current = readFileSync(target, 'utf8');
      if (current === file.content) continue;
      if (!force && !(await prompter.confirm(`${file.path} exists and differs. Overwrite?`))) {
        io.logger.warning(
          `${file.path} exists and differs: kept as it is (re-run with --force to overwrite)`,
        );
        continue;
      }
    }
    await writeFileAtomic(target, file.content);
    written.push(file.path);
  }
  return written;
}

export function renderCommands(commands: readonly SetupCommand[]): string {
  return commands
    .map((command) => {
      const line = command.argv.map(shellQuoteExpanding).join(' ');
      return `# ${command.why}\n${command.captures ? `${command.captures}=$(${line})` : line}`;
    })
    .join('\n\n');
}

async function applyCommands(
  commands: readonly SetupCommand[],
  io: CliIO,
  runner: ProcessRunner,
): Promise<void> {
  const account = await runner.run(
    ['gcloud', 'auth', 'list', '--filter=status:ACTIVE', '--format=value(account)'],
    { timeoutMs: 30_000 },
  );
  if (account.spawnError)
    throw new UnreachableError(
      'gcloud is not installed',
      'install the Google Cloud CLI, or run the printed commands elsewhere',
    );
  if (account.exitCode !== 0 || account.stdout.trim() === '') {
    throw new UnreachableError('gcloud has no active account', 'run `gcloud auth login` first');
  }
  const variables: Record<string, string> = {};
  for (const command of commands) {
    const argv = command.argv.map((arg) =>
      arg.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => variables[name] ?? `\${${name}}`),
    );
    io.out(`$ ${shellLine(argv)}`);
    const run = await runner.run(argv, { timeoutMs: 120_000 });
    if (run.exitCode !== 0 && /already exists|ALREADY_EXISTS/i.test(run.stderr)) {
      io.out('  (already exists: kept)');
      continue;
    }
    if (run.exitCode !== 0) {
      throw new UnreachableError(
        `\`${argv.slice(0, 4).join(' ')}\` failed: ${run.stderr.trim().split('\n').pop() ?? run.spawnError?.message}`,
        'fix the cause and re-run init --apply (steps already done are kept)',
      );
    }
    if (command.captures) variables[command.captures] = run.stdout.trim();
  }
}
