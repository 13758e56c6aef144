/**
 * The fixed CPU work of bench/ab-target.ts, in its own module so that bench/ab.ts can calibrate it
 * (iterations per millisecond on an idle core) without starting a server.
 */
export function work(count: number): number {
  let x = 0;
  for (let i = 0; i < count; i++) x += Math.sqrt(i + x) % 7;
  return x;
}
