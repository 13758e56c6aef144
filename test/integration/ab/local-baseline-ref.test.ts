/**
 * `orchestra-perf run --baseline-ref REV` on a real git repository: the base commit runs from a
 * temporary worktree beside the working tree, both are measured in one window, and a slower
 * working tree is flagged by the paired comparison. The worktree and both services are gone after.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, REPO_ROOT } from '../../helpers/runner.js';

const SERVER = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const delay = Number(readFileSync(new URL('./delay.txt', import.meta.url), 'utf8'));
createServer((req, res) => setTimeout(() => res.end('ok'), delay)).listen(Number(process.env.PORT), '127.0.0.1');
`;

const CONFIG = `
deploy: { target: local, command: node server.js, readiness-path: / }
smoke: { duration: 2s, warmup: 300ms, rate: 100 }
`;

function repository(baseDelayMs: number, workingTreeDelayMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ab-local-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'server.mjs'), SERVER);
  writeFileSync(join(dir, 'server.js'), "import('./server.mjs');\n");
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'orchestra-perf.yml'), CONFIG);
  writeFileSync(join(dir, 'delay.txt'), String(baseDelayMs));
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
  writeFileSync(join(dir, 'delay.txt'), String(workingTreeDelayMs)); // the uncommitted change under test
  return dir;
}

describe('run --baseline-ref', () => {
  it('measures the working tree against the base commit in one window and flags a slower change', () => {
    const dir = repository(10, 30);
    const run = spawnSync(
      NODE,
      [
        join(REPO_ROOT, 'dist/cli/index.js'),
        'run',
        '--config',
        'orchestra-perf.yml',
        '--stages',
        'deploy,smoke,report',
        '--baseline-ref',
        'HEAD',
        '--out',
        'out',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'out/perf-result.json'), 'utf8'));
    expect(result.smoke.baseline.requests).toBeGreaterThan(100);
    expect(result.smoke.latencyMs.p50).toBeGreaterThan(result.smoke.baseline.latencyMs.p50 + 10);
    const report = readFileSync(join(dir, 'out/report.md'), 'utf8');
    expect(report).toMatch(/serving revision measured in the same time window \(paired run\)/);
    expect(report).toMatch(/\| p50 latency \|[^\n]*regression/);
    // The base worktree is removed again.
    expect(
      execFileSync('git', ['worktree', 'list'], { cwd: dir }).toString().trim().split('\n'),
    ).toHaveLength(1);
  });

  it('rejects a revision that is not a commit, and one that looks like an option, before starting anything', () => {
    const dir = repository(10, 10);
    for (const revision of ['no-such-branch', '--output=/tmp/x']) {
      const run = spawnSync(
        NODE,
        [
          join(REPO_ROOT, 'dist/cli/index.js'),
          'run',
          '--config',
          'orchestra-perf.yml',
          '--stages',
          'deploy,smoke',
          `--baseline-ref=${revision}`,
        ],
        {
          cwd: dir,
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/--baseline-ref/);
    }
  });
});
