/**
 * Registry logins for the image stage. Artifact Registry / Container Registry hosts get a
 * short-lived Google access token (user `oauth2accesstoken`); any host may get credentials from
 * the `registryCredentials` service. The token is masked first, goes to `docker login` through
 * stdin only, and lands in a private DOCKER_CONFIG under the run's temp dir, so the user's Docker
 * config is never touched. The post step logs out and removes that directory, and only it.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { DockerCli } from '../../adapters/docker.js';
import type { ProcessRunner } from '../../adapters/process.js';
import type { CredentialLookup, RegistryCredentials } from '../../adapters/registry.js';
import { describe, ExitCode, OrchestraError } from '../../errors.js';
import type { StageDeps, StateStore } from '../stage.js';

export const STATE_DOCKER_CONFIG = 'image-docker-config';
export const STATE_REGISTRY_LOGINS = 'image-registry-logins';
export const GOOGLE_TOKEN_USER = 'oauth2accesstoken';
const DIR_PREFIX = 'orchestra-perf-docker-';
const MARKER = '.orchestra-perf-docker-config';

/** Artifact Registry (`*-docker.pkg.dev`) and Container Registry (`gcr.io`, `*.gcr.io`) hosts. */
export function isArtifactRegistryHost(registry: string): boolean {
  const host = registry.toLowerCase().replace(/:\d+$/, '');
  return (
    /^[a-z0-9-]+-docker\.pkg\.dev$/.test(host) || host === 'gcr.io' || /^[a-z0-9-]+\.gcr\.io$/.test(host)
  );
}

export interface RegistryLogins {
  /** The Docker CLI to build with: with the private DOCKER_CONFIG when we logged in anywhere. */
  docker: DockerCli;
  /** The private DOCKER_CONFIG directory, if created. */
  configDir: string | undefined;
  /** Credentials per registry host, for the registry client; kept in memory only. */
  credentials: CredentialLookup;
  hosts: string[];
}

/**
 * Logs in to each registry the build pushes to or reads cache from, when we have credentials for
 * it. Without any, the user's own Docker config (e.g. from docker/login-action) is used as is.
 */
export async function loginToRegistries(
  registries: readonly string[],
  deps: Pick<StageDeps, 'logger' | 'process' | 'state' | 'env' | 'services' | 'signal'>,
  tempDir: string,
): Promise<RegistryLogins> {
  const base = new DockerCli(deps.process, { env: deps.env, signal: deps.signal });
  const obtained = new Map<string, RegistryCredentials>();
  for (const registry of new Set(registries)) {
    const credentials = await credentialsFor(registry, deps);
    if (credentials) obtained.set(registry, credentials);
  }
  if (obtained.size === 0) {
    return {
      docker: base,
      configDir: undefined,
      credentials: dockerConfigCredentials(userDockerConfigDir(deps.env), deps.process, deps.env),
      hosts: [],
    };
  }
  const configDir = await createPrivateDockerConfig(tempDir, deps.env);
  deps.state.save(STATE_DOCKER_CONFIG, configDir);
  const docker = base.withConfigDir(configDir);
  const hosts: string[] = [];
  for (const [registry, credentials] of obtained) {
    deps.logger.info(
      `logging in to ${registry} as ${credentials.username} (password through stdin, Docker config ${configDir})`,
    );
    await docker.login(registry, credentials.username, credentials.password);
    hosts.push(registry);
    deps.state.save(STATE_REGISTRY_LOGINS, JSON.stringify(hosts));
  }
  const fromConfig = dockerConfigCredentials(configDir, deps.process, deps.env);
  return {
    docker,
    configDir,
    credentials: async (registry) => obtained.get(registry) ?? fromConfig(registry),
    hosts,
  };
}

async function credentialsFor(
  registry: string,
  deps: Pick<StageDeps, 'logger' | 'services'>,
): Promise<RegistryCredentials | undefined> {
  const explicit = await deps.services.registryCredentials?.(registry);
  if (explicit) {
    // Masked before anything else can print it.
    deps.logger.mask(explicit.password);
    return explicit;
  }
  if (!isArtifactRegistryHost(registry)) return undefined;
  const tokenSource = deps.services.googleAccessToken;
  if (!tokenSource) {
    deps.logger.info(
      `no Google credentials from the deploy stage; pushing to ${registry} with the runner's existing Docker credentials`,
    );
    return undefined;
  }
  let token: string;
  try {
    token = (await tokenSource()).trim();
  } catch (error) {
    if (error instanceof OrchestraError) throw error;
    throw new OrchestraError(
      `could not get a Google access token to log in to ${registry}: ${describe(error)}`,
      ExitCode.gateFailed,
      'check the deploy credentials (deploy.workload-identity-provider and deploy.service-account, and permissions: id-token: write)',
      { cause: error },
    );
  }
  deps.logger.mask(token);
  if (!token)
    throw new OrchestraError(
      `the Google access token for ${registry} is empty`,
      ExitCode.gateFailed,
      'check the deploy credentials',
    );
  return { username: GOOGLE_TOKEN_USER, password: token };
}

/** The Docker config directory the CLI would use without us. */
export function userDockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

/**
 * A fresh mode-0700 directory under tempDir holding a copy of the user's config.json (so their
 * other registries and credential helpers still work) and links to their CLI plugins, buildx
 * builders and contexts (so `docker buildx` and the selected builder still resolve).
 */
export async function createPrivateDockerConfig(tempDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  await mkdir(tempDir, { recursive: true });
  const dir = await mkdtemp(join(tempDir, DIR_PREFIX));
  await chmod(dir, 0o700);
  await writeFile(join(dir, MARKER), 'created by orchestra-perf; removed by its post step\n', {
    mode: 0o600,
  });
  const source = userDockerConfigDir(env);
  const config = join(source, 'config.json');
  if (existsSync(config)) {
    await copyFile(config, join(dir, 'config.json'));
    await chmod(join(dir, 'config.json'), 0o600);
  } else {
    await writeFile(join(dir, 'config.json'), '{}\n', { mode: 0o600 });
  }
  for (const name of ['cli-plugins', 'buildx', 'contexts']) {
    if (existsSync(join(source, name))) await symlink(join(source, name), join(dir, name));
  }
  return dir;
}

/** Post step: log out of what we logged in to and remove the private config. Never fails the job. */
export async function logoutAndCleanUp(
  deps: Pick<StageDeps, 'logger' | 'process' | 'state' | 'env'>,
): Promise<void> {
  const configDir = deps.state.get(STATE_DOCKER_CONFIG);
  if (!configDir) return;
  // Only a directory we made: our prefix and our marker file.
  if (!basename(configDir).startsWith(DIR_PREFIX) || !existsSync(join(configDir, MARKER))) {
    deps.logger.warning(
      `not removing ${configDir}: it is not a Docker config directory that orchestra-perf created`,
    );
    return;
  }
  const docker = new DockerCli(deps.process, { env: deps.env, configDir });
  for (const registry of parseHosts(deps.state)) {
    const ok = await docker.logout(registry).catch(() => false);
    if (!ok)
      deps.logger.warning(
        `docker logout ${registry} failed; the credentials are removed with ${configDir} anyway`,
      );
  }
  await rm(configDir, { recursive: true, force: true });
  deps.logger.info(`removed the private Docker config ${configDir}`);
}

function parseHosts(state: StateStore): string[] {
  try {
    const hosts: unknown = JSON.parse(state.get(STATE_REGISTRY_LOGINS) || '[]');
    return Array.isArray(hosts) ? hosts.filter((host): host is string => typeof host === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Credentials for the registry client from a Docker config: `auths.<host>.auth` (base64
 * user:password), or the credential helper the config names (`credHelpers`, `credsStore`).
 */
export function dockerConfigCredentials(
  configDir: string,
  process: ProcessRunner,
  env: NodeJS.ProcessEnv,
): CredentialLookup {
  return async (registry) => {
    let config: {
      auths?: Record<string, { auth?: string; username?: string; password?: string }>;
      credHelpers?: Record<string, string>;
      credsStore?: string;
    };
    try {
      config = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8'));
    } catch {
      return undefined;
    }
    const entry = config.auths?.[registry] ?? config.auths?.[`https://${registry}`];
    if (entry?.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry?.username && entry.password) return { username: entry.username, password: entry.password };
    const helper = config.credHelpers?.[registry] ?? config.credsStore;
    if (!helper || !/^[\w.-]+$/.test(helper)) return undefined;
    const outcome = await process.run([`docker-credential-${helper}`, 'get'], {
      input: registry,
      env,
      timeoutMs: 30_000,
    });
    if (outcome.exitCode !== 0) return undefined;
    try {
      const found = JSON.parse(outcome.stdout) as { Username?: string; Secret?: string };
      return found.Username && found.Secret
        ? { username: found.Username, password: found.Secret }
        : undefined;
    } catch {
      return undefined;
    }
  };
}
