/** The shape of one CLI command: parses its own arguments and returns an exit code. */
import type { Logger } from '../logger.js';

export interface CliIO {
  /** Result output (tables, JSON): stdout. */
  out(text: string): void;
  /** Progress and diagnostics: stderr. */
  logger: Logger;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}
