/**
 * The LayerNorm record (docs/fixed-point.md eq. 15), filled once at init,
 * and the scalar middle step both kernel directories share.
 */
import { OPS_ACT_BYTES, OPS_ADD, OPS_DIV, OPS_MUL, OPS_SHIFT, OPS_WEIGHT_BYTES, countClamp, countRq, tally } from '../count';
import { clamp16w, isqrt, rq } from './fixed';

/** usize: i32[D] GM_i. */
export const LN_MULT: usize = 0;
/** usize: i32[D] GB_i. */
export const LN_BIAS: usize = 4;
/** i32: GS, 1..62. */
export const LN_SHIFT: usize = 8;
/** i64 (8-aligned): EPS = round(ε · D³ / s_r²), 1..2^62-1. */
export const LN_EPS: usize = 16;
/** i32: D lanes (a multiple of 8). */
export const LN_WIDTH: usize = 24;
/** usize: i32[D] scratch for c_i. */
export const LN_SCRATCH: usize = 28;
export const LN_RECORD_BYTES: usize = 32;

/** Second result of lnInverse(): b, the bit length of σ. */
export let lnBits: i32 = 0;

/**
 * From V = Σ c_i² (eq. 15): σ = isqrt(V + EPS), b = bit length of σ, and
 * inv = floor(2^(31+b) / σ) in (2^31, 2^32] (unsigned: 31 + b can be 63).
 * Leaves b in lnBits and returns inv.
 */
export function lnInverse(V: i64, eps: i64): i64 {
  if (isDefined(PCE_COUNT)) { tally(OPS_ADD, 1); tally(OPS_DIV, 2); tally(OPS_WEIGHT_BYTES, 12); } // V + EPS, isqrt and the division; EPS, GS
  const sigma = isqrt(<u64>(V + eps));
  const b = 64 - <i32>clz(sigma);
  lnBits = b;
  return <i64>((<u64>1 << <u64>(31 + b)) / max<u64>(sigma, 1));
}

/**
 * The last step of eq. (15) for lanes [0, D): n_i = (c_i · inv) >> b and
 * y_i = clamp16(rq(n_i, GM_i, GS) + GB_i), the sum exact. Scalar in both
 * builds: on x64 and arm64 alike the i64 lane multiplies it needs have no
 * native v128 form, and 64-bit scalar arithmetic is cheaper.
 */
export function lnOutput(p: usize, inv: i64, y: usize): void {
  const D = load<i32>(p, LN_WIDTH), c = load<usize>(p, LN_SCRATCH);
  const gm = load<usize>(p, LN_MULT), gb = load<usize>(p, LN_BIAS), GS = load<i32>(p, LN_SHIFT);
  const b = <i64>lnBits;
  for (let i = 0; i < D; i++) {
    if (isDefined(PCE_COUNT)) { tally(OPS_MUL, 1); tally(OPS_SHIFT, 1); tally(OPS_ADD, 1); countRq(); countClamp(); } // c_i · inv, >> b, rq, + GB_i, clamp16
    if (isDefined(PCE_COUNT)) { tally(OPS_WEIGHT_BYTES, 8); tally(OPS_ACT_BYTES, 6); } //        GM_i, GB_i; c_i in, y_i out
    const n = (<i64>load<i32>(c + (<usize>i << 2)) * inv) >> b;
    const t = <i64>rq(n, load<i32>(gm + (<usize>i << 2)), GS) + <i64>load<i32>(gb + (<usize>i << 2));
    store<i16>(y + (<usize>i << 1), <i16>clamp16w(t));
  }
}
