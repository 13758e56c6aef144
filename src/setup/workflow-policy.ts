/**
 * The workflow security policy (SECURITY.md items 1-8) as a checker over workflow YAML text.
 *
 * GitHub's parser and actionlint say whether a workflow is valid; neither says whether it is safe
 * by our rules (least privilege per job, pinned actions, no untrusted expressions in scripts...).
 * This checker does, and reports each violation with its rule id. The project's own workflow tests
 * run it over everything we ship; `orchestra-perf doctor` runs it over a user's repository.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Scalar } from 'yaml';
import { checkWorkloadIdentityProvider } from '../config/gcp-names.js';

export type RuleId =
  | 'yaml'
  | 'pull-request-target'
  | 'top-level-permissions'
  | 'job-permissions'
  | 'unpinned-uses'
  | 'missing-version-comment'
  | 'untrusted-in-run'
  | 'checkout-persist-credentials'
  | 'secrets-inherit'
  | 'job-timeout'
  | 'id-token-without-deploy'
  | 'deploy-without-id-token'
  | 'bad-workload-identity-provider'
  | 'pull-requests-write-without-comment'
  | 'contents-write-without-history'
  | 'checks-write-without-report'
  | 'fork-deploy-unguarded';

export interface Finding {
  file: string;
  rule: RuleId;
  message: string;
  job?: string;
  line?: number;
}

export interface PolicyOptions {
  /**
   * Whether the orchestra-perf action deploys when its `stages` input is absent (the config file has
   * a deploy stage). Decides if such a job must hold `id-token: write`; default: it does not.
   */
  actionDeploysByDefault?: boolean;
}

type Obj = Record<string, unknown>;

/** Full-SHA reference of a repository action or reusable workflow: owner/repo[/path]@<40 hex>. */
const PINNED_USES = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
/** A container action pinned by digest. */
const PINNED_DOCKER = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;
/** Expression contexts that carry text an outsider controls or that a caller passes in. */
const UNTRUSTED_EXPRESSION =
  /\bgithub\s*\.\s*event\s*[.[]|\bgithub\s*\.\s*head_ref\b|\bgithub\s*\[\s*['"](event|head_ref)['"]\s*\]|\binputs\s*[.[]/;
const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const FORK_GUARD = /github\.event\.pull_request\.head\.repo\.full_name\s*==\s*github\.repository/;

/** Reusable workflows of this project that hold Google credentials (their caller grants id-token). */
const DEPLOYING_WORKFLOWS = ['deploy.yml', 'pr-preview.yml', 'pr-preview-cleanup.yml', 'promote.yml'];
/** Reusable workflows that comment on a pull request. */
const COMMENTING_WORKFLOWS = ['pr-preview.yml', 'perf-report.yml'];
/** Reusable workflows whose report creates a check run. */
const REPORTING_WORKFLOWS = ['deploy.yml', 'promote.yml', 'pr-preview.yml', 'perf-report.yml'];
/** Reusable workflows that append history to the repository. */
const HISTORY_WORKFLOWS = ['deploy.yml', 'promote.yml'];

function asObj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

function asSteps(job: Obj): Obj[] {
  return Array.isArray(job.steps) ? job.steps.map((s) => asObj(s) ?? {}) : [];
}

function stepUses(step: Obj): string {
  return typeof step.uses === 'string' ? step.uses.trim() : '';
}

function isOrchestraAction(uses: string): boolean {
  return uses === './' || /(^|\/)orchestra-perf-action@/.test(uses);
}

function isCheckout(uses: string): boolean {
  return /^actions\/checkout@/.test(uses);
}

/** `stages` absent or computed at run time means "may run every stage". */
function stagesMayInclude(step: Obj, stage: string): boolean {
  const stages = asObj(step.with)?.stages;
  if (stages === undefined || stages === null) return true;
  const text = String(stages);
  return text.includes('${{') || text.split(/[\s,]+/).includes(stage);
}

function calledWorkflow(job: Obj): string | undefined {
  if (typeof job.uses !== 'string') return undefined;
  const path = job.uses.split('@')[0] ?? '';
  return path.slice(path.lastIndexOf('/') + 1);
}

function runsCli(step: Obj, command: string): boolean {
  if (typeof step.run !== 'string') return false;
  return new RegExp(`(orchestra-perf|cli/index\\.js)\\s+${command}\\b`).test(step.run);
}

/**
 * The job certainly needs Google credentials: Google auth, the action with a literal deploy stage
 * (or no `stages` when the config deploys), a cleanup, or a call of a deploying workflow.
 */
export function jobMustDeploy(job: Obj, options: PolicyOptions = {}): boolean {
  const called = calledWorkflow(job);
  if (called) return DEPLOYING_WORKFLOWS.includes(called);
  return asSteps(job).some((step) => {
    const uses = stepUses(step);
    if (uses.startsWith('google-github-actions/auth@')) return true;
    if (isOrchestraAction(uses)) {
      const stages = asObj(step.with)?.stages;
      if (stages === undefined || stages === null) return options.actionDeploysByDefault === true;
      const text = String(stages);
      return !text.includes('${{') && text.split(/[\s,]+/).includes('deploy');
    }
    return runsCli(step, 'cleanup');
  });
}

/** The job may hold Google credentials: Google auth, a deploy by the action, a cleanup, or a deploying call. */
export function jobDeploys(job: Obj): boolean {
  const called = calledWorkflow(job);
  if (called) return DEPLOYING_WORKFLOWS.includes(called);
  return asSteps(job).some((step) => {
    const uses = stepUses(step);
    if (uses.startsWith('google-github-actions/auth@')) return true;
    if (isOrchestraAction(uses) && stagesMayInclude(step, 'deploy')) return true;
    return runsCli(step, 'cleanup');
  });
}

/** The job runs the report (the action's report stage or `orchestra-perf report`), or calls a workflow that does. */
export function jobReports(job: Obj): boolean {
  const called = calledWorkflow(job);
  if (called) return REPORTING_WORKFLOWS.includes(called);
  return asSteps(job).some(
    (step) =>
      (isOrchestraAction(stepUses(step)) && stagesMayInclude(step, 'report')) || runsCli(step, 'report'),
  );
}

/** The job writes a PR comment: it reports in a pull-request workflow, or calls a commenting workflow. */
function jobComments(job: Obj, prWorkflow: boolean): boolean {
  const called = calledWorkflow(job);
  if (called) return COMMENTING_WORKFLOWS.includes(called);
  return prWorkflow && jobReports(job);
}

/** The job may append history on the default branch: it reports outside pull requests. */
function jobWritesHistory(job: Obj, prWorkflow: boolean): boolean {
  const called = calledWorkflow(job);
  if (called) return HISTORY_WORKFLOWS.includes(called);
  return !prWorkflow && jobReports(job);
}

function triggers(doc: Obj): string[] {
  const on = doc.on ?? doc.true; // YAML 1.1 readers turn a bare `on` into `true`
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  const map = asObj(on);
  return map ? Object.keys(map) : [];
}

function grants(permissions: unknown, scope: string, level: string): boolean {
  if (permissions === 'write-all') return level === 'write' || level === 'read';
  if (permissions === 'read-all') return level === 'read';
  return asObj(permissions)?.[scope] === level;
}

/** Checks one workflow file's text; an empty array means it meets every rule. */
export function checkWorkflow(source: string, file: string, options: PolicyOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    return document.errors.map((e) => ({ file, rule: 'yaml' as const, message: e.message }));
  }
  const doc = asObj(document.toJS()) ?? {};
  const lines = source.split('\n');
  const add = (rule: RuleId, message: string, job?: string, line?: number) =>
    findings.push({ file, rule, message, ...(job ? { job } : {}), ...(line ? { line } : {}) });

  const on = triggers(doc);
  if (on.includes('pull_request_target')) {
    add(
      'pull-request-target',
      'pull_request_target runs with write tokens next to untrusted code; use pull_request',
    );
  }
  const topPermissions = asObj(doc.permissions);
  if (!topPermissions || Object.keys(topPermissions).length > 0) {
    add('top-level-permissions', 'top-level `permissions: {}` is required; grant per job');
  }
  const prFlavoured = on.includes('pull_request') || source.includes('github.event.pull_request');
  // Workflows that comment on pull requests: PR events, and the workflow_run commenter.
  const prWorkflow =
    prFlavoured || on.includes('workflow_run') || source.includes('github.event.workflow_run');

  const jobs = asObj(doc.jobs) ?? {};
  for (const [id, value] of Object.entries(jobs)) {
    const job = asObj(value) ?? {};
    const isCaller = typeof job.uses === 'string';
    if (!('permissions' in job)) {
      add('job-permissions', 'every job declares its own `permissions`', id);
    } else if (typeof job.permissions === 'string') {
      add(
        'job-permissions',
        `\`permissions: ${job.permissions}\` is not least privilege; list the scopes`,
        id,
      );
    }
    if (job.secrets === 'inherit')
      add('secrets-inherit', 'pass secrets explicitly, not `secrets: inherit`', id);
    // GitHub rejects timeout-minutes on a job that calls a reusable workflow: the callee sets it.
    if (!isCaller && job['timeout-minutes'] === undefined) {
      add('job-timeout', 'every job sets `timeout-minutes`', id);
    }
    if (grants(job.permissions, 'id-token', 'write') && !jobDeploys(job)) {
      add('id-token-without-deploy', '`id-token: write` only on a job that deploys (Google credentials)', id);
    }
    if (!grants(job.permissions, 'id-token', 'write') && jobMustDeploy(job, options)) {
      add(
        'deploy-without-id-token',
        'this job deploys to Google Cloud through Workload Identity Federation: grant `permissions: id-token: write`',
        id,
      );
    }
    if (grants(job.permissions, 'pull-requests', 'write') && !jobComments(job, prWorkflow)) {
      add('pull-requests-write-without-comment', '`pull-requests: write` only on the job that comments', id);
    }
    if (grants(job.permissions, 'contents', 'write') && !jobWritesHistory(job, prWorkflow)) {
      add('contents-write-without-history', '`contents: write` only where history is appended', id);
    }
    if (grants(job.permissions, 'checks', 'write') && !jobReports(job)) {
      add(
        'checks-write-without-report',
        '`checks: write` only on the job whose report creates the check run',
        id,
      );
    }
    if (
      prFlavoured &&
      !isCaller &&
      grants(job.permissions, 'id-token', 'write') &&
      !FORK_GUARD.test(String(job.if ?? ''))
    ) {
      add(
        'fork-deploy-unguarded',
        'a PR job with id-token must run only for same-repository PRs: ' +
          '`if: github.event.pull_request.head.repo.full_name == github.repository`',
        id,
      );
    }
    for (const step of asSteps(job)) {
      const uses = stepUses(step);
      if (isCheckout(uses)) {
        const persist = asObj(step.with)?.['persist-credentials'];
        if (persist !== false && persist !== 'false') {
          add('checkout-persist-credentials', 'actions/checkout needs `persist-credentials: false`', id);
        }
      }
      const withs = asObj(step.with) ?? {};
      for (const key of ['workload_identity_provider', 'deploy-workload-identity-provider']) {
        const value = withs[key];
        if (typeof value !== 'string' || value.includes('${{') || value === '') continue;
        const problem = checkWorkloadIdentityProvider(value);
        if (problem) add('bad-workload-identity-provider', `${key} ${problem}`, id);
      }
      const scripts = [
        step.run,
        uses.startsWith('actions/github-script@') ? asObj(step.with)?.script : undefined,
      ];
      for (const script of scripts) {
        if (typeof script !== 'string') continue;
        for (const match of script.matchAll(EXPRESSION)) {
          if (UNTRUSTED_EXPRESSION.test(match[1] ?? '')) {
            add('untrusted-in-run', `\`${match[0]}\` inside a script; pass it through \`env:\``, id);
          }
        }
      }
    }
  }

  // `uses:` anywhere (steps and reusable-workflow calls), checked on the YAML nodes for line numbers.
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
          checkUses(pair.value as Scalar);
        } else {
          visit(pair.value);
        }
      }
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray(node.items)) {
      for (const item of node.items) visit(item);
    }
  };
  const checkUses = (node: Scalar) => {
    const value = String(node.value).trim();
    const line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
    if (value.startsWith('./')) return;
    if (value.startsWith('docker://')) {
      if (!PINNED_DOCKER.test(value))
        add('unpinned-uses', `${value} is not pinned by digest`, undefined, line);
      return;
    }
    if (!PINNED_USES.test(value)) {
      add('unpinned-uses', `${value} is not pinned to a full 40-character commit SHA`, undefined, line);
      return;
    }
    const text = line ? (lines[line - 1] ?? '') : '';
    if (!/#\s*v?\d/.test(text.slice(text.indexOf(value) + value.length))) {
      add('missing-version-comment', `${value} needs a version comment (\`# v1.2.3\`)`, undefined, line);
    }
  };
  visit(document.contents);
  return findings;
}
