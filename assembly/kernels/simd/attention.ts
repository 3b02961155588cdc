/**
 * Attention over the A cached slots (eqs. 11-13), v128 form; same entry
 * point as ../attention.ts and bit-identical to it. With keys and values
 * stored lane-major (attention_common.ts), a head's scores for 8 slots are
 * `hd` widening multiplies, and each output lane is a dot product over slots.
 * The padding slots (j >= A, at most 7, all in the last 8-slot chunk) are
 * masked in registers: score -2^31 for the max, exp value 0 for the sum and
 * the weights. The exp lookups gather 4 lanes at a time (wasm has no gather).
 */
import {
  ATTN_EXP, ATTN_HEAD_DIM, ATTN_HEADS, ATTN_MULT, ATTN_SCORES, ATTN_SHIFT, ATTN_SLOTS, ATTN_STRIDE, ATTN_WEIGHTS,
} from '../attention_common';
import { clamp16, softmaxInverse } from '../fixed';
import { Q15 } from '../../blob/constants';
import { exp4, hmax, hsum, indexPrep, ixCap, ixMult, ixRound, ixScale, ixShift, softmaxWeight4 } from './lanes';

/** All-ones in the lanes j, j+1, j+2, j+3 that are padding (>= A). */
@inline function padMask(j: i32, A: i32): v128 {
  return i32x4.ge_s(i32x4.add(i32x4.splat(j), i32x4(0, 1, 2, 3)), i32x4.splat(A));
}

/** Same contract as ../attention.ts attention. */
export function attention(p: usize, q: usize, kt: usize, vt: usize, o: usize): void {
  const heads = load<i32>(p, ATTN_HEADS), hd = load<i32>(p, ATTN_HEAD_DIM), A = load<i32>(p, ATTN_SLOTS);
  const stride = load<i32>(p, ATTN_STRIDE);
  const T = load<usize>(p, ATTN_EXP), sc = load<usize>(p, ATTN_SCORES), w = load<usize>(p, ATTN_WEIGHTS);
  indexPrep(load<i32>(p, ATTN_MULT), load<i32>(p, ATTN_SHIFT));
  const AM = i32x4.splat(ixMult), scale = i32x4.splat(ixScale), cap = i32x4.splat(ixCap), round = i64x2.splat(ixRound), shift = ixShift;
  const rowBytes = <usize>stride << 1, scBytes = <usize>stride << 2;
  const last = rowBytes - 16; // byte offset of the last 8-slot chunk in a KT/VT row
  const pad0 = padMask(stride - 8, A), pad1 = padMask(stride - 4, A);
  const minv = i32x4.splat(i32.MIN_VALUE);
  // Three passes over the heads instead of one: each head's work is one long
  // dependency chain (scores, maximum, exps, sum, division, weights, output),
  // and done head after head the chains ran one at a time; pass by pass the
  // heads' chains are independent and overlap. sc holds every head's scores,
  // then exps (heads × stride), then per head the maximum, then the sum.
  const hx = sc + <usize>heads * scBytes; // i32[heads]
  for (let h = 0; h < heads; h++) {
    const i0 = h * hd, i1 = i0 + hd, sh = sc + <usize>h * scBytes;
    // eq. (11) scores, 8 slots per step, and their running maximum.
    let m = minv;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      for (let i = i0; i < i1; i++) {
        const qi = i16x8.splat(load<i16>(q + (<usize>i << 1)));
        const k = v128.load(kt + <usize>i * rowBytes + c);
        a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(k, qi));
        a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(k, qi));
      }
      if (c == last) {
        a0 = v128.bitselect(minv, a0, pad0);
        a1 = v128.bitselect(minv, a1, pad1);
      }
      m = i32x4.max_s(m, i32x4.max_s(a0, a1));
      v128.store(sh + (c << 1), a0);
      v128.store(sh + (c << 1), a1, 16);
    }
    store<i32>(hx + (<usize>h << 2), hmax(m));
  }
  for (let h = 0; h < heads; h++) {
    const sh = sc + <usize>h * scBytes, mx = i32x4.splat(load<i32>(hx + (<usize>h << 2)));
    // u_j and e_j, 8 slots per step (stride is a multiple of 8): the two
    // table gathers are independent and overlap, and the loop overhead is
    // paid half as often (V8: -11% on the whole kernel). mx - sc_j wraps
    // when the true difference is >= 2^31; read unsigned (rqIndex4) it is
    // exact, and the cap does what clamp32 would.
    let s = i32x4.splat(0);
    for (let c: usize = 0; c < scBytes; c += 32) {
      const d0 = i32x4.sub(mx, v128.load(sh + c)), d1 = i32x4.sub(mx, v128.load(sh + c, 16));
      let e0 = exp4(d0, AM, scale, cap, round, shift, T), e1 = exp4(d1, AM, scale, cap, round, shift, T);
      if (c == scBytes - 32) { // padding gets zero weight
        e0 = v128.andnot(e0, pad0);
        e1 = v128.andnot(e1, pad1);
      }
      s = i32x4.add(s, i32x4.add(e0, e1));
      v128.store(sh + c, e0);
      v128.store(sh + c, e1, 16);
    }
    store<i32>(hx + (<usize>h << 2), hsum(s));
  }
  for (let h = 0; h < heads; h++) {
    const i0 = h * hd, i1 = i0 + hd, sh = sc + <usize>h * scBytes;
    // eq. (12) weights. Unless one slot holds all the weight (sum = 2^15, so
    // w = 2^15 there), every w_j <= 2^15 - 1 fits i16 and eq. (13) becomes
    // one dot_i16x8_s per 8 slots (pair sums < 2^31, no wrap).
    const sum = load<i32>(hx + (<usize>h << 2)), inv = i32x4.splat(<i32>softmaxInverse(sum)); // inv <= 2^16
    if (sum != <i32>Q15) {
      for (let c: usize = 0; c < rowBytes; c += 16) {
        const e = sh + (c << 1);
        v128.store(w + c, i16x8.narrow_i32x4_s(softmaxWeight4(v128.load(e), inv), softmaxWeight4(v128.load(e, 16), inv)));
      }
      for (let i = i0; i < i1; i++) {
        const vrow = vt + <usize>i * rowBytes;
        let acc = i32x4.splat(0);
        for (let c: usize = 0; c < rowBytes; c += 16) acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load(vrow + c), v128.load(w + c)));
        store<i16>(o + (<usize>i << 1), <i16>clamp16((hsum(acc) + (1 << 14)) >> 15));
      }
    } else {
      for (let c: usize = 0; c < scBytes; c += 16) v128.store(w + c, softmaxWeight4(v128.load(sh + c), inv));
      for (let i = i0; i < i1; i++) {
        const vrow = vt + <usize>i * rowBytes;
        let acc = i32x4.splat(0);
        for (let c: usize = 0; c < rowBytes; c += 16) {
          const v = v128.load(vrow + c);
          acc = i32x4.add(acc, i32x4.mul(i32x4.extend_low_i16x8_s(v), v128.load(w + (c << 1))));
          acc = i32x4.add(acc, i32x4.mul(i32x4.extend_high_i16x8_s(v), v128.load(w + (c << 1), 16)));
        }
        store<i16>(o + (<usize>i << 1), <i16>clamp16((hsum(acc) + (1 << 14)) >> 15));
      }
    }
  }
}
