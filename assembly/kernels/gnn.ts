/**
 * Mission-GNN message, aggregate, BatchNorm and ELU, reference form
 * (docs/fixed-point.md eqs. 7-9). For every node v of DX with used incoming
 * edges u (CSR):
 *   sum_c  = Σ_u Y[u][c]                               (i32, wrapping)
 *   mean_c = clamp16((sum_c · R_v + 2^14) >> 15)       (i64 product)
 *   p_c    = Y[v][c] · mean_c
 *   z_c    = rq(p_c, BM_c, BS) + BB_c                  (i32, wrapping)
 *   X[v][c] = elu(z_c)
 * and, for layers >= 2, the dynamic y of eq. (6). The SIMD twin is
 * simd/gnn.ts. Node ids were validated to be < N at init.
 */
import {
  GNN_BN_BIAS, GNN_BN_MULT, GNN_BN_SHIFT, GNN_COL, GNN_DX, GNN_DX_COUNT, GNN_ELU_MULT, GNN_ELU_SHIFT,
  GNN_DY, GNN_DY_COUNT, GNN_ELU_TABLE, GNN_GEMV, GNN_RMEAN, GNN_ROW, GNN_WIDTH,
} from './gnn_common';
import { OPS_ACT_BYTES, OPS_ADD, OPS_MUL, OPS_SHIFT, OPS_WEIGHT_BYTES, countClamp, countElu, countRq, tally } from '../count';
import { clamp16w, elu, rq } from './fixed';
import { gemv } from './gemv';

/** Writes X[v] for every v in the layer's DX from Y (both i16[N·H]). */
export function gnn_aggregate(layer: usize, Y: usize, X: usize): void {
  const H = load<i32>(layer, GNN_WIDTH), nDx = load<i32>(layer, GNN_DX_COUNT);
  const dx = load<usize>(layer, GNN_DX), row = load<usize>(layer, GNN_ROW), col = load<usize>(layer, GNN_COL);
  const rmean = load<usize>(layer, GNN_RMEAN), bm = load<usize>(layer, GNN_BN_MULT), bb = load<usize>(layer, GNN_BN_BIAS);
  const BS = load<i32>(layer, GNN_BN_SHIFT), EM = load<i32>(layer, GNN_ELU_MULT), ES = load<i32>(layer, GNN_ELU_SHIFT);
  const T = load<usize>(layer, GNN_ELU_TABLE);
  const rowBytes = <usize>H << 1;
  for (let i = 0; i < nDx; i++) {
    const v = <usize>load<i32>(dx + (<usize>i << 2));
    const R = <i64>load<i32>(rmean + (<usize>i << 2));
    const e0 = load<i32>(row + (<usize>i << 2)), e1 = load<i32>(row + (<usize>i << 2), 4);
    if (isDefined(PCE_COUNT)) tally(OPS_WEIGHT_BYTES, 16); // v, R_v and the two row pointers
    for (let c = 0; c < H; c++) {
      const lane = <usize>c << 1;
      let sum = 0;
      for (let e = e0; e < e1; e++) {
        sum += <i32>load<i16>(Y + <usize>load<i32>(col + (<usize>e << 2)) * rowBytes + lane);
        if (isDefined(PCE_COUNT)) { tally(OPS_ADD, 1); tally(OPS_WEIGHT_BYTES, 4); tally(OPS_ACT_BYTES, 2); }
      }
      if (isDefined(PCE_COUNT)) { tally(OPS_MUL, 2); tally(OPS_ADD, 2); tally(OPS_SHIFT, 1); } // mean (· R_v, + 2^14, >> 15), p, + BB_c
      if (isDefined(PCE_COUNT)) { tally(OPS_WEIGHT_BYTES, 8); tally(OPS_ACT_BYTES, 4); } //      BM_c, BB_c; Y[v][c] in, X[v][c] out
      const mean = clamp16w((<i64>sum * R + (1 << 14)) >> 15);
      const p = <i32>load<i16>(Y + v * rowBytes + lane) * mean;
      const z = rq(p, load<i32>(bm + (<usize>c << 2)), BS) + load<i32>(bb + (<usize>c << 2));
      if (isDefined(PCE_COUNT)) { countClamp(); countRq(); countElu(z); } // mean's clamp16, rq, elu
      store<i16>(X + v * rowBytes + lane, <i16>elu(z, EM, ES, T));
    }
  }
}

/** eq. (6), layer >= 2: Y[v] = GEMV(W_l, Xprev[v]) for every v in DY (no-op for layer 1). */
export function gnn_dense(layer: usize, Xprev: usize, Y: usize): void {
  const op = load<usize>(layer, GNN_GEMV);
  if (op == 0) return;
  const dy = load<usize>(layer, GNN_DY), n = load<i32>(layer, GNN_DY_COUNT);
  const rowBytes = <usize>load<i32>(layer, GNN_WIDTH) << 1;
  for (let i = 0; i < n; i++) {
    const v = <usize>load<i32>(dy + (<usize>i << 2)) * rowBytes;
    if (isDefined(PCE_COUNT)) tally(OPS_WEIGHT_BYTES, 4);
    gemv(op, Xprev + v, Y + v);
  }
}
