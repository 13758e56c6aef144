/** `orchestra-perf smoke`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const smokeCommand: Command = {
  name: 'smoke',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf smoke',
  async run() {
    throw new UsageError('the smoke command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
