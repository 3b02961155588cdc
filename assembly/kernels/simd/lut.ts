/**
 * Table lookup with interpolation (eq. 3), v128 form; same entry points as
 * ../lut.ts and bit-identical to it: four lanes per step, tail to the reference.
 */
import * as ref from '../lut';
import { lut16x4, lut32x4, tableIndex4 } from './lanes';

/** Same contract as ../lut.ts lut_i32. */
export function lut_i32(T: usize, u: usize, n: i32, out: usize): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(out + o, lut32x4(T, tableIndex4(v128.load(u + o))));
  }
  ref.lut_i32(T, u + (<usize>k << 2), n - k, out + (<usize>k << 2));
}

/** Same contract as ../lut.ts lut_i16. */
export function lut_i16(T: usize, u: usize, n: i32, out: usize): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(out + o, lut16x4(T, tableIndex4(v128.load(u + o))));
  }
  ref.lut_i16(T, u + (<usize>k << 2), n - k, out + (<usize>k << 2));
}
