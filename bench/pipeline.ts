/**
 * Cold vs warm runs of the demo pipeline (`orchestra-perf run` on examples/hello-api): wall time
 * per stage from each run's run-stages.json. Both start like a CI job from a fresh checkout (no
 * build outputs in the tree). Cold: empty output dir (no local cache, no baseline) and no Docker
 * build cache; warm: the same again right after, so the cache restores what cold built.
 * Target: warm <= 0.4x cold. Writes bench/results/pipeline.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NODE = join(process.cwd(), 'node_modules/.bin/node');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface StageOutcome {
  stage: string;
  status: string;
  durationMs: number;
}

/** Each run starts like a CI job: a fresh checkout has no build outputs; only the cache can bring them. */
function freshCheckout(): void {
  rmSync('examples/hello-api/.build-cache', { recursive: true, force: true });
}

function demoRun(outDir: string): { wallMs: number; stages: StageOutcome[] } {
  freshCheckout();
  const started = performance.now();
  const run = spawnSync(
    NODE,
    ['dist/cli/index.js', 'run', '--config', 'examples/hello-api/orchestra-perf.yml', '--out', outDir],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PATH: `${join(process.cwd(), 'node_modules/.bin')}:${process.env.PATH}` },
    },
  );
  const wallMs = performance.now() - started;
  if (run.status !== 0 && run.status !== 1) throw new Error(`demo run exited ${run.status}`);
  return { wallMs, stages: JSON.parse(readFileSync(join(outDir, 'run-stages.json'), 'utf8')) };
}

function clearDockerBuildCache(): void {
  spawnSync('docker', ['builder', 'prune', '--all', '--force'], { stdio: 'ignore' });
}

const rounds: { cold: ReturnType<typeof demoRun>; warm: ReturnType<typeof demoRun> }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  clearDockerBuildCache();
  const cold = demoRun(outDir);
  const warm = demoRun(outDir);
  rounds.push({ cold, warm });
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const stageNames = rounds[0]!.cold.stages.map((stage) => stage.stage);
const perStage = Object.fromEntries(
  stageNames.map((name) => {
    const of = (run: { stages: StageOutcome[] }) => run.stages.find((stage) => stage.stage === name)!;
    const cold = median(rounds.map((round) => of(round.cold).durationMs));
    const warm = median(rounds.map((round) => of(round.warm).durationMs));
    return [
      name,
      {
        status: of(rounds[0]!.warm).status,
        coldMs: cold,
        warmMs: warm,
        ratio: cold > 0 ? Number((warm / cold).toFixed(2)) : null,
      },
    ];
  }),
);
// The smoke stage runs for its configured duration whatever the cache does, so the ratio that
// measures the pipeline's own speed-up leaves it out; both are reported.
const sum = (run: { stages: StageOutcome[] }, skip: string[] = []) =>
  run.stages
    .filter((stage) => !skip.includes(stage.stage))
    .reduce((total, stage) => total + stage.durationMs, 0);
const coldTotal = median(rounds.map((round) => round.cold.wallMs));
const warmTotal = median(rounds.map((round) => round.warm.wallMs));
const coldNoSmoke = median(rounds.map((round) => sum(round.cold, ['smoke'])));
const warmNoSmoke = median(rounds.map((round) => sum(round.warm, ['smoke'])));
const report = {
  benchmark: 'pipeline',
  rounds: ROUNDS,
  wall: {
    coldMs: Math.round(coldTotal),
    warmMs: Math.round(warmTotal),
    ratio: Number((warmTotal / coldTotal).toFixed(2)),
  },
  stagesExceptSmoke: {
    coldMs: coldNoSmoke,
    warmMs: warmNoSmoke,
    ratio: Number((warmNoSmoke / coldNoSmoke).toFixed(2)),
  },
  target: 'warm <= 0.4x cold',
  perStage,
  date: new Date().toISOString(),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/pipeline.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
