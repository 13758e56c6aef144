/** The Logger over @actions/core: groups, annotations and masking as the runner understands them. */
import * as core from '@actions/core';
import type { Logger } from '../logger.js';

export class ActionsLogger implements Logger {
  /** The runner does not nest groups: an inner group becomes a heading line inside the outer one. */
  private depth = 0;

  info(message: string): void {
    core.info(message);
  }
  debug(message: string): void {
    core.debug(message);
  }
  warning(message: string): void {
    core.warning(message);
  }
  error(message: string): void {
    core.error(message);
  }
  notice(message: string): void {
    core.notice(message);
  }
  mask(secret: string): void {
    if (secret) core.setSecret(secret);
  }
  async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    if (this.depth > 0) {
      core.info(`── ${name}`);
      return body();
    }
    this.depth++;
    try {
      return await core.group(name, body);
    } finally {
      this.depth--;
    }
  }
}
