/** The flags every config-reading command shares: `--config F` and `--env NAME`. */
import { existsSync } from 'node:fs';
import { type ConfigOverride, readConfigSource, resolveConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';

export const CONFIG_FLAGS = {
  config: { type: 'string' },
  env: { type: 'string' },
} as const;

/** Default config locations, in order, when `--config` is not given. */
export const CONFIG_CANDIDATES = ['.github/orchestra-perf.yml', 'orchestra-perf.yml'];

export async function loadCliConfig(
  flags: { config?: string | undefined; env?: string | undefined },
  overrides: ConfigOverride[] = [],
): Promise<{ config: Config; path: string | undefined; environment: string }> {
  const path = flags.config ?? CONFIG_CANDIDATES.find((candidate) => existsSync(candidate));
  if (flags.config !== undefined && flags.config.trim() === '')
    throw new UsageError('--config needs a file path');
  const file = path ? await readConfigSource(path) : undefined;
  const environment = flags.env ?? 'local';
  return { config: resolveConfig({ file, environment, overrides }), path, environment };
}
