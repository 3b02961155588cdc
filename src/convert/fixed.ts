/**
 * Float -> fixed-point helpers of the converter (docs/fixed-point.md): how a
 * real multiplier becomes (M, S), how GEMV weights and biases are quantized.
 * The only place where floats turn into the integers the engine runs on.
 */
import { align16 } from '../blob/constants.js';
import { roundHalfAway } from '../engine.js';
import type { Matrix } from './onnx-model.js';

export { roundHalfAway };

export const I16_MAX = 32767;

export class QuantizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantizeError';
  }
}

export const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
export const q16 = (v: number, s: number): number => clamp(roundHalfAway(v / s), -32768, I16_MAX);

export function i32(v: number, what: string): number {
  const r = roundHalfAway(v);
  if (!(r >= -2147483648 && r <= 2147483647)) throw new QuantizeError(`${what}: ${v} does not fit in int32 (scales too small for this model)`);
  return r;
}

/** Symmetric scale mapping max|r| to 32767 (never zero). */
export const actScale = (maxAbs: number): number => Math.max(maxAbs, 1e-9) / I16_MAX;

/**
 * The largest shift S in [minS, 62] such that every multiplier |m|·2^S stays
 * below 2^31 (eq. 1). Throws if even S = minS overflows.
 */
export function chooseShift(multipliers: ArrayLike<number>, minS: number, what: string): number {
  let mx = 0;
  for (let i = 0; i < multipliers.length; i++) mx = Math.max(mx, Math.abs(multipliers[i]));
  if (mx === 0) return 62;
  const s = Math.min(62, Math.floor(Math.log2((2 ** 31 - 1) / mx)));
  let S = s;
  while (S > minS && Math.round(mx * 2 ** S) >= 2 ** 31) S--;
  if (S < minS || Math.round(mx * 2 ** S) >= 2 ** 31) throw new QuantizeError(`${what}: multiplier ${mx} is too large for a shift >= ${minS}`);
  return S;
}

export function fixedPoint(m: number, S: number): number {
  return Math.round(m * 2 ** S);
}

/** (M, S) pair for one real multiplier, S >= 1. */
export function rqPair(m: number, what: string): [number, number] {
  const S = chooseShift([m], 1, what);
  return [fixedPoint(m, S), S];
}

/** Per-row int8 weight scale max|W_r|/127; an all-zero row gets a scale that keeps its multiplier small. */
export function rowScales(w: Matrix): Float64Array {
  const out = new Float64Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    let mx = 0;
    for (let c = 0; c < w.cols; c++) mx = Math.max(mx, Math.abs(w.data[r * w.cols + c]));
    out[r] = mx / 127;
  }
  return out;
}

/** Smallest output scale for which every row's multiplier s_in·s_w/s_out stays below 1 (eq. 2). */
export function minOutScale(w: Matrix, sIn: number): number {
  return Math.max(...rowScales(w)) * sIn * 1.0001;
}

export interface QuantGemv { W: Int8Array; B: Int32Array; M: Int32Array; SHIFT: Int32Array; }

/**
 * Quantizes one GEMV op (eq. 5): int8 rows padded to 16 bytes, int32 bias in
 * the accumulator's scale s_in·s_w[r], per-row multiplier with one shift.
 * `sOut[r]` must be >= minOutScale (callers raise their scales first).
 * `meanIn`, the calibration mean of the op's input, enables bias correction.
 */
export function quantGemv(
  w: Matrix, b: ArrayLike<number>, sIn: number, sOut: ArrayLike<number>, relu: boolean, what: string,
  meanIn?: ArrayLike<number>,
): QuantGemv {
  const stride = align16(w.cols);
  const sw = rowScales(w);
  const W = new Int8Array(w.rows * stride);
  const B = new Int32Array(w.rows);
  const mult = new Float64Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    // An all-zero row: any scale works; one that keeps the multiplier tiny.
    const s = sw[r] > 0 ? sw[r] : (1e-3 * sOut[r]) / sIn;
    // Bias correction: rounding the weights shifts the output's mean by
    // (W - s·Wq)·E[x]; folding that into the bias removes the systematic part.
    let bias = b[r];
    for (let c = 0; c < w.cols; c++) {
      const q = clamp(roundHalfAway(w.data[r * w.cols + c] / s), -127, 127);
      W[r * stride + c] = q;
      if (meanIn) bias += (w.data[r * w.cols + c] - q * s) * meanIn[c];
    }
    B[r] = i32(bias / (sIn * s), `${what} bias row ${r}`);
    mult[r] = (sIn * s) / sOut[r];
    if (mult[r] >= 1) throw new QuantizeError(`${what} row ${r}: multiplier ${mult[r]} >= 1 (output scale too small)`);
  }
  const S = chooseShift(mult, 31, what);
  return { W, B, M: Int32Array.from(mult, (m) => fixedPoint(m, S)), SHIFT: Int32Array.of(S, relu ? 1 : 0) };
}
