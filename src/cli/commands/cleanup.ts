/**
 * `orchestra-perf cleanup --pr N [--config F] [--env NAME]`: removes a pull request's preview tag
 * (and its revision once nothing routes to it) from the Cloud Run service, for the PR `closed`
 * event. `--older-than D` instead sweeps every preview tag whose revision is older than D.
 */

import { systemClock } from '../../adapters/clock.js';
import { parseDuration } from '../../config/durations.js';
import { UsageError } from '../../errors.js';
import { planCredentials } from '../../gcp/credentials.js';
import { githubRunContext } from '../../github/context.js';
import { removePreview, sweepPreviews } from '../../stages/deploy/cleanup.js';
import { cloudRunClientFor } from '../../stages/deploy/index.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { CONFIG_FLAGS, loadCliConfig } from '../config-flags.js';

const USAGE = 'orchestra-perf cleanup (--pr N | --older-than D) [--config F] [--env NAME]';

export const cleanupCommand: Command = {
  name: 'cleanup',
  summary: "remove a PR's preview tag and revision (or sweep old preview tags)",
  usage: USAGE,
  async run(args, io) {
    const { values } = parseFlags(
      args,
      { ...CONFIG_FLAGS, pr: { type: 'string' }, 'older-than': { type: 'string' } },
      USAGE,
    );
    const pr = values.pr === undefined ? undefined : Number(values.pr);
    const olderThan = values['older-than'] === undefined ? undefined : parseDuration(values['older-than']);
    if (pr === undefined && olderThan === undefined)
      throw new UsageError('say which previews to remove', `usage: ${USAGE}`);
    if (pr !== undefined && !(Number.isInteger(pr) && pr > 0))
      throw new UsageError(`--pr "${values.pr}" is not a pull request number`, `usage: ${USAGE}`);
    if (values['older-than'] !== undefined && olderThan === undefined) {
      throw new UsageError(
        `--older-than "${values['older-than']}" is not a duration`,
        'write e.g. 7d as 168h, or 72h',
      );
    }
    const { config, environment } = await loadCliConfig(values);
    const deploy = config.deploy;
    if (!deploy['project-id'] || !deploy.region || !deploy.service) {
      throw new UsageError(
        'cleanup needs deploy.project-id, deploy.region and deploy.service in the config',
        'point --config at the file the deploy used',
      );
    }
    const context = githubRunContext(io.env, environment);
    if (context.untrustedPullRequest) {
      io.logger.notice(
        `cleanup skipped: ${context.untrustedReason}; such runs get no Google credentials (the scheduled sweep removes the preview)`,
      );
      return 0;
    }
    const serviceName = `projects/${deploy['project-id']}/locations/${deploy.region}/services/${deploy.service}`;
    const client = await cloudRunClientFor(
      { credentials: planCredentials(deploy), universeDomain: deploy['universe-domain'] },
      { env: io.env, logger: io.logger, clock: systemClock, signal: io.signal, services: {} },
      context.repository,
    );
    const outcome =
      pr !== undefined
        ? await removePreview(client, serviceName, pr, deploy['wait-timeout'], io.logger)
        : await sweepPreviews(client, serviceName, olderThan!, Date.now(), deploy['wait-timeout'], io.logger);
    io.out(JSON.stringify(outcome));
    return 0;
  },
};
