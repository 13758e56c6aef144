/** Builders for running the cache stage in tests: a run context, deps with in-memory state, a config. */

import { systemClock } from '../../../src/adapters/clock.js';
import { nodeProcessRunner } from '../../../src/adapters/process.js';
import { type Config, configSchema } from '../../../src/config/schema.js';
import type { Logger } from '../../../src/logger.js';
import type { PullRequestInfo, RunContext } from '../../../src/run-context.js';
import type { StageDeps, StageServices, StateStore } from '../../../src/stages/stage.js';

export class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string }[] = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  debug(): void {}
  warning(message: string): void {
    this.lines.push({ level: 'warning', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  notice(message: string): void {
    this.lines.push({ level: 'notice', message });
  }
  mask(): void {}
  async group<T>(_name: string, body: () => Promise<T>): Promise<T> {
    return body();
  }
  warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warning').map((l) => l.message);
  }
  text(): string {
    return this.lines.map((l) => `${l.level}: ${l.message}`).join('\n');
  }
}

export class MemoryState implements StateStore {
  readonly values = new Map<string, string>();
  save(key: string, value: string): void {
    this.values.set(key, value);
  }
  get(key: string): string {
    return this.values.get(key) ?? '';
  }
}

export function stageDeps(
  services: Partial<StageServices>,
  state = new MemoryState(),
  logger = new RecordingLogger(),
): StageDeps & { logger: RecordingLogger; state: MemoryState } {
  return {
    logger,
    process: nodeProcessRunner,
    clock: systemClock,
    state,
    signal: new AbortController().signal,
    env: process.env,
    services,
  };
}

export function runContext(workspace: string, overrides: Partial<RunContext> = {}): RunContext {
  return {
    inActions: true,
    eventName: 'push',
    repository: 'acme/api',
    repositoryId: '1',
    repositoryOwnerId: '2',
    sha: 'a'.repeat(40),
    ref: 'refs/heads/main',
    defaultBranch: 'main',
    isDefaultBranch: true,
    pullRequest: undefined,
    untrustedPullRequest: false,
    untrustedReason: undefined,
    oidcAvailable: false,
    runUrl: '',
    workspace,
    tempDir: workspace,
    environment: 'test',
    apiUrl: 'http://127.0.0.1:9/api',
    serverUrl: 'https://github.com',
    runId: '1',
    ...overrides,
  };
}

export function pullRequestContext(workspace: string, pr: Partial<PullRequestInfo> = {}): RunContext {
  const pullRequest: PullRequestInfo = {
    number: 7,
    headSha: 'b'.repeat(40),
    headRef: 'feature',
    baseRef: 'main',
    headRepo: 'acme/api',
    baseRepo: 'acme/api',
    title: 'change',
    author: 'dev',
    ...pr,
  };
  const untrusted = pullRequest.headRepo !== pullRequest.baseRepo;
  return runContext(workspace, {
    eventName: 'pull_request',
    ref: 'refs/pull/7/merge',
    isDefaultBranch: false,
    pullRequest,
    untrustedPullRequest: untrusted,
    untrustedReason: untrusted ? `the pull request comes from the fork ${pullRequest.headRepo}` : undefined,
  });
}

/** A parsed config with one build task (so the cache stage has a reason to run) and the given cache section. */
export function cacheConfig(cache: Record<string, unknown>): Config {
  return configSchema.parse({ cache, build: { tasks: [{ name: 'build', run: 'true' }] } });
}
