/**
 * The log scales of docs/features.md, "Primitives": LOG2 in Q8 from a 64-entry
 * mantissa table, and LG, a saturating log scale with k steps per doubling.
 * Integers only; the table is the spec's FRAC[m] = round(256 · log2(1 + m/64)).
 */

const FRAC = memory.data<u8>([
  0, 6, 11, 17, 22, 28, 33, 38, 44, 49, 54, 59, 63, 68, 73, 78,
  82, 87, 92, 96, 100, 105, 109, 113, 118, 122, 126, 130, 134, 138, 142, 146,
  150, 154, 157, 161, 165, 169, 172, 176, 179, 183, 186, 190, 193, 197, 200, 203,
  207, 210, 213, 216, 220, 223, 226, 229, 232, 235, 238, 241, 244, 247, 250, 253,
]);

/**
 * LOG2(y) ~ 256 · log2(y) for y >= 1, Q8: floor(log2 y) in the high part, the
 * next 6 mantissa bits through FRAC. Exact at powers of two; error < 0.023 · 256.
 * y = 0 is outside the domain and returns 0.
 */
export function log2q8(y: u64): i32 {
  if (y == 0) return 0;
  const e = 63 - <i32>clz<u64>(y);
  const m = e >= 6 ? <i32>(y >> <u64>(e - 6)) & 63 : <i32>(y << <u64>(6 - e)) & 63;
  return (e << 8) + <i32>load<u8>(FRAC + <usize>m);
}

/** LG(x, k) = min(255, (k · LOG2(1 + x) + 128) >> 8): 0 for x = 0, 255 at saturation. */
export function lg(x: u64, k: i32): i32 {
  const y = x + 1;
  if (y == 0) return 255; // x = 2^64 - 1
  return min((k * log2q8(y) + 128) >> 8, 255);
}
