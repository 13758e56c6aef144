/** A RunContext, config and result for image-stage unit tests. */
import { type Config, configSchema } from '../../../src/config/schema.js';
import type { PerfResult } from '../../../src/result.js';
import type { PullRequestInfo, RunContext } from '../../../src/run-context.js';
import type { StageInput } from '../../../src/stages/stage.js';

export const SHA = '0123456789abcdef0123456789abcdef01234567';

export function runContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    inActions: true,
    eventName: 'push',
    repository: 'acme/api',
    repositoryId: '1',
    repositoryOwnerId: '2',
    sha: SHA,
    ref: 'refs/heads/main',
    defaultBranch: 'main',
    isDefaultBranch: true,
    pullRequest: undefined,
    untrustedPullRequest: false,
    untrustedReason: undefined,
    oidcAvailable: true,
    runUrl: 'https://github.com/acme/api/actions/runs/9',
    workspace: '/work/repo',
    tempDir: '/runner/temp',
    environment: 'staging',
    apiUrl: 'https://api.github.com',
    serverUrl: 'https://github.com',
    runId: '9',
    ...overrides,
  };
}

export function pullRequest(number: number, headRef: string): PullRequestInfo {
  return {
    number,
    headSha: SHA,
    headRef,
    baseRef: 'main',
    headRepo: 'acme/api',
    baseRepo: 'acme/api',
    title: 't',
    author: 'a',
  };
}

export function config(image: Record<string, unknown>): Config {
  return configSchema.parse({ image });
}

export function result(): PerfResult {
  return {
    schemaVersion: 1,
    meta: {
      tool: 'orchestra-perf',
      version: '0',
      commit: SHA,
      ref: 'refs/heads/main',
      environment: 'staging',
      startedAt: '2026-11-23T14:00:00.000Z',
      runUrl: '',
    },
  };
}

export function input(image: Record<string, unknown>, context: Partial<RunContext> = {}): StageInput {
  return { config: config(image), context: runContext(context), result: result() };
}
