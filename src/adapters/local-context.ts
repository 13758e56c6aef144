/** The RunContext outside GitHub Actions: commit and branch from git when there is a repository. */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { RunContext } from '../run-context.js';

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .toString()
      .trim();
  } catch {
    return '';
  }
}

export function localRunContext(cwd: string, environment: string): RunContext {
  const sha = git(['rev-parse', 'HEAD'], cwd);
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
  return {
    inActions: false,
    eventName: 'local',
    repository: undefined,
    repositoryId: undefined,
    repositoryOwnerId: undefined,
    sha,
    ref: branch ? `refs/heads/${branch}` : '',
    defaultBranch: undefined,
    isDefaultBranch: false,
    pullRequest: undefined,
    untrustedPullRequest: false,
    untrustedReason: undefined,
    oidcAvailable: false,
    runUrl: '',
    workspace: cwd,
    tempDir: tmpdir(),
    environment,
    apiUrl: 'https://api.github.com',
    serverUrl: 'https://github.com',
    runId: undefined,
  };
}
