/**
 * Class probabilities (eq. 17), v128 form; same entry point as ../softmax.ts
 * and bit-identical to it: four classes per step, the last C % 4 through the
 * reference's tail helpers.
 */
import { argmax16, expTail, weightTail } from '../softmax';
import { softmaxInverse } from '../fixed';
import { exp4, hsum, indexPrep, ixCap, ixMult, ixRound, ixScale, ixShift, softmaxWeight4 } from './lanes';

/** Same contract as ../softmax.ts softmax_probs. */
export function softmax_probs(logits: usize, C: i32, PM: i32, PS: i32, T: usize, probs: usize): i32 {
  const best = argmax16(logits, C);
  const mxv = i32x4.splat(<i32>load<i16>(logits + (<usize>best << 1)));
  indexPrep(PM, PS);
  const M = i32x4.splat(ixMult), scale = i32x4.splat(ixScale), cap = i32x4.splat(ixCap), round = i64x2.splat(ixRound), shift = ixShift;
  const C4 = C & ~3;
  let s = i32x4.splat(0);
  for (let c = 0; c < C4; c += 4) {
    const l = i32x4.extend_low_i16x8_s(v128.load64_zero(logits + (<usize>c << 1)));
    const e = exp4(i32x4.sub(mxv, l), M, scale, cap, round, shift, T);
    v128.store(probs + (<usize>c << 2), e);
    s = i32x4.add(s, e);
  }
  const sum = hsum(s) + expTail(logits, C4, C, i32x4.extract_lane(mxv, 0), PM, PS, T, probs);
  const inv = softmaxInverse(sum);
  const invv = i32x4.splat(<i32>inv); // <= 2^16
  for (let c = 0; c < C4; c += 4) {
    v128.store(probs + (<usize>c << 2), softmaxWeight4(v128.load(probs + (<usize>c << 2)), invv));
  }
  weightTail(C4, C, inv, probs);
  return best;
}
