/**
 * Carries out an image plan: checks the engine and buildx, logs in, refuses a context that holds
 * credentials, picks the cache backend from the builder, builds and pushes (retrying a push that
 * hit a registry 5xx or network error at most twice), then reads the digest from the metadata file
 * and the compressed size from the registry. Decisions live in the pure modules it calls.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerCli } from '../../adapters/docker.js';
import { RegistryClient } from '../../adapters/registry.js';
import { parseImageRef } from '../../config/image-ref.js';
import { UsageError } from '../../errors.js';
import type { ImageResult, PerfResult } from '../../result.js';
import type { StageDeps } from '../stage.js';
import { builderCapabilities, parseBuildxInspect } from './builder.js';
import { chooseCache } from './cache.js';
import { buildFailureError, classifyBuildFailure } from './failure.js';
import { credentialPathsFromState, findContextLeaks, leakError } from './hygiene.js';
import { parseMetadata } from './metadata.js';
import { buildxArgv, type ImagePlan } from './plan.js';
import { parseBuildSteps } from './progress.js';
import { loginToRegistries } from './registry-auth.js';
import './services.js';

/** Attempts of a build whose push failed on a 5xx or network error: the first plus two retries. */
export const MAX_PUSH_ATTEMPTS = 3;
export const PUSH_BACKOFF_MS = 2_000;
const BUILD_TIMEOUT_MS = 60 * 60_000;

export async function executeImage(plan: ImagePlan, result: PerfResult, deps: StageDeps): Promise<void> {
  const { logger } = deps;
  for (const warning of plan.warnings) logger.warning(warning);
  checkSecretSources(plan, deps.env);

  await mkdir(plan.workDir, { recursive: true, mode: 0o700 });
  const cacheRegistry = plan.cache.ref ? registryOf(plan.cache.ref) : undefined;
  // Engine and buildx first: their errors name the fix better than a failed login would.
  const userDocker = new DockerCli(deps.process, { env: deps.env, signal: deps.signal });
  await userDocker.serverVersion();
  await userDocker.buildxVersion();
  const logins = await loginToRegistries(
    plan.push
      ? [plan.registry, ...(cacheRegistry ? [cacheRegistry] : [])]
      : cacheRegistry
        ? [cacheRegistry]
        : [],
    deps,
    plan.workDir,
  );
  const docker = logins.docker;

  const leaks = await findContextLeaks(plan.contextDir, plan.dockerfile, {
    env: deps.env,
    knownPaths: [
      ...credentialPathsFromState((key) => deps.state.get(key)),
      ...(logins.configDir ? [join(logins.configDir, 'config.json')] : []),
    ],
  });
  if (leaks.length > 0) throw leakError(plan.contextDir, leaks);

  const builder = parseBuildxInspect(await docker.buildxInspect());
  if (plan.platforms.length > 1 && !builderCapabilities(builder).multiPlatform) {
    throw new UsageError(
      `image.platforms lists ${plan.platforms.join(', ')} but the "${builder.name}" builder uses the ${builder.driver} driver, which builds one platform at a time`,
      'create a docker-container builder first (docker/setup-buildx-action, with docker/setup-qemu-action for other architectures), or keep one platform',
    );
  }
  const cache = chooseCache(plan, builder, deps.env);
  logger.info(`cache backend: ${cache.backend} (${cache.reason})`);
  const argv = buildxArgv(plan, cache);
  logger.debug(`docker ${argv.join(' ')}`);

  const started = deps.clock.now();
  let output = '';
  for (let attempt = 1; ; attempt++) {
    await rm(plan.metadataFile, { force: true });
    const stderrLines = lineLogger((line) => logger.info(line));
    const stdoutLines = lineLogger((line) => logger.info(line));
    const outcome = await docker.run(argv, {
      timeoutMs: BUILD_TIMEOUT_MS,
      maxOutputBytes: 8 * 1024 * 1024,
      onStderr: stderrLines.push,
      onStdout: stdoutLines.push,
    });
    stderrLines.flush();
    stdoutLines.flush();
    output = `${outcome.stderr}\n${outcome.stdout}`;
    if (outcome.cancelled) throw new Error('the image build was cancelled');
    if (outcome.timedOut)
      throw new Error(`the image build did not finish within ${BUILD_TIMEOUT_MS / 60_000} minutes`);
    if (outcome.exitCode === 0) break;
    const classified = classifyBuildFailure(output);
    if (!classified.retryable || attempt >= MAX_PUSH_ATTEMPTS) {
      throw buildFailureError(classified, {
        registry: plan.registry,
        dockerfile: plan.dockerfile,
        contextDir: plan.contextDir,
        attempts: attempt,
      });
    }
    const delay = PUSH_BACKOFF_MS * 2 ** (attempt - 1);
    logger.warning(
      `push to ${plan.registry} failed (${classified.failure.message}); retrying in ${delay / 1000}s (attempt ${attempt + 1} of ${MAX_PUSH_ATTEMPTS})`,
    );
    await deps.clock.sleep(delay, deps.signal);
  }
  const buildMs = Math.round(deps.clock.now() - started);

  const metadataText = existsSync(plan.metadataFile) ? await readFile(plan.metadataFile, 'utf8') : undefined;
  const metadata = parseMetadata(metadataText, plan.metadataFile);
  const steps = parseBuildSteps(output);

  let image: ImageResult;
  if (plan.push) {
    const registry = new RegistryClient({
      credentials: logins.credentials,
      clock: deps.clock,
      signal: deps.signal,
    });
    const size = await registry.imageSize(plan.registry, plan.repository, metadata.digest);
    image = {
      ref: `${plan.name}@${metadata.digest}`,
      digest: metadata.digest,
      sizeBytes: size.sizeBytes,
      buildMs,
      cacheBackend: cache.backend,
      cacheReason: cache.reason,
      ...(size.platforms.length > 1 || plan.platforms.length > 0 ? { platforms: size.platforms } : {}),
    };
    for (const platform of size.platforms)
      logger.info(`image ${platform.platform}: ${platform.sizeBytes} bytes compressed (${platform.digest})`);
  } else {
    // Loaded, not pushed: the local image ID is the content-addressed reference.
    const inspect = await docker.run(['image', 'inspect', '--format', '{{.Size}}', metadata.digest], {
      timeoutMs: 30_000,
    });
    const size = Number(inspect.stdout.trim());
    image = {
      ref: metadata.digest,
      digest: metadata.digest,
      sizeBytes: Number.isFinite(size) ? size : 0,
      buildMs,
      cacheBackend: cache.backend,
      cacheReason: cache.reason,
    };
  }
  if (steps.totalSteps > 0) {
    image.cachedSteps = steps.cachedSteps;
    image.totalSteps = steps.totalSteps;
    logger.info(`cached steps: ${steps.cachedSteps} of ${steps.totalSteps}`);
  }
  result.image = image;
  logger.info(`image ${image.ref} (${image.sizeBytes} bytes, built in ${buildMs} ms)`);
}

/** Build secrets must exist before the build: BuildKit's own message for a missing one is obscure. */
function checkSecretSources(plan: ImagePlan, env: NodeJS.ProcessEnv): void {
  for (const name of plan.secretEnv) {
    if (env[name] === undefined) {
      throw new UsageError(
        `build secret variable ${name} is not set`,
        `set ${name} in the step's env: (from secrets.*), or remove it from image.secrets`,
      );
    }
  }
  for (const file of plan.secretFiles) {
    if (!existsSync(file))
      throw new UsageError(
        `build secret file ${file} does not exist`,
        'write the file before this step, or fix the src= path in image.secrets',
      );
  }
}

function registryOf(ref: string): string {
  const parsed = parseImageRef(ref);
  return 'error' in parsed ? 'docker.io' : (parsed.registry ?? 'docker.io');
}

/** Splits a stream into lines for the logger; drops the byte-by-byte progress of layer pushes. */
function lineLogger(write: (line: string) => void): { push: (chunk: Buffer) => void; flush: () => void } {
  let pending = '';
  const emit = (line: string) => {
    if (!/^#\d+ (pushing|pulling) layer \S+ [\d.]+\w?B \/ /.test(line)) write(line);
  };
  return {
    push: (chunk) => {
      pending += chunk.toString('utf8');
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
    },
    flush: () => {
      if (pending) emit(pending);
      pending = '';
    },
  };
}
