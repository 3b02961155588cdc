/**
 * Integer LayerNorm, reference form (docs/fixed-point.md eq. 15):
 *   S = Σ r_i,  c_i = D·r_i - S,  V = Σ c_i² (i64),  σ = isqrt(V + EPS)
 *   b = bit length of σ,  inv = floor(2^(31+b) / σ)
 *   n_i = (c_i · inv) >> b,  y_i = clamp16(rq(n_i, GM_i, GS) + GB_i)  (exact sum)
 * The SIMD twin is simd/layernorm.ts.
 */
import { OPS_ACT_BYTES, OPS_ADD, OPS_MUL, STAGE_NORMS, countStage, tally } from '../count';
import { LN_EPS, LN_SCRATCH, LN_WIDTH, lnInverse, lnOutput } from './layernorm_common';

/** y (i16[D]) = LN(r (i16[D])). */
export function layernorm(p: usize, r: usize, y: usize): void {
  const D = load<i32>(p, LN_WIDTH), c = load<usize>(p, LN_SCRATCH);
  if (isDefined(PCE_COUNT)) countStage(STAGE_NORMS);
  let S = 0;
  for (let i = 0; i < D; i++) {
    S += <i32>load<i16>(r + (<usize>i << 1));
    if (isDefined(PCE_COUNT)) { tally(OPS_ADD, 1); tally(OPS_ACT_BYTES, 2); }
  }
  let V: i64 = 0;
  for (let i = 0; i < D; i++) {
    const ci = D * <i32>load<i16>(r + (<usize>i << 1)) - S;
    store<i32>(c + (<usize>i << 2), ci);
    V += <i64>ci * <i64>ci;
    if (isDefined(PCE_COUNT)) { tally(OPS_MUL, 2); tally(OPS_ADD, 2); tally(OPS_ACT_BYTES, 6); } // D·r_i - S, c_i², the sum; r_i in, c_i out
  }
  lnOutput(p, lnInverse(V, load<i64>(p, LN_EPS)), y);
}
