/**
 * Doctor check: the orchestra-perf config validates, for its base and for every environment it
 * declares (an override can break only one environment). The schema already rejects a provider that
 * names a pool or uses a project ID, so those surface here with the schema's own fix.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { resolveConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { Problem } from './problem.js';

export const CONFIG_CANDIDATES = ['.github/orchestra-perf.yml', 'orchestra-perf.yml'];

export interface ConfigCheck {
  /** Relative path of the config checked, if any. */
  path: string | undefined;
  /** The base config when it validates: the other checks read image and deploy settings from it. */
  config: Config | undefined;
  problems: Problem[];
}

export async function checkConfig(root: string, explicit?: string): Promise<ConfigCheck> {
  const path = explicit ?? CONFIG_CANDIDATES.find((candidate) => existsSync(join(root, candidate)));
  if (!path) {
    return {
      path: undefined,
      config: undefined,
      problems: [
        {
          check: 'config',
          file: CONFIG_CANDIDATES[0]!,
          message: 'no orchestra-perf config found',
          fix: 'run `orchestra-perf init`, or pass --config with its path',
        },
      ],
    };
  }
  const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
  if (text === undefined) {
    return {
      path,
      config: undefined,
      problems: [
        { check: 'config', file: path, message: 'cannot read the config file', fix: 'check the path' },
      ],
    };
  }
  const source = { path, text };
  const problems: Problem[] = [];
  let config: Config | undefined;
  for (const environment of [undefined, ...environmentNames(text)]) {
    try {
      const resolved = resolveConfig({ file: source, environment });
      if (environment === undefined) config = resolved;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues) {
        const where = environment ? ` (environment ${environment})` : '';
        const problem: Problem = {
          check: 'config',
          file: path,
          message: `${issue.field}${where}: ${issue.message}`,
          fix: 'edit the config; `orchestra-perf validate --env NAME` shows the resolved plan',
        };
        // The base's problems repeat in every environment: report each once.
        if (
          !problems.some(
            (p) => p.message.replace(/ \(environment [^)]*\)/, '') === `${issue.field}: ${issue.message}`,
          )
        ) {
          problems.push(problem);
        }
      }
    }
  }
  return { path, config, problems };
}

function environmentNames(text: string): string[] {
  const raw: unknown = parseDocument(text).toJS();
  if (raw === null || typeof raw !== 'object') return [];
  const environments = (raw as Record<string, unknown>).environments;
  return environments !== null && typeof environments === 'object' ? Object.keys(environments) : [];
}

/** Whether the action, run without a `stages` input, deploys to Google with this config. */
export function configDeploysToGoogle(config: Config | undefined): boolean {
  if (!config) return false;
  const deploy = config.deploy;
  if (deploy.target === 'cloud-run') return true;
  return deploy.target === undefined && Boolean(deploy.service || deploy['project-id']);
}
