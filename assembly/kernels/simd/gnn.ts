/**
 * Mission-GNN message, aggregate, BatchNorm and ELU (eqs. 7-9), v128 form;
 * same entry point as ../gnn.ts and bit-identical to it. H = 8 i16 lanes are
 * exactly one v128 per node row, so one edge costs one load and two widening
 * adds; wider H runs in 8-lane chunks. For H = 8 the dense step of eq. (6) keeps W_l
 * in eight registers across all DY nodes instead of one GEMV call per node.
 */
import {
  GNN_BN_BIAS, GNN_BN_MULT, GNN_BN_SHIFT, GNN_COL, GNN_DX, GNN_DX_COUNT, GNN_ELU_MULT, GNN_ELU_SHIFT,
  GNN_DY, GNN_DY_COUNT, GNN_ELU_TABLE, GNN_GEMV, GNN_RMEAN, GNN_ROW, GNN_WIDTH,
} from '../gnn_common';
import { GEMV_BIAS, GEMV_MULT, GEMV_RELU, GEMV_SHIFT, GEMV_W } from '../gemv_common';
import * as ref from '../gnn';
import { Q15 } from '../../blob/constants';
import { indexPrep, ixCap, ixMult, ixRound, ixScale, ixShift, lut16x4, roundingTerm, rq4, rqGemv4, rqIndex4, sum4 } from './lanes';

/**
 * (sum · R + 2^14) >> 15 of eq. (7) for four lanes in i32 only: with
 * sum = sh·2^15 + sl (sl in [0, 2^15)) it equals sh·R + ((sl·R + 2^14) >> 15);
 * |sh| <= 2^16 and R <= 2^15 keep every term and the sum inside i32.
 */
@inline function mean4(sum: v128, R: v128): v128 {
  const sh = i32x4.shr_s(sum, 15), sl = v128.and(sum, i32x4.splat(0x7fff));
  return i32x4.add(i32x4.mul(sh, R), i32x4.shr_s(i32x4.add(i32x4.mul(sl, R), i32x4.splat(1 << 14)), 15));
}

/**
 * elu(z) of eq. (9) on eight lanes (two i32x4), saturated to i16 (the
 * clamp16 of the z >= 0 lanes). -z read unsigned is clamp32(-z) for every
 * z < 0 (rqIndex4). Both halves in one block, so their table gathers overlap.
 */
@inline function elu8(z0: v128, z1: v128, M: v128, scale: v128, cap: v128, round: v128, shift: i32, T: usize): v128 {
  const t0 = lut16x4(T, rqIndex4(i32x4.neg(z0), M, scale, cap, round, shift));
  const t1 = lut16x4(T, rqIndex4(i32x4.neg(z1), M, scale, cap, round, shift));
  const x0 = v128.bitselect(t0, z0, i32x4.shr_s(z0, 31)), x1 = v128.bitselect(t1, z1, i32x4.shr_s(z1, 31));
  return i16x8.narrow_i32x4_s(x0, x1);
}

/**
 * Lanes c..c+7 of a node's mean row (eq. 7), from its edges e0..e1 in COL.
 * One edge with R = 2^15 is the row itself: (y·2^15 + 2^14) >> 15 = y.
 */
@inline function meanRow(Y: usize, col: usize, e0: i32, e1: i32, Rs: i32, rowBytes: usize, c: usize): v128 {
  if (e1 - e0 == 1 && Rs == <i32>Q15) return v128.load(Y + <usize>load<i32>(col + (<usize>e0 << 2)) * rowBytes + c);
  let s0 = i32x4.splat(0), s1 = i32x4.splat(0);
  for (let e = e0; e < e1; e++) {
    const yu = v128.load(Y + <usize>load<i32>(col + (<usize>e << 2)) * rowBytes + c);
    s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(yu));
    s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(yu));
  }
  const R = i32x4.splat(Rs);
  return i16x8.narrow_i32x4_s(mean4(s0, R), mean4(s1, R));
}

/** Same contract as ../gnn.ts gnn_aggregate. */
export function gnn_aggregate(layer: usize, Y: usize, X: usize): void {
  const H = load<i32>(layer, GNN_WIDTH), nDx = load<i32>(layer, GNN_DX_COUNT);
  const dx = load<usize>(layer, GNN_DX), row = load<usize>(layer, GNN_ROW), col = load<usize>(layer, GNN_COL);
  const rmean = load<usize>(layer, GNN_RMEAN), bm = load<usize>(layer, GNN_BN_MULT), bb = load<usize>(layer, GNN_BN_BIAS);
  const BS = load<i32>(layer, GNN_BN_SHIFT), T = load<usize>(layer, GNN_ELU_TABLE);
  indexPrep(load<i32>(layer, GNN_ELU_MULT), load<i32>(layer, GNN_ELU_SHIFT));
  const EM = i32x4.splat(ixMult), scale = i32x4.splat(ixScale), cap = i32x4.splat(ixCap), roundE = i64x2.splat(ixRound);
  const shift = ixShift, roundB = roundingTerm(BS);
  const rowBytes = <usize>H << 1;
  // Chunk-major: the BatchNorm vectors of a chunk stay in registers over all
  // DX nodes (for H = 8, the whole layer), instead of four loads per node
  // (issue 13: -8% on the GNN stage in V8; doing two nodes per step gained
  // -15% but took the SIMD build to 35.5 KiB, over its 32 KiB).
  for (let c: usize = 0; c < rowBytes; c += 16) {
    const cw = c << 1; // byte offset of lane c/2 in the i32 BN vectors
    const bm0 = v128.load(bm + cw), bm1 = v128.load(bm + cw, 16), bb0 = v128.load(bb + cw), bb1 = v128.load(bb + cw, 16);
    for (let i = 0; i < nDx; i++) {
      const o = <usize>i << 2;
      const v = <usize>load<i32>(dx + o) * rowBytes + c;
      const mean = meanRow(Y, col, load<i32>(row + o), load<i32>(row + o, 4), load<i32>(rmean + o), rowBytes, c);
      const y = v128.load(Y + v);
      const z0 = i32x4.add(rq4(i32x4.extmul_low_i16x8_s(y, mean), bm0, BS, roundB), bb0);
      const z1 = i32x4.add(rq4(i32x4.extmul_high_i16x8_s(y, mean), bm1, BS, roundB), bb1);
      v128.store(X + v, elu8(z0, z1, EM, scale, cap, roundE, shift, T));
    }
  }
}

/** Same contract as ../gnn.ts gnn_dense. */
export function gnn_dense(layer: usize, Xprev: usize, Y: usize): void {
  const op = load<usize>(layer, GNN_GEMV);
  if (op == 0) return;
  if (load<i32>(layer, GNN_WIDTH) != 8) {
    ref.gnn_dense(layer, Xprev, Y); // its gemv() is the reference one; wider H is not the hot case
    return;
  }
  const w = load<usize>(op, GEMV_W), bias = load<usize>(op, GEMV_BIAS), mult = load<usize>(op, GEMV_MULT);
  const S = load<i32>(op, GEMV_SHIFT), round = roundingTerm(S);
  const floor = i16x8.splat(load<i32>(op, GEMV_RELU) ? 0 : -32768);
  const w0 = v128.load8x8_s(w), w1 = v128.load8x8_s(w, 16), w2 = v128.load8x8_s(w, 32), w3 = v128.load8x8_s(w, 48);
  const w4 = v128.load8x8_s(w, 64), w5 = v128.load8x8_s(w, 80), w6 = v128.load8x8_s(w, 96), w7 = v128.load8x8_s(w, 112);
  const b0 = v128.load(bias), b1 = v128.load(bias, 16), m0 = v128.load(mult), m1 = v128.load(mult, 16);
  const dy = load<usize>(layer, GNN_DY), n = load<i32>(layer, GNN_DY_COUNT);
  for (let i = 0; i < n; i++) {
    const v = <usize>load<i32>(dy + (<usize>i << 2)) << 4;
    const x = v128.load(Xprev + v);
    const lo = i32x4.add(sum4(i32x4.dot_i16x8_s(w0, x), i32x4.dot_i16x8_s(w1, x), i32x4.dot_i16x8_s(w2, x), i32x4.dot_i16x8_s(w3, x)), b0);
    const hi = i32x4.add(sum4(i32x4.dot_i16x8_s(w4, x), i32x4.dot_i16x8_s(w5, x), i32x4.dot_i16x8_s(w6, x), i32x4.dot_i16x8_s(w7, x)), b1);
    v128.store(Y + v, i16x8.max_s(i16x8.narrow_i32x4_s(rqGemv4(lo, m0, S, round), rqGemv4(hi, m1, S, round)), floor));
  }
}
