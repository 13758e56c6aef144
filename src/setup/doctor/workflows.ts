/**
 * Doctor check: every workflow in `.github/workflows/` against the shared security policy, with a fix
 * for each rule (the policy's own message says what is wrong; the fix says what to write).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkWorkflow, type PolicyOptions, type RuleId } from '../workflow-policy.js';
import type { Problem } from './problem.js';

const FIXES: Record<RuleId, string> = {
  yaml: 'fix the YAML syntax',
  'pull-request-target':
    'trigger on pull_request; comment on fork PRs from a workflow_run workflow (orchestra-perf perf-report.yml)',
  'top-level-permissions': 'add `permissions: {}` at the top and grant scopes per job',
  'job-permissions': 'give the job its own `permissions:` listing only the scopes it uses',
  'unpinned-uses': 'pin to the full 40-character commit SHA of a release: `uses: owner/repo@<sha> # vX.Y.Z`',
  'missing-version-comment': 'add the release after the SHA: `# vX.Y.Z`, so that updates stay reviewable',
  'untrusted-in-run': 'move the expression into the step\'s `env:` and use "$NAME" in the script',
  'checkout-persist-credentials': 'add `with: { persist-credentials: false }` to actions/checkout',
  'secrets-inherit': 'pass the secrets the called workflow declares, by name, under `secrets:`',
  'job-timeout': 'add `timeout-minutes:` to the job',
  'id-token-without-deploy': 'remove `id-token: write` from this job',
  'deploy-without-id-token': "add `id-token: write` to this job's `permissions:`",
  'bad-workload-identity-provider':
    'use projects/<project NUMBER>/locations/global/workloadIdentityPools/<pool>/providers/<provider>',
  'pull-requests-write-without-comment': 'remove `pull-requests: write` from this job',
  'contents-write-without-history': 'use `contents: read` for this job',
  'checks-write-without-report': 'remove `checks: write` from this job',
  'fork-deploy-unguarded':
    'add `if: github.event.pull_request.head.repo.full_name == github.repository` to the job',
};

export const WORKFLOWS_DIR = '.github/workflows';

/** Finds the workflow files; none is not a problem here (the caller decides). */
export async function listWorkflowFiles(root: string): Promise<string[]> {
  const names = await readdir(join(root, WORKFLOWS_DIR)).catch(() => [] as string[]);
  return names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `${WORKFLOWS_DIR}/${name}`);
}

export async function checkWorkflowFiles(
  root: string,
  files: string[],
  options: PolicyOptions,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const file of files) {
    const source = await readFile(join(root, file), 'utf8');
    for (const finding of checkWorkflow(source, file, options)) {
      problems.push({
        check: `workflow:${finding.rule}`,
        file,
        ...(finding.line ? { line: finding.line } : {}),
        ...(finding.job ? { job: finding.job } : {}),
        message: finding.message,
        fix: FIXES[finding.rule],
      });
    }
  }
  return problems;
}
