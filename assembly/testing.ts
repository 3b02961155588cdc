/**
 * Test build (targets test-simd / test-scalar in asconfig.json): the kernel
 * entry points of whichever directory the build picks, the scalar
 * primitives, validator helpers, and known-answer probes of the v128
 * builtins the SIMD kernels rely on. Not shipped; the engine is engine.ts.
 */
import { clamp32, isqrt, lut16, lut32, rq, tableIndex } from './kernels/fixed';
import { lnBits, lnInverse } from './kernels/layernorm_common';
import { crc32, utf8Valid } from './blob/validate';
import { indexPrep, ixCap, ixMult, ixRound, ixScale, ixShift, rqIndex4 } from './kernels/simd/lanes';

export {
  attention, gemv, gnn_aggregate, gnn_dense, layernorm, lut_i16, lut_i32, requant_gemv, residual, softmax_probs,
} from './kernels/index';

let top: usize = (__heap_base + 15) & ~15;

/** 1 in the SIMD build, 0 in the scalar one. */
export function t_simd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

/** Drops every t_alloc block. */
export function t_reset(): void {
  top = (__heap_base + 15) & ~15;
}

/** A 16-aligned block of `bytes` (+64 spare bytes), contents unspecified; 0 if memory cannot grow. */
export function t_alloc(bytes: usize): usize {
  const at = top;
  const end = (at + bytes + 64 + 15) & ~<usize>15;
  const have = <usize>memory.size() << 16;
  if (end > have && memory.grow(<i32>((end - have + 0xffff) >> 16)) < 0) return 0;
  top = end;
  return at;
}

/** eq. (1). */
export function t_rq(a: i64, M: i32, S: i32): i32 {
  return rq(a, M, S);
}

export function t_clamp32(v: i64): i32 {
  return clamp32(v);
}

/** eq. (3) after tableIndex(), i32 table. */
export function t_lut32(T: usize, u: i32): i32 {
  return lut32(T, tableIndex(u));
}

/** eq. (3) after tableIndex(), i16 table. */
export function t_lut16(T: usize, u: i32): i32 {
  return lut16(T, tableIndex(u));
}

/**
 * tableIndex(rq(a, M, S)) for a >= 0 (eqs. 9, 11, 17): the SIMD build's lane
 * form (rqIndex4 after indexPrep), the scalar build's reference form.
 */
export function t_rq_index(a: i32, M: i32, S: i32): i32 {
  if (!ASC_FEATURE_SIMD) return tableIndex(rq(a, M, S));
  indexPrep(M, S);
  return i32x4.extract_lane(rqIndex4(i32x4.splat(a), i32x4.splat(ixMult), i32x4.splat(ixScale), i32x4.splat(ixCap), i64x2.splat(ixRound), ixShift), 0);
}

/** eq. (4). */
export function t_isqrt(v: u64): u64 {
  return isqrt(v);
}

/** inv of eq. (15); t_ln_bits() gives b. */
export function t_ln_inverse(V: i64, eps: i64): i64 {
  return lnInverse(V, eps);
}

export function t_ln_bits(): i32 {
  return lnBits;
}

export function t_crc32(p: usize, n: usize): u32 {
  return crc32(p, n);
}

export function t_utf8(p: usize, n: u32): i32 {
  return utf8Valid(p, n) ? 1 : 0;
}

/**
 * Known-answer probe of one v128 builtin: reads operands a, b, c (16 bytes
 * each; a 32 for the loads at an offset) and writes the result (16 bytes) to
 * out. Returns 0, or -1 in the scalar build / for an unknown op. Ops are
 * numbered in test/kernels/simd-builtins.test.ts.
 */
export function t_kat(op: i32, a: usize, b: usize, c: usize, out: usize, imm: i32): i32 {
  if (!ASC_FEATURE_SIMD) return -1;
  const va = v128.load(a), vb = v128.load(b), vc = v128.load(c);
  let r = i32x4.splat(0);
  switch (op) {
    case 0: r = i32x4.dot_i16x8_s(va, vb); break;
    case 1: r = v128.load8x8_s(a); break;
    case 2: r = i64x2.extmul_low_i32x4_s(va, vb); break;
    case 3: r = i64x2.extmul_high_i32x4_s(va, vb); break;
    case 4: r = i16x8.narrow_i32x4_s(va, vb); break;
    case 5: r = i64x2.shr_s(va, imm); break;
    case 6: r = i32x4.extmul_low_i16x8_s(va, vb); break;
    case 7: r = i32x4.extmul_high_i16x8_s(va, vb); break;
    case 8: r = i32x4.extend_low_i16x8_s(va); break;
    case 9: r = i32x4.extend_high_i16x8_s(va); break;
    case 10: r = i64x2.mul(va, vb); break;
    case 11: r = i64x2.lt_s(va, vb); break;
    case 12: r = i64x2.gt_s(va, vb); break;
    case 13: r = v128.bitselect(va, vb, vc); break;
    case 14: r = i32x4.shuffle(va, vb, 0, 2, 4, 6); break;
    case 15: r = i16x8.max_s(va, vb); break;
    case 16: r = i32x4.mul(va, vb); break;
    case 17: r = i32x4.shr_s(va, imm); break;
    case 18: r = i32x4.min_s(va, vb); break;
    case 19: r = i32x4.max_s(va, vb); break;
    case 20: r = i32x4.eq(va, vb); break;
    case 21: r = i32x4.neg(va); break;
    case 22: r = i64x2.extend_low_i32x4_s(va); break;
    case 23: r = i64x2.extend_high_i32x4_s(va); break;
    case 24: r = v128.load64_zero(a); break;
    case 25: r = i32x4.lt_s(va, vb); break;
    case 26: r = i32x4.splat(v128.any_true(va) ? 1 : 0); break;
    case 27: r = i64x2.add(va, vb); break;
    case 28: r = i32x4.add(va, vb); break;
    case 29: r = i32x4.sub(va, vb); break;
    case 30: r = v128.xor(va, vb); break;
    case 31: r = i16x8.splat(<i16>imm); break;
    case 32: r = i32x4.replace_lane(va, 2, imm); break;
    case 33: r = i32x4.splat(i32x4.extract_lane(va, 3)); break;
    case 34: {
      memory.fill(out, 0xee, 16);
      v128.store64_lane(out, va, 0); // only the low 8 bytes change
      return 0;
    }
    case 35: r = i32x4.splat(i32x4.bitmask(va)); break;
    case 36: r = i32x4.ge_s(va, vb); break;
    case 37: r = i32x4.shl(va, imm); break;
    case 38: r = i32x4.shr_u(va, imm); break;
    case 39: r = i64x2.shl(va, imm); break;
    case 40: r = i64x2.splat(load<i64>(a)); break;
    case 41: r = i32x4.splat(imm); break;
    case 42: r = v128.and(va, vb); break;
    case 43: r = v128.andnot(va, vb); break;
    // Gathers: 4 or 8 bytes at a + (imm >> 2 or 1), any alignment, into one lane of b.
    case 44: {
      const p = a + (imm >> 2);
      switch (imm & 3) {
        case 0: r = v128.load32_lane(p, vb, 0); break;
        case 1: r = v128.load32_lane(p, vb, 1); break;
        case 2: r = v128.load32_lane(p, vb, 2); break;
        default: r = v128.load32_lane(p, vb, 3);
      }
      break;
    }
    case 45: r = (imm & 1) ? v128.load64_lane(a + (imm >> 1), vb, 1) : v128.load64_lane(a + (imm >> 1), vb, 0); break;
    case 46: r = v128.load32_zero(a + imm); break;
    case 47: {
      store<i32>(out, i32x4.extract_lane(va, 0)); store<i32>(out, i32x4.extract_lane(va, 1), 4);
      store<i32>(out, i32x4.extract_lane(va, 2), 8); store<i32>(out, i32x4.extract_lane(va, 3), 12);
      return 0;
    }
    case 48: {
      store<i64>(out, i64x2.extract_lane(va, 0)); store<i64>(out, i64x2.extract_lane(va, 1), 8);
      return 0;
    }
    case 49: r = v128.load(a + imm); break; // stored by the v128.store below, as every case
    case 50: r = imm ? i32x4(i32.MIN_VALUE, -1, 1, i32.MAX_VALUE) : i32x4(0, 1, 2, 3); break;
    // Every lane pattern of i32x4.shuffle the kernels use (lanes 4..7 come from b).
    case 51: r = i32x4.shuffle(va, vb, 1, 3, 5, 7); break;
    case 52: r = i32x4.shuffle(va, vb, 2, 3, 0, 1); break;
    case 53: r = i32x4.shuffle(va, vb, 1, 0, 3, 2); break;
    case 54: r = i32x4.shuffle(va, vb, 0, 4, 1, 5); break;
    case 55: r = i32x4.shuffle(va, vb, 2, 6, 3, 7); break;
    case 56: r = i32x4.shuffle(va, vb, 0, 1, 4, 5); break;
    case 57: r = i32x4.shuffle(va, vb, 2, 3, 6, 7); break;
    case 58: r = i32x4.min_u(va, vb); break;
    default: return -1;
  }
  v128.store(out, r);
  return 0;
}
