/** The built CLI bundle: exit codes and one-line fix-it messages. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, REPO_ROOT } from '../../helpers/runner.js';

function cli(args: string[], cwd = REPO_ROOT) {
  const run = spawnSync(NODE, [join(REPO_ROOT, 'dist/cli/index.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchestra-cli-'));
  writeFileSync(join(dir, 'orchestra-perf.yml'), text);
  return join(dir, 'orchestra-perf.yml');
}

describe('orchestra-perf CLI', () => {
  it('prints help and the version', () => {
    expect(cli(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/usage: orchestra-perf <command>/),
    });
    expect(cli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on an unknown command or flag, with the fix', () => {
    expect(cli(['deploy-everything'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown command "deploy-everything"/),
    });
    expect(cli(['validate', '--bogus'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--bogus.*usage: orchestra-perf validate/),
    });
  });

  it.each([
    ['smoke: { duration: 10x }', /smoke\.duration: "10x" is not a duration; write .*/],
    ['smoke: { thresholds: [p95<<3] }', /smoke\.thresholds\[0\]: "p95<<3" is not a threshold; write/],
    ['deploy: { service: Bad_Name }', /deploy\.service: "Bad_Name" must start with a lowercase letter/],
    ['deploy: { region: europe-west99 }', /deploy\.region: "europe-west99" is not a Cloud Run region/],
    ['image: { name: "registry.example.com/UPPER/api" }', /image\.name: .* is not an image reference/],
    ['smoke: { colour: blue }', /smoke: unknown key "colour"; allowed keys: url, baseline-url/],
    ['deploy: { max-instances: lots }', /deploy\.max-instances: .*expected number/],
  ])('validate exits 2 with one fix-it line for %s', (text, pattern) => {
    const run = cli(['validate', '--config', configFile(text)]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('validate prints the resolved plan per stage with skip reasons', () => {
    const run = cli(['validate', '--config', configFile('report: { comment: never }')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/is valid for environment "local"/);
    for (const stage of ['cache', 'build', 'image', 'deploy', 'smoke', 'report'])
      expect(run.stdout).toMatch(new RegExp(`  ${stage}: `));
  });

  it('validate --format json is machine readable', () => {
    const run = cli(['validate', '--format', 'json', '--config', configFile('')]);
    expect(JSON.parse(run.stdout).stages).toHaveLength(6);
  });
});
