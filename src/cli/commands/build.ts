/** `orchestra-perf build`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf build',
  async run() {
    throw new UsageError('the build command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
