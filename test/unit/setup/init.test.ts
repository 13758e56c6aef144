/** `orchestra-perf init` on fixture repositories: configs that validate, workflows that pass the policy. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/command.js';
import { createInitCommand } from '../../../src/cli/commands/init.js';
import { defaultsOnly } from '../../../src/cli/prompt.js';
import { resolveConfig } from '../../../src/config/load.js';
import { NullLogger } from '../../../src/logger.js';
import { checkWorkflow } from '../workflows/policy.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function fixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `init-${name}-`));
  cpSync(join('test/fixtures/init', name), dir, { recursive: true });
  return dir;
}

async function init(cwd: string, extra: string[] = []) {
  const lines: string[] = [];
  const io: CliIO = {
    out: (text) => lines.push(text),
    logger: new NullLogger(),
    cwd,
    env: {},
    signal: new AbortController().signal,
  };
  const args = [
    '--yes',
    '--project-id',
    'acme-prod',
    '--region',
    'europe-west1',
    '--repository',
    'acme/api',
    '--action-sha',
    SHA,
    ...extra,
  ];
  const code = await createInitCommand({ prompter: defaultsOnly }).run(args, io);
  return { code, output: lines.join('\n') };
}

function files(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub)).flatMap((name) => {
    const path = join(sub, name);
    return statSync(join(dir, path)).isDirectory() ? files(dir, path) : [path];
  });
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(files(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
}

describe('orchestra-perf init', () => {
  it.each([
    ['node-app', 'node', ['install', 'lint', 'test', 'build'], 'npm ci'],
    ['python-uv', 'python', ['install', 'lint', 'test'], 'uv sync --frozen'],
    ['go-app', 'go', ['vet', 'test', 'build'], 'go vet ./...'],
  ])('detects %s and writes a config that validates', async (name, language, tasks, firstCommand) => {
    const dir = fixture(name);
    const { code, output } = await init(dir);
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`Detected: .*\\(${language}, Dockerfile\\)`));
    const text = readFileSync(join(dir, '.github/orchestra-perf.yml'), 'utf8');
    const config = resolveConfig({ file: { path: 'orchestra-perf.yml', text } });
    expect(config.build.tasks.map((task) => task.name)).toEqual(tasks);
    expect(config.build.tasks[0]!.run).toBe(firstCommand);
    expect(config.image.name).toBe(`europe-west1-docker.pkg.dev/acme-prod/apps/${config.deploy.service}`);
    expect(config.deploy).toMatchObject({
      target: 'cloud-run',
      'project-id': 'acme-prod',
      region: 'europe-west1',
    });
    // The prod overrides validate as well.
    expect(resolveConfig({ file: { path: 'f', text }, environment: 'prod' }).deploy['min-instances']).toBe(1);
  });

  it('writes one config and one set of workflows per service in a monorepo', async () => {
    const dir = fixture('monorepo');
    const { code } = await init(dir);
    expect(code).toBe(0);
    for (const service of ['web', 'worker']) {
      const text = readFileSync(join(dir, `.github/orchestra-perf/${service}.yml`), 'utf8');
      const config = resolveConfig({ file: { path: 'f', text } });
      expect(config.deploy.service).toBe(service);
      expect(config.image.context).toBe(`services/${service}`);
      expect(config.build.tasks.every((task) => task['working-directory'] === `services/${service}`)).toBe(
        true,
      );
      const workflows = files(dir, '.github/workflows').filter((file) => file.endsWith(`-${service}.yml`));
      expect(workflows.length).toBeGreaterThan(0);
      const configured = workflows
        .map((workflow) => readFileSync(join(dir, workflow), 'utf8'))
        .filter((text) => /\bconfig:/.test(text));
      expect(configured.length).toBeGreaterThan(0);
      for (const text of configured) {
        expect(text).toContain(`config: .github/orchestra-perf/${service}.yml`);
        expect(text).not.toContain('config: .github/orchestra-perf.yml');
      }
    }
    const web = resolveConfig({
      file: { path: 'f', text: readFileSync(join(dir, '.github/orchestra-perf/web.yml'), 'utf8') },
    });
    expect(web.build.tasks[0]).toMatchObject({ name: 'web-install', run: 'pnpm install --frozen-lockfile' });
  });

  it('writes caller workflows pinned to the commit that pass the workflow policy', async () => {
    const dir = fixture('node-app');
    await init(dir, ['--action-repo', 'acme-tools/orchestra-perf-action']);
    const workflows = files(dir, '.github/workflows');
    expect(workflows.length).toBeGreaterThanOrEqual(3);
    for (const workflow of workflows) {
      const text = readFileSync(join(dir, workflow), 'utf8');
      expect(checkWorkflow(text, workflow)).toEqual([]);
      for (const use of text.matchAll(/uses:\s*(\S+)/g)) {
        if (use[1]!.startsWith('acme-tools/')) expect(use[1]).toMatch(new RegExp(`@${SHA}$`));
      }
      expect(text).not.toMatch(/org\/orchestra-perf-action/);
    }
  });

  it('changes nothing when run again, and keeps a user-edited file unless --force', async () => {
    const dir = fixture('go-app');
    await init(dir);
    const before = snapshot(dir);
    const again = await init(dir);
    expect(again.output).toMatch(/Files: none changed/);
    expect(snapshot(dir)).toEqual(before);

    const edited = `${before['.github/orchestra-perf.yml']}# my note\n`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, '.github/orchestra-perf.yml'), edited);
    await init(dir);
    expect(readFileSync(join(dir, '.github/orchestra-perf.yml'), 'utf8')).toBe(edited);
    await init(dir, ['--force']);
    expect(readFileSync(join(dir, '.github/orchestra-perf.yml'), 'utf8')).toBe(
      before['.github/orchestra-perf.yml'],
    );
  });

  it('rejects a bad project ID or region before writing anything', async () => {
    const dir = fixture('node-app');
    await expect(
      createInitCommand({ prompter: defaultsOnly }).run(
        ['--yes', '--project-id', 'Acme', '--action-sha', SHA],
        {
          out: () => {},
          logger: new NullLogger(),
          cwd: dir,
          env: {},
          signal: new AbortController().signal,
        },
      ),
    ).rejects.toThrow(/project ID "Acme" is not a project ID/);
    expect(files(dir).some((file) => file.startsWith('.github'))).toBe(false);
  });

  it('prints WIF commands that a shell runs with exactly the intended arguments', async () => {
    const { output } = await init(fixture('node-app'), [
      '--repository-id',
      '700000001',
      '--owner-id',
      '900000001',
      '--project-number',
      '123456789',
    ]);
    const providerLine = output
      .split('\n')
      .find((line) => line.startsWith('gcloud iam workload-identity-pools providers create-oidc'))!;
    // Run the printed line with printf standing in for gcloud: the shell's word splitting is the test.
    const argv = execFileSync('/bin/sh', ['-c', providerLine.replace(/^gcloud /, "printf '%s\\n' ")])
      .toString()
      .trim()
      .split('\n');
    expect(argv).toContain(
      "--attribute-condition=assertion.repository_owner_id == '900000001' && assertion.repository_id == '700000001'",
    );
    expect(output).toMatch(
      /projects\/123456789\/locations\/global\/workloadIdentityPools\/github\/providers\/github-oidc/,
    );
    expect(output).not.toMatch(/PROJECT_NUMBER=\$\(/);
  });
});
