/** Service adapters for local runs (`orchestra-perf run`): the cache and history live in the output directory. */
import { LocalHistory } from '../adapters/local-history.js';
import type { Logger } from '../logger.js';
import type { StageServices } from '../stages/stage.js';

export interface LocalServiceOptions {
  outDir: string;
  logger: Logger;
}

export function localServices(options: LocalServiceOptions): Partial<StageServices> {
  return { localHistory: new LocalHistory(options.outDir) };
}
