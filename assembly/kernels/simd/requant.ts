/**
 * Requantization kernels, v128 form; same entry points as ../requant.ts and
 * bit-identical to it; tails go to the reference.
 */
import * as ref from '../requant';
import { high64, indexPrep, ixMult, ixRound, ixScale, ixShift, roundingTerm, rqGemv4 } from './lanes';

/** Same contract as ../requant.ts requant_gemv (eq. 2): four rows per step, scalar tail. */
export function requant_gemv(acc: usize, mult: usize, n: i32, S: i32, relu: i32, out: usize): void {
  const round = roundingTerm(S);
  const floor = i16x8.splat(relu ? 0 : -32768);
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const o = <usize>r;
    const v = rqGemv4(v128.load(acc + (o << 2)), v128.load(mult + (o << 2)), S, round);
    v128.store64_lane(out + (o << 1), i16x8.max_s(i16x8.narrow_i32x4_s(v, v), floor), 0);
  }
  const o = <usize>r;
  ref.requant_gemv(acc + (o << 2), mult + (o << 2), n - r, S, relu, out + (o << 1));
}

/**
 * Same contract as ../requant.ts residual (eqs. 14, 16). rq(x, M, S) with
 * the multiplier prepared as for the table indices (lanes.ts indexPrep: M
 * normalised to 31 bits, S' = S + t): for S' < 32, x·2^(32 - S') is exact in
 * i32 while S' >= 17 (|x| <= 2^15), and rq is the high word of
 * x·2^(32-S')·M' + 2^31; for S' >= 32, the high word of x·M' + 2^(S'-1)
 * shifted right by S' - 32 (|x·M'| < 2^46). Either way |rq| < 2^30, the i32
 * add cannot wrap and narrow_i32x4_s is clamp16. A negative M or S' < 17
 * (a residual scale that grows by 2^14 or more, which no converter writes)
 * goes to the reference.
 */
export function residual(x: usize, M: i32, S: i32, a: usize, n: i32, out: usize): void {
  indexPrep(M, S);
  let i = 0;
  if (M >= 0 && ixScale <= 1 << 15) {
    const m = i32x4.splat(ixMult), scale = i32x4.splat(ixScale), round = i64x2.splat(ixRound), shift = ixShift;
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 1;
      const xv = v128.load(x + o), av = v128.load(a + o);
      const x0 = i32x4.mul(i32x4.extend_low_i16x8_s(xv), scale), x1 = i32x4.mul(i32x4.extend_high_i16x8_s(xv), scale);
      let t0 = high64(i64x2.add(i64x2.extmul_low_i32x4_s(x0, m), round), i64x2.add(i64x2.extmul_high_i32x4_s(x0, m), round));
      let t1 = high64(i64x2.add(i64x2.extmul_low_i32x4_s(x1, m), round), i64x2.add(i64x2.extmul_high_i32x4_s(x1, m), round));
      if (shift) {
        t0 = i32x4.shr_s(t0, shift);
        t1 = i32x4.shr_s(t1, shift);
      }
      v128.store(out + o, i16x8.narrow_i32x4_s(i32x4.add(t0, i32x4.extend_low_i16x8_s(av)), i32x4.add(t1, i32x4.extend_high_i16x8_s(av))));
    }
  }
  const o = <usize>i << 1;
  ref.residual(x + o, M, S, a + o, n - i, out + o);
}
