/** `orchestra-perf report`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf report',
  async run() {
    throw new UsageError('the report command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
