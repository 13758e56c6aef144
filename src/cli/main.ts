/**
 * The CLI's dispatcher: picks the command, maps every error to its exit code and one line that
 * says what failed and how to fix it (exit 2 usage/config, 3 unreachable, 1 gates).
 */

import { ExitCode, toOrchestraError } from '../errors.js';
import { ConsoleLogger } from '../logger.js';
import { TOOL_VERSION } from '../version.js';
import type { CliIO } from './command.js';
import { COMMANDS } from './commands/index.js';

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    `orchestra-perf ${TOOL_VERSION}: cache, build, image, deploy, smoke and report, locally or in GitHub Actions`,
    '',
    'usage: orchestra-perf <command> [flags]',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'exit codes: 0 ok, 1 threshold or regression gate failed, 2 usage or config error, 3 target or service unreachable',
  ].join('\n');
}

export async function runCli(argv: string[], partial: Partial<CliIO> = {}): Promise<number> {
  const io: CliIO = {
    out: partial.out ?? ((text) => process.stdout.write(`${text}\n`)),
    logger: partial.logger ?? new ConsoleLogger(),
    cwd: partial.cwd ?? process.cwd(),
    env: partial.env ?? process.env,
    signal: partial.signal ?? new AbortController().signal,
  };
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  if (name === '--version' || name === '-v') {
    io.out(TOOL_VERSION);
    return ExitCode.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.logger.error(
      `unknown command "${name}". Fix: run one of ${COMMANDS.map((c) => c.name).join(', ')} (orchestra-perf --help)`,
    );
    return ExitCode.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`usage: ${command.usage}`);
    return ExitCode.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const failure = toOrchestraError(error);
    for (const line of failure.oneLine().split('\n')) io.logger.error(line);
    return failure.exitCode;
  }
}
