/**
 * Facts about the run that stages plan from: where it runs, for which commit, and whether the code
 * is trusted. Trust comes from the event payload only (never from the actor or token presence).
 */
export interface PullRequestInfo {
  number: number;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** `owner/name` of the head repository; null when the fork was deleted. */
  headRepo: string | null;
  baseRepo: string;
  title: string;
  author: string;
}

export interface RunContext {
  /** true inside GitHub Actions (GITHUB_ACTIONS=true). */
  inActions: boolean;
  eventName: string;
  /** `owner/name`, or undefined outside GitHub. */
  repository: string | undefined;
  repositoryId: string | undefined;
  repositoryOwnerId: string | undefined;
  sha: string;
  ref: string;
  defaultBranch: string | undefined;
  isDefaultBranch: boolean;
  pullRequest: PullRequestInfo | undefined;
  /** A pull request whose head repository is not the base repository, or a Dependabot PR. */
  untrustedPullRequest: boolean;
  /** Why the run is untrusted, for the notice. */
  untrustedReason: string | undefined;
  /** The runner offers an OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN set). */
  oidcAvailable: boolean;
  runUrl: string;
  workspace: string;
  /** Where secrets may be written (RUNNER_TEMP); removed by the post step. */
  tempDir: string;
  environment: string;
  apiUrl: string;
  serverUrl: string;
  runId: string | undefined;
}
