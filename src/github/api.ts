/**
 * The GitHub calls the report stage makes, behind one small interface so that the sticky comment,
 * the history store and the check run can be tested against a local fake server and never depend
 * on Octokit's types. Bound to one repository at construction.
 */

export interface CommentAuthor {
  login: string;
  /** `User`, `Bot`, `Organization`. */
  type: string;
}

export interface IssueComment {
  id: number;
  body: string;
  user: CommentAuthor | null;
  /** Slug of the GitHub App the comment was made through, when GitHub says so. */
  app: string | null;
  createdAt: string;
  /** The comment on github.com. */
  htmlUrl: string;
}

export interface RepoFile {
  /** Blob SHA: the compare-and-swap token for the next write. */
  sha: string;
  content: string;
}

export interface PutFile {
  path: string;
  branch: string;
  message: string;
  content: string;
  /** The blob SHA being replaced; absent when creating. */
  sha?: string;
}

export interface CheckRunRequest {
  name: string;
  headSha: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  text?: string;
  detailsUrl?: string;
}

export interface PullRequestRef {
  number: number;
  headSha: string;
  state: string;
  headRepo: string | undefined;
}

export interface GitHubApi {
  readonly repository: string;
  /** The token's login from GET /user; undefined for installation tokens (GITHUB_TOKEN), which get 403 there. */
  authenticatedLogin(): Promise<string | undefined>;
  /** Every comment on the issue or PR, all pages. */
  listIssueComments(issue: number): Promise<IssueComment[]>;
  /** One comment as it is now, or undefined when it was deleted. */
  getIssueComment(id: number): Promise<IssueComment | undefined>;
  createIssueComment(issue: number, body: string): Promise<IssueComment>;
  updateIssueComment(id: number, body: string): Promise<IssueComment>;
  deleteIssueComment(id: number): Promise<void>;
  /** A file at a branch, or undefined when the file or the branch is missing. */
  getFile(path: string, ref: string): Promise<RepoFile | undefined>;
  /** Create or update through the contents API; rejects with GitHubApiError 409/422 on a sha conflict. */
  putFile(request: PutFile): Promise<{ sha: string }>;
  /** The commit a branch points to, or undefined. */
  branchSha(branch: string): Promise<string | undefined>;
  /** A new branch whose single root commit holds `files` (no parent: it shares no history). */
  createOrphanBranch(branch: string, files: Record<string, string>, message: string): Promise<void>;
  /** The committer date of a commit (ISO 8601), or undefined when GitHub does not know it. */
  commitDate(sha: string): Promise<string | undefined>;
  createCheckRun(request: CheckRunRequest): Promise<{ id: number }>;
  pullRequestsForCommit(sha: string): Promise<PullRequestRef[]>;
}

/** A GitHub API call that failed; `status` 0 means no HTTP answer (timeout, network). */
export class GitHubApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`GitHub ${operation} failed${status ? ` with HTTP ${status}` : ''}: ${message}`, options);
    this.name = 'GitHubApiError';
  }
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof GitHubApiError ? error.status : undefined;
}
