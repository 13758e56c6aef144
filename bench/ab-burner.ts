/**
 * The noisy neighbour for bench/ab.ts: burns CPU in bursts of random length (seeded), so that
 * consecutive measurement windows see different amounts of stolen CPU, as on a shared CI runner.
 * argv: seed, onMinMs, onMaxMs, offMinMs, offMaxMs, maxSeconds. Exits by itself after maxSeconds
 * (a crashed bench never leaves it spinning) or on SIGTERM.
 */
import { createRandom } from '../src/stats/random.js';

const [seed, onMin, onMax, offMin, offMax, maxSeconds] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
  number,
  number,
  number,
];
const random = createRandom(seed);
const stopAt = performance.now() + maxSeconds * 1000;
let sink = 0;

function between(low: number, high: number): number {
  return low + random.next() * (high - low);
}

function burst(): void {
  if (performance.now() > stopAt) process.exit(0);
  const until = performance.now() + between(onMin, onMax);
  while (performance.now() < until) {
    for (let i = 0; i < 10_000; i++) sink += Math.sqrt(i + sink);
  }
  setTimeout(burst, between(offMin, offMax));
}

process.on('SIGTERM', () => process.exit(sink === -1 ? 1 : 0));
burst();
