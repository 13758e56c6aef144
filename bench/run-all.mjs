// `npm run bench`: every benchmark in bench/ in turn; each writes bench/results/<name>.json.
// BENCH_ONLY=startup,loadgen runs a subset.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const all = ['startup', 'loadgen', 'build', 'verdict', 'ab', 'pipeline'];
const only = process.env.BENCH_ONLY?.split(',');
let failed = 0;
for (const name of all) {
  if (only && !only.includes(name)) continue;
  const file = `bench/${name}.ts`;
  if (!existsSync(file)) continue;
  console.log(`\n=== bench: ${name}`);
  const run = spawnSync('node_modules/.bin/tsx', [file], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`bench ${name} failed (exit ${run.status})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
