/** Builds the RunContext from the variables and event payload a GitHub runner provides. */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { PullRequestInfo, RunContext } from '../run-context.js';

type Env = Record<string, string | undefined>;

interface PullRequestPayload {
  number?: number;
  title?: string;
  user?: { login?: string };
  head?: { sha?: string; ref?: string; repo?: { full_name?: string } | null };
  base?: { ref?: string; repo?: { full_name?: string } };
}

interface EventPayload {
  pull_request?: PullRequestPayload;
  repository?: { default_branch?: string; id?: number; owner?: { id?: number }; full_name?: string };
}

export function readEventPayload(env: Env): EventPayload {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

export function githubRunContext(
  env: Env,
  environment: string,
  payload: EventPayload = readEventPayload(env),
): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? payload.repository?.full_name;
  const eventName = env.GITHUB_EVENT_NAME ?? 'unknown';
  const pr = payload.pull_request;
  const pullRequest: PullRequestInfo | undefined =
    pr && typeof pr.number === 'number'
      ? {
          number: pr.number,
          headSha: pr.head?.sha ?? '',
          headRef: pr.head?.ref ?? '',
          baseRef: pr.base?.ref ?? '',
          headRepo: pr.head?.repo?.full_name ?? null,
          baseRepo: pr.base?.repo?.full_name ?? repository ?? '',
          title: pr.title ?? '',
          author: pr.user?.login ?? '',
        }
      : undefined;
  const untrustedReason = pullRequest ? untrustedPullRequestReason(pullRequest) : undefined;
  const defaultBranch = payload.repository?.default_branch;
  const ref = env.GITHUB_REF ?? '';
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    inActions: env.GITHUB_ACTIONS === 'true',
    eventName,
    repository,
    repositoryId: env.GITHUB_REPOSITORY_ID ?? stringOf(payload.repository?.id),
    repositoryOwnerId: env.GITHUB_REPOSITORY_OWNER_ID ?? stringOf(payload.repository?.owner?.id),
    sha: pullRequest?.headSha || env.GITHUB_SHA || '',
    ref,
    defaultBranch,
    isDefaultBranch: !pullRequest && defaultBranch !== undefined && ref === `refs/heads/${defaultBranch}`,
    pullRequest,
    untrustedPullRequest: untrustedReason !== undefined,
    untrustedReason,
    oidcAvailable: Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN),
    runUrl:
      repository && env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    tempDir: env.RUNNER_TEMP ?? tmpdir(),
    environment,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    serverUrl,
    runId: env.GITHUB_RUN_ID,
  };
}

/** A fork (or deleted fork) or a Dependabot PR gets no OIDC token and a read-only token. */
export function untrustedPullRequestReason(pr: PullRequestInfo): string | undefined {
  if (pr.headRepo === null) return 'the pull request comes from a deleted fork';
  if (pr.headRepo !== pr.baseRepo) return `the pull request comes from the fork ${pr.headRepo}`;
  if (pr.author === 'dependabot[bot]') return 'the pull request was opened by Dependabot';
  return undefined;
}

function stringOf(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}
