/** Seeded 32-bit LCG (Numerical Recipes constants) for reproducible tests. */
export class Lcg {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Next u32. */
  u32(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s;
  }
  /** Next i32. */
  i32(): number {
    return this.u32() | 0;
  }
  /** Uniform integer in [lo, hi] (hi - lo < 2^32). */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    // Two draws give 64 random bits: no visible modulo bias for spans up to 2^32.
    return lo + Math.floor(((this.u32() * 2 ** 32 + this.u32()) / 2 ** 64) * span);
  }
  /** Uniform double in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }
}

/**
 * Edge-heavy i32 values: each power of two with ±1, ±2 around it (both
 * signs), INT32_MIN/MAX and neighbours, 0, ±1, then `random` LCG values.
 */
export function edgeI32(rng: Lcg, random = 1000): number[] {
  const out = new Set<number>([0, 1, -1, 2, -2, 2147483647, 2147483646, 2147483645, -2147483648, -2147483647, -2147483646]);
  for (let k = 0; k < 31; k++) {
    for (const d of [-2, -1, 0, 1, 2]) {
      const v = 2 ** k + d;
      for (const s of [v, -v]) if (s >= -2147483648 && s <= 2147483647) out.add(s);
    }
  }
  for (let i = 0; i < random; i++) out.add(rng.i32());
  return [...out];
}

/** Edge-heavy i16 values: powers of two ±1 ±2, ±32767, -32768, 0, then random. */
export function edgeI16(rng: Lcg, random = 200): number[] {
  const out = new Set<number>([0, 1, -1, 32767, 32766, -32768, -32767, -32766]);
  for (let k = 0; k < 15; k++) for (const d of [-2, -1, 0, 1, 2]) for (const s of [2 ** k + d, -(2 ** k + d)]) if (s >= -32768 && s <= 32767) out.add(s);
  for (let i = 0; i < random; i++) out.add(rng.int(-32768, 32767));
  return [...out];
}
