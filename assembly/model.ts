/**
 * The model at run time: state laid out once in the arena at init, and the
 * per-packet pass (docs/fixed-point.md): projection (eq. 5), mission GNNs
 * (eqs. 6-9), frame, streaming attention (eqs. 10-13), output projection,
 * residuals, LayerNorms, feed-forward, head and probabilities (eqs. 14-17).
 * Nothing here allocates after init; every pointer is computed once.
 */
import {
  OP_ATTN_OUT, OP_FF1, OP_FF2, OP_GNN, OP_HEAD, OP_LN1, OP_LN2, OP_MISC, OP_QKV, ROLE_BIAS, ROLE_BN_BIAS,
  ROLE_BN_MULT, ROLE_BN_SHIFT, ROLE_COL, ROLE_DX, ROLE_DY, ROLE_ELU_RQ, ROLE_ELU_TABLE, ROLE_EXP_TABLE, ROLE_LN_BIAS,
  ROLE_LN_MULT, ROLE_LN_PARAMS, ROLE_MULT, ROLE_RMEAN, ROLE_ROW, ROLE_RQ, ROLE_SHIFT, ROLE_W, ROLE_XC, ROLE_YC,
} from './blob/constants';
import {
  dA, dC, dD, dFF, dH, dHeadDim, dHeads, dK, dL, dM, dP, dSources, gemvCols, gemvIndex, gemvL, gemvM, gemvOp, gemvRows,
  gemvShape, gemvTotal, nodeCount, outDim, tensorAt, tensorCount,
} from './blob/validate';
import { arenaAlloc } from './arena';
import { OPS_ACT_BYTES, OPS_ADD, OPS_SHIFT, STAGE_EXPLAIN, STAGE_GNN, countStage, tally } from './count';
import { GEMV_RECORD_BYTES, gemvRecord } from './kernels/gemv_common';
import {
  GNN_BN_BIAS, GNN_BN_MULT, GNN_BN_SHIFT, GNN_COL, GNN_DX, GNN_DX_COUNT, GNN_DY, GNN_DY_COUNT, GNN_ELU_MULT,
  GNN_ELU_SHIFT, GNN_ELU_TABLE, GNN_GEMV, GNN_NODES, GNN_RECORD_BYTES, GNN_RMEAN, GNN_ROW, GNN_WIDTH, GNN_XC, GNN_YC,
} from './kernels/gnn_common';
import {
  ATTN_EXP, ATTN_HEAD_DIM, ATTN_HEADS, ATTN_MULT, ATTN_RECORD_BYTES, ATTN_SCORES, ATTN_SHIFT, ATTN_SLOTS, ATTN_STRIDE,
  ATTN_WEIGHTS,
} from './kernels/attention_common';
import { LN_BIAS, LN_EPS, LN_MULT, LN_RECORD_BYTES, LN_SCRATCH, LN_SHIFT, LN_WIDTH } from './kernels/layernorm_common';
import { attention, gemv, gnn_aggregate, gnn_dense, layernorm, residual, softmax_probs } from './kernels/index';
import { allocWindowTable, clearWindowTable, windowFresh, windowOf } from './windows';

// ---- Records ----
let gemvRecs: usize = 0; // GEMV_RECORD_BYTES per GEMV index (validate.ts gemvIndex)
let qRec: usize = 0; //     QKV rows 0..D-1 (q alone, for recompute)
let kvRec: usize = 0; //    QKV rows D..3D-1 (k and v, for the zero frame and recompute)
let qkvRec: usize = 0, outRec: usize = 0, ff1Rec: usize = 0, ff2Rec: usize = 0, headRec: usize = 0; // whole ops, in gemvRecs
let gnnRecs: usize = 0; //  GNN_RECORD_BYTES per (mission, layer), index m·L + l - 1
let liveRecs: usize = 0; //  GNN_RECORD_BYTES per (mission, layer): the nodes the frame needs (splitRecords)
let restRecs: usize = 0; //  the same for all other nodes, which only the concept activations need
let attnRec: usize = 0;
let ln1Rec: usize = 0, ln2Rec: usize = 0;

// ---- Buffers (i16 unless noted) ----
export let inBuf: usize = 0; //    [ceil16(P)] quantized features, written by the host
let projA: usize = 0, projB: usize = 0; // [max out_dim] projection ping-pong
let gnnBufs: usize = 0; //       usize[2] per (mission, layer), index m·L + l - 1: that layer's Y and X, i16[N·H]
export let frame: usize = 0; //    [D] f, the newest frame
let qkv: usize = 0; //            [3D] q, k, v of the newest frame
let windows: usize = 0; //        max(S, 1) windows of windowBytes each: K ring, V ring, frame ring
let windowBytes: usize = 0;
let positions: usize = 0; //      i32 per window: its newest ring slot, while another window is current
let current = 0; //               the window kt, vt, frames and slot belong to
let kt: usize = 0, vt: usize = 0; //   [D][stride] streaming key and value rings (attention_common.ts), current window
let kt2: usize = 0, vt2: usize = 0; // same, rebuilt by recompute
let frames: usize = 0; //         [A][D] frame ring, current window
let kv0: usize = 0; //            [2D] k, v of the zero frame
let kvTmp: usize = 0; //          [2D] recompute scratch
let q2: usize = 0; //             [D] recompute q
let att: usize = 0; //            [D] attention output o
let tmpA: usize = 0, tmpR: usize = 0; // [D] GEMV output a, residual r
let y1: usize = 0, y2: usize = 0; //   [D] LayerNorm outputs
let hid: usize = 0; //            [FF] feed-forward hidden
export let logits: usize = 0; //   [C]
export let probs: usize = 0; //    i32[C] Q15
export let acts: usize = 0; //     i32[concepts] concept activations, missions concatenated
export let conceptTotal = 0;
let actsStale = false; //         acts do not yet hold the last pushed packet's activations (explainConcepts)

// ---- Scalars ----
let FM = 0, FS = 0, F2M = 0, F2S = 0, PM = 0, PS = 0;
let expTable: usize = 0;
let slot = 0; // newest ring slot t
let stride = 0; // ceil8(A)
let log2H = 0;

@inline function rec(g: i32): usize {
  return gemvRecs + <usize>g * GEMV_RECORD_BYTES;
}

/** GNN record of mission m, layer l (1..L). */
@inline function gnnRec(m: i32, l: i32): usize {
  return gnnRecs + <usize>(m * dL + l - 1) * GNN_RECORD_BYTES;
}

/** The push's record of mission m, layer l: the nodes the frame needs (splitRecords). */
@inline function liveRec(m: i32, l: i32): usize {
  return liveRecs + <usize>(m * dL + l - 1) * GNN_RECORD_BYTES;
}

/** The complement of liveRec(m, l) (splitRecords). */
@inline function restRec(m: i32, l: i32): usize {
  return restRecs + <usize>(m * dL + l - 1) * GNN_RECORD_BYTES;
}

/** Y buffer (i16[N·H]) of mission m, layer l. */
@inline function gnnY(m: i32, l: i32): usize {
  return load<usize>(gnnBufs + (<usize>(m * dL + l - 1) << 3));
}

/** X buffer (i16[N·H]) of mission m, layer l: the layer's output. */
@inline function gnnX(m: i32, l: i32): usize {
  return load<usize>(gnnBufs + (<usize>(m * dL + l - 1) << 3), 4);
}

/** Copies `bytes` (a multiple of 16) from src to dst, 16 bytes per step: cheaper than memory.copy for a few rows. */
@inline function copy16(dst: usize, src: usize, bytes: usize): void {
  for (let o: usize = 0; o < bytes; o += 16) {
    if (ASC_FEATURE_SIMD) {
      v128.store(dst + o, v128.load(src + o));
    } else {
      store<i64>(dst + o, load<i64>(src + o));
      store<i64>(dst + o, load<i64>(src + o, 8), 8);
    }
  }
}

@inline function i16s(n: i32): usize {
  return arenaAlloc(<usize>n << 1);
}

@inline function i32s(n: i32): usize {
  return arenaAlloc(<usize>n << 2);
}

/** Fills the GEMV record of GEMV index g, optionally a slice of its rows. */
function fillGemv(r: usize, g: i32, rowStart: i32, rowCount: i32): void {
  gemvShape(g);
  const op = gemvOp(), m = gemvM(), l = gemvL(), cols = gemvCols();
  const sh = tensorAt(ROLE_SHIFT, op, m, l);
  gemvRecord(r, tensorAt(ROLE_W, op, m, l), tensorAt(ROLE_BIAS, op, m, l), tensorAt(ROLE_MULT, op, m, l),
    rowStart, rowCount, cols, (cols + 15) & ~15, load<i32>(sh), load<i32>(sh, 4));
}

/** Lays out all state for the validated blob. False if memory runs out. */
export function buildModel(): bool {
  const G = gemvTotal();
  gemvRecs = arenaAlloc(<usize>G * GEMV_RECORD_BYTES);
  qRec = arenaAlloc(GEMV_RECORD_BYTES);
  kvRec = arenaAlloc(GEMV_RECORD_BYTES);
  gnnRecs = arenaAlloc(<usize>(dM * dL) * GNN_RECORD_BYTES);
  liveRecs = arenaAlloc(<usize>(dM * dL) * GNN_RECORD_BYTES);
  restRecs = arenaAlloc(<usize>(dM * dL) * GNN_RECORD_BYTES);
  gnnBufs = arenaAlloc(<usize>(dM * dL) << 3);
  attnRec = arenaAlloc(ATTN_RECORD_BYTES);
  ln1Rec = arenaAlloc(LN_RECORD_BYTES);
  ln2Rec = arenaAlloc(LN_RECORD_BYTES);
  if (!gemvRecs || !qRec || !kvRec || !gnnRecs || !liveRecs || !restRecs || !gnnBufs || !attnRec || !ln1Rec ||
    !ln2Rec) return false;
  for (let g = 0; g < G; g++) {
    gemvShape(g);
    fillGemv(rec(g), g, 0, gemvRows());
  }
  const gQkv = gemvIndex(OP_QKV, 0, 0);
  qkvRec = rec(gQkv);
  outRec = rec(gemvIndex(OP_ATTN_OUT, 0, 0));
  ff1Rec = rec(gemvIndex(OP_FF1, 0, 0));
  ff2Rec = rec(gemvIndex(OP_FF2, 0, 0));
  headRec = rec(gemvIndex(OP_HEAD, 0, 0));
  fillGemv(qRec, gQkv, 0, dD);
  fillGemv(kvRec, gQkv, dD, 2 * dD);

  let maxOut = 0;
  for (let k = 0; k < dK; k++) maxOut = max(maxOut, outDim(k));
  conceptTotal = 0;
  for (let m = 0; m < dM; m++) conceptTotal += nodeCount(m) - 2;
  log2H = 31 - <i32>clz(dH);
  for (let m = 0; m < dM; m++) {
    for (let l = 1; l <= dL; l++) {
      const r = gnnRecs + <usize>(m * dL + l - 1) * GNN_RECORD_BYTES;
      store<usize>(r, tensorAt(ROLE_YC, OP_GNN, m, l), GNN_YC);
      store<usize>(r, tensorAt(ROLE_XC, OP_GNN, m, l), GNN_XC);
      store<usize>(r, tensorAt(ROLE_BN_MULT, OP_GNN, m, l), GNN_BN_MULT);
      store<usize>(r, tensorAt(ROLE_BN_BIAS, OP_GNN, m, l), GNN_BN_BIAS);
      store<i32>(r, load<i32>(tensorAt(ROLE_BN_SHIFT, OP_GNN, m, l)), GNN_BN_SHIFT);
      const elu = tensorAt(ROLE_ELU_RQ, OP_GNN, m, l);
      store<i32>(r, load<i32>(elu), GNN_ELU_MULT);
      store<i32>(r, load<i32>(elu, 4), GNN_ELU_SHIFT);
      store<usize>(r, tensorAt(ROLE_ELU_TABLE, OP_GNN, m, l), GNN_ELU_TABLE);
      store<usize>(r, tensorAt(ROLE_DY, OP_GNN, m, l), GNN_DY);
      store<i32>(r, tensorCount(ROLE_DY, OP_GNN, m, l), GNN_DY_COUNT);
      store<usize>(r, tensorAt(ROLE_DX, OP_GNN, m, l), GNN_DX);
      store<i32>(r, tensorCount(ROLE_DX, OP_GNN, m, l), GNN_DX_COUNT);
      store<usize>(r, tensorAt(ROLE_ROW, OP_GNN, m, l), GNN_ROW);
      store<usize>(r, tensorAt(ROLE_COL, OP_GNN, m, l), GNN_COL);
      store<usize>(r, tensorAt(ROLE_RMEAN, OP_GNN, m, l), GNN_RMEAN);
      store<usize>(r, l >= 2 ? rec(gemvIndex(OP_GNN, m, l)) : 0, GNN_GEMV);
      store<i32>(r, nodeCount(m), GNN_NODES);
      store<i32>(r, dH, GNN_WIDTH);
      // eq. (6) start-of-layer constants, copied once: only DY rows of Y and
      // DX rows of X are ever rewritten (by push the ones the frame needs,
      // by explain the others), so every other row keeps YC and XC for good.
      const bytes = <usize>nodeCount(m) * dH << 1;
      const y = arenaAlloc(bytes), x = arenaAlloc(bytes);
      if (!y || !x) return false;
      memory.copy(y, load<usize>(r, GNN_YC), bytes);
      memory.copy(x, load<usize>(r, GNN_XC), bytes);
      const b = gnnBufs + (<usize>(m * dL + l - 1) << 3);
      store<usize>(b, y);
      store<usize>(b, x, 4);
    }
    if (!splitRecords(m)) return false;
  }

  const misc = tensorAt(ROLE_RQ, OP_MISC, 0, 0);
  FM = load<i32>(misc, 8); FS = load<i32>(misc, 12);
  F2M = load<i32>(misc, 16); F2S = load<i32>(misc, 20);
  PM = load<i32>(misc, 24); PS = load<i32>(misc, 28);
  expTable = tensorAt(ROLE_EXP_TABLE, OP_MISC, 0, 0);
  stride = (dA + 7) & ~7;
  store<i32>(attnRec, dHeads, ATTN_HEADS);
  store<i32>(attnRec, dHeadDim, ATTN_HEAD_DIM);
  store<i32>(attnRec, dA, ATTN_SLOTS);
  store<i32>(attnRec, stride, ATTN_STRIDE);
  store<i32>(attnRec, load<i32>(misc), ATTN_MULT);
  store<i32>(attnRec, load<i32>(misc, 4), ATTN_SHIFT);
  store<usize>(attnRec, expTable, ATTN_EXP);
  const scores = i32s(dHeads * (stride + 1)), weights = i32s(stride);
  store<usize>(attnRec, scores, ATTN_SCORES);
  store<usize>(attnRec, weights, ATTN_WEIGHTS);
  const lnScratch = i32s(dD);
  fillLayerNorm(ln1Rec, OP_LN1, lnScratch);
  fillLayerNorm(ln2Rec, OP_LN2, lnScratch);

  inBuf = i16s((dP + 15) & ~15);
  projA = i16s(maxOut); projB = i16s(maxOut);
  frame = i16s(dD);
  qkv = i16s(3 * dD);
  const ring = dD * stride;
  kt2 = i16s(ring); vt2 = i16s(ring);
  // Every ring and frame row is a multiple of 16 bytes (stride is a multiple of 8 lanes, D of 8).
  windowBytes = (<usize>(2 * ring + dA * dD)) << 1;
  const count = max(dSources, 1);
  windows = arenaAlloc(<usize>count * windowBytes);
  positions = i32s(count);
  current = 0; // a previous blob's window index may lie past this blob's positions
  kv0 = i16s(2 * dD); kvTmp = i16s(2 * dD); q2 = i16s(dD);
  att = i16s(dD); tmpA = i16s(dD); tmpR = i16s(dD); y1 = i16s(dD); y2 = i16s(dD);
  hid = i16s(dFF);
  logits = i16s(dC);
  probs = i32s(dC);
  acts = i32s(max(conceptTotal, 1));
  if (!scores || !weights || !lnScratch || !inBuf || !projA || !projB || !frame || !qkv ||
    !kt2 || !vt2 || !windows || !positions || !allocWindowTable(dSources) || !kv0 || !kvTmp || !q2 || !att || !tmpA || !tmpR || !y1 || !y2 || !hid ||
    !logits || !probs || !acts) return false;
  // eq. (10): k, v of the zero frame (`att` is still all zero here).
  gemv(kvRec, att, kv0);
  resetState();
  return true;
}

/**
 * The frame needs only X[N-1] of the last layer (the encoding node); the
 * other nodes' last-layer values feed only the concept activations. Walking
 * the layers backwards from that node marks, per layer, the DX nodes whose x
 * the frame depends on and the rows their aggregates read (eq. 7: Y[v] and
 * Y[u] of the used in-neighbours u); of those, the DY rows (eq. 6) need
 * X_prev[u], the layer below's marked nodes. liveRec(m, l) gets the marked
 * DX and DY nodes, restRec(m, l) the others, both in blob order. A push runs
 * the live records only (no live node reads a rest row, so stale rest rows do
 * not matter); explainConcepts() runs the rest records, layer by layer, on
 * top of the push's rows. False if memory runs out.
 */
function splitRecords(m: i32): bool {
  const N = nodeCount(m);
  const needX = arenaAlloc(<usize>N << 1), needY = needX + <usize>N; // zero-filled flags
  if (!needX) return false;
  store<u8>(needX + <usize>(N - 1), 1);
  for (let l = dL; l >= 1; l--) {
    const full = gnnRec(m, l);
    const dx = load<usize>(full, GNN_DX), nDx = load<i32>(full, GNN_DX_COUNT), row = load<usize>(full, GNN_ROW);
    const col = load<usize>(full, GNN_COL), dy = load<usize>(full, GNN_DY), nDy = load<i32>(full, GNN_DY_COUNT);
    memory.fill(needY, 0, <usize>N);
    for (let i = 0; i < nDx; i++) {
      const v = load<i32>(dx + (<usize>i << 2));
      if (!load<u8>(needX + <usize>v)) continue;
      store<u8>(needY + <usize>v, 1);
      for (let e = load<i32>(row + (<usize>i << 2)), e1 = load<i32>(row + (<usize>i << 2), 4); e < e1; e++) {
        store<u8>(needY + <usize>load<i32>(col + (<usize>e << 2)), 1);
      }
    }
    if (!narrowRecord(full, liveRec(m, l), needX, needY, 1) || !narrowRecord(full, restRec(m, l), needX, needY, 0)) return false;
    memory.fill(needX, 0, <usize>N);
    for (let i = 0; i < nDy; i++) {
      const u = load<i32>(dy + (<usize>i << 2));
      if (load<u8>(needY + <usize>u)) store<u8>(needX + <usize>u, 1);
    }
  }
  return true;
}

/**
 * Copies GNN record `full` to `r` keeping the DX nodes v with needX[v] ==
 * keep (with their CSR rows, re-based, and RMEAN) and the DY nodes u with
 * needY[u] == keep. False if memory runs out.
 */
function narrowRecord(full: usize, r: usize, needX: usize, needY: usize, keep: u8): bool {
  memory.copy(r, full, GNN_RECORD_BYTES);
  const dx = load<usize>(full, GNN_DX), nDx = load<i32>(full, GNN_DX_COUNT), row = load<usize>(full, GNN_ROW);
  const col = load<usize>(full, GNN_COL), rmean = load<usize>(full, GNN_RMEAN);
  const dy = load<usize>(full, GNN_DY), nDy = load<i32>(full, GNN_DY_COUNT);
  // One block: DX', ROW' (nDX + 1), RMEAN', COL' (at most all edges), DY'.
  const dx2 = i32s(3 * nDx + 2 + load<i32>(row + (<usize>nDx << 2)) + nDy);
  if (!dx2) return false;
  const row2 = dx2 + (<usize>nDx << 2), rmean2 = row2 + (<usize>(nDx + 1) << 2), col2 = rmean2 + (<usize>nDx << 2);
  let n = 0, edges = 0;
  for (let i = 0; i < nDx; i++) {
    const v = load<i32>(dx + (<usize>i << 2));
    if (load<u8>(needX + <usize>v) != keep) continue;
    store<i32>(dx2 + (<usize>n << 2), v);
    store<i32>(rmean2 + (<usize>n << 2), load<i32>(rmean + (<usize>i << 2)));
    store<i32>(row2 + (<usize>n << 2), edges);
    for (let e = load<i32>(row + (<usize>i << 2)), e1 = load<i32>(row + (<usize>i << 2), 4); e < e1; e++) {
      store<i32>(col2 + (<usize>edges << 2), load<i32>(col + (<usize>e << 2)));
      edges++;
    }
    n++;
  }
  store<i32>(row2 + (<usize>n << 2), edges);
  const dy2 = col2 + (<usize>edges << 2);
  let k = 0;
  for (let i = 0; i < nDy; i++) {
    const u = load<i32>(dy + (<usize>i << 2));
    if (load<u8>(needY + <usize>u) != keep) continue;
    store<i32>(dy2 + (<usize>k << 2), u);
    k++;
  }
  store<usize>(r, dx2, GNN_DX);
  store<i32>(r, n, GNN_DX_COUNT);
  store<usize>(r, row2, GNN_ROW);
  store<usize>(r, col2, GNN_COL);
  store<usize>(r, rmean2, GNN_RMEAN);
  store<usize>(r, dy2, GNN_DY);
  store<i32>(r, k, GNN_DY_COUNT);
  return true;
}

function fillLayerNorm(r: usize, op: u32, scratch: usize): void {
  const p = tensorAt(ROLE_LN_PARAMS, op, 0, 0);
  store<usize>(r, tensorAt(ROLE_LN_MULT, op, 0, 0), LN_MULT);
  store<usize>(r, tensorAt(ROLE_LN_BIAS, op, 0, 0), LN_BIAS);
  store<i32>(r, load<i32>(p), LN_SHIFT);
  store<i64>(r, load<i64>(p, 4), LN_EPS);
  store<i32>(r, dD, LN_WIDTH);
  store<usize>(r, scratch, LN_SCRATCH);
}

/** Writes lane values src[0..D) into column j of a transposed ring (attention_common.ts). */
function scatter(src: usize, ring: usize, j: i32): void {
  const rowBytes = <usize>stride << 1;
  let p = ring + (<usize>j << 1);
  if (isDefined(PCE_COUNT)) tally(OPS_ACT_BYTES, dD << 2);
  for (let i = 0; i < dD; i++) {
    store<i16>(p, load<i16>(src + (<usize>i << 1)));
    p += rowBytes;
  }
}

/** Makes window w current: kt, vt, frames and slot become its (the previous window keeps its slot). */
function useWindow(w: i32): void {
  store<i32>(positions + (<usize>current << 2), slot);
  current = w;
  kt = windows + <usize>w * windowBytes;
  vt = kt + ((<usize>(dD * stride)) << 1);
  frames = vt + ((<usize>(dD * stride)) << 1);
  slot = load<i32>(positions + (<usize>w << 2));
}

/** The current window as after reset (eq. 10): every slot holds k, v of the zero frame. */
function freshWindow(): void {
  for (let j = 0; j < dA; j++) {
    scatter(kv0, kt, j);
    scatter(kv0 + (<usize>dD << 1), vt, j);
  }
  memory.fill(frames, 0, <usize>(dA * dD) << 1);
  slot = dA - 1;
}

/** The packet's window (S > 0): its source's, or a fresh one in an empty or the least recently used slot. */
function selectWindow(): void {
  const w = windowOf();
  if (w != current) useWindow(w);
  if (windowFresh) freshWindow();
}

/** Every window empty, window 0 current and fresh (eq. 10); outputs cleared. */
export function resetState(): void {
  clearWindowTable();
  useWindow(0);
  freshWindow();
  memory.fill(frame, 0, <usize>dD << 1);
  memory.fill(logits, 0, <usize>dC << 1);
  memory.fill(probs, 0, <usize>dC << 2);
  memory.fill(acts, 0, <usize>conceptTotal << 2);
  actsStale = false;
}

/** Packet projection (eq. 5): returns the buffer with the fused last op's D outputs. */
export function project(): usize {
  let x = inBuf, y = projA;
  for (let k = 0; k < dK; k++) {
    gemv(rec(k), x, y);
    x = y;
    y = y == projA ? projB : projA;
  }
  return x;
}

/**
 * Layers 1..L of mission m (eqs. 6-9) with the records at `recs` (liveRecs
 * or restRecs), each layer in its own Y and X buffers. The layer-1 sensor
 * row must already be in place.
 */
function missionLayers(recs: usize, m: i32): void {
  for (let l = 1; l <= dL; l++) {
    const r = recs + <usize>(m * dL + l - 1) * GNN_RECORD_BYTES, y = gnnY(m, l);
    if (l > 1) gnn_dense(r, gnnX(m, l - 1), y);
    gnn_aggregate(r, y, gnnX(m, l));
  }
}

/**
 * Mission GNNs from the sensor rows in `sensor`; writes the frame. Runs only
 * the nodes the frame depends on (splitRecords). The layer buffers keep the
 * constant rows of YC and XC from init (eq. 6): per packet every DY row a
 * layer reads is rewritten.
 */
export function missions(sensor: usize): void {
  if (isDefined(PCE_COUNT)) countStage(STAGE_GNN);
  const rowBytes = <usize>dH << 1;
  for (let m = 0; m < dM; m++) {
    const N = nodeCount(m);
    if (isDefined(PCE_COUNT)) tally(OPS_ACT_BYTES, <i32>rowBytes << 2); // the two copy16 of H lanes, in and out
    copy16(gnnY(m, 1) + <usize>(N - 2) * rowBytes, sensor + <usize>m * rowBytes, rowBytes);
    missionLayers(liveRecs, m);
    copy16(frame + <usize>m * rowBytes, gnnX(m, dL) + <usize>(N - 1) * rowBytes, rowBytes);
  }
  actsStale = true;
}

/**
 * Concept activations of the last pushed packet (docs/fixed-point.md,
 * "Mission GNN"), computed on demand: the nodes push left out (restRecs),
 * layer by layer on top of the rows push computed, which completes every
 * layer exactly as a full pass would; then act[c] = (Σ_h X[c][h]) >> log2(H)
 * after layer L. No-op if the activations are current (or were cleared by
 * reset with nothing pushed since).
 */
export function explainConcepts(): void {
  if (!actsStale) return;
  if (isDefined(PCE_COUNT)) countStage(STAGE_EXPLAIN);
  const rowBytes = <usize>dH << 1;
  let act = acts;
  for (let m = 0; m < dM; m++) {
    missionLayers(restRecs, m);
    const x = gnnX(m, dL), n = nodeCount(m) - 2;
    for (let c = 0; c < n; c++) {
      const row = x + <usize>c * rowBytes;
      let s = 0;
      for (let h = 0; h < dH; h++) s += <i32>load<i16>(row + (<usize>h << 1));
      if (isDefined(PCE_COUNT)) { tally(OPS_ADD, dH); tally(OPS_SHIFT, 1); tally(OPS_ACT_BYTES, (dH << 1) + 4); }
      store<i32>(act, s >> log2H);
      act += 4;
    }
  }
  actsStale = false;
}

/** eqs. (14)-(17) after the attention output `att`, for the frame f; returns the decision. */
export function tail(f: usize): i32 {
  gemv(outRec, att, tmpA);
  residual(f, FM, FS, tmpA, dD, tmpR);
  layernorm(ln1Rec, tmpR, y1);
  gemv(ff1Rec, y1, hid);
  gemv(ff2Rec, hid, tmpA);
  residual(y1, F2M, F2S, tmpA, dD, tmpR);
  layernorm(ln2Rec, tmpR, y2);
  gemv(headRec, y2, logits);
  return softmax_probs(logits, dC, PM, PS, expTable, probs);
}

/** One packet, streaming: only the newest frame's q, k, v are computed (eq. 10), in the packet's window. */
export function pushPacket(): i32 {
  if (dSources != 0) selectWindow();
  missions(project());
  stageQkv();
  stageAttention();
  return tail(frame);
}

/** Stage of pushPacket: the newest frame into the frame ring, its q, k, v (eq. 10). */
export function stageQkv(): void {
  slot = slot + 1 == dA ? 0 : slot + 1;
  const D2 = <usize>dD << 1;
  copy16(frames + <usize>slot * D2, frame, D2);
  gemv(qkvRec, frame, qkv);
  if (isDefined(PCE_COUNT)) tally(OPS_ACT_BYTES, <i32>D2 << 1); // the copy16 above, charged after the GEMV set the stage
  scatter(qkv + D2, kt, slot);
  scatter(qkv + (D2 << 1), vt, slot);
}

/** Stage of pushPacket: attention of the newest q over the rings (eqs. 11-13). */
export function stageAttention(): void {
  attention(attnRec, qkv, kt, vt, att);
}

/**
 * The same decision from scratch: k and v of every slot recomputed from the
 * frame ring into separate rings, q from the newest frame. Streaming state is
 * left untouched, so push and recompute can be compared at every packet. The
 * window is the current one: the last pushed packet's.
 */
export function recomputeWindow(): i32 {
  const D2 = <usize>dD << 1;
  for (let j = 0; j < dA; j++) {
    gemv(kvRec, frames + <usize>j * D2, kvTmp);
    scatter(kvTmp, kt2, j);
    scatter(kvTmp + D2, vt2, j);
  }
  const f = frames + <usize>slot * D2;
  gemv(qRec, f, q2);
  attention(attnRec, q2, kt2, vt2, att);
  return tail(f);
}
