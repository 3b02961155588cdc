/**
 * Scalar integer primitives of docs/fixed-point.md, eqs. (1)-(4). Both builds
 * use these exact forms: the reference kernels call them per element and the
 * SIMD kernels call them for tails and gathers, so a primitive is written once.
 */
import { TABLE_STEPS } from '../blob/constants';

export const I16_MIN: i32 = -32768;
export const I16_MAX: i32 = 32767;
/** Largest table index in Q8: `TABLE_STEPS · 256` (eqs. 9, 11, 17). */
export const TABLE_U_MAX: i32 = <i32>TABLE_STEPS << 8;

/** clamp16(v) = min(max(v, -32768), 32767). */
@inline export function clamp16(v: i32): i32 {
  return min(max(v, I16_MIN), I16_MAX);
}

/** clamp16 of an i64. */
@inline export function clamp16w(v: i64): i32 {
  return <i32>min<i64>(max<i64>(v, I16_MIN), I16_MAX);
}

/** clamp32: an i64 saturated to the i32 range. */
@inline export function clamp32(v: i64): i32 {
  return <i32>min<i64>(max<i64>(v, i32.MIN_VALUE), i32.MAX_VALUE);
}

/**
 * rq(a, M, S) ~ a·M·2^-S, eq. (1): one rounding to nearest, ties toward +inf,
 * saturated to i32. `a` is an i64 so that LayerNorm's |n_i| <= 2^31 fits
 * (eq. 15); every caller has |a·M| <= 2^62, S in [1, 62].
 */
@inline export function rq(a: i64, M: i32, S: i32): i32 {
  return clamp32((a * <i64>M + (<i64>1 << <i64>(S - 1))) >> <i64>S);
}

/** The Q8 table index of eqs. (9), (11), (17): clamped to [0, TABLE_STEPS·256] (eq. 3). */
@inline export function tableIndex(u: i32): i32 {
  return min(max(u, 0), TABLE_U_MAX);
}

/**
 * lut(T, 512, u), eq. (3), for an i32 table (EXP). `u` must already be a
 * tableIndex(); at u = 512·256 the fraction is 0, so reading T[min(i+1, 512)]
 * gives T[512] exactly as the spec's first case does, without a branch.
 */
@inline export function lut32(T: usize, u: i32): i32 {
  const i = u >> 8;
  const a = load<i32>(T + (<usize>i << 2));
  const b = load<i32>(T + (<usize>min(i + 1, <i32>TABLE_STEPS) << 2));
  return a + (((b - a) * (u & 255) + 128) >> 8);
}

/** lut(T, 512, u), eq. (3), for an i16 table (ELU); `u` is a tableIndex(). */
@inline export function lut16(T: usize, u: i32): i32 {
  const i = u >> 8;
  const a = <i32>load<i16>(T + (<usize>i << 1));
  const b = <i32>load<i16>(T + (<usize>min(i + 1, <i32>TABLE_STEPS) << 1));
  return a + (((b - a) * (u & 255) + 128) >> 8);
}

/** isqrt(v) = floor(sqrt(v)) for 0 <= v < 2^63, eq. (4), bit by bit (exact). */
export function isqrt(v: u64): u64 {
  if (v == 0) return 0;
  let res: u64 = 0;
  let bit: u64 = <u64>1 << <u64>((63 - <i32>clz(v)) & ~1); // the largest power of 4 <= v
  while (bit != 0) { // branch-free: the comparison depends on the data, a branch would mispredict often
    const t = res + bit, ge = v >= t;
    v = select<u64>(v - t, v, ge);
    res = select<u64>((res >> 1) + bit, res >> 1, ge);
    bit >>= 2;
  }
  return res;
}

/**
 * inv = floor(2^31 / sum) of eqs. (12) and (17). sum >= 2^15 always (the
 * largest score reads EXP[0] = 2^15, which the validator checks); the max()
 * only keeps the division trap-free by construction.
 */
@inline export function softmaxInverse(sum: i32): i64 {
  // 2^31 and max(sum, 1) both fit u32, so a 32-bit unsigned division gives
  // the same quotient as the i64 one, at a fraction of its latency (x64 idiv
  // r64 vs div r32; 8 per push in the attention, issue 13).
  return <i64>(<u32>0x80000000 / <u32>max(sum, 1));
}

/** (e · inv) >> 16, eqs. (12) and (17): a Q15 weight. */
@inline export function softmaxWeight(e: i32, inv: i64): i32 {
  return <i32>((<i64>e * inv) >> 16);
}

/** ELU of eq. (9) for one channel: z >= 0 clamps, z < 0 reads the table. */
@inline export function elu(z: i32, EM: i32, ES: i32, T: usize): i32 {
  if (z >= 0) return clamp16(z);
  const nz = clamp32(-<i64>z);
  return lut16(T, tableIndex(rq(nz, EM, ES)));
}

/** e = lut(EXP, tableIndex(rq(d, M, S))) for a score gap d >= 0, eqs. (11) and (17). */
@inline export function expOf(d: i32, M: i32, S: i32, T: usize): i32 {
  return lut32(T, tableIndex(rq(d, M, S)));
}
