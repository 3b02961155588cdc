/**
 * Lane helpers the v128 kernels share (no reference twin: each helper is the
 * 4- or 2-lane form of a primitive in ../fixed.ts, and the kernel tests check
 * every SIMD kernel against its reference on all of them).
 */
import { TABLE_U_MAX } from '../fixed';

/** Rounding term 2^(S-1) in both i64 lanes. */
@inline export function roundingTerm(S: i32): v128 {
  return i64x2.splat(<i64>1 << <i64>(S - 1));
}

/** High words of two i64x2 as one i32x4: floor(v / 2^32) per lane. */
@inline export function high64(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(lo, hi, 1, 3, 5, 7);
}

/**
 * a·M + 2^(S-1) on the low (`lo`) or high two i32 lanes, as i64x2. With
 * S >= 32 the shift of eq. (1) then needs no i64 shift (V8 emulates
 * i64x2.shr_s on x64): floor(v / 2^S) = high word >> (S - 32), and the result
 * always fits i32 (|v| < 2^63 so |v / 2^32| < 2^31), so clamp32 is a no-op.
 */
@inline function product(a: v128, M: v128, round: v128, low: bool): v128 {
  return i64x2.add(low ? i64x2.extmul_low_i32x4_s(a, M) : i64x2.extmul_high_i32x4_s(a, M), round);
}

/**
 * eq. (2) for four rows: rq(acc, M, S) with S in 31..62, as i32 lanes. For
 * S = 31 the shifted i64 lies in [-2^31 + 1, 2^31]: keeping the low words is
 * exact except for 2^31 (acc = M = -2^31), which wraps to -2^31 and is
 * mapped to 2^31 - 1, the value clamp32 gives; -2^31 itself cannot occur.
 */
@inline export function rqGemv4(acc: v128, mult: v128, S: i32, round: v128): v128 {
  const lo = product(acc, mult, round, true), hi = product(acc, mult, round, false);
  if (S >= 32) return i32x4.shr_s(high64(lo, hi), S - 32);
  const v = i32x4.shuffle(i64x2.shr_s(lo, S), i64x2.shr_s(hi, S), 0, 2, 4, 6);
  return v128.xor(v, i32x4.eq(v, i32x4.splat(i32.MIN_VALUE)));
}

/** Saturates both i64 lanes to [lo, hi]. */
@inline export function clamp64x2(v: v128, lo: i64, hi: i64): v128 {
  const vlo = i64x2.splat(lo), vhi = i64x2.splat(hi);
  v = v128.bitselect(vlo, v, i64x2.lt_s(v, vlo));
  return v128.bitselect(vhi, v, i64x2.gt_s(v, vhi));
}

/** Low words of two i64x2 (values already in i32 range) as one i32x4. */
@inline export function narrow64(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(lo, hi, 0, 2, 4, 6);
}

/** eq. (1) on four i32 lanes, any S in 1..62: clamp32((a·M + 2^(S-1)) >> S) as i32x4. */
@inline export function rq4(a: v128, M: v128, S: i32, round: v128): v128 {
  const lo = product(a, M, round, true), hi = product(a, M, round, false);
  if (S >= 32) return i32x4.shr_s(high64(lo, hi), S - 32);
  return narrow64(
    clamp64x2(i64x2.shr_s(lo, S), i32.MIN_VALUE, i32.MAX_VALUE),
    clamp64x2(i64x2.shr_s(hi, S), i32.MIN_VALUE, i32.MAX_VALUE));
}

/**
 * tableIndex(rq(a, M, S)) of eqs. (9), (11), (17) for a >= 0, on lanes, with
 * (M, S) prepared once per kernel call by indexPrep() into the ix* globals:
 *  - M is normalised to bit length 31, M' = M·2^t, S' = S + t (exact: the
 *    rounding term and the divisor scale by the same 2^t);
 *  - a is limited to `ixCap`, at or past the saturation threshold
 *    ceil((U·2^S' - 2^(S'-1)) / M') <= U·2^S' / 2^30 = 2^(S'-13) (U = 512·256),
 *    so the limit changes no index; for S' >= 32 the cap is 2^31 - 1, clamp32;
 *  - for S' < 32, a is multiplied by 2^k, k = 32 - S' (30 for S' = 1), which
 *    makes the divisor 2^32: the index is the high word of a·2^k·M' + 2^31,
 *    and a·2^k <= 2^19 (2^30 when S' < 13) stays a positive i32; for S' >= 32
 *    the high word of a·M' + 2^(S'-1) is shifted right by S' - 32.
 * M <= 0, or S' >= 63 (a·M < 2^(S-1) for every a < 2^31), gives index 0 for
 * every a >= 0: M' = 0. Every lane, whatever its a, gets an index in [0, U].
 */
export let ixMult: i32 = 0; //  M'
export let ixScale: i32 = 1; // 2^k
export let ixCap: i32 = 0; //   the limit on a, read unsigned
export let ixRound: i64 = 0; // 2^(S' + k - 1)
export let ixShift: i32 = 0; // max(S' - 32, 0)

export function indexPrep(M: i32, S: i32): void {
  let t = <i32>clz(M) - 1, Sn = S + t;
  if (M <= 0 || Sn >= 63) { M = 0; t = 0; Sn = 32; }
  const k = Sn < 32 ? min(32 - Sn, 30) : 0;
  ixMult = M << t;
  ixScale = 1 << k;
  ixCap = Sn < 32 ? 1 << max(Sn - 13, 0) : i32.MAX_VALUE;
  ixRound = <i64>1 << <i64>(Sn + k - 1);
  ixShift = Sn > 32 ? Sn - 32 : 0;
}

/**
 * tableIndex(rq(a, M, S)) on four lanes of a read as unsigned (so the one
 * wrapped negation -(-2^31) and a wrapped gap mx - sc >= 2^31 are their true
 * values), with splats of the indexPrep() globals.
 */
@inline export function rqIndex4(a: v128, M: v128, scale: v128, cap: v128, round: v128, shift: i32): v128 {
  let c = i32x4.min_u(a, cap);
  if (!shift) c = i32x4.mul(c, scale); // S' > 32 has scale 1
  let u = high64(i64x2.add(i64x2.extmul_low_i32x4_s(c, M), round), i64x2.add(i64x2.extmul_high_i32x4_s(c, M), round));
  if (shift) u = i32x4.shr_s(u, shift);
  return i32x4.min_s(u, i32x4.splat(TABLE_U_MAX));
}

/** tableIndex() on four lanes: clamp to [0, 512·256]. */
@inline export function tableIndex4(u: v128): v128 {
  return i32x4.min_s(i32x4.max_s(u, i32x4.splat(0)), i32x4.splat(TABLE_U_MAX));
}

/** eq. (3) interpolation once both table entries of each lane are gathered. */
@inline function interpolate4(a: v128, b: v128, u: v128): v128 {
  const f = v128.and(u, i32x4.splat(255));
  return i32x4.add(a, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(b, a), f), i32x4.splat(128)), 8));
}

/**
 * lut32 (eq. 3, i32 table) on four lanes of tableIndex4() values. The gather
 * is scalar (wasm has none) but fetches T[i] and T[i+1] with one 8-byte load
 * per lane. At i = 512 that reads 4 bytes past the table, which are ignored
 * (f = 0 there) and always exist: tables lie inside the 16-aligned blob,
 * which the arena follows with more data.
 */
@inline export function lut32x4(T: usize, u: v128): v128 {
  const addr = i32x4.add(i32x4.splat(<i32>T), i32x4.shl(i32x4.shr_s(u, 8), 2));
  const v0 = v128.load64_lane(<usize>i32x4.extract_lane(addr, 1), v128.load64_zero(<usize>i32x4.extract_lane(addr, 0)), 1);
  const v1 = v128.load64_lane(<usize>i32x4.extract_lane(addr, 3), v128.load64_zero(<usize>i32x4.extract_lane(addr, 2)), 1);
  return interpolate4(i32x4.shuffle(v0, v1, 0, 2, 4, 6), i32x4.shuffle(v0, v1, 1, 3, 5, 7), u);
}

/**
 * lut16 (eq. 3, i16 table) on four lanes: one 4-byte load per lane fetches
 * T[i] and T[i+1] (see lut32x4) as the i16 pair (a, b). The interpolation
 * a + (((b - a)·f + 128) >> 8) equals (a·(256 - f) + b·f + 128) >> 8 (add
 * 256·a inside the floor), and with f in [0, 255] both weights fit i16, so
 * one i32x4.dot_i16x8_s of (a, b) with (256 - f, f) gives the sum exactly
 * (|sum| <= 2^23): no unpacking of the pair and no i32 multiply.
 */
@inline export function lut16x4(T: usize, u: v128): v128 {
  const addr = i32x4.add(i32x4.splat(<i32>T), i32x4.shl(i32x4.shr_s(u, 8), 1));
  let v = v128.load32_zero(<usize>i32x4.extract_lane(addr, 0));
  v = v128.load32_lane(<usize>i32x4.extract_lane(addr, 1), v, 1);
  v = v128.load32_lane(<usize>i32x4.extract_lane(addr, 2), v, 2);
  v = v128.load32_lane(<usize>i32x4.extract_lane(addr, 3), v, 3);
  const f = v128.and(u, i32x4.splat(255));
  const weights = i32x4.add(i32x4.shl(f, 16), i32x4.sub(i32x4.splat(256), f)); // lanes (256 - f, f)
  return i32x4.shr_s(i32x4.add(i32x4.dot_i16x8_s(v, weights), i32x4.splat(128)), 8);
}

/** expOf() on four lanes of gaps d >= 0 (unsigned): lut(EXP, tableIndex(rq(d, M, S))), eqs. (11), (17). */
@inline export function exp4(d: v128, M: v128, scale: v128, cap: v128, round: v128, shift: i32, T: usize): v128 {
  return lut32x4(T, rqIndex4(d, M, scale, cap, round, shift));
}

/** Horizontal i32x4 sum (wrapping). */
@inline export function hsum(a: v128): i32 {
  a = i32x4.add(a, i32x4.shuffle(a, a, 2, 3, 0, 1));
  return i32x4.extract_lane(i32x4.add(a, i32x4.shuffle(a, a, 1, 0, 3, 2)), 0);
}

/** Horizontal i32x4 signed maximum. */
@inline export function hmax(a: v128): i32 {
  a = i32x4.max_s(a, i32x4.shuffle(a, a, 2, 3, 0, 1));
  return i32x4.extract_lane(i32x4.max_s(a, i32x4.shuffle(a, a, 1, 0, 3, 2)), 0);
}

/**
 * (e · inv) >> 16 of eqs. (12), (17) on four lanes: 0 <= e <= 2^15 and
 * inv <= 2^16, so the product is below 2^32 and an unsigned i32 shift is exact.
 */
@inline export function softmaxWeight4(e: v128, inv: v128): v128 {
  return i32x4.shr_u(i32x4.mul(e, inv), 16);
}

/** Horizontal sums of four i32x4 accumulators: lane k = Σ lanes of a_k. */
@inline export function sum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}
