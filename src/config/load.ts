/**
 * Resolves the effective configuration: the file, then the selected environment's overrides,
 * then action inputs or CLI flags; validated once against the schema. Every issue names the field
 * as the user wrote it (file path, `environments.prod...`, `input smoke-duration`, `--rate`).
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { deepMerge, isPlainObject, type PlainObject, setPath } from './merge.js';
import { type Config, configSchema, STAGES } from './schema.js';

export interface ConfigOverride {
  /** How the user supplied it: `input smoke-duration`, `--rate`. */
  source: string;
  path: readonly string[];
  value: unknown;
}

export interface ConfigSource {
  /** Shown in messages; the file's path as the user gave it. */
  path: string;
  text: string;
}

export interface ResolveOptions {
  file?: ConfigSource | undefined;
  environment?: string | undefined;
  overrides?: readonly ConfigOverride[];
}

export interface ParsedFile {
  base: PlainObject;
  environments: Record<string, PlainObject>;
  /** Problems found in the file's outline; reported together with the schema's. */
  issues: ConfigIssue[];
}

export async function readConfigSource(path: string): Promise<ConfigSource> {
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([
      {
        field: path,
        message:
          code === 'ENOENT'
            ? 'config file not found; create it (`orchestra-perf init`) or point `config` at the right path'
            : `cannot read the config file (${code ?? String(error)})`,
      },
    ]);
  }
}

export function parseConfigFile(source: ConfigSource): ParsedFile {
  const document = parseDocument(source.text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        field: `${source.path}:${error.linePos?.[0]?.line ?? '?'}`,
        message: `YAML does not parse: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const raw: unknown = document.toJS() ?? {};
  if (!isPlainObject(raw)) {
    throw new ConfigError([{ field: source.path, message: 'the config file must be a mapping of stages' }]);
  }
  const issues: ConfigIssue[] = [];
  const allowed = new Set<string>([...STAGES, 'environments']);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) {
      issues.push({
        field: key,
        message: `unknown key${suggest(key, [...allowed])}; top-level keys are ${[...allowed].join(', ')}`,
      });
    }
  }
  const environments = raw.environments ?? {};
  const environmentsValid = isPlainObject(environments) && Object.values(environments).every(isPlainObject);
  if (!environmentsValid) {
    issues.push({
      field: 'environments',
      message: 'must map environment names to overrides, e.g. prod: { deploy: {...} }',
    });
  }
  const base = Object.fromEntries(
    Object.entries(raw).filter(([key]) => (STAGES as readonly string[]).includes(key)),
  );
  return {
    base,
    environments: environmentsValid ? (environments as Record<string, PlainObject>) : {},
    issues,
  };
}

/** Resolves and validates; throws ConfigError listing every problem at once. */
export function resolveConfig(options: ResolveOptions): Config {
  const file: ParsedFile = options.file
    ? parseConfigFile(options.file)
    : { base: {}, environments: {}, issues: [] };
  const environment = options.environment;
  const envOverride = environment ? (file.environments[environment] ?? {}) : {};
  let merged = deepMerge(file.base, envOverride);
  for (const override of options.overrides ?? []) {
    merged = structuredClone(merged);
    setPath(merged, override.path, override.value);
  }
  const parsed = configSchema.safeParse(merged);
  if (parsed.success && file.issues.length === 0) return parsed.data;
  throw new ConfigError([
    ...file.issues,
    ...(parsed.error?.issues ?? []).map((issue) =>
      toConfigIssue(issue, merged, envOverride, environment, options.overrides ?? []),
    ),
  ]);
}

function toConfigIssue(
  issue: z.core.$ZodIssue,
  input: PlainObject,
  envOverride: PlainObject,
  environment: string | undefined,
  overrides: readonly ConfigOverride[],
): ConfigIssue {
  const path = issue.path.map(String);
  const override = overrides.find((candidate) => startsWith(path, candidate.path));
  let field = formatPath(issue.path);
  if (override) field = override.source;
  else if (environment && hasPath(envOverride, path)) field = `environments.${environment}.${field}`;

  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    return {
      field: field || '(top level)',
      message: issue.keys
        .map((key) => `unknown key "${key}"${suggest(key, allowed)}`)
        .concat(allowed.length ? [`allowed keys: ${allowed.join(', ')}`] : [])
        .join('; '),
    };
  }
  let message = issue.message;
  if (issue.code !== 'custom') {
    const value = valueAt(input, path);
    if (value !== undefined) message = `${message} (got ${JSON.stringify(value)})`;
  }
  return { field, message };
}

/** `smoke.thresholds[0]`, as a user would point at it in the YAML. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}

function allowedKeys(path: readonly string[]): string[] {
  let schema: unknown = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (!shape || !(key in shape)) return [];
    schema = shape[key];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { def?: { innerType?: unknown; in?: unknown } } | undefined;
  while (current?.def?.innerType || current?.def?.in) {
    current = (current.def.innerType ?? current.def.in) as typeof current;
  }
  return current;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((key, index) => path[index] === key);
}

function hasPath(object: PlainObject, path: readonly string[]): boolean {
  return valueAt(object, path) !== undefined;
}

function valueAt(object: unknown, path: readonly string[]): unknown {
  let node = object;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function suggest(key: string, candidates: readonly string[]): string {
  const close = candidates.find((candidate) => candidate !== key && closeEnough(key, candidate));
  return close ? ` (did you mean "${close}"?)` : '';
}

function closeEnough(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  const shorter = a.length <= b.length ? a : b;
  const longer = a.length <= b.length ? b : a;
  let mismatches = 0;
  for (let i = 0, j = 0; i < shorter.length && mismatches <= 2; i++, j++) {
    if (shorter[i] !== longer[j]) {
      mismatches++;
      if (shorter.length < longer.length) i--;
    }
  }
  return mismatches <= 2;
}
