/** `orchestra-perf cleanup`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const cleanupCommand: Command = {
  name: 'cleanup',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf cleanup',
  async run() {
    throw new UsageError('the cleanup command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
