/**
 * Turns a contract model into the blob model the engine runs
 * (docs/fixed-point.md): calibrates activation scales on a packet stream,
 * folds the encoder head into every mission's first GNN map, folds
 * BatchNorm, precomputes every packet-independent node value, and writes the
 * integer parameters and tables. All floating point ends here.
 */
import {
  ELU_STEPS_PER_UNIT, EXP_STEPS_PER_UNIT, Op, Q15, Role, TABLE_ENTRIES, tensorId,
} from '../blob/constants.js';
import type { Dims } from '../blob/layout.js';
import type { BlobModel, Tensor } from '../blob/model.js';
import {
  I16_MAX, QuantizeError, actScale, chooseShift, clamp, fixedPoint, i32, minOutScale, q16, quantGemv, rqPair,
  type QuantGemv,
} from './fixed.js';
import { packetForward, streamForward, type PacketTrace } from './float-model.js';
import { usedInEdges } from './kg.js';
import type { ContractModel, Matrix } from './onnx-model.js';

/**
 * Calibrated ranges are widened by this factor: packets at run time are not
 * the calibration packets, and clipping an activation costs far more than
 * the one bit of an int16 that the headroom spends.
 */
const HEADROOM = 2;
const calScale = (maxAbs: number): number => actScale(HEADROOM * maxAbs);

/** Calibration maxima of |activation| for every quantized tensor. */
interface Ranges {
  input: number;
  hidden: number[];
  /** [mission][layer]: max |y| over all nodes, max(z, 0) over all nodes. */
  y: number[][]; zPos: number[][];
  /** [mission]: max |x| of the encoding node after the last layer (the frame). */
  enc: number[];
  q: number; k: number; v: number; a: number; r1: number; y1: number; h: number; f2: number; r2: number; y2: number; logits: number;
  /** Calibration means of every GEMV input (bias correction). */
  inputs: { proj: Mean[]; gnn: Mean[][]; frame: Mean; att: Mean; y1: Mean; h: Mean; y2: Mean; };
}

/** Input scale of engine-computed features: x = v/255 is held as q = 128·v. */
export const FEATURE_INPUT_SCALE = 1 / (255 * 128);

export interface QuantizeResult { blob: BlobModel; scales: Record<string, number>; }

/** Running mean of one GEMV input (bias correction). */
class Mean {
  private readonly sum: Float64Array;
  private n = 0;
  constructor(len: number) { this.sum = new Float64Array(len); }
  add(x: ArrayLike<number>): void {
    for (let i = 0; i < this.sum.length; i++) this.sum[i] += x[i];
    this.n++;
  }
  get value(): Float64Array { return this.sum.map((v) => v / Math.max(this.n, 1)); }
}

const maxAbs = (x: ArrayLike<number>, prev = 0): number => {
  let m = prev;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

export function usedEdgesOf(model: ContractModel): number[][][][] {
  return model.missions.map((mi) => Array.from({ length: model.dims.L }, (_, l) => usedInEdges(mi, l + 1)));
}

/**
 * Activation ranges over the calibration stream, its packets in one window for the stream even
 * when the model has windows per source (pce.window_sources > 0): calibration features carry no
 * addresses, and a window of one source's packets is still a window of the model's packets, so the
 * attention and later ranges it sees are of the same kind (docs/onnx-contract.md).
 */
function calibrate(model: ContractModel, used: number[][][][], packets: Float64Array[]): Ranges {
  const { M, L, H, D, FF, P } = model.dims;
  const inputs = {
    proj: [P, ...model.dims.hidden].map((n) => new Mean(n)),
    gnn: Array.from({ length: M }, () => Array.from({ length: L }, () => new Mean(H))),
    frame: new Mean(D), att: new Mean(D), y1: new Mean(D), h: new Mean(FF), y2: new Mean(D),
  };
  const r: Ranges = {
    input: 0, hidden: model.dims.hidden.map(() => 0),
    y: Array.from({ length: M }, () => new Array(L).fill(0)), zPos: Array.from({ length: M }, () => new Array(L).fill(0)),
    enc: new Array(M).fill(0),
    q: 0, k: 0, v: 0, a: 0, r1: 0, y1: 0, h: 0, f2: 0, r2: 0, y2: 0, logits: 0,
    inputs,
  };
  streamForward(model, used, packets, (p, t, i) => {
    r.input = maxAbs(packets[i], r.input);
    model.dims.hidden.forEach((_, k) => { r.hidden[k] = maxAbs(p.hidden[k], r.hidden[k]); });
    inputs.proj[0].add(packets[i]);
    p.hidden.slice(0, -1).forEach((h, k) => inputs.proj[k + 1].add(h));
    inputs.frame.add(p.frame); inputs.att.add(t.att); inputs.y1.add(t.y1); inputs.h.add(t.h); inputs.y2.add(t.y2);
    p.missions.forEach((mt, m) => mt.layers.forEach((layer, l) => {
      // Layer l's map reads x^(l-1): the previous layer's output of every node.
      if (l > 0) for (const x of mt.layers[l - 1].x) inputs.gnn[m][l].add(x);
      for (const y of layer.y) r.y[m][l] = maxAbs(y, r.y[m][l]);
      for (const z of layer.z) for (const v of z) r.zPos[m][l] = Math.max(r.zPos[m][l], v);
      if (l === L - 1) r.enc[m] = maxAbs(layer.x[layer.x.length - 1], r.enc[m]);
    }));
    r.q = maxAbs(t.q, r.q);
    for (const k of t.k) r.k = maxAbs(k, r.k);
    for (const v of t.v) r.v = maxAbs(v, r.v);
    r.a = maxAbs(t.a, r.a); r.r1 = maxAbs(t.r1, r.r1); r.y1 = maxAbs(t.y1, r.y1); r.h = maxAbs(t.h, r.h);
    r.f2 = maxAbs(t.f2, r.f2); r.r2 = maxAbs(t.r2, r.r2); r.y2 = maxAbs(t.y2, r.y2); r.logits = maxAbs(t.logits, r.logits);
  });
  return r;
}

function matMul(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) for (let k = 0; k < a.cols; k++) {
    const v = a.data[i * a.cols + k];
    for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += v * b.data[k * b.cols + j];
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

function stackRows(ms: Matrix[]): Matrix {
  const data = new Float64Array(ms.reduce((a, m) => a + m.data.length, 0));
  let o = 0;
  for (const m of ms) { data.set(m.data, o); o += m.data.length; }
  return { rows: ms.reduce((a, m) => a + m.rows, 0), cols: ms[0].cols, data };
}

const I16 = (v: ArrayLike<number>) => Int16Array.from(v);

/** ELU table of eq. (9) for output scale s. */
export function eluTable(s: number): Int16Array {
  return I16(Array.from({ length: TABLE_ENTRIES }, (_, i) => q16(Math.expm1(-i / ELU_STEPS_PER_UNIT), s)));
}

/** exp table of eq. (11): round(2^15 · exp(-i/32)). */
export function expTable(): Int32Array {
  return Int32Array.from({ length: TABLE_ENTRIES }, (_, i) => Math.round(Q15 * Math.exp(-i / EXP_STEPS_PER_UNIT)));
}

export function quantize(model: ContractModel, calibration: Float64Array[]): QuantizeResult {
  if (calibration.length === 0) throw new QuantizeError('calibration needs at least one packet');
  const d = model.dims;
  const used = usedEdgesOf(model);
  const r = calibrate(model, used, calibration);
  const tensors: Tensor[] = [], topology: Tensor[] = [], tables: Tensor[] = [];
  const put = (list: Tensor[], role: number, op: number, m: number, l: number, data: Tensor['data']) =>
    list.push({ id: tensorId(role, op, m, l), data });
  const putGemv = (g: QuantGemv, op: number, m = 0, l = 0) => {
    put(tensors, Role.W, op, m, l, g.W); put(tensors, Role.BIAS, op, m, l, g.B);
    put(tensors, Role.MULT, op, m, l, g.M); put(tensors, Role.SHIFT, op, m, l, g.SHIFT);
  };
  const scales: Record<string, number> = {};

  // Packet projection: hidden layers with ReLU (eq. 5).
  // Engine-computed features (version >= 1, docs/features.md) are integers
  // v in 0..255 fed as q = 128·v: the input scale is fixed, not calibrated.
  const sIn = model.featureVersion >= 1 ? FEATURE_INPUT_SCALE : calScale(r.input);
  scales.input = sIn;
  let s = sIn;
  d.hidden.forEach((_, k) => {
    const layer = model.proj[k];
    const sOut = Math.max(calScale(r.hidden[k]), minOutScale(layer.w, s));
    putGemv(quantGemv(layer.w, layer.b, s, new Array(layer.w.rows).fill(sOut), true, `proj.${k}`, r.inputs.proj[k].value), Op.PROJ, 0, k);
    scales[`proj.${k}`] = sOut;
    s = sOut;
  });

  // The SSL head folded into every mission's first GNN map: y1 of the sensors.
  const head = model.proj[model.proj.length - 1];
  const fusedW = stackRows(model.gnn.map((g) => matMul(g.lins[0].w, head.w)));
  const fusedB = model.gnn.flatMap((g) => Array.from(g.lins[0].b, (b, i) => {
    let acc = b;
    for (let e = 0; e < d.E; e++) acc += g.lins[0].w.data[i * d.E + e] * head.b[e];
    return acc;
  }));
  const sY: number[][] = Array.from({ length: d.M }, () => new Array(d.L + 1).fill(0));
  const sX: number[][] = Array.from({ length: d.M }, () => new Array(d.L + 1).fill(0));
  const minFused = minOutScale(fusedW, s);
  for (let m = 0; m < d.M; m++) sY[m][1] = Math.max(calScale(r.y[m][0]), minFused);
  const fusedOut = Array.from({ length: d.M * d.H }, (_, i) => sY[Math.floor(i / d.H)][1]);
  putGemv(quantGemv(fusedW, fusedB, s, fusedOut, false, 'proj.sensor', r.inputs.proj[d.hidden.length].value), Op.PROJ, 0, d.hidden.length);

  // Frame scale: shared by every mission's last layer (eq. 9), covering ELU's
  // -1. Only the encoding node feeds the frame; concept nodes of the last
  // layer (explanations only) may saturate in this scale.
  const sF = Math.max(...r.enc.map((e) => calScale(Math.max(e, 1))));
  scales.frame = sF;

  // Packet-independent node values are the same in every trace: take them from one.
  const reference: PacketTrace = packetForward(model, calibration[0], used);
  model.missions.forEach((mission, m) => {
    const n = mission.concepts.length, N = n + 2, sensor = n;
    put(topology, Role.LEVELS, Op.GNN, m, 0, Int32Array.from(mission.levels));
    let dynPrev = new Set([sensor]);
    for (let l = 1; l <= d.L; l++) {
      const trace = reference.missions[m].layers[l - 1];
      sX[m][l] = l === d.L ? sF : calScale(Math.max(r.zPos[m][l - 1], 1));
      if (l >= 2) {
        const lin = model.gnn[m].lins[l - 1];
        sY[m][l] = Math.max(calScale(r.y[m][l - 1]), minOutScale(lin.w, sX[m][l - 1]));
        putGemv(quantGemv(lin.w, lin.b, sX[m][l - 1], new Array(d.H).fill(sY[m][l]), false, `gnn.${m}.layer${l}`, r.inputs.gnn[m][l - 1].value), Op.GNN, m, l);
      }
      const inEdges = used[m][l - 1];
      const dynX = new Set<number>();
      for (let v = 0; v < N; v++) {
        if (inEdges[v].length && (dynPrev.has(v) || inEdges[v].some((u) => dynPrev.has(u)))) dynX.add(v);
      }
      const yc = new Int16Array(N * d.H), xc = new Int16Array(N * d.H);
      for (let v = 0; v < N; v++) for (let c = 0; c < d.H; c++) {
        if (!dynPrev.has(v)) yc[v * d.H + c] = q16(trace.y[v][c], sY[m][l]);
        if (!dynX.has(v)) xc[v * d.H + c] = q16(trace.x[v][c], sX[m][l]);
      }
      put(tensors, Role.YC, Op.GNN, m, l, yc);
      put(tensors, Role.XC, Op.GNN, m, l, xc);
      const dy = [...dynPrev].sort((a, b) => a - b), dx = [...dynX].sort((a, b) => a - b);
      put(topology, Role.DY, Op.GNN, m, l, Int32Array.from(dy));
      put(topology, Role.DX, Op.GNN, m, l, Int32Array.from(dx));
      const row = [0];
      const col: number[] = [];
      for (const v of dx) { col.push(...inEdges[v]); row.push(col.length); }
      put(topology, Role.ROW, Op.GNN, m, l, Int32Array.from(row));
      put(topology, Role.COL, Op.GNN, m, l, Int32Array.from(col));
      put(topology, Role.RMEAN, Op.GNN, m, l, Int32Array.from(dx, (v) => Math.round(Q15 / inEdges[v].length)));
      // BatchNorm folded into z = rq(p, BM, BS) + BB (eq. 8); p has scale s_y².
      const bn = model.gnn[m].bns[l - 1];
      const A = Array.from(bn.gamma, (g, c) => g / Math.sqrt(bn.variance[c] + bn.eps));
      const mult = A.map((a) => (a * sY[m][l] ** 2) / sX[m][l]);
      const BS = chooseShift(mult, 1, `gnn.${m}.layer${l} BatchNorm`);
      put(tensors, Role.BN_MULT, Op.GNN, m, l, Int32Array.from(mult, (x) => fixedPoint(x, BS)));
      put(tensors, Role.BN_BIAS, Op.GNN, m, l, Int32Array.from(A, (a, c) => i32((bn.beta[c] - a * bn.mean[c]) / sX[m][l], `gnn.${m}.layer${l} BatchNorm bias`)));
      put(tensors, Role.BN_SHIFT, Op.GNN, m, l, Int32Array.of(BS));
      put(tensors, Role.ELU_RQ, Op.GNN, m, l, Int32Array.from(rqPair(sX[m][l] * ELU_STEPS_PER_UNIT * 256, 'ELU index')));
      put(tables, Role.ELU_TABLE, Op.GNN, m, l, eluTable(sX[m][l]));
      scales[`gnn.${m}.layer${l}.y`] = sY[m][l];
      scales[`gnn.${m}.layer${l}.x`] = sX[m][l];
      dynPrev = dynX;
    }
  });

  // Temporal layer (eqs. 10-17).
  const t = model.temporal, D = d.D, hd = D / d.heads;
  const qkvW = stackRows([t.q.w, t.k.w, t.v.w]);
  const qkvB = [...t.q.b, ...t.k.b, ...t.v.b];
  const minQkv = minOutScale(qkvW, sF);
  const sQ = Math.max(calScale(r.q), minQkv), sK = Math.max(calScale(r.k), minQkv), sV = Math.max(calScale(r.v), minQkv);
  putGemv(quantGemv(qkvW, qkvB, sF, [...Array(D).fill(sQ), ...Array(D).fill(sK), ...Array(D).fill(sV)], false, 'qkv', r.inputs.frame.value), Op.QKV);
  const sR1 = Math.max(calScale(Math.max(r.r1, r.a)), sF, minOutScale(t.o.w, sV));
  putGemv(quantGemv(t.o.w, t.o.b, sV, Array(D).fill(sR1), false, 'attn_out', r.inputs.att.value), Op.ATTN_OUT);
  const sLn1 = calScale(r.y1);
  const sH = Math.max(calScale(r.h), minOutScale(t.ff1.w, sLn1));
  putGemv(quantGemv(t.ff1.w, t.ff1.b, sLn1, Array(d.FF).fill(sH), true, 'ff1', r.inputs.y1.value), Op.FF1);
  const sR2 = Math.max(calScale(Math.max(r.r2, r.f2)), sLn1, minOutScale(t.ff2.w, sH));
  putGemv(quantGemv(t.ff2.w, t.ff2.b, sH, Array(D).fill(sR2), false, 'ff2', r.inputs.h.value), Op.FF2);
  const sLn2 = calScale(r.y2);
  const sL = Math.max(calScale(r.logits), minOutScale(t.head.w, sLn2));
  putGemv(quantGemv(t.head.w, t.head.b, sLn2, Array(d.C).fill(sL), false, 'head', r.inputs.y2.value), Op.HEAD);
  const putNorm = (op: number, n: typeof t.norm1, sR: number, sOut: number, what: string) => {
    const mult = Array.from(n.gamma, (g) => (g * Math.sqrt(D)) / (2 ** 31 * sOut));
    const GS = chooseShift(mult, 1, what);
    const eps = BigInt(clamp(Math.round((n.eps * D ** 3) / sR ** 2), 1, 2 ** 61));
    put(tensors, Role.LN_MULT, op, 0, 0, Int32Array.from(mult, (x) => fixedPoint(x, GS)));
    put(tensors, Role.LN_BIAS, op, 0, 0, Int32Array.from(n.beta, (b) => i32(b / sOut, `${what} bias`)));
    put(tensors, Role.LN_PARAMS, op, 0, 0, Int32Array.of(GS, Number(BigInt.asIntN(32, eps)), Number(eps >> 32n)));
  };
  putNorm(Op.LN1, t.norm1, sR1, sLn1, 'ln1');
  putNorm(Op.LN2, t.norm2, sR2, sLn2, 'ln2');
  put(tensors, Role.RQ, Op.MISC, 0, 0, Int32Array.from([
    ...rqPair(((sQ * sK) / Math.sqrt(hd)) * EXP_STEPS_PER_UNIT * 256, 'attention score'),
    ...rqPair(sF / sR1, 'frame to residual'),
    ...rqPair(sLn1 / sR2, 'ln1 to residual'),
    ...rqPair(sL * EXP_STEPS_PER_UNIT * 256, 'logit'),
  ]));
  put(tables, Role.EXP_TABLE, Op.MISC, 0, 0, expTable());
  Object.assign(scales, { q: sQ, k: sK, v: sV, r1: sR1, ln1: sLn1, ff: sH, r2: sR2, ln2: sLn2, logits: sL });

  const dims: Dims = {
    P: d.P, K: d.hidden.length + 1, M: d.M, H: d.H, L: d.L, A: d.A, D, heads: d.heads, headDim: hd, FF: d.FF, C: d.C,
    featureVersion: model.featureVersion, inputScale: sIn, frameScale: sF,
    outDims: [...d.hidden, D], nodes: model.missions.map((mi) => mi.concepts.length + 2),
  };
  if (I16_MAX * sIn <= 0) throw new QuantizeError('degenerate input scale');
  return {
    blob: { windowSources: model.windowSources, dims, topology, tensors, tables, names: { classes: model.classes, missions: model.missions.map((mi) => ({ name: mi.name, concepts: mi.concepts })) } },
    scales,
  };
}
