/**
 * Attention over the A cached slots, reference form (docs/fixed-point.md
 * eqs. 11-13). Per head h (lanes h·hd .. h·hd+hd-1) and slot j:
 *   sc_j = Σ_i q_i · K[j][i]                              (i32, wrapping)
 *   u_j  = tableIndex(rq(clamp32(mx - sc_j), AM, AS)),  e_j = lut(EXP, u_j)
 *   inv  = floor(2^31 / Σ e_j),  w_j = (e_j · inv) >> 16  (Q15)
 *   o_i  = clamp16((Σ_j w_j · V[j][i] + 2^14) >> 15)
 * The SIMD twin is simd/attention.ts. Slot order never matters: every sum is
 * over all slots, so the ring's write position is irrelevant here.
 */
import {
  ATTN_EXP, ATTN_HEAD_DIM, ATTN_HEADS, ATTN_MULT, ATTN_SCORES, ATTN_SHIFT, ATTN_SLOTS, ATTN_STRIDE, ATTN_WEIGHTS,
} from './attention_common';
import { OPS_ACT_BYTES, OPS_ADD, OPS_CMP, OPS_MAC, OPS_SHIFT, countClamp, countExp, countSoftmaxInverse, countSoftmaxWeight, countStage, STAGE_ATTENTION, tally } from '../count';
import { clamp16, clamp32, expOf, softmaxInverse, softmaxWeight } from './fixed';

/** o (i16[D]) = attention of q (i16[D]) over KT, VT (i16[D][stride]). */
export function attention(p: usize, q: usize, kt: usize, vt: usize, o: usize): void {
  const heads = load<i32>(p, ATTN_HEADS), hd = load<i32>(p, ATTN_HEAD_DIM), A = load<i32>(p, ATTN_SLOTS);
  const stride = <usize>load<i32>(p, ATTN_STRIDE), AM = load<i32>(p, ATTN_MULT), AS = load<i32>(p, ATTN_SHIFT);
  const T = load<usize>(p, ATTN_EXP), sc = load<usize>(p, ATTN_SCORES), w = load<usize>(p, ATTN_WEIGHTS);
  if (isDefined(PCE_COUNT)) countStage(STAGE_ATTENTION);
  for (let h = 0; h < heads; h++) {
    const i0 = h * hd;
    let mx = i32.MIN_VALUE;
    for (let j = 0; j < A; j++) {
      let s = 0;
      for (let i = i0; i < i0 + hd; i++) {
        s += <i32>load<i16>(q + (<usize>i << 1)) * <i32>load<i16>(kt + ((<usize>i * stride + <usize>j) << 1));
        if (isDefined(PCE_COUNT)) { tally(OPS_MAC, 1); tally(OPS_ACT_BYTES, 4); }
      }
      if (isDefined(PCE_COUNT)) { tally(OPS_CMP, 1); tally(OPS_ACT_BYTES, 4); } // max; score out
      store<i32>(sc + (<usize>j << 2), s);
      mx = max(mx, s);
    }
    let sum = 0;
    for (let j = 0; j < A; j++) {
      if (isDefined(PCE_COUNT)) { tally(OPS_ADD, 2); tally(OPS_ACT_BYTES, 8); countClamp(); countExp(); } // mx - sc_j, clamp32, exp, the sum; sc_j in, e_j out
      const d = clamp32(<i64>mx - <i64>load<i32>(sc + (<usize>j << 2)));
      const e = expOf(d, AM, AS, T);
      store<i32>(sc + (<usize>j << 2), e);
      sum += e;
    }
    if (isDefined(PCE_COUNT)) countSoftmaxInverse();
    const inv = softmaxInverse(sum);
    for (let j = 0; j < A; j++) {
      if (isDefined(PCE_COUNT)) { tally(OPS_ACT_BYTES, 8); countSoftmaxWeight(); }
      store<i32>(w + (<usize>j << 2), softmaxWeight(load<i32>(sc + (<usize>j << 2)), inv));
    }
    for (let i = i0; i < i0 + hd; i++) {
      let acc = 0;
      for (let j = 0; j < A; j++) {
        acc += load<i32>(w + (<usize>j << 2)) * <i32>load<i16>(vt + ((<usize>i * stride + <usize>j) << 1));
        if (isDefined(PCE_COUNT)) { tally(OPS_MAC, 1); tally(OPS_ACT_BYTES, 6); }
      }
      if (isDefined(PCE_COUNT)) { tally(OPS_ADD, 1); tally(OPS_SHIFT, 1); tally(OPS_ACT_BYTES, 2); countClamp(); } // + 2^14, >> 15, clamp16; o_i out
      store<i16>(o + (<usize>i << 1), <i16>clamp16((acc + (1 << 14)) >> 15));
    }
  }
}
