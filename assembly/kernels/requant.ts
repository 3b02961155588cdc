/**
 * Requantization kernels, reference form (docs/fixed-point.md eqs. 1, 2, 14, 16).
 * The SIMD twin is simd/requant.ts.
 */
import { OPS_ACT_BYTES, OPS_ADD, countClamp, countRq, countStage, STAGE_NORMS, tally } from '../count';
import { clamp16w, rq } from './fixed';
import { gemvOutput } from './gemv_common';

/**
 * eq. (2) over n rows: out[r] = clamp16(rq(acc[r], mult[r], S)), then
 * max(out[r], 0) if relu != 0. acc, mult: i32[n]; out: i16[n]; S in 31..62.
 */
export function requant_gemv(acc: usize, mult: usize, n: i32, S: i32, relu: i32, out: usize): void {
  for (let r = 0; r < n; r++) {
    store<i16>(out + (<usize>r << 1), gemvOutput(load<i32>(acc + (<usize>r << 2)), load<i32>(mult + (<usize>r << 2)), S, relu));
  }
}

/**
 * Residual of eqs. (14) and (16): out[i] = clamp16(rq(x[i], M, S) + a[i]),
 * the sum exact (not wrapped). x, a, out: i16[n]; S in 1..62.
 */
export function residual(x: usize, M: i32, S: i32, a: usize, n: i32, out: usize): void {
  if (isDefined(PCE_COUNT)) countStage(STAGE_NORMS);
  for (let i = 0; i < n; i++) {
    if (isDefined(PCE_COUNT)) { tally(OPS_ADD, 1); tally(OPS_ACT_BYTES, 6); countRq(); countClamp(); } // rq, the exact sum, clamp16; x_i, a_i in, out_i out
    const t = <i64>rq(load<i16>(x + (<usize>i << 1)), M, S) + <i64>load<i16>(a + (<usize>i << 1));
    store<i16>(out + (<usize>i << 1), <i16>clamp16w(t));
  }
}
