/**
 * Bundle sizes and start-up cost: how long each dist bundle takes to load and finish a trivial
 * run, as a ratio to `node -e 0` on the same machine in the same run (absolute times are noise
 * on a shared machine). Writes bench/results/startup.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NODE = join(process.cwd(), 'node_modules/.bin/node');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

function medianMs(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): number {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(argv[0]!, argv.slice(1), { env, cwd, stdio: 'ignore' });
    if (run.status !== 0) throw new Error(`${argv.join(' ')} exited ${run.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const workspace = mkdtempSync(join(tmpdir(), 'bench-startup-'));
const runnerEnv = (bundle: string): NodeJS.ProcessEnv => {
  const dir = join(workspace, bundle);
  mkdirSync(dir, { recursive: true });
  for (const file of ['output', 'state', 'summary']) writeFileSync(join(dir, file), '');
  return {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    RUNNER_TEMP: dir,
    INPUT_STAGES: 'report',
    'INPUT_WORKING-DIRECTORY': workspace,
  };
};

const baseline = medianMs([NODE, '-e', '0']);
const bundles = {
  main: { argv: [NODE, 'dist/main/index.js'], env: runnerEnv('main') },
  post: { argv: [NODE, 'dist/post/index.js'], env: runnerEnv('post') },
  cli: { argv: [NODE, 'dist/cli/index.js', '--version'], env: process.env },
};
const results = Object.fromEntries(
  Object.entries(bundles).map(([name, { argv, env }]) => {
    const ms = medianMs(argv, env);
    return [
      name,
      {
        bytes: statSync(`dist/${name}/index.js`).size,
        medianMs: Number(ms.toFixed(1)),
        ratioToNodeE0: Number((ms / baseline).toFixed(2)),
      },
    ];
  }),
);
const report = {
  benchmark: 'startup',
  rounds: ROUNDS,
  nodeE0MedianMs: Number(baseline.toFixed(1)),
  bundles: results,
  date: new Date().toISOString(),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/startup.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
