/**
 * int8 × int16 GEMV (eq. 5), v128 form; same entry point as ../gemv.ts and
 * bit-identical to it. Four rows at a time: `v128.load8x8_s` widens 8 weights
 * to i16 and `i32x4.dot_i16x8_s` multiplies them with 8 inputs, so 16 columns
 * of 4 rows cost 8 loads + 8 dots + 8 adds (V8: ~26 GMAC/s, one row at a time ~17).
 *
 * Row blocks run past `cols` up to the next multiple of 8: the padding
 * weights are zero (validated), so the input entries past `cols` that get
 * read, whatever they hold, add 0. Callers give every GEMV input `stride`
 * readable i16.
 */
import { GEMV_BIAS, GEMV_COLS, GEMV_MULT, GEMV_RELU, GEMV_ROWS, GEMV_SHIFT, GEMV_STRIDE, GEMV_W, gemvOutput } from '../gemv_common';
import { hsum, roundingTerm, rqGemv4, sum4 } from './lanes';

/** y (i16[rows]) = GEMV(op, x (i16[stride])). */
export function gemv(op: usize, x: usize, y: usize): void {
  const w = load<usize>(op, GEMV_W), bias = load<usize>(op, GEMV_BIAS), mult = load<usize>(op, GEMV_MULT);
  const rows = load<i32>(op, GEMV_ROWS), cols = load<i32>(op, GEMV_COLS), stride = <usize>load<i32>(op, GEMV_STRIDE);
  const S = load<i32>(op, GEMV_SHIFT), relu = load<i32>(op, GEMV_RELU);
  const round = roundingTerm(S);
  const floor = i16x8.splat(relu ? 0 : -32768);
  const stride2 = stride << 1, stride3 = stride * 3;
  // Whole 16-column blocks, then the last block: as 8 columns when its upper
  // half is all padding (cols % 16 in 1..8), else whole.
  const full = <usize>(cols & ~15), rem = cols & 15;
  const tail: usize = rem == 0 ? 0 : rem <= 8 ? 8 : 16;
  let r = 0;
  for (; r + 8 <= rows; r += 8) {
    const p = w + <usize>r * stride, p4 = p + (stride << 2);
    let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
    let a4 = i32x4.splat(0), a5 = i32x4.splat(0), a6 = i32x4.splat(0), a7 = i32x4.splat(0);
    for (let c: usize = 0; c < full; c += 16) {
      const x0 = v128.load(x + (c << 1)), x1 = v128.load(x + (c << 1), 16);
      const q = p + c, q4 = p4 + c;
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_s(q), x0));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride), x0));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride2), x0));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride3), x0));
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(v128.load8x8_s(q4), x0));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride), x0));
      a6 = i32x4.add(a6, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride2), x0));
      a7 = i32x4.add(a7, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride3), x0));
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_s(q, 8), x1));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride, 8), x1));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride2, 8), x1));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride3, 8), x1));
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(v128.load8x8_s(q4, 8), x1));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride, 8), x1));
      a6 = i32x4.add(a6, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride2, 8), x1));
      a7 = i32x4.add(a7, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride3, 8), x1));
    }
    if (tail) {
      const x0 = v128.load(x + (full << 1));
      const q = p + full, q4 = p4 + full;
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_s(q), x0));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride), x0));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride2), x0));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride3), x0));
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(v128.load8x8_s(q4), x0));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride), x0));
      a6 = i32x4.add(a6, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride2), x0));
      a7 = i32x4.add(a7, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride3), x0));
      if (tail == 16) {
        const x1 = v128.load(x + (full << 1), 16);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_s(q, 8), x1));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride, 8), x1));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride2, 8), x1));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v128.load8x8_s(q + stride3, 8), x1));
        a4 = i32x4.add(a4, i32x4.dot_i16x8_s(v128.load8x8_s(q4, 8), x1));
        a5 = i32x4.add(a5, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride, 8), x1));
        a6 = i32x4.add(a6, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride2, 8), x1));
        a7 = i32x4.add(a7, i32x4.dot_i16x8_s(v128.load8x8_s(q4 + stride3, 8), x1));
      }
    }
    const o = <usize>r;
    const lo = rqGemv4(i32x4.add(sum4(a0, a1, a2, a3), v128.load(bias + (o << 2))), v128.load(mult + (o << 2)), S, round);
    const hi = rqGemv4(i32x4.add(sum4(a4, a5, a6, a7), v128.load(bias + (o << 2), 16)), v128.load(mult + (o << 2), 16), S, round);
    v128.store(y + (o << 1), i16x8.max_s(i16x8.narrow_i32x4_s(lo, hi), floor));
  }
  for (; r < rows; r++) {
    const p = w + <usize>r * stride;
    let a = i32x4.splat(0);
    for (let c: usize = 0; c < stride; c += 8) a = i32x4.add(a, i32x4.dot_i16x8_s(v128.load8x8_s(p + c), v128.load(x + (c << 1))));
    store<i16>(y + (<usize>r << 1), gemvOutput(hsum(a) + load<i32>(bias + (<usize>r << 2)), load<i32>(mult + (<usize>r << 2)), S, relu));
  }
}
