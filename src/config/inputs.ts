/**
 * Action inputs that override the config file. Each stage input is named `<stage>-<key>` and maps to
 * `<stage>.<key>` of the schema, so the names in action.yml, the file and the docs are one set.
 * An empty input means "not set": action.yml gives these no default, so the file keeps precedence.
 */

import { parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import type { ConfigOverride } from './load.js';

export type InputKind =
  | 'string'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'list'
  | 'lines'
  | 'map'
  | 'yaml'
  | 'tasks'
  | 'paths'
  | 'traffic';

/** Stage inputs by name; the kind says how the text of the input becomes a config value. */
export const STAGE_INPUTS: Record<string, InputKind> = {
  'cache-enabled': 'boolean',
  'cache-auto': 'boolean',
  'cache-layers': 'yaml',
  'cache-save-on-failure': 'boolean',
  'cache-lookup-only': 'boolean',
  'build-concurrency': 'integer',
  'build-fail-fast': 'boolean',
  'build-tasks': 'tasks',
  'image-name': 'string',
  'image-context': 'string',
  'image-dockerfile': 'string',
  'image-target': 'string',
  'image-platforms': 'list',
  'image-build-args': 'map',
  'image-secrets': 'lines',
  'image-labels': 'map',
  'image-tags': 'list',
  'image-push': 'boolean',
  'image-provenance': 'string',
  'image-sbom': 'boolean',
  'image-cache-backend': 'string',
  'image-cache-ref': 'string',
  'image-cache-mode': 'string',
  'deploy-target': 'string',
  'deploy-project-id': 'string',
  'deploy-region': 'string',
  'deploy-service': 'string',
  'deploy-image': 'string',
  'deploy-workload-identity-provider': 'string',
  'deploy-service-account': 'string',
  'deploy-runtime-service-account': 'string',
  'deploy-cpu': 'string',
  'deploy-memory': 'string',
  'deploy-min-instances': 'integer',
  'deploy-max-instances': 'integer',
  'deploy-concurrency': 'integer',
  'deploy-timeout': 'string',
  'deploy-startup-cpu-boost': 'boolean',
  'deploy-execution-environment': 'string',
  'deploy-env-vars': 'map',
  'deploy-env-vars-update-strategy': 'string',
  'deploy-secrets': 'map',
  'deploy-labels': 'map',
  'deploy-traffic': 'traffic',
  'deploy-wait-timeout': 'string',
  'deploy-universe-domain': 'string',
  'smoke-url': 'string',
  'smoke-baseline-url': 'string',
  'smoke-duration': 'string',
  'smoke-warmup': 'string',
  'smoke-rate': 'number',
  'smoke-connections': 'integer',
  'smoke-max-connections': 'integer',
  'smoke-timeout': 'string',
  'smoke-max-requests': 'integer',
  'smoke-method': 'string',
  'smoke-headers': 'map',
  'smoke-body-file': 'string',
  'smoke-host': 'string',
  'smoke-paths': 'paths',
  'smoke-thresholds': 'list',
  'smoke-insecure': 'boolean',
  'smoke-pipelining': 'integer',
  'report-comment': 'string',
  'report-regression-threshold': 'string',
  'report-fail-on-regression': 'boolean',
  'report-history-branch': 'string',
  'report-history-size': 'integer',
  'report-check-run': 'boolean',
};

/** Inputs that are not config overrides. */
export const GENERAL_INPUTS = [
  'config',
  'stages',
  'environment',
  'working-directory',
  'github-token',
] as const;

export function inputPath(name: string): [string, string] {
  const dash = name.indexOf('-');
  return [name.slice(0, dash), name.slice(dash + 1)];
}

/** Turns the non-empty stage inputs into config overrides. */
export function overridesFromInputs(getInput: (name: string) => string): ConfigOverride[] {
  const overrides: ConfigOverride[] = [];
  for (const [name, kind] of Object.entries(STAGE_INPUTS)) {
    const text = getInput(name).trim();
    if (text === '') continue;
    overrides.push({ source: `input ${name}`, path: inputPath(name), value: convertInput(name, kind, text) });
  }
  return overrides;
}

export function convertInput(name: string, kind: InputKind, text: string): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'boolean':
      if (/^(true|yes|1)$/i.test(text)) return true;
      if (/^(false|no|0)$/i.test(text)) return false;
      throw new UsageError(`input ${name}: "${text}" is not a boolean`, 'write true or false');
    case 'integer':
    case 'number': {
      const value = Number(text);
      if (!Number.isFinite(value) || (kind === 'integer' && !Number.isInteger(value))) {
        throw new UsageError(
          `input ${name}: "${text}" is not ${kind === 'integer' ? 'a whole number' : 'a number'}`,
          `write e.g. ${name}: 50`,
        );
      }
      return value;
    }
    case 'list':
      return splitList(text, true);
    case 'lines':
      return splitList(text, false);
    case 'map':
      return parseMap(name, text);
    case 'paths':
      return splitList(text, true).map(parsePathSpec);
    case 'traffic':
      return parseTraffic(text);
    case 'tasks':
      return parseTasks(name, text);
    case 'yaml':
      return parseYamlInput(name, text);
  }
}

function splitList(text: string, commas: boolean): string[] {
  const lines = text.split(/\r?\n/);
  const items = lines.length === 1 && commas ? text.split(',') : lines;
  return items.map((item) => item.trim()).filter((item) => item !== '' && !item.startsWith('#'));
}

/** `KEY=VALUE` (or `Header: value`) per line. */
function parseMap(name: string, text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of splitList(text, false)) {
    const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!match)
      throw new UsageError(`input ${name}: "${line}" is not KEY=VALUE`, 'write one KEY=VALUE per line');
    map[match[1]!] = match[2]!;
  }
  return map;
}

/** `/api/items:3` -> { path, weight }; a plain path has weight 1. */
export function parsePathSpec(spec: string): { path: string; weight: number } {
  const match = /^(.*?)(?::(\d+(?:\.\d+)?))?$/.exec(spec.trim())!;
  return { path: match[1]!, weight: match[2] ? Number(match[2]) : 1 };
}

/** `all`, `none`, or `canary:10,50,100`. */
export function parseTraffic(text: string): unknown {
  const canary = /^canary\s*:\s*(.+)$/.exec(text);
  if (!canary) return text;
  return { canary: canary[1]!.split(',').map((step) => Number(step.trim().replace(/%$/, ''))) };
}

/** The short form `name: command` per line, or a YAML list of full task objects. */
function parseTasks(name: string, text: string): unknown {
  if (text.startsWith('-') || text.startsWith('[')) return parseYamlInput(name, text);
  return splitList(text, false).map((line) => {
    const match = /^([A-Za-z0-9][\w.-]*)\s*:\s*(.+)$/.exec(line);
    if (!match)
      throw new UsageError(
        `input ${name}: "${line}" is not "name: command"`,
        'write one task per line, e.g. "lint: npm run lint"',
      );
    return { name: match[1], run: match[2] };
  });
}

function parseYamlInput(name: string, text: string): unknown {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new UsageError(
      `input ${name}: YAML does not parse: ${document.errors[0]!.message.split('\n')[0]}`,
      'check the indentation of the block',
    );
  }
  return document.toJS();
}
