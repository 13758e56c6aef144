/**
 * One PR comment per environment, found by a hidden marker among the token's own comments and
 * edited in place (SECURITY.md item 25).
 *
 * Whose comments are "own": with a user token, GET /user names the login and only that login's
 * comments count. Installation tokens (the Actions GITHUB_TOKEN, GitHub Apps) get 403 from GET
 * /user; then a comment counts when its author is a Bot whose login is `botLogin` (default
 * `github-actions[bot]`) or when GitHub says it was made through that app. A person's comment that
 * quotes the marker is therefore never edited or deleted.
 *
 * Races: after creating, the comments are listed again; the oldest marker comment is kept, the
 * newest result among the duplicates is copied into it and the rest are deleted, so two runs that
 * both created leave exactly one comment holding the newer head SHA's result. A second marker
 * records the head SHA and its commit time, and a result never replaces one from a newer commit.
 */
import type { Logger } from '../logger.js';
import { commentMarker, markerName } from '../report/escape.js';
import { type GitHubApi, type IssueComment, statusOf } from './api.js';

export const COMMENT_LIMIT = 65_536;
export const DEFAULT_BOT_LOGIN = 'github-actions[bot]';

export interface StickyCommentRequest {
  issueNumber: number;
  environment: string;
  /** Rendered Markdown; should start with the environment marker (added when missing). */
  body: string;
  headSha: string;
  /** Commit time of headSha (ISO 8601): decides which of two results is newer. */
  commitTime: string;
  botLogin?: string;
  /** false: only refresh an existing comment (`comment: on-change` with nothing changed). Default true. */
  createIfMissing?: boolean;
}

export type StickyCommentOutcome =
  | { action: 'created' | 'updated' | 'unchanged'; commentId: number; url: string; deleted: number[] }
  | { action: 'kept-newer'; commentId: number; url: string; newerSha: string; deleted: number[] }
  | { action: 'forbidden'; message: string }
  | { action: 'not-created' };

/** The same marker the renderer writes (report/escape.ts), so writer and finder always agree. */
export function environmentMarker(environment: string): string {
  return commentMarker(environment);
}

export function revisionMarker(environment: string, headSha: string, commitTime: string): string {
  const sha = /^[0-9a-f]{7,64}$/.test(headSha) ? headSha : 'unknown';
  const time = Number.isFinite(Date.parse(commitTime)) ? new Date(commitTime).toISOString() : 'unknown';
  return `<!-- orchestra-perf-revision:${markerName(environment)}:${sha}:${time} -->`;
}

export interface Revision {
  sha: string;
  time: string;
}

export function readRevision(body: string, environment: string): Revision | undefined {
  const escaped = markerName(environment).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(
    `<!-- orchestra-perf-revision:${escaped}:([0-9a-f]{7,64}):([0-9TZ:.+-]+) -->`,
  ).exec(body);
  return match ? { sha: match[1]!, time: match[2]! } : undefined;
}

/** true when `a` is from a strictly newer commit than `b`. */
export function isNewer(a: Revision | undefined, b: Revision | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  if (a.sha === b.sha) return false;
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  return Number.isFinite(ta) && (!Number.isFinite(tb) || ta > tb);
}

/** The body as posted: markers first, then the content, bounded below GitHub's limit. */
export function composeBody(
  request: Pick<StickyCommentRequest, 'environment' | 'body' | 'headSha' | 'commitTime'>,
): string {
  const marker = environmentMarker(request.environment);
  const content = request.body.startsWith(marker)
    ? request.body.slice(marker.length).replace(/^\n/, '')
    : request.body;
  const head = `${marker}\n${revisionMarker(request.environment, request.headSha, request.commitTime)}\n`;
  return boundBody(head, content);
}

/** Cuts at a line boundary and says so; the renderer trims details first, this is the backstop. */
export function boundBody(head: string, content: string, limit = COMMENT_LIMIT): string {
  if (head.length + content.length <= limit) return head + content;
  const note = '\n\n_(truncated to fit GitHub’s comment size limit)_\n';
  let cut = content.slice(0, limit - head.length - note.length);
  const lastLine = cut.lastIndexOf('\n');
  if (lastLine > cut.length / 2) cut = cut.slice(0, lastLine);
  // Never leave a half-open <details> or code fence open past the cut.
  if ((cut.match(/```/g)?.length ?? 0) % 2 === 1) cut += '\n```';
  const open = (cut.match(/<details>/g)?.length ?? 0) - (cut.match(/<\/details>/g)?.length ?? 0);
  cut += '\n</details>'.repeat(Math.max(0, open));
  return (head + cut + note).slice(0, limit);
}

export async function upsertStickyComment(
  api: GitHubApi,
  request: StickyCommentRequest,
  logger: Logger,
): Promise<StickyCommentOutcome> {
  try {
    return await upsert(api, request, logger);
  } catch (error) {
    if (statusOf(error) === 403) return { action: 'forbidden', message: (error as Error).message };
    throw error;
  }
}

async function upsert(
  api: GitHubApi,
  request: StickyCommentRequest,
  logger: Logger,
): Promise<StickyCommentOutcome> {
  const body = composeBody(request);
  const mine = await ownMarkerComments(api, request, logger);
  const ours: Revision = { sha: request.headSha, time: request.commitTime };

  if (mine.length === 0) {
    if (request.createIfMissing === false) return { action: 'not-created' };
    const created = await api.createIssueComment(request.issueNumber, body);
    return settle(api, request, logger, created);
  }

  const [oldest] = mine;
  const newest = newestRevision(mine, request.environment);
  if (newest && isNewer(newest.revision, ours)) {
    logger.info(
      `the PR comment already shows ${newest.revision.sha.slice(0, 7)}, newer than ${request.headSha.slice(0, 7)}: left as is`,
    );
    const deleted = await converge(api, mine, newest.comment, logger);
    return {
      action: 'kept-newer',
      commentId: oldest!.id,
      url: oldest!.htmlUrl,
      newerSha: newest.revision.sha,
      deleted,
    };
  }
  const deleted = await deleteAll(api, mine.slice(1), logger);
  // Comments have no compare-and-swap: read the comment again right before writing, so a run that
  // listed before a newer run wrote does not overwrite it (the window left is one request wide).
  const fresh = await api.getIssueComment(oldest!.id);
  const freshRevision = fresh ? readRevision(fresh.body, request.environment) : undefined;
  if (fresh && isNewer(freshRevision, ours)) {
    return {
      action: 'kept-newer',
      commentId: fresh.id,
      url: fresh.htmlUrl,
      newerSha: freshRevision!.sha,
      deleted,
    };
  }
  if (!fresh) return upsert(api, request, logger);
  if (oldest!.body === body)
    return { action: 'unchanged', commentId: oldest!.id, url: oldest!.htmlUrl, deleted };
  const updated = await api.updateIssueComment(oldest!.id, body);
  return { action: 'updated', commentId: oldest!.id, url: updated.htmlUrl || oldest!.htmlUrl, deleted };
}

/** After creating: re-list; keep the oldest, give it the newest result, delete the others. */
async function settle(
  api: GitHubApi,
  request: StickyCommentRequest,
  logger: Logger,
  created: IssueComment,
): Promise<StickyCommentOutcome> {
  const createdId = created.id;
  const mine = await ownMarkerComments(api, request, logger);
  if (mine.length === 0)
    return { action: 'created', commentId: createdId, url: created.htmlUrl, deleted: [] };
  const newest = newestRevision(mine, request.environment);
  const deleted = await converge(api, mine, newest?.comment ?? mine[0]!, logger);
  const ours = { sha: request.headSha, time: request.commitTime };
  if (newest && isNewer(newest.revision, ours)) {
    return {
      action: 'kept-newer',
      commentId: mine[0]!.id,
      url: mine[0]!.htmlUrl,
      newerSha: newest.revision.sha,
      deleted,
    };
  }
  return {
    action: mine[0]!.id === createdId ? 'created' : 'updated',
    commentId: mine[0]!.id,
    url: mine[0]!.htmlUrl,
    deleted,
  };
}

/** The oldest comment gets the winner's body; every other one is deleted. Idempotent under races. */
async function converge(
  api: GitHubApi,
  mine: IssueComment[],
  winner: IssueComment,
  logger: Logger,
): Promise<number[]> {
  const [oldest, ...duplicates] = mine;
  if (oldest!.id !== winner.id && oldest!.body !== winner.body)
    await api.updateIssueComment(oldest!.id, winner.body);
  return deleteAll(api, duplicates, logger);
}

async function deleteAll(api: GitHubApi, comments: IssueComment[], logger: Logger): Promise<number[]> {
  const deleted: number[] = [];
  for (const comment of comments) {
    try {
      await api.deleteIssueComment(comment.id);
      deleted.push(comment.id);
    } catch (error) {
      // Another run deleted it first: that is the outcome we wanted.
      if (statusOf(error) !== 404) throw error;
    }
    logger.debug(`removed duplicate PR comment ${comment.id}`);
  }
  return deleted;
}

function newestRevision(
  comments: IssueComment[],
  environment: string,
): { comment: IssueComment; revision: Revision } | undefined {
  let best: { comment: IssueComment; revision: Revision } | undefined;
  for (const comment of comments) {
    const revision = readRevision(comment.body, environment);
    if (!revision) continue;
    // Later comments win ties: with equal commits, the most recent write is the freshest result.
    if (
      !best ||
      isNewer(revision, best.revision) ||
      (revision.sha === best.revision.sha && comment.id > best.comment.id)
    ) {
      best = { comment, revision };
    }
  }
  return best;
}

/** The token's own comments carrying this environment's marker, oldest first. */
async function ownMarkerComments(
  api: GitHubApi,
  request: StickyCommentRequest,
  logger: Logger,
): Promise<IssueComment[]> {
  const isOwn = await ownership(api, request.botLogin ?? DEFAULT_BOT_LOGIN);
  const marker = environmentMarker(request.environment);
  const all = await api.listIssueComments(request.issueNumber);
  const withMarker = all.filter((comment) => comment.body.startsWith(marker));
  const mine = withMarker.filter(isOwn).sort((a, b) => a.id - b.id);
  const foreign = withMarker.length - mine.length;
  if (foreign > 0) logger.debug(`ignored ${foreign} comment(s) with the marker written by someone else`);
  return mine;
}

const ownershipCache = new WeakMap<GitHubApi, Promise<string | undefined>>();

async function ownership(api: GitHubApi, botLogin: string): Promise<(comment: IssueComment) => boolean> {
  let login = ownershipCache.get(api);
  if (!login) {
    login = api.authenticatedLogin();
    ownershipCache.set(api, login);
  }
  const user = await login;
  if (user) return (comment) => comment.user?.login === user;
  const appSlug = botLogin.replace(/\[bot\]$/, '');
  return (comment) =>
    (comment.user?.type === 'Bot' && comment.user.login === botLogin) || comment.app === appSlug;
}
