/** `orchestra-perf doctor`: not built yet; says so instead of pretending. */
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'not built yet in this version',
  usage: 'orchestra-perf doctor',
  async run() {
    throw new UsageError('the doctor command is not built yet in this version of orchestra-perf', 'upgrade when it lands');
  },
};
