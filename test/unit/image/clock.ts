/** A clock for unit tests: time advances only when the code sleeps; sleeps are recorded. */
import type { Clock } from '../../../src/adapters/clock.js';

export class RecordingClock implements Clock {
  private time = 0;
  sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}
