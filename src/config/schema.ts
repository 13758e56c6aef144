/**
 * The one configuration schema. `orchestra-perf.yml`, action inputs and CLI flags all end up as
 * this shape (kebab-case keys, exactly as users write them) and are validated here, before any work.
 * Durations become milliseconds, percentages fractions, thresholds parsed objects.
 */
import { z } from 'zod';
import { DURATION_HELP, parseDuration } from './durations.js';
import {
  checkCpu,
  checkMemory,
  checkProjectId,
  checkRegion,
  checkServiceAccountEmail,
  checkServiceName,
  checkWorkloadIdentityProvider,
} from './gcp-names.js';
import { parseImageRef } from './image-ref.js';
import { parseThreshold, THRESHOLD_HELP, type Threshold } from './thresholds.js';

export const STAGES = ['cache', 'build', 'image', 'deploy', 'smoke', 'report'] as const;
export type StageName = (typeof STAGES)[number];

const checked = (check: (value: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `"${value}" ${problem}` });
  });

export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration; write ${DURATION_HELP}` });
    return z.NEVER;
  }
  return ms;
});

/** `10%` or a fraction such as 0.1. */
export const percent = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)%$/.exec(value.trim()) : undefined;
  const fraction = typeof value === 'number' ? value : match ? Number(match[1]) / 100 : Number.NaN;
  if (!(fraction >= 0 && fraction <= 10)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a percentage; write e.g. 10% (or 0.1)` });
    return z.NEVER;
  }
  return fraction;
});

export const threshold = z.string().transform((value, ctx): Threshold => {
  const parsed = parseThreshold(value);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: `${parsed.error}; write ${THRESHOLD_HELP}` });
    return z.NEVER;
  }
  return parsed;
});

const imageRef = z.string().superRefine((value, ctx) => {
  const parsed = parseImageRef(value);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an image reference: ${parsed.error}` });
  }
});

const relativePath = z
  .string()
  .min(1)
  .refine((value) => !value.includes('\0'), 'a path cannot contain NUL');
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name is letters, digits and _');
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const positiveInt = z.number().int().positive();

const cacheLayer = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a layer name is lowercase letters, digits, . _ -'),
  paths: z.array(relativePath).min(1, 'a cache layer needs at least one path'),
  'key-files': z.array(relativePath).default([]),
});

export const cacheSchema = z.strictObject({
  enabled: z.boolean().default(true),
  auto: z.boolean().default(true),
  layers: z.array(cacheLayer).default([]),
  'save-on-failure': z.boolean().default(false),
  'lookup-only': z.boolean().default(false),
  /** Outside GitHub Actions: a directory that stands in for the cache service. */
  'local-dir': z.string().optional(),
});

const taskName = z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'a task name is letters, digits, . _ -');
export const buildTask = z.strictObject({
  name: taskName,
  run: z.string().min(1, 'a task needs a command in run'),
  needs: z.array(taskName).default([]),
  'working-directory': z.string().optional(),
  env: z.record(envName, z.string()).default({}),
  timeout: duration.optional(),
  outputs: z.array(relativePath).default([]),
  'continue-on-error': z.boolean().default(false),
});

export const buildSchema = z.strictObject({
  concurrency: positiveInt.max(256).optional(),
  'fail-fast': z.boolean().default(true),
  tasks: z.array(buildTask).default([]),
});

export const imageSchema = z.strictObject({
  name: imageRef.optional(),
  context: z.string().default('.'),
  dockerfile: z.string().default('Dockerfile'),
  target: z.string().optional(),
  platforms: z
    .array(z.string().regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, 'a platform is os/arch[/variant]'))
    .default([]),
  'build-args': stringMap.default({}),
  secrets: z
    .array(
      z
        .string()
        .regex(
          /^id=[\w.-]+,(env=[A-Za-z_]\w*|src=[^,]+)$/,
          'a build secret is id=NAME,env=VAR or id=NAME,src=FILE',
        ),
    )
    .default([]),
  labels: stringMap.default({}),
  tags: z.array(z.string().regex(/^[\w][\w.-]{0,127}$/, 'not a valid tag')).default([]),
  push: z.boolean().default(true),
  provenance: z.union([z.boolean(), z.string()]).default(false),
  sbom: z.boolean().default(false),
  'cache-backend': z.enum(['auto', 'gha', 'registry', 'inline', 'none']).default('auto'),
  'cache-ref': imageRef.optional(),
  'cache-mode': z.enum(['max', 'min']).default('max'),
});

const trafficSchema = z.union([
  z.enum(['all', 'none']),
  z.strictObject({ canary: z.array(z.number().int().min(1).max(100)).min(1) }),
]);

export const deploySchema = z.strictObject({
  target: z.enum(['cloud-run', 'local', 'none']).optional(),
  'project-id': checked(checkProjectId).optional(),
  region: checked(checkRegion).optional(),
  service: checked(checkServiceName).optional(),
  image: imageRef.optional(),
  'workload-identity-provider': checked(checkWorkloadIdentityProvider).optional(),
  'service-account': checked(checkServiceAccountEmail).optional(),
  'runtime-service-account': checked(checkServiceAccountEmail).optional(),
  cpu: z.union([z.string(), z.number()]).transform(String).pipe(checked(checkCpu)).optional(),
  memory: checked(checkMemory).optional(),
  'min-instances': z.number().int().min(0).max(1000).optional(),
  'max-instances': z.number().int().min(1).max(1000).optional(),
  concurrency: z.number().int().min(1).max(1000).optional(),
  timeout: duration.optional(),
  'startup-cpu-boost': z.boolean().optional(),
  'execution-environment': z.enum(['gen1', 'gen2']).optional(),
  'env-vars': z.record(envName, z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  'env-vars-update-strategy': z.enum(['merge', 'overwrite']).default('merge'),
  secrets: z
    .record(
      envName,
      z.string().regex(/^[\w-]+:(latest|\d+)$/, 'a secret reference is SECRET_NAME:VERSION (or :latest)'),
    )
    .default({}),
  labels: stringMap.default({}),
  traffic: trafficSchema.default('all'),
  'wait-timeout': duration.default(600_000),
  'universe-domain': z.string().default('googleapis.com'),
  /** Local target: a command to run instead of the image, the port, and the path that says ready. */
  command: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  'readiness-path': z.string().startsWith('/').default('/'),
});

const smokePath = z.union([
  z.string().startsWith('/', 'a path starts with /'),
  z.strictObject({
    path: z.string().startsWith('/', 'a path starts with /'),
    weight: z.number().positive().default(1),
    method: z
      .string()
      .regex(/^[A-Z]+$/)
      .optional(),
  }),
]);

export const smokeSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).optional(),
    'baseline-url': z.url({ protocol: /^https?$/ }).optional(),
    duration: duration.default(20_000),
    warmup: duration.default(3_000),
    rate: z.number().positive().optional(),
    connections: positiveInt.max(10_000).optional(),
    'max-connections': positiveInt.max(10_000).default(256),
    timeout: duration.default(10_000),
    'max-requests': positiveInt.optional(),
    method: z
      .string()
      .regex(/^[A-Z]+$/, 'an HTTP method is upper case')
      .default('GET'),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a header name'), z.string())
      .default({}),
    'body-file': z.string().optional(),
    host: z.string().optional(),
    paths: z.array(smokePath).default([]),
    // A smoke test where every request fails must not pass: without explicit thresholds, more
    // than 5% errors fails the stage (and rolls a serving deploy back).
    thresholds: z.array(threshold).prefault(['error-rate<5%']),
    insecure: z.boolean().default(false),
    pipelining: positiveInt.max(64).default(1),
    'max-duration': duration.default(300_000),
    'max-rate': z.number().positive().default(10_000),
  })
  .superRefine((smoke, ctx) => {
    if (smoke.rate !== undefined && smoke.connections !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rate'],
        message: 'set rate (open model) or connections (closed model), not both',
      });
    }
    if (smoke.duration > smoke['max-duration']) {
      ctx.addIssue({
        code: 'custom',
        path: ['duration'],
        message: `exceeds max-duration (${smoke['max-duration']} ms); shorten it or raise max-duration`,
      });
    }
    if (smoke.rate !== undefined && smoke.rate > smoke['max-rate']) {
      ctx.addIssue({
        code: 'custom',
        path: ['rate'],
        message: `exceeds max-rate (${smoke['max-rate']}); lower it or raise max-rate`,
      });
    }
  });

export const reportSchema = z.strictObject({
  comment: z.enum(['always', 'on-change', 'never']).default('always'),
  'regression-threshold': percent.default(0.1),
  'fail-on-regression': z.boolean().default(false),
  'history-branch': z
    .string()
    .regex(/^[\w./-]+$/)
    .default('orchestra-perf-data'),
  'history-size': positiveInt.max(10_000).default(100),
  'check-run': z.boolean().default(true),
});

const sections = {
  cache: cacheSchema,
  build: buildSchema,
  image: imageSchema,
  deploy: deploySchema,
  smoke: smokeSchema,
  report: reportSchema,
};

/** What a file or an environment override may contain before defaults are applied. */
export const configSchema = z.strictObject({
  cache: cacheSchema.prefault({}),
  build: buildSchema.prefault({}),
  image: imageSchema.prefault({}),
  deploy: deploySchema.prefault({}),
  smoke: smokeSchema.prefault({}),
  report: reportSchema.prefault({}),
});

export const fileSchema = z.strictObject({
  ...Object.fromEntries(
    Object.entries(sections).map(([key]) => [key, z.record(z.string(), z.unknown()).optional()]),
  ),
  environments: z.record(z.string().regex(/^[\w-]+$/), z.record(z.string(), z.unknown())).optional(),
});

export type Config = z.output<typeof configSchema>;
export type CacheConfig = Config['cache'];
export type BuildConfig = Config['build'];
export type BuildTask = z.output<typeof buildTask>;
export type ImageConfig = Config['image'];
export type DeployConfig = Config['deploy'];
export type SmokeConfig = Config['smoke'];
export type ReportConfig = Config['report'];
