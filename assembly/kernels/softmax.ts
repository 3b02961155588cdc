/**
 * Class probabilities, reference form (docs/fixed-point.md eq. 17):
 *   mx = max_c logit_c,  e_c = lut(EXP, tableIndex(rq(mx - logit_c, PM, PS)))
 *   inv = floor(2^31 / Σ e),  prob_c = (e_c · inv) >> 16   (Q15)
 * The decision is the first index of the largest logit. SIMD twin: simd/softmax.ts.
 */
import { OPS_ACT_BYTES, OPS_ADD, OPS_CMP, countExp, countSoftmaxInverse, countSoftmaxWeight, countStage, STAGE_HEAD, tally } from '../count';
import { expOf, softmaxInverse, softmaxWeight } from './fixed';

/** First index of the largest of n i16 values (n >= 1). */
export function argmax16(x: usize, n: i32): i32 {
  let best = 0, mx = <i32>load<i16>(x);
  if (isDefined(PCE_COUNT)) tally(OPS_ACT_BYTES, 2);
  for (let c = 1; c < n; c++) {
    if (isDefined(PCE_COUNT)) { tally(OPS_CMP, 1); tally(OPS_ACT_BYTES, 2); }
    const v = <i32>load<i16>(x + (<usize>c << 1));
    if (v > mx) { mx = v; best = c; }
  }
  return best;
}

/** Writes e_c of eq. (17) for c in [from, C) into probs and returns their sum. */
export function expTail(logits: usize, from: i32, C: i32, mx: i32, PM: i32, PS: i32, T: usize, probs: usize): i32 {
  let sum = 0;
  for (let c = from; c < C; c++) {
    if (isDefined(PCE_COUNT)) { tally(OPS_ADD, 2); tally(OPS_ACT_BYTES, 6); countExp(); } // mx - logit_c, exp, the sum; logit_c in, e_c out
    const e = expOf(mx - <i32>load<i16>(logits + (<usize>c << 1)), PM, PS, T);
    store<i32>(probs + (<usize>c << 2), e);
    sum += e;
  }
  return sum;
}

/** Scales e_c into Q15 probabilities for c in [from, C). */
export function weightTail(from: i32, C: i32, inv: i64, probs: usize): void {
  for (let c = from; c < C; c++) {
    if (isDefined(PCE_COUNT)) { tally(OPS_ACT_BYTES, 8); countSoftmaxWeight(); }
    store<i32>(probs + (<usize>c << 2), softmaxWeight(load<i32>(probs + (<usize>c << 2)), inv));
  }
}

/** probs (i32[C], Q15) from logits (i16[C]); returns the decision (argmax). */
export function softmax_probs(logits: usize, C: i32, PM: i32, PS: i32, T: usize, probs: usize): i32 {
  if (isDefined(PCE_COUNT)) countStage(STAGE_HEAD);
  const best = argmax16(logits, C);
  const mx = <i32>load<i16>(logits + (<usize>best << 1));
  if (isDefined(PCE_COUNT)) countSoftmaxInverse();
  const inv = softmaxInverse(expTail(logits, 0, C, mx, PM, PS, T, probs));
  weightTail(0, C, inv, probs);
  return best;
}
