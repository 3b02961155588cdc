import type { Spread } from './flow-record.js';

/**
 * Count, min, max, mean and population standard deviation of a stream of numbers, in O(1)
 * memory. Welford's update: a sum of squares would cancel catastrophically for inter-arrival
 * times (squares of 10^8 µs pass 2^53).
 */
export class RunningStats {
  count = 0;
  min = Infinity;
  max = -Infinity;
  mean = 0;
  private m2 = 0; // sum of squared deviations from the running mean

  push(x: number): void {
    this.count += 1;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const delta = x - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (x - this.mean);
  }

  /** The summary, or null when nothing was pushed. std divides by n, not n - 1. */
  spread(): Spread | null {
    if (this.count === 0) return null;
    return { min: this.min, max: this.max, mean: this.mean, std: Math.sqrt(this.m2 / this.count) };
  }
}
