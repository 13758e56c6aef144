/**
 * What the shipped workflows promise beyond the generic policy: the verified action pins, the
 * documented workflow_call interfaces, concurrency, selectable WIF, the fork split, the fork-safe
 * commenter, and that each template's caller job grants what its reusable workflow's jobs request
 * (GitHub refuses the run otherwise). Shell steps with their own logic are run for real with bash.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` here is GitHub expression syntax in workflow text.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allFiles, repoRoot, templateFiles, type WorkflowFile, workflow, workflowFiles } from './files.js';
import { interfaceTables } from './interface-table.js';

type Obj = Record<string, unknown>;

/**
 * Release commits verified on 2026-11-23 against the actions' own git tags (mirrored with `fetch`)
 * and cross-checked in other public repositories' pinned workflows. All run on node24.
 */
const VERIFIED_PINS: Record<string, { sha: string; version: string }> = {
  'actions/checkout': { sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  'actions/setup-node': { sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  'actions/upload-artifact': { sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', version: 'v7.0.0' },
  'actions/download-artifact': { sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', version: 'v8.0.1' },
  'actions/cache': { sha: '27d5ce7f107fe9357f9df03efb73ab90386fccae', version: 'v5.0.5' },
  'google-github-actions/auth': { sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093', version: 'v3.0.0' },
};
/** This project's own release commit; a placeholder that the release (and `init`) rewrites. */
const OWN_REPO = 'org/orchestra-perf-action';
const OWN_PLACEHOLDER = '0000000000000000000000000000000000000000';

const DEPLOYING = ['deploy.yml', 'pr-preview.yml', 'pr-preview-cleanup.yml', 'promote.yml'];
const reusable = workflowFiles.filter((f) => f.name !== 'ci.yml');

function obj(value: unknown): Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}
function jobs(file: WorkflowFile): [string, Obj][] {
  return Object.entries(obj(file.doc.jobs)).map(([id, job]) => [id, obj(job)]);
}
function steps(job: Obj): Obj[] {
  return Array.isArray(job.steps) ? job.steps.map(obj) : [];
}
function job(file: WorkflowFile, id: string): Obj {
  const found = obj(obj(file.doc.jobs)[id]);
  expect(Object.keys(found).length, `${file.path} has no job ${id}`).toBeGreaterThan(0);
  return found;
}
/** Every `uses:` line with its trailing comment. */
function usesLines(file: WorkflowFile): { ref: string; comment: string }[] {
  return [...file.source.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)\s*(#.*)?$/gm)].map((m) => ({
    ref: m[1] ?? '',
    comment: (m[2] ?? '').replace(/^#\s*/, ''),
  }));
}
/** Runs one `run:` script with bash, as the runner would (bash -e), with the given environment. */
function runScript(script: string, env: Record<string, string>) {
  return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'orchestra-wf-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('action pins', () => {
  it('uses only the verified commit of each third-party action, with its version comment', () => {
    const seen = new Set<string>();
    for (const file of allFiles) {
      for (const { ref, comment } of usesLines(file)) {
        if (ref.startsWith('./') || ref.startsWith(`${OWN_REPO}@`) || ref.startsWith(`${OWN_REPO}/`))
          continue;
        const [name, sha] = ref.split('@') as [string, string];
        const pin = VERIFIED_PINS[name];
        expect(pin, `${file.path}: ${name} is not in the verified pin table`).toBeDefined();
        expect(`${file.path}: ${name}@${sha} # ${comment}`).toBe(
          `${file.path}: ${name}@${pin?.sha} # ${pin?.version}`,
        );
        seen.add(name);
      }
    }
    expect([...seen].sort()).toEqual(
      Object.keys(VERIFIED_PINS)
        .filter((n) => n !== 'actions/cache')
        .sort(),
    );
  });

  it("pins this project's own action, workflows and CLI checkout to one commit", () => {
    for (const file of allFiles) {
      for (const { ref, comment } of usesLines(file)) {
        if (!ref.startsWith(OWN_REPO)) continue;
        expect(ref.split('@')[1], `${file.path}: ${ref}`).toBe(OWN_PLACEHOLDER);
        expect(comment).toBe('v1');
      }
      for (const [, j] of jobs(file)) {
        for (const step of steps(j)) {
          const w = obj(step.with);
          if (w.repository === OWN_REPO) expect(w.ref, file.path).toBe(OWN_PLACEHOLDER);
        }
      }
    }
  });
});

describe('reusable workflow interfaces', () => {
  it.each(reusable.map((f) => [f.name, f] as const))(
    '%s is workflow_call only and documents its interface',
    (_n, file) => {
      const on = obj(file.doc.on);
      expect(Object.keys(on)).toEqual(['workflow_call']);
      const call = obj(on.workflow_call);
      const inputs = Object.entries(obj(call.inputs));
      expect(inputs.length).toBeGreaterThan(0);
      for (const [name, input] of inputs) {
        expect(typeof obj(input).description, `input ${name}`).toBe('string');
        expect(['string', 'number', 'boolean'], `input ${name}`).toContain(obj(input).type);
      }
      for (const [name, output] of Object.entries(obj(call.outputs))) {
        expect(typeof obj(output).description, `output ${name}`).toBe('string');
        expect(String(obj(output).value), `output ${name}`).toMatch(
          /^\$\{\{ jobs\.[a-z-]+\.outputs\.[a-z0-9-]+ \}\}$/,
        );
      }
      for (const [name, secret] of Object.entries(obj(call.secrets))) {
        expect(typeof obj(secret).description, `secret ${name}`).toBe('string');
        expect(obj(secret).required, `secret ${name} must be optional (WIF needs none)`).toBe(false);
      }
    },
  );

  it('exposes the action outputs a caller chains on', () => {
    const outputs = (name: string) => Object.keys(obj(obj(obj(workflow(name).doc.on).workflow_call).outputs));
    expect(outputs('deploy.yml')).toEqual(
      expect.arrayContaining(['image-digest', 'url', 'revision', 'verdict']),
    );
    expect(outputs('load-shards.yml')).toEqual(['p50-ms', 'p95-ms', 'p99-ms', 'rps', 'error-rate']);
  });
});

describe('concurrency', () => {
  it('previews: one group per PR, cancelling the superseded run', () => {
    const file = workflow('pr-preview.yml');
    for (const id of ['preview', 'untrusted']) {
      const c = obj(job(file, id).concurrency);
      expect(String(c.group)).toContain('github.event.pull_request.number');
      expect(c['cancel-in-progress']).toBe(true);
    }
  });

  it('deploys and promotions: one group per environment, never cancelled, shared by both', () => {
    const deploy = obj(job(workflow('deploy.yml'), 'deploy').concurrency);
    const promote = obj(job(workflow('promote.yml'), 'promote').concurrency);
    for (const c of [deploy, promote]) {
      expect(String(c.group)).toContain('inputs.environment');
      expect(c['cancel-in-progress']).toBe(false);
    }
    expect(deploy.group).toBe(promote.group);
  });
});

describe('Workload Identity Federation is selectable', () => {
  it.each(DEPLOYING.map((n) => [n] as const))('%s', (name) => {
    const file = workflow(name);
    const input = obj(obj(obj(obj(file.doc.on).workflow_call).inputs).auth);
    expect(input.default).toBe('google-github-actions');
    const deployJobs = jobs(file).filter(([, j]) => obj(j.permissions)['id-token'] === 'write');
    expect(deployJobs.length).toBeGreaterThan(0);
    for (const [id, j] of deployJobs) {
      const all = steps(j);
      const auth = all.findIndex((s) => String(s.uses).startsWith('google-github-actions/auth@'));
      expect(auth, `${name}/${id} runs google-github-actions/auth`).toBeGreaterThan(-1);
      expect(all[auth]?.if).toBe("inputs.auth == 'google-github-actions'");
      // The provider and account come from inputs or the environment's vars, never from secrets.
      expect(String(obj(all[auth]?.with).workload_identity_provider)).toBe('${{ env.WIF_PROVIDER }}');
      expect(String(obj(j.env).WIF_PROVIDER)).toContain('vars.ORCHESTRA_PERF_WIF_PROVIDER');
      expect(JSON.stringify(j)).not.toMatch(/secrets\.[A-Za-z_-]*(wif|provider|service)/i);
      const action = all.findIndex((s) => String(s.uses).startsWith(`${OWN_REPO}@`));
      if (action > -1) {
        expect(action).toBeGreaterThan(auth);
        const w = obj(all[action]?.with);
        expect(w['deploy-workload-identity-provider']).toBe(
          "${{ inputs.auth == 'orchestra' && env.WIF_PROVIDER || '' }}",
        );
        expect(w['deploy-service-account']).toBe(
          "${{ inputs.auth == 'orchestra' && env.SERVICE_ACCOUNT || '' }}",
        );
      }
    }
  });
});

describe('forks', () => {
  const file = workflow('pr-preview.yml');

  it('the preview deploys only for same-repository PRs, the fork job holds no credentials', () => {
    expect(job(file, 'preview').if).toBe(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    const untrusted = job(file, 'untrusted');
    expect(untrusted.if).toBe('github.event.pull_request.head.repo.full_name != github.repository');
    expect(untrusted.permissions).toEqual({ contents: 'read' });
    const uses = steps(untrusted).map((s) => String(s.uses ?? ''));
    expect(uses.some((u) => u.startsWith('google-github-actions/auth@'))).toBe(false);
    expect(uses.some((u) => u.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('a preview is a no-traffic revision', () => {
    const action = steps(job(file, 'preview')).find((s) => String(s.uses).startsWith(`${OWN_REPO}@`));
    expect(obj(action?.with)['deploy-traffic']).toBe('none');
  });

  it('only the same-repository preview job, which reports, may write to the PR', () => {
    for (const [id, j] of jobs(file)) {
      const p = obj(j.permissions);
      if (id === 'preview') {
        expect(p).toEqual({
          checks: 'write',
          contents: 'read',
          'id-token': 'write',
          'pull-requests': 'write',
        });
        const action = steps(j).find((s) => String(s.uses).startsWith(`${OWN_REPO}@`));
        expect(obj(action?.with).stages).toBe('${{ inputs.stages }}');
      } else {
        expect(
          Object.values(p).filter((level) => level === 'write'),
          id,
        ).toEqual([]);
      }
    }
    const inputs = obj(obj(obj(file.doc.on).workflow_call).inputs);
    expect(obj(inputs.stages).default).toBe('cache,build,image,deploy,smoke,report');
  });

  it('the fork job keeps the report stage, which writes the artifact the commenter reads', () => {
    const inputs = obj(obj(obj(file.doc.on).workflow_call).inputs);
    expect(String(obj(inputs['fork-stages']).default).split(',')).toContain('report');
    const upload = steps(job(file, 'untrusted')).find((s) =>
      String(s.uses).startsWith('actions/upload-artifact@'),
    );
    expect(obj(upload?.with)).toMatchObject({
      name: 'orchestra-perf-result',
      path: '${{ github.workspace }}/.orchestra-perf/pr-report/',
      'include-hidden-files': true,
    });
    const report = workflow('perf-report.yml');
    const input = obj(obj(obj(obj(report.doc.on).workflow_call).inputs)['artifact-name']);
    expect(input.default).toBe('orchestra-perf-result');
  });
});

describe('the fork-safe commenter (perf-report.yml)', () => {
  const file = workflow('perf-report.yml');
  const comment = job(file, 'comment');

  it('never checks out the pull request: only the action repository at the pinned commit', () => {
    const checkouts = steps(comment).filter((s) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkouts.length).toBe(1);
    expect(obj(checkouts[0]?.with)).toMatchObject({ repository: OWN_REPO, ref: OWN_PLACEHOLDER });
    expect(file.source).not.toMatch(/head_branch|head_repository|pull_requests\[/);
  });

  it('downloads the finished run artifact outside the workspace and only reports from it', () => {
    const download = steps(comment).find((s) => String(s.uses).startsWith('actions/download-artifact@'));
    expect(obj(download?.with)).toMatchObject({
      'run-id': '${{ github.event.workflow_run.id }}',
      path: '${{ runner.temp }}/orchestra-perf-untrusted',
    });
    const runs = steps(comment)
      .map((s) => s.run)
      .filter((r): r is string => typeof r === 'string');
    expect(runs).toEqual(['node .orchestra-perf-action/dist/cli/index.js report --artifact "$ARTIFACT_DIR"']);
    expect(comment.permissions).toEqual({
      actions: 'read',
      checks: 'write',
      contents: 'read',
      'pull-requests': 'write',
    });
  });
});

describe('promote.yml', () => {
  const file = workflow('promote.yml');
  const promote = job(file, 'promote');
  const check = String(steps(promote)[0]?.run);

  it('runs in a GitHub environment and deploys the given digest in canary steps', () => {
    expect(obj(promote.environment).name).toBe('${{ inputs.environment }}');
    const action = steps(promote).find((s) => String(s.uses).startsWith(`${OWN_REPO}@`));
    expect(obj(action?.with)).toMatchObject({
      'deploy-image': '${{ inputs.image }}',
      stages: 'deploy,smoke,report',
    });
    const traffic = obj(obj(obj(obj(file.doc.on).workflow_call).inputs).traffic);
    expect(traffic.default).toBe('canary:10,50,100');
  });

  it.each([
    ['us-docker.pkg.dev/acme/apps/api@sha256:' + 'a'.repeat(64), 0],
    ['127.0.0.1:5000/acme/api@sha256:' + '0123456789abcdef'.repeat(4), 0],
    ['us-docker.pkg.dev/acme/apps/api:latest', 2],
    ['us-docker.pkg.dev/acme/apps/api@sha256:' + 'a'.repeat(63), 2],
    ['us-docker.pkg.dev/acme/apps/api@sha256:' + 'A'.repeat(64), 2],
    ['x@sha256:' + 'a'.repeat(64) + '\n$(id)', 2],
    ['', 2],
  ])('refuses anything but a digest before deploying: %j -> exit %i', (image, status) => {
    const result = runScript(check, { AUTH: 'google-github-actions', IMAGE: image });
    expect(result.status, result.stdout + result.stderr).toBe(status);
  });

  it('refuses an unknown auth value', () => {
    const result = runScript(check, { AUTH: 'keys', IMAGE: `a.b/c/d@sha256:${'a'.repeat(64)}` });
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('use google-github-actions or orchestra');
  });
});

describe('load-shards.yml', () => {
  const file = workflow('load-shards.yml');
  const plan = String(steps(job(file, 'plan'))[0]?.run);

  it.each([
    ['1', '[1]'],
    ['3', '[1,2,3]'],
    ['20', '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]'],
  ])('plans %s shards as %s', (shards, matrix) => {
    const output = join(scratch, `out-${shards}`);
    const result = runScript(plan, { SHARDS: shards, GITHUB_OUTPUT: output });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe(`shards=${matrix}\n`);
  });

  it.each(['0', '21', 'abc', '', '2;id', '-1'])('refuses shards=%j', (shards) => {
    const result = runScript(plan, { SHARDS: shards, GITHUB_OUTPUT: join(scratch, 'refused') });
    expect(result.status).toBe(2);
  });

  it('each shard takes its slice and the merge job adds them', () => {
    const shard = job(file, 'shard');
    expect(obj(obj(shard.strategy).matrix).shard).toBe('${{ fromJSON(needs.plan.outputs.shards) }}');
    expect(JSON.stringify(steps(shard))).toContain('--shard \\"$SHARD\\" --out \\"$OUT\\"');
    expect(JSON.stringify(steps(job(file, 'merge')))).toContain(
      'cli/index.js merge \\"$SHARDS_DIR\\"/shard-*.json --out',
    );
  });
});

describe('templates call the reusable workflows with enough permissions', () => {
  const level = (value: unknown) => ({ none: 0, read: 1, write: 2 })[String(value) as 'none'] ?? 0;

  it.each(templateFiles.map((f) => [f.name, f] as const))('%s', (_n, file) => {
    const callers = jobs(file).filter(([, j]) => typeof j.uses === 'string');
    expect(callers.length).toBeGreaterThan(0);
    for (const [id, caller] of callers) {
      const match = /^org\/orchestra-perf-action\/\.github\/workflows\/([a-z-]+\.yml)@[0-9a-f]{40}$/.exec(
        String(caller.uses),
      );
      expect(match, `${file.name}/${id}: ${caller.uses}`).not.toBeNull();
      const callee = workflow(match?.[1] ?? '');
      const granted = obj(caller.permissions);
      for (const [calleeId, calleeJob] of jobs(callee)) {
        for (const [scope, wanted] of Object.entries(obj(calleeJob.permissions))) {
          expect(
            level(granted[scope]),
            `${file.name}/${id} -> ${callee.name}/${calleeId} needs ${scope}: ${wanted}`,
          ).toBeGreaterThanOrEqual(level(wanted));
        }
      }
      expect(caller.secrets, `${file.name}/${id}`).not.toBe('inherit');
    }
  });

  it('read their Google settings from vars, never from secrets', () => {
    for (const file of templateFiles) expect(file.source).not.toMatch(/secrets\./);
  });

  it('put staging and prod in their own environments, prod promoted by digest after staging', () => {
    const release = templateFiles.find((f) => f.name === 'orchestra-perf-release.yml');
    expect(release).toBeDefined();
    const [staging, prod] = [job(release!, 'staging'), job(release!, 'prod')];
    expect(obj(staging.with).environment).toBe('staging');
    expect(obj(prod.with)).toMatchObject({
      environment: 'prod',
      image: '${{ vars.ORCHESTRA_PERF_IMAGE }}@${{ needs.staging.outputs.image-digest }}',
    });
    expect(prod.needs).toBe('staging');
  });

  it('deploy dev on push to the default branch', () => {
    const dev = templateFiles.find((f) => f.name === 'orchestra-perf-dev.yml');
    expect(obj(obj(dev?.doc.on).push).branches).toEqual(['$default-branch']);
  });
});

describe("the project's own CI", () => {
  const ci = workflow('ci.yml');

  it('runs test, check-dist, lint, workflow-lint and a self-test of the action', () => {
    expect(Object.keys(obj(ci.doc.jobs)).sort()).toEqual([
      'check-dist',
      'lint',
      'self-test',
      'test',
      'workflow-lint',
    ]);
    expect(Object.keys(obj(ci.doc.on)).sort()).toEqual(['pull_request', 'push']);
    const runs = (id: string) => steps(job(ci, id)).map((s) => String(s.run ?? ''));
    expect(runs('test')).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
    expect(runs('lint')).toContain('npm run lint');
    expect(runs('check-dist')).toContain('npm run build');
    expect(runs('check-dist').join('\n')).toContain('git diff --exit-code -- dist/');
    expect(runs('workflow-lint').join('\n')).toContain('test/unit/workflows');
    const self = steps(job(ci, 'self-test')).find((s) => s.uses === './');
    expect(obj(self?.with)).toMatchObject({ stages: 'smoke', 'smoke-url': 'http://127.0.0.1:8080/' });
  });

  it('runs on Node 24 with read-only tokens', () => {
    for (const [id, j] of jobs(ci)) {
      expect(j.permissions, id).toEqual({ contents: 'read' });
      const node = steps(j).find((s) => String(s.uses).startsWith('actions/setup-node@'));
      expect(obj(node?.with)['node-version'], id).toBe(24);
    }
  });
});

describe('docs/workflows.md', () => {
  const docs = readFileSync(join(repoRoot, 'docs/workflows.md'), 'utf8');

  it('has a section for every reusable workflow and template', () => {
    for (const file of allFiles) expect(docs, file.name).toContain(`\`${file.name}\``);
  });

  it.each(reusable.map((f) => [f.name, f] as const))(
    'documents the interface of %s exactly as the YAML declares it',
    (name, file) => {
      // Compared without the column padding a Markdown formatter adds.
      const normalize = (text: string) =>
        text
          .split('\n')
          .map((line) =>
            line.startsWith('|') ? line.replace(/\s*\|\s*/g, '|').replace(/\|-+(?=\|)/g, '|---') : line,
          )
          .join('\n');
      expect(normalize(docs)).toContain(normalize(interfaceTables(name, file.doc)));
    },
  );

  it('lists the verified pins', () => {
    for (const [name, pin] of Object.entries(VERIFIED_PINS))
      expect(docs).toContain(`${name}@${pin.sha} # ${pin.version}`);
  });

  it('writes out the one-time Google setup', () => {
    for (const needle of [
      'gcloud iam workload-identity-pools create',
      'gcloud iam workload-identity-pools providers create-oidc',
      'assertion.repository_owner_id',
      'assertion.repository_id',
      'principalSet://iam.googleapis.com/projects/',
      'roles/iam.workloadIdentityUser',
      'roles/run.developer',
      'roles/iam.serviceAccountUser',
      'roles/artifactregistry.writer',
    ]) {
      expect(docs).toContain(needle);
    }
  });
});
