/**
 * Integer LayerNorm (eq. 15), v128 form; same entry point as ../layernorm.ts
 * and bit-identical to it. D is a multiple of 8 (D = M·H). The sums, c_i and
 * V (widening squares) run on v128; isqrt, the division and the per-lane
 * output with its i64 products stay scalar (layernorm_common.ts).
 */
import { LN_EPS, LN_SCRATCH, LN_WIDTH, lnInverse, lnOutput } from '../layernorm_common';
import { hsum } from './lanes';

/** Same contract as ../layernorm.ts layernorm. */
export function layernorm(p: usize, r: usize, y: usize): void {
  const D = load<i32>(p, LN_WIDTH), c = load<usize>(p, LN_SCRATCH);
  const n2 = <usize>D << 1;
  let s = i32x4.splat(0);
  for (let i: usize = 0; i < n2; i += 16) {
    const v = v128.load(r + i);
    s = i32x4.add(s, i32x4.add(i32x4.extend_low_i16x8_s(v), i32x4.extend_high_i16x8_s(v)));
  }
  const S = i32x4.splat(hsum(s)), Dv = i32x4.splat(D);
  let V = i64x2.splat(0);
  for (let i: usize = 0; i < n2; i += 16) {
    const v = v128.load(r + i);
    const c0 = i32x4.sub(i32x4.mul(i32x4.extend_low_i16x8_s(v), Dv), S);
    const c1 = i32x4.sub(i32x4.mul(i32x4.extend_high_i16x8_s(v), Dv), S);
    v128.store(c + (i << 1), c0);
    v128.store(c + (i << 1), c1, 16);
    V = i64x2.add(V, i64x2.add(i64x2.extmul_low_i32x4_s(c0, c0), i64x2.extmul_high_i32x4_s(c0, c0)));
    V = i64x2.add(V, i64x2.add(i64x2.extmul_low_i32x4_s(c1, c1), i64x2.extmul_high_i32x4_s(c1, c1)));
  }
  lnOutput(p, lnInverse(i64x2.extract_lane(V, 0) + i64x2.extract_lane(V, 1), load<i64>(p, LN_EPS)), y);
}
