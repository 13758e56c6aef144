/** The built main and post bundles, run as GitHub runs them (runner emulation). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBundle } from '../../helpers/runner.js';

function workspaceWith(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchestra-ws-'));
  writeFileSync(join(dir, 'orchestra-perf.yml'), config);
  return dir;
}

describe('dist/main as the runner runs it', () => {
  it('with a minimal config writes outputs and a summary that says which stages were skipped and why', async () => {
    const workspace = workspaceWith('report: { comment: never }\n');
    const run = await runBundle('main', {
      workspace,
      inputs: {
        config: 'orchestra-perf.yml',
        stages: 'all',
        environment: 'staging',
        'github-token': 'ghs_secretvalue123',
      },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(readFileSync(run.outputs['result-path']!, 'utf8'));
    expect(result).toMatchObject({
      schemaVersion: 1,
      meta: { tool: 'orchestra-perf', environment: 'staging', commit: 'a'.repeat(40) },
    });
    expect(run.summary).toContain('orchestra-perf · staging');
    for (const stage of ['cache', 'build', 'image', 'deploy', 'smoke', 'report']) {
      expect(run.summary).toMatch(new RegExp(`\\| ${stage} \\| ⏭️ skipped \\|  \\| .+ \\|`));
    }
    // The token was masked before anything else happened.
    expect(run.commands.find((command) => command.command === 'add-mask')?.message).toBe(
      'ghs_secretvalue123',
    );
    expect(run.state['main-exit-code']).toBe('0');
  });

  it('only runs the stages selected', async () => {
    const run = await runBundle('main', {
      workspace: workspaceWith(''),
      inputs: { config: 'orchestra-perf.yml', stages: 'build' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatch(/\| smoke \| ⏭️ skipped \| {2}\| not selected by the stages input \|/);
  });

  it('rejects a bad input before any work with one line naming the input and the fix', async () => {
    const run = await runBundle('main', {
      workspace: workspaceWith('smoke: { duration: 20s }'),
      inputs: { config: 'orchestra-perf.yml', 'smoke-duration': '10x', 'deploy-region': 'mars-1' },
    });
    expect(run.exitCode).not.toBe(0);
    const errors = run.commands
      .filter((command) => command.command === 'error')
      .map((command) => command.message);
    expect(errors.join('\n')).toMatch(/input smoke-duration: "10x" is not a duration/);
    expect(errors.join('\n')).toMatch(/input deploy-region: "mars-1" is not a Cloud Run region/);
    expect(run.outputs['result-path']).toBeUndefined();
  });

  it('fails with a fix-it line when the named config file is missing', async () => {
    const run = await runBundle('main', { workspace: workspaceWith(''), inputs: { config: 'nope.yml' } });
    expect(run.exitCode).toBe(2);
    expect(run.commands.find((command) => command.command === 'error')?.message).toMatch(
      /nope\.yml: config file not found.*orchestra-perf init/,
    );
  });

  it('on a pull request from a fork: a notice, no failure', async () => {
    const run = await runBundle('main', {
      event: 'pull_request_fork',
      workspace: workspaceWith(''),
      inputs: { config: 'orchestra-perf.yml' },
    });
    expect(run.exitCode).toBe(0);
    const notice = run.commands.find((command) => command.command === 'notice');
    expect(notice?.message).toMatch(/fork mallory\/api: it gets no OIDC token/);
    expect(run.summary).toMatch(/fork mallory\/api/);
  });
});

describe('dist/post as the runner runs it', () => {
  it("runs after main with main's state and never fails the job", async () => {
    const main = await runBundle('main', {
      workspace: workspaceWith(''),
      inputs: { config: 'orchestra-perf.yml' },
    });
    const post = await runBundle('post', {
      workspace: main.runnerDir,
      runnerDir: main.runnerDir,
      state: main.state,
    });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(/post: cleanup complete/);
  });

  it('is safe to run when main never ran (no state at all)', async () => {
    const post = await runBundle('post', {});
    expect(post.exitCode).toBe(0);
  });
});
