/**
 * Requantization kernels, v128 form; same entry points as ../requant.ts and
 * bit-identical to it; tails go to the reference.
 */
import * as ref from '../requant';
import { clamp64x2, narrow64, roundingTerm, rqGemv4 } from './lanes';

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
 * Same contract as ../requant.ts residual (eqs. 14, 16). Lanes are clamped to
 * ±2^17 before the i32 add: for |a| <= 2^15 that gives the same clamp16 as the
 * exact sum, and the add cannot wrap.
 */
export function residual(x: usize, M: i32, S: i32, a: usize, n: i32, out: usize): void {
  const round = roundingTerm(S);
  const m = i32x4.splat(M);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 1;
    const xv = v128.load(x + o), av = v128.load(a + o);
    const x0 = i32x4.extend_low_i16x8_s(xv), x1 = i32x4.extend_high_i16x8_s(xv);
    const t0 = narrow64(
      clamp64x2(i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(x0, m), round), S), -(1 << 17), 1 << 17),
      clamp64x2(i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(x0, m), round), S), -(1 << 17), 1 << 17));
    const t1 = narrow64(
      clamp64x2(i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(x1, m), round), S), -(1 << 17), 1 << 17),
      clamp64x2(i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(x1, m), round), S), -(1 << 17), 1 << 17));
    const s0 = i32x4.add(t0, i32x4.extend_low_i16x8_s(av));
    const s1 = i32x4.add(t1, i32x4.extend_high_i16x8_s(av));
    v128.store(out + o, i16x8.narrow_i32x4_s(s0, s1));
  }
  const o = <usize>i << 1;
  ref.residual(x + o, M, S, a + o, n - i, out + o);
}
