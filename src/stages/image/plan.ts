/**
 * The image stage's plan as a value: config + run context -> the `docker buildx build` argument
 * array (everything except the cache flags, which depend on the builder found at run time; see
 * cache.ts) and what execute needs to know. Pure: no file system, no clock, no environment.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseImageRef } from '../../config/image-ref.js';
import type { ImageConfig } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import type { StageInput, StagePlan } from '../stage.js';
import { skip } from '../stage.js';
import type { CacheChoice } from './cache.js';

export interface ImagePlan {
  /** The repository without tag or digest: `us-docker.pkg.dev/acme/apps/api`. */
  name: string;
  /** Registry host of `name` (`docker.io` when none is written). */
  registry: string;
  /** Repository path inside the registry (`library/x` for a Docker Hub official name). */
  repository: string;
  /** Absolute build context directory. */
  contextDir: string;
  /** Absolute Dockerfile path. */
  dockerfile: string;
  /** Full tag references, in order: commit SHA, environment, pr-N, then the configured tags. */
  tags: string[];
  push: boolean;
  platforms: string[];
  /** Where buildx writes the metadata file (digest). */
  metadataFile: string;
  /** The private directory under tempDir for this stage's files (metadata, Docker config). */
  workDir: string;
  /** Environment variables buildx needs for `--secret id=...,env=VAR` (names only; values come from the runner). */
  secretEnv: string[];
  /** Secret file paths (`--secret id=...,src=FILE`), absolute. */
  secretFiles: string[];
  /** Cache settings used to choose the backend at run time. */
  cache: {
    backend: ImageConfig['cache-backend'];
    ref: string | undefined;
    mode: ImageConfig['cache-mode'];
    /** gha scope: per image and environment, so environments do not evict each other. */
    scope: string;
    /** The environment tag that carries the inline cache of the previous build. */
    inlineSource: string;
  };
  /** `docker buildx build` arguments before the cache flags and the context. */
  args: string[];
  /** Non-fatal observations, logged by execute (e.g. a build arg that looks like a secret). */
  warnings: string[];
}

const OCI = 'org.opencontainers.image';
const SECRET_LIKE = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)($|_)/i;

/** Docker tag characters: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function toTag(text: string): string {
  const cleaned = text.replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '');
  return (cleaned || 'x').slice(0, 128);
}

export function planImage(input: StageInput): StagePlan<ImagePlan> {
  const { config, context, result } = input;
  const image = config.image;
  if (!image.name) return skip('image.name is not set (set image.name to build and push an image)');
  const parsed = parseImageRef(image.name);
  if ('error' in parsed)
    throw new UsageError(`image.name "${image.name}": ${parsed.error}`, 'write image.name as registry/path');
  if (parsed.digest) {
    throw new UsageError(
      `image.name "${image.name}" has a digest`,
      'image.name names the repository to push to; remove @sha256:...',
    );
  }
  if (!context.sha)
    throw new UsageError('no commit SHA for the image tag', 'run inside a git checkout (GITHUB_SHA)');
  if (image.platforms.length > 1 && !image.push) {
    throw new UsageError(
      `image.platforms lists ${image.platforms.length} platforms but image.push is false`,
      'a multi-platform image cannot be loaded into the local engine; set image.push: true or keep one platform',
    );
  }

  const registry = parsed.registry ?? 'docker.io';
  const repository =
    !parsed.registry && !parsed.repository.includes('/') ? `library/${parsed.repository}` : parsed.repository;
  const name = parsed.registry ? `${parsed.registry}/${parsed.repository}` : parsed.repository;

  const tags = unique([
    context.sha,
    toTag(context.environment),
    // The PR number comes from the event payload, never from the branch name (which anyone names).
    ...(context.pullRequest ? [`pr-${context.pullRequest.number}`] : []),
    ...(parsed.tag ? [parsed.tag] : []),
    ...image.tags,
  ]).map((tag) => `${name}:${tag}`);

  const contextDir = resolve(context.workspace, image.context);
  // Like `docker build`, the Dockerfile is found relative to the context unless given absolute.
  const dockerfile = isAbsolute(image.dockerfile) ? image.dockerfile : join(contextDir, image.dockerfile);
  const workDir = join(context.tempDir, 'orchestra-perf-image');
  const metadataFile = join(workDir, 'metadata.json');

  const labels: Record<string, string> = {};
  if (context.repository)
    labels[`${OCI}.source`] = `${context.serverUrl.replace(/\/+$/, '')}/${context.repository}`;
  labels[`${OCI}.revision`] = context.sha;
  if (result.meta?.startedAt) labels[`${OCI}.created`] = result.meta.startedAt;
  Object.assign(labels, image.labels);

  const warnings: string[] = [];
  const args: string[] = ['buildx', 'build', '--progress=plain', '--file', dockerfile];
  if (image.target) args.push('--target', image.target);
  if (image.platforms.length > 0) args.push('--platform', image.platforms.join(','));
  for (const [key, value] of Object.entries(image['build-args'])) {
    if (SECRET_LIKE.test(key)) {
      warnings.push(
        `build arg ${key} looks like a secret: build args are stored in the image history; pass it as image.secrets (id=${key.toLowerCase()},env=${key}) and read it with RUN --mount=type=secret`,
      );
    }
    args.push('--build-arg', `${key}=${value}`);
  }
  const secretEnv: string[] = [];
  const secretFiles: string[] = [];
  for (const secret of image.secrets) {
    const source = /,(env|src)=(.+)$/.exec(secret);
    if (source?.[1] === 'env') {
      secretEnv.push(source[2]!);
      args.push('--secret', secret);
    } else if (source?.[1] === 'src') {
      const file = resolve(context.workspace, source[2]!);
      secretFiles.push(file);
      args.push('--secret', secret.replace(/,src=.+$/, `,src=${file}`));
    }
  }
  for (const [key, value] of Object.entries(labels)) args.push('--label', `${key}=${value}`);
  for (const tag of tags) args.push('--tag', tag);
  args.push(image.push ? '--push' : '--load');
  args.push('--metadata-file', metadataFile);
  args.push(`--provenance=${provenanceValue(image.provenance)}`);
  args.push(`--sbom=${image.sbom ? 'true' : 'false'}`);

  const summary = [
    `image ${name} from ${image.context} (${image.dockerfile}${image.target ? `, target ${image.target}` : ''})`,
    `tags: ${tags.map((tag) => tag.slice(name.length + 1)).join(', ')}`,
    image.push ? 'push by digest' : 'load into the local engine (no push)',
  ];
  return {
    run: true,
    summary,
    plan: {
      name,
      registry,
      repository,
      contextDir,
      dockerfile,
      tags,
      push: image.push,
      platforms: image.platforms,
      metadataFile,
      workDir,
      secretEnv,
      secretFiles,
      cache: {
        backend: image['cache-backend'],
        ref: image['cache-ref'],
        mode: image['cache-mode'],
        scope: `${toTag(name)}-${toTag(context.environment)}`,
        inlineSource: `${name}:${toTag(context.environment)}`,
      },
      args,
      warnings,
    },
  };
}

/** The full argv (after `docker`): planned arguments, cache flags, then `--` and the context. */
export function buildxArgv(plan: ImagePlan, cache: CacheChoice): string[] {
  const cacheArgs = [
    ...cache.from.flatMap((value) => ['--cache-from', value]),
    ...cache.to.flatMap((value) => ['--cache-to', value]),
  ];
  // `--` ends the options, so a context path that starts with `-` is never read as a flag.
  return [...plan.args, ...cacheArgs, '--', plan.contextDir];
}

function provenanceValue(value: boolean | string): string {
  if (value === true) return 'true';
  if (value === false) return 'false';
  return value;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
