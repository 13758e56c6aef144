/** Service adapters for local runs (`orchestra-perf run`): local cache directory, local history. */
import type { Logger } from '../logger.js';
import type { BaseServices, StageServices } from '../stages/stage.js';

export interface LocalServiceOptions {
  outDir: string;
  logger: Logger;
}

export function localServices(_base: BaseServices, _options: LocalServiceOptions): Partial<StageServices> {
  return {};
}
