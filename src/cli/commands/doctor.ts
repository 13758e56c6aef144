/**
 * `orchestra-perf doctor [--config F] [--format text|json]`: checks the repository in the current
 * directory (workflows, config, Docker context) and says what to fix. Exit 0 when clean, 1 with the
 * list of problems otherwise.
 */
import { UsageError } from '../../errors.js';
import { runDoctor } from '../../setup/doctor/index.js';
import { renderJson, renderText } from '../../setup/doctor/render.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';

const USAGE = 'orchestra-perf doctor [--config F] [--format text|json]';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: "check the repository's setup (workflows, config, Docker context); exit 1 with the problems",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      { config: { type: 'string' }, format: { type: 'string' } },
      USAGE,
    );
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument ${positionals[0]}`, `usage: ${USAGE}`);
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') {
      throw new UsageError(`--format ${format} is not text or json`, `usage: ${USAGE}`);
    }
    const report = await runDoctor({ root: io.cwd, config: values.config });
    io.out(format === 'json' ? renderJson(report) : renderText(report));
    return report.problems.length === 0 ? 0 : 1;
  },
};
