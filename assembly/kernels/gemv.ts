/**
 * int8 × int16 matrix-vector product, reference form (docs/fixed-point.md eq. 5):
 *   acc_r = B_r + Σ_c W[r][c]·x[c]   (i32, wrapping)
 *   y_r   = clamp16(rq(acc_r, M_r, S)), then max(y_r, 0) if the op has ReLU.
 * The SIMD twin is simd/gemv.ts.
 */
import { OPS_ACT_BYTES, OPS_MAC, OPS_WEIGHT_BYTES, countGemv, countGemvOutput, tally } from '../count';
import { GEMV_BIAS, GEMV_COLS, GEMV_MULT, GEMV_RELU, GEMV_ROWS, GEMV_SHIFT, GEMV_STRIDE, GEMV_W, gemvOutput } from './gemv_common';

/** y (i16[rows]) = GEMV(op, x (i16[cols])). `op` is a gemv_common record. */
export function gemv(op: usize, x: usize, y: usize): void {
  const w = load<usize>(op, GEMV_W), bias = load<usize>(op, GEMV_BIAS), mult = load<usize>(op, GEMV_MULT);
  const rows = load<i32>(op, GEMV_ROWS), cols = load<i32>(op, GEMV_COLS), stride = <usize>load<i32>(op, GEMV_STRIDE);
  const S = load<i32>(op, GEMV_SHIFT), relu = load<i32>(op, GEMV_RELU);
  if (isDefined(PCE_COUNT)) countGemv(w);
  for (let r = 0; r < rows; r++) {
    const row = w + <usize>r * stride;
    let acc = load<i32>(bias + (<usize>r << 2));
    for (let c = 0; c < cols; c++) {
      acc += <i32>load<i8>(row + <usize>c) * <i32>load<i16>(x + (<usize>c << 1));
      if (isDefined(PCE_COUNT)) { tally(OPS_MAC, 1); tally(OPS_WEIGHT_BYTES, 1); tally(OPS_ACT_BYTES, 2); }
    }
    if (isDefined(PCE_COUNT)) { tally(OPS_WEIGHT_BYTES, 8); tally(OPS_ACT_BYTES, 2); countGemvOutput(relu); } // bias and multiplier in, y_r out
    store<i16>(y + (<usize>r << 1), gemvOutput(acc, load<i32>(mult + (<usize>r << 2)), S, relu));
  }
}
