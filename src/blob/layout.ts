/**
 * What a blob must contain for given dims (the same in format versions 1 and
 * 2): every tensor id with its section, dtype and element count
 * (docs/blob-format.md). Shared by the writer, the reader and `inspect`, so
 * the three cannot drift apart.
 */
import { DType, Op, Role, Section, tensorId, TABLE_ENTRIES, align16 } from './constants.js';

export interface Dims {
  P: number; K: number; M: number; H: number; L: number; A: number; D: number;
  heads: number; headDim: number; FF: number; C: number; featureVersion: number;
  /** Host-only float scales (the engine never reads them). */
  inputScale: number; frameScale: number;
  outDims: number[]; nodes: number[];
}

export interface TensorSpec { section: number; dtype: number; elements: number; }

/** Shape of every GEMV op as [rows, cols]. */
export interface GemvShape { op: number; m: number; l: number; rows: number; cols: number; }

export function gemvOps(d: Dims): GemvShape[] {
  const ops: GemvShape[] = d.outDims.map((rows, k) => ({ op: Op.PROJ, m: 0, l: k, rows, cols: k === 0 ? d.P : d.outDims[k - 1] }));
  for (let m = 0; m < d.M; m++) for (let l = 2; l <= d.L; l++) ops.push({ op: Op.GNN, m, l, rows: d.H, cols: d.H });
  ops.push(
    { op: Op.QKV, m: 0, l: 0, rows: 3 * d.D, cols: d.D },
    { op: Op.ATTN_OUT, m: 0, l: 0, rows: d.D, cols: d.D },
    { op: Op.FF1, m: 0, l: 0, rows: d.FF, cols: d.D },
    { op: Op.FF2, m: 0, l: 0, rows: d.D, cols: d.FF },
    { op: Op.HEAD, m: 0, l: 0, rows: d.C, cols: d.D },
  );
  return ops;
}

/**
 * Expected tensors, except the topology lists whose lengths are data (DY,
 * DX, ROW, COL, RMEAN); for those `elements` is -1 and the reader checks
 * their mutual consistency instead.
 */
export function expectedTensors(d: Dims): Map<number, TensorSpec> {
  const out = new Map<number, TensorSpec>();
  const T = (section: number, dtype: number, elements: number, role: number, op: number, m = 0, l = 0) =>
    out.set(tensorId(role, op, m, l), { section, dtype, elements });
  for (const g of gemvOps(d)) {
    T(Section.TENSORS, DType.I8, g.rows * align16(g.cols), Role.W, g.op, g.m, g.l);
    T(Section.TENSORS, DType.I32, g.rows, Role.BIAS, g.op, g.m, g.l);
    T(Section.TENSORS, DType.I32, g.rows, Role.MULT, g.op, g.m, g.l);
    T(Section.TENSORS, DType.I32, 2, Role.SHIFT, g.op, g.m, g.l);
  }
  for (let m = 0; m < d.M; m++) {
    const n = d.nodes[m];
    T(Section.TOPOLOGY, DType.I32, n - 2, Role.LEVELS, Op.GNN, m, 0);
    for (let l = 1; l <= d.L; l++) {
      T(Section.TENSORS, DType.I16, n * d.H, Role.YC, Op.GNN, m, l);
      T(Section.TENSORS, DType.I16, n * d.H, Role.XC, Op.GNN, m, l);
      T(Section.TENSORS, DType.I32, d.H, Role.BN_MULT, Op.GNN, m, l);
      T(Section.TENSORS, DType.I32, d.H, Role.BN_BIAS, Op.GNN, m, l);
      T(Section.TENSORS, DType.I32, 1, Role.BN_SHIFT, Op.GNN, m, l);
      T(Section.TENSORS, DType.I32, 2, Role.ELU_RQ, Op.GNN, m, l);
      T(Section.TABLES, DType.I16, TABLE_ENTRIES, Role.ELU_TABLE, Op.GNN, m, l);
      for (const role of [Role.DY, Role.DX, Role.ROW, Role.COL, Role.RMEAN]) T(Section.TOPOLOGY, DType.I32, -1, role, Op.GNN, m, l);
    }
  }
  for (const op of [Op.LN1, Op.LN2]) {
    T(Section.TENSORS, DType.I32, d.D, Role.LN_MULT, op);
    T(Section.TENSORS, DType.I32, d.D, Role.LN_BIAS, op);
    T(Section.TENSORS, DType.I32, 3, Role.LN_PARAMS, op);
  }
  T(Section.TENSORS, DType.I32, 8, Role.RQ, Op.MISC);
  T(Section.TABLES, DType.I32, TABLE_ENTRIES, Role.EXP_TABLE, Op.MISC);
  return out;
}
