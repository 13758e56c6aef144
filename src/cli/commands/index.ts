/** Every CLI command, in the order `--help` lists them. */
import type { Command } from '../command.js';
import { buildCommand } from './build.js';
import { cleanupCommand } from './cleanup.js';
import { compareCommand } from './compare.js';
import { doctorCommand } from './doctor.js';
import { initCommand } from './init.js';
import { mergeCommand } from './merge.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { smokeCommand } from './smoke.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly Command[] = [
  runCommand,
  smokeCommand,
  buildCommand,
  mergeCommand,
  compareCommand,
  reportCommand,
  cleanupCommand,
  validateCommand,
  initCommand,
  doctorCommand,
];
