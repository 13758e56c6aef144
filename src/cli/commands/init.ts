/** `orchestra-perf init`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf init',
  async run() {
    throw new UsageError('the init command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
