/**
 * Table lookup with interpolation (docs/fixed-point.md eq. 3) over arrays,
 * reference form: out[k] = lut(T, 512, tableIndex(u[k])). The kernels inline
 * the per-element primitive (fixed.ts lut32/lut16, simd/lanes.ts lut32x4/lut16x4);
 * these array forms exist so the tests can drive both on any input.
 */
import { lut16, lut32, tableIndex } from './fixed';

/** i32 table (EXP): u, out: i32[n]. */
export function lut_i32(T: usize, u: usize, n: i32, out: usize): void {
  for (let k = 0; k < n; k++) {
    store<i32>(out + (<usize>k << 2), lut32(T, tableIndex(load<i32>(u + (<usize>k << 2)))));
  }
}

/** i16 table (ELU): u, out: i32[n]. */
export function lut_i16(T: usize, u: usize, n: i32, out: usize): void {
  for (let k = 0; k < n; k++) {
    store<i32>(out + (<usize>k << 2), lut16(T, tableIndex(load<i32>(u + (<usize>k << 2)))));
  }
}
