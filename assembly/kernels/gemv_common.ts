/**
 * The GEMV op record (eq. 5) both kernel directories read: a 32-byte struct in
 * linear memory, filled once at init from validated blob tensors.
 */
import { clamp16, rq } from './fixed';

/** usize: row-major i8 weights, `rows × stride` bytes, row padding zero (validated). */
export const GEMV_W: usize = 0;
/** usize: i32[rows] bias B_r (eq. 5). */
export const GEMV_BIAS: usize = 4;
/** usize: i32[rows] multiplier M_r (eq. 2). */
export const GEMV_MULT: usize = 8;
/** i32: output rows. */
export const GEMV_ROWS: usize = 12;
/** i32: input columns. */
export const GEMV_COLS: usize = 16;
/** i32: bytes per weight row, ceil16(cols); the input vector must be readable up to `stride` i16. */
export const GEMV_STRIDE: usize = 20;
/** i32: the op's shared shift S, 31..62 (eq. 2). */
export const GEMV_SHIFT: usize = 24;
/** i32: 1 if the op ends in ReLU, else 0 (SHIFT tensor word 1). */
export const GEMV_RELU: usize = 28;
export const GEMV_RECORD_BYTES: usize = 32;

/** One output row of eq. (5) from its i32 accumulator: clamp16(rq(acc, M, S)), ReLU if asked. */
@inline export function gemvOutput(acc: i32, M: i32, S: i32, relu: i32): i16 {
  const v = clamp16(rq(acc, M, S));
  return <i16>(relu ? max(v, 0) : v);
}

/** Fills a record; `rowStart`/`rowCount` select a slice of the op's rows (used for q and k,v alone). */
export function gemvRecord(rec: usize, w: usize, bias: usize, mult: usize, rowStart: i32, rowCount: i32,
  cols: i32, stride: i32, shift: i32, relu: i32): void {
  store<usize>(rec, w + <usize>rowStart * <usize>stride, GEMV_W);
  store<usize>(rec, bias + (<usize>rowStart << 2), GEMV_BIAS);
  store<usize>(rec, mult + (<usize>rowStart << 2), GEMV_MULT);
  store<i32>(rec, rowCount, GEMV_ROWS);
  store<i32>(rec, cols, GEMV_COLS);
  store<i32>(rec, stride, GEMV_STRIDE);
  store<i32>(rec, shift, GEMV_SHIFT);
  store<i32>(rec, relu, GEMV_RELU);
}
