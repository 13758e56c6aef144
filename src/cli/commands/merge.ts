/** `orchestra-perf merge`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf merge',
  async run() {
    throw new UsageError('the merge command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
