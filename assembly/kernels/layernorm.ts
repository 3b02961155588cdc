/**
 * Integer LayerNorm, reference form (docs/fixed-point.md eq. 15):
 *   S = Σ r_i,  c_i = D·r_i - S,  V = Σ c_i² (i64),  σ = isqrt(V + EPS)
 *   b = bit length of σ,  inv = floor(2^(31+b) / σ)
 *   n_i = (c_i · inv) >> b,  y_i = clamp16(rq(n_i, GM_i, GS) + GB_i)  (exact sum)
 * The SIMD twin is simd/layernorm.ts.
 */
import { LN_EPS, LN_SCRATCH, LN_WIDTH, lnInverse, lnOutput } from './layernorm_common';

/** y (i16[D]) = LN(r (i16[D])). */
export function layernorm(p: usize, r: usize, y: usize): void {
  const D = load<i32>(p, LN_WIDTH), c = load<usize>(p, LN_SCRATCH);
  let S = 0;
  for (let i = 0; i < D; i++) S += <i32>load<i16>(r + (<usize>i << 1));
  let V: i64 = 0;
  for (let i = 0; i < D; i++) {
    const ci = D * <i32>load<i16>(r + (<usize>i << 1)) - S;
    store<i32>(c + (<usize>i << 2), ci);
    V += <i64>ci * <i64>ci;
  }
  lnOutput(p, lnInverse(V, load<i64>(p, LN_EPS)), y);
}
