/** `orchestra-perf compare`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf compare',
  async run() {
    throw new UsageError('the compare command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
