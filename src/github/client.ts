/**
 * The one place that talks to the GitHub REST API: Octokit with the retry, throttling and paginate
 * plugins, configured to the API hygiene in SECURITY.md item 24:
 * - every attempt has a timeout (a per-attempt AbortSignal on fetch);
 * - writes are serialized (one in flight per client, below) and spaced (the throttling plugin's
 *   write/notification limiters: 1 s between writes, 3 s between comments);
 * - rate limits are honoured: the throttling plugin handles secondary limits (`retry-after`, else
 *   60 s) and primary limits (`x-ratelimit-remaining: 0` -> `x-ratelimit-reset`); a 429 or 403 it
 *   does not recognise but that carries `retry-after`, or a bare 429, is waited out here (60 s);
 * - 400/401/404/409/410/422 (and a 403 that is not a rate limit) are never retried; 5xx are
 *   retried a bounded number of times.
 * All waits are nominal seconds multiplied by `timeScale`, and reported to `onWait`, so tests run
 * the real policy without sleeping for a minute.
 */
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { type Clock, systemClock } from '../adapters/clock.js';
import type { Logger } from '../logger.js';
import { NullLogger } from '../logger.js';
import {
  type CheckRunRequest,
  type GitHubApi,
  GitHubApiError,
  type IssueComment,
  type PullRequestRef,
  type PutFile,
  type RepoFile,
} from './api.js';

export interface RateLimitWait {
  kind: 'secondary' | 'primary' | 'too-many-requests';
  /** Nominal wait in seconds, as GitHub asked (before `timeScale`). */
  seconds: number;
  method: string;
  url: string;
}

export interface GitHubClientOptions {
  token: string;
  /** `owner/name`. */
  repository: string;
  /** GITHUB_API_URL (RunContext.apiUrl); GHES and the tests' fake server differ from api.github.com. */
  apiUrl: string;
  logger?: Logger;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt, for 5xx and for rate limits each. */
  retries?: number;
  /** Minimum spacing between writes, and between writes that notify people (comments). */
  writeSpacingMs?: number;
  notificationSpacingMs?: number;
  /** Real milliseconds per nominal millisecond of every wait (1 in production). */
  timeScale?: number;
  clock?: Clock;
  onWait?: (wait: RateLimitWait) => void;
  /** A limit that asks for a longer wait than this (nominal seconds) fails instead of stalling the job. */
  maxWaitSeconds?: number;
  signal?: AbortSignal;
}

const FALLBACK_WAIT_SECONDS = 60;
// 403/429 are left to the rate-limit handling below; 409 is a compare-and-swap conflict the caller resolves.
const NEVER_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451];

type RequestOptions = { method: string; url: string; request?: { retryCount?: number } } & Record<
  string,
  unknown
>;
interface ErrorWithResponse {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined> };
}

const PluggedOctokit = Octokit.plugin(retry, throttling, paginateRest);
let clientCount = 0;

export function createOctokit(options: GitHubClientOptions) {
  const logger = options.logger ?? new NullLogger();
  const scale = options.timeScale ?? 1;
  const retries = options.retries ?? 3;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  const onWait = options.onWait ?? (() => {});
  const maxWait = options.maxWaitSeconds ?? 900;
  logger.mask(options.token);
  // Limiters per client (the plugin's defaults are process-wide and fixed at 1 s / 3 s).
  const limiter = (minTime: number) =>
    new Bottleneck.Group({ maxConcurrent: 1, minTime: Math.round(minTime * scale) });
  const timedFetch: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, init?.signal, options.signal].filter(
      (s): s is AbortSignal => s instanceof AbortSignal,
    );
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
  const decide =
    (kind: RateLimitWait['kind']) =>
    (seconds: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      if (retryCount >= retries || seconds > maxWait) {
        logger.warning(
          `GitHub ${kind} rate limit on ${request.method} ${request.url}: giving up after ${retryCount + 1} attempts (GitHub asks to wait ${seconds} s)`,
        );
        return false;
      }
      onWait({ kind, seconds, method: request.method, url: request.url });
      logger.info(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}: waiting ${seconds} s as GitHub asks`,
      );
      return true;
    };
  const octokit = new PluggedOctokit({
    auth: options.token,
    baseUrl: options.apiUrl.replace(/\/+$/, ''),
    userAgent: 'orchestra-perf',
    request: { fetch: timedFetch },
    log: {
      debug: (m: string) => logger.debug(m),
      info: (m: string) => logger.debug(m),
      warn: (m: string) => logger.debug(m),
      error: (m: string) => logger.debug(m),
    },
    retry: { doNotRetry: NEVER_RETRY, retries, retryAfterBaseValue: 1000 * scale },
    throttle: {
      id: `orchestra-perf-${++clientCount}`,
      retryAfterBaseValue: 1000 * scale,
      fallbackSecondaryRateRetryAfter: FALLBACK_WAIT_SECONDS,
      write: limiter(options.writeSpacingMs ?? 1000),
      notifications: limiter(options.notificationSpacingMs ?? 3000),
      onSecondaryRateLimit: decide('secondary'),
      onRateLimit: decide('primary'),
    },
  });
  // Outermost layer: limits the throttling plugin does not classify (a bare 429, or a 403/429 with
  // only a retry-after header) are waited out as GitHub documents: retry-after, else 60 s. A 403
  // without any of these is a permission error: not retried.
  // Writes one at a time (the throttling plugin only spaces their starts): a write waits for the
  // previous one, its retries and rate-limit waits included.
  let writeChain: Promise<unknown> = Promise.resolve();
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const { method, url } = requestOptions as unknown as RequestOptions;
    const attempt = async () => {
      for (let retry = 0; ; retry++) {
        try {
          return await request(requestOptions);
        } catch (error) {
          const seconds = unclassifiedLimitWait(error as ErrorWithResponse);
          if (seconds === undefined || retry >= retries || seconds > maxWait) throw error;
          onWait({ kind: 'too-many-requests', seconds, method, url });
          logger.info(`GitHub rate limit on ${method} ${url}: waiting ${seconds} s`);
          await clock.sleep(seconds * 1000 * scale, options.signal);
        }
      }
    };
    if (method === 'GET' || method === 'HEAD') return attempt();
    const run = writeChain.then(attempt, attempt);
    writeChain = run.catch(() => undefined);
    return run;
  });
  return octokit;
}

/**
 * Seconds to wait for a 403/429 that the throttling plugin leaves alone; undefined: do not retry.
 * GitHub's rule: `retry-after` if present; else, when `x-ratelimit-remaining` is 0, until
 * `x-ratelimit-reset` (the plugin's case); else at least a minute. GitHub sends `x-ratelimit-reset`
 * on every response, so it means nothing unless the remaining count is 0.
 */
export function unclassifiedLimitWait(error: ErrorWithResponse): number | undefined {
  if (error.status !== 403 && error.status !== 429) return undefined;
  const headers = error.response?.headers ?? {};
  // The throttling plugin owns these two cases (and has already retried them).
  if (/\bsecondary rate\b/i.test(error.message ?? '') || headers['x-ratelimit-remaining'] === '0')
    return undefined;
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter);
  // A bare 403 is a permission problem; a bare 429 is a limit with no stated end.
  return error.status === 429 ? FALLBACK_WAIT_SECONDS : undefined;
}

export type ConfiguredOctokit = ReturnType<typeof createOctokit>;

/** The GitHubApi over Octokit. */
export function createGitHubApi(options: GitHubClientOptions): GitHubApi {
  const octokit = createOctokit(options);
  const [owner, repo] = options.repository.split('/') as [string, string];
  if (!owner || !repo)
    throw new GitHubApiError('setup', 0, `repository "${options.repository}" is not owner/name`);
  const call = async <T>(operation: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      const status =
        typeof (error as ErrorWithResponse).status === 'number' ? (error as ErrorWithResponse).status! : 0;
      const message = error instanceof Error ? error.message : String(error);
      throw new GitHubApiError(operation, status, message, { cause: error });
    }
  };
  const toComment = (raw: Record<string, unknown>): IssueComment => {
    const user = raw.user as { login?: string; type?: string } | null | undefined;
    const app = raw.performed_via_github_app as { slug?: string } | null | undefined;
    return {
      id: Number(raw.id),
      body: typeof raw.body === 'string' ? raw.body : '',
      user: user?.login ? { login: user.login, type: user.type ?? 'User' } : null,
      app: app?.slug ?? null,
      createdAt: String(raw.created_at ?? ''),
      htmlUrl: String(raw.html_url ?? ''),
    };
  };

  return {
    repository: options.repository,

    authenticatedLogin: () =>
      call('GET /user', async () => {
        try {
          const { data } = await octokit.request('GET /user');
          return (data as { login: string }).login;
        } catch (error) {
          const status = (error as ErrorWithResponse).status;
          // Installation tokens (GITHUB_TOKEN) are not users: 403 "Resource not accessible by integration".
          if (status === 403 || status === 401) return undefined;
          throw error;
        }
      }),

    listIssueComments: (issue) =>
      call('list issue comments', async () => {
        const all = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner,
          repo,
          issue_number: issue,
          per_page: 100,
        });
        return (all as unknown as Record<string, unknown>[]).map(toComment);
      }),

    getIssueComment: (id) =>
      call('read issue comment', async () => {
        try {
          const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', {
            owner,
            repo,
            comment_id: id,
          });
          return toComment(data as unknown as Record<string, unknown>);
        } catch (error) {
          if ((error as ErrorWithResponse).status === 404) return undefined;
          throw error;
        }
      }),

    createIssueComment: (issue, body) =>
      call('create issue comment', async () => {
        const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner,
          repo,
          issue_number: issue,
          body,
        });
        return toComment(data as unknown as Record<string, unknown>);
      }),

    updateIssueComment: (id, body) =>
      call('update issue comment', async () => {
        const { data } = await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          owner,
          repo,
          comment_id: id,
          body,
        });
        return toComment(data as unknown as Record<string, unknown>);
      }),

    deleteIssueComment: (id) =>
      call('delete issue comment', async () => {
        await octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          owner,
          repo,
          comment_id: id,
        });
      }),

    getFile: (path, ref) =>
      call('read file', async (): Promise<RepoFile | undefined> => {
        let data: unknown;
        try {
          ({ data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
            owner,
            repo,
            path,
            ref,
          }));
        } catch (error) {
          if ((error as ErrorWithResponse).status === 404) return undefined;
          throw error;
        }
        const file = data as { type?: string; sha?: string; content?: string; encoding?: string };
        if (Array.isArray(data) || file.type !== 'file' || !file.sha) {
          throw new GitHubApiError('read file', 200, `${path} is not a file`);
        }
        if (file.encoding === 'base64')
          return { sha: file.sha, content: Buffer.from(file.content ?? '', 'base64').toString('utf8') };
        // Over 1 MB the contents API leaves the content out; the blob API serves up to 100 MB.
        const blob = await octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', {
          owner,
          repo,
          file_sha: file.sha,
        });
        return { sha: file.sha, content: Buffer.from(blob.data.content, 'base64').toString('utf8') };
      }),

    putFile: (request: PutFile) =>
      call('write file', async () => {
        const { data } = await octokit.request('PUT /repos/{owner}/{repo}/contents/{path}', {
          owner,
          repo,
          path: request.path,
          branch: request.branch,
          message: request.message,
          content: Buffer.from(request.content, 'utf8').toString('base64'),
          ...(request.sha ? { sha: request.sha } : {}),
        });
        return { sha: data.content?.sha ?? '' };
      }),

    branchSha: (branch) =>
      call('read branch', async () => {
        try {
          const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
            owner,
            repo,
            ref: `heads/${branch}`,
          });
          return data.object.sha;
        } catch (error) {
          if ((error as ErrorWithResponse).status === 404) return undefined;
          throw error;
        }
      }),

    createOrphanBranch: (branch, files, message) =>
      call('create branch', async () => {
        const tree = await octokit.request('POST /repos/{owner}/{repo}/git/trees', {
          owner,
          repo,
          tree: Object.entries(files).map(([path, content]) => ({
            path,
            mode: '100644' as const,
            type: 'blob' as const,
            content,
          })),
        });
        const commit = await octokit.request('POST /repos/{owner}/{repo}/git/commits', {
          owner,
          repo,
          message,
          tree: tree.data.sha,
          parents: [],
        });
        await octokit.request('POST /repos/{owner}/{repo}/git/refs', {
          owner,
          repo,
          ref: `refs/heads/${branch}`,
          sha: commit.data.sha,
        });
      }),

    commitDate: (sha) =>
      call('read commit', async () => {
        try {
          const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', {
            owner,
            repo,
            commit_sha: sha,
          });
          return data.committer.date;
        } catch (error) {
          if ((error as ErrorWithResponse).status === 404 || (error as ErrorWithResponse).status === 422)
            return undefined;
          throw error;
        }
      }),

    createCheckRun: (request: CheckRunRequest) =>
      call('create check run', async () => {
        const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
          owner,
          repo,
          name: request.name,
          head_sha: request.headSha,
          status: 'completed',
          conclusion: request.conclusion,
          ...(request.detailsUrl ? { details_url: request.detailsUrl } : {}),
          output: {
            title: request.title,
            summary: request.summary,
            ...(request.text ? { text: request.text } : {}),
          },
        });
        return { id: Number(data.id) };
      }),

    pullRequestsForCommit: (sha) =>
      call('list pull requests for commit', async (): Promise<PullRequestRef[]> => {
        const all = await octokit.paginate('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
          owner,
          repo,
          commit_sha: sha,
          per_page: 100,
        });
        return all.map((pr) => ({
          number: pr.number,
          headSha: pr.head.sha,
          state: pr.state,
          headRepo: pr.head.repo?.full_name,
        }));
      }),
  };
}
