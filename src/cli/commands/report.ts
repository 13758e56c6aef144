/**
 * `orchestra-perf report --artifact DIR [--environment E] [--config F]`: the trusted half of
 * fork-safe reporting (SECURITY.md items 4 and 12), run by a `workflow_run` workflow that never
 * checks out PR code. It reads the artifact an untrusted PR run uploaded as untrusted data
 * (stage/report/artifact.ts), proves the PR number against the head SHA through GitHub (the
 * workflow_run payload, else GET /repos/{o}/{r}/commits/{sha}/pulls), then compares with the
 * history and upserts the sticky comment. A rejected artifact posts nothing (exit 2).
 * Environment: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_EVENT_PATH.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { GitHubApi } from '../../github/api.js';
import { createGitHubApi } from '../../github/client.js';
import type { Logger } from '../../logger.js';
import { type ArtifactMetadata, ArtifactRejected, readArtifact } from '../../stages/report/artifact.js';
import { commitTimeOf, compareAndRender, loadBaseline, postComment } from '../../stages/report/publish.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { loadCliConfig } from '../config-flags.js';

const USAGE = 'orchestra-perf report --artifact DIR [--environment NAME] [--config F]';

interface WorkflowRunPayload {
  workflow_run?: { head_sha?: string; pull_requests?: { number?: number; head?: { sha?: string } }[] };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'post the PR comment from a fork PR run’s artifact (for the workflow_run commenter)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      { artifact: { type: 'string' }, environment: { type: 'string' }, config: { type: 'string' } },
      USAGE,
    );
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
    if (!values.artifact) throw new UsageError('--artifact is required', `usage: ${USAGE}`);
    const token = io.env.GITHUB_TOKEN;
    const repository = io.env.GITHUB_REPOSITORY;
    if (!token)
      throw new UsageError(
        'GITHUB_TOKEN is not set',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression shown to the user
        'pass `env: GITHUB_TOKEN: ${{ github.token }}` with `pull-requests: write`',
      );
    io.logger.mask(token);
    if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository))
      throw new UsageError('GITHUB_REPOSITORY is not set to owner/name', 'run it in GitHub Actions');

    const { metadata, result } = await readArtifact(resolve(io.cwd, values.artifact));
    if (values.environment !== undefined && values.environment !== metadata.environment) {
      throw new ArtifactRejected(`it is for environment ${metadata.environment}, not ${values.environment}`);
    }
    const { config } = await loadCliConfig({ config: values.config, env: metadata.environment });
    const api = createGitHubApi({
      token,
      repository,
      apiUrl: io.env.GITHUB_API_URL || 'https://api.github.com',
      logger: io.logger,
      signal: io.signal,
    });
    await verifyPullRequest(api, metadata, await readPayload(io.env.GITHUB_EVENT_PATH), io.logger);

    const report = config.report;
    const baseline = await loadBaseline(
      api,
      { branch: report['history-branch'], environment: metadata.environment },
      metadata.headSha,
      io.logger,
    );
    const rendered = compareAndRender(result, baseline, {
      environment: metadata.environment,
      threshold: report['regression-threshold'],
      headSha: metadata.headSha,
      ...(result.meta.runUrl ? { runUrl: result.meta.runUrl } : {}),
    });
    // The commenter's own job summary shows the same report (also when the comment fails).
    if (io.env.GITHUB_STEP_SUMMARY) {
      await appendFile(io.env.GITHUB_STEP_SUMMARY, `${rendered.summary}\n`).catch((error: unknown) =>
        io.logger.warning(`could not write the job summary (${String(error)})`),
      );
    }
    if (report.comment === 'never') {
      io.out(`verdict ${rendered.comparison.verdict}; report.comment is never: nothing posted`);
      return 0;
    }
    const commitTime = await commitTimeOf(api, metadata.headSha, result.meta.startedAt, io.logger);
    const outcome = await postComment(
      api,
      {
        issueNumber: metadata.prNumber,
        environment: metadata.environment,
        body: rendered.comment,
        headSha: metadata.headSha,
        commitTime,
      },
      io.logger,
    );
    io.out(
      `verdict ${rendered.comparison.verdict}; PR #${metadata.prNumber} comment: ${outcome?.action ?? 'not posted'}`,
    );
    return 0;
  },
};

async function readPayload(path: string | undefined): Promise<WorkflowRunPayload> {
  if (!path) return {};
  try {
    return JSON.parse(await readFile(path, 'utf8')) as WorkflowRunPayload;
  } catch {
    return {};
  }
}

/**
 * The artifact names a PR and a head SHA; both are only claims. The workflow run that produced it
 * must be for that SHA, and GitHub must list that PR with that head.
 */
export async function verifyPullRequest(
  api: GitHubApi,
  metadata: ArtifactMetadata,
  payload: WorkflowRunPayload,
  logger: Logger,
): Promise<void> {
  const run = payload.workflow_run;
  if (run?.head_sha && run.head_sha !== metadata.headSha) {
    throw new ArtifactRejected(
      `it claims head ${metadata.headSha} but the workflow run was for ${run.head_sha}`,
    );
  }
  const listed = run?.pull_requests?.some(
    (pr) => pr.number === metadata.prNumber && pr.head?.sha === metadata.headSha,
  );
  if (listed) return;
  // workflow_run.pull_requests is empty for fork PRs: ask GitHub which PRs have this head.
  const pulls = await api.pullRequestsForCommit(metadata.headSha);
  const match = pulls.find((pr) => pr.number === metadata.prNumber && pr.headSha === metadata.headSha);
  if (!match) {
    const found = pulls.map((pr) => `#${pr.number}`).join(', ') || 'none';
    throw new ArtifactRejected(
      `PR #${metadata.prNumber} does not have head ${metadata.headSha} (pull requests with that head: ${found})`,
    );
  }
  if (match.state !== 'open') logger.info(`PR #${metadata.prNumber} is ${match.state}; commenting anyway`);
}
