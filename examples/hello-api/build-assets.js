// The example's expensive build step: precomputes a digest per item (stand-in for bundling,
// minifying or compiling). Its output lives in .build-cache/, which the `hello-api-build` cache
// layer saves and restores; with a valid output for the same inputs the step takes milliseconds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const ROUNDS = 40_000;
const inputs = ['server.js', 'package.json', 'build-assets.js'].map((file) => readFileSync(file));
const inputHash = createHash('sha256').update(Buffer.concat(inputs)).digest('hex');
const output = '.build-cache/assets.json';

if (existsSync(output) && JSON.parse(readFileSync(output, 'utf8')).inputHash === inputHash) {
  console.log(`assets up to date (${inputHash.slice(0, 12)}), nothing to do`);
} else {
  const started = performance.now();
  const digests = [];
  for (let item = 0; item < 50; item++) {
    let digest = `item-${item}`;
    for (let round = 0; round < ROUNDS; round++) digest = createHash('sha256').update(digest).digest('hex');
    digests.push(digest);
  }
  mkdirSync('.build-cache', { recursive: true });
  writeFileSync(output, JSON.stringify({ inputHash, digests }));
  console.log(`built assets in ${Math.round(performance.now() - started)} ms`);
}
