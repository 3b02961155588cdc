/**
 * The contract's float semantics in TypeScript (design doc steps 2-6), in
 * float64. The quantizer runs it over calibration packets to find activation
 * ranges and to fold packet-independent values; tests check it against ONNX
 * Runtime, so the converter's understanding of the graph is itself verified.
 */
import type { ContractModel, Linear, Matrix, Norm } from './onnx-model.js';

export function matVec(w: Matrix, x: ArrayLike<number>, b?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    let acc = b ? b[r] : 0;
    const base = r * w.cols;
    for (let c = 0; c < w.cols; c++) acc += w.data[base + c] * x[c];
    out[r] = acc;
  }
  return out;
}

export const linear = (l: Linear, x: ArrayLike<number>): Float64Array => matVec(l.w, x, l.b);
export const relu = (x: Float64Array): Float64Array => x.map((v) => (v > 0 ? v : 0));
export const elu = (v: number): number => (v > 0 ? v : Math.expm1(v));

export function layerNorm(n: Norm, x: Float64Array): Float64Array {
  const d = x.length;
  const mean = x.reduce((a, v) => a + v, 0) / d;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / d;
  const inv = 1 / Math.sqrt(variance + n.eps);
  return x.map((v, i) => (v - mean) * inv * n.gamma[i] + n.beta[i]);
}

export function softmax(x: ArrayLike<number>): Float64Array {
  let mx = -Infinity;
  for (let i = 0; i < x.length; i++) mx = Math.max(mx, x[i]);
  const e = Float64Array.from(x, (v) => Math.exp(v - mx));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

/** Every intermediate of one mission GNN for one packet. */
export interface MissionTrace {
  /** Per layer: y (pre-message linear map), z (BatchNorm output), x (after ELU), each [N][H]. */
  layers: { y: Float64Array[]; z: Float64Array[]; x: Float64Array[] }[];
}

export interface PacketTrace {
  hidden: Float64Array[];
  s: Float64Array;
  missions: MissionTrace[];
  frame: Float64Array;
}

export function missionForward(model: ContractModel, m: number, s: Float64Array, usedIn: number[][][]): MissionTrace {
  const g = model.gnn[m];
  const n = g.concepts.rows, H = model.dims.H, E = model.dims.E;
  let x: Float64Array[] = [
    ...Array.from({ length: n }, (_, c) => g.concepts.data.subarray(c * E, (c + 1) * E)),
    s, new Float64Array(E),
  ];
  const layers: MissionTrace['layers'] = [];
  for (let l = 0; l < model.dims.L; l++) {
    const y = x.map((xv) => linear(g.lins[l], xv));
    const bn = g.bns[l];
    const z = y.map((yv, v) => {
      const srcs = usedIn[l][v];
      const agg = new Float64Array(H);
      if (srcs.length) {
        for (let c = 0; c < H; c++) {
          let mean = 0;
          for (const u of srcs) mean += y[u][c];
          agg[c] = yv[c] * (mean / srcs.length);
        }
      }
      return agg.map((a, c) => bn.gamma[c] * (a - bn.mean[c]) / Math.sqrt(bn.variance[c] + bn.eps) + bn.beta[c]);
    });
    x = z.map((zv) => zv.map(elu));
    layers.push({ y, z, x });
  }
  return { layers };
}

export function packetForward(model: ContractModel, features: ArrayLike<number>, usedIn: number[][][][]): PacketTrace {
  const hidden: Float64Array[] = [];
  let h: Float64Array = Float64Array.from(features);
  model.proj.forEach((layer, i) => {
    h = linear(layer, h);
    if (i < model.proj.length - 1) h = relu(h);
    hidden.push(h);
  });
  const s = h;
  const missions = model.gnn.map((_, m) => missionForward(model, m, s, usedIn[m]));
  const frame = new Float64Array(model.dims.D);
  missions.forEach((t, m) => frame.set(t.layers[model.dims.L - 1].x[model.missions[m].concepts.length + 1], m * model.dims.H));
  return { hidden, s, missions, frame };
}

export interface TemporalTrace {
  q: Float64Array; k: Float64Array[]; v: Float64Array[]; att: Float64Array; a: Float64Array;
  r1: Float64Array; y1: Float64Array; h: Float64Array; f2: Float64Array; r2: Float64Array;
  y2: Float64Array; logits: Float64Array; probs: Float64Array;
}

/** The temporal layer read at the last position of `frames` (oldest first). */
export function temporalForward(model: ContractModel, frames: Float64Array[], kv?: { k: Float64Array[]; v: Float64Array[] }): TemporalTrace {
  const t = model.temporal, D = model.dims.D, heads = model.dims.heads, hd = D / heads;
  const last = frames[frames.length - 1];
  const q = linear(t.q, last);
  const k = kv?.k ?? frames.map((f) => linear(t.k, f));
  const v = kv?.v ?? frames.map((f) => linear(t.v, f));
  const att = new Float64Array(D);
  for (let h = 0; h < heads; h++) {
    const scores = k.map((kj) => {
      let s = 0;
      for (let i = h * hd; i < (h + 1) * hd; i++) s += q[i] * kj[i];
      return s / Math.sqrt(hd);
    });
    const w = softmax(scores);
    for (let i = h * hd; i < (h + 1) * hd; i++) att[i] = v.reduce((acc, vj, j) => acc + w[j] * vj[i], 0);
  }
  const a = linear(t.o, att);
  const r1 = last.map((f, i) => f + a[i]);
  const y1 = layerNorm(t.norm1, r1);
  const h = relu(linear(t.ff1, y1));
  const f2 = linear(t.ff2, h);
  const r2 = y1.map((y, i) => y + f2[i]);
  const y2 = layerNorm(t.norm2, r2);
  const logits = linear(t.head, y2);
  return { q, k, v, att, a, r1, y1, h, f2, r2, y2, logits, probs: softmax(logits) };
}

/**
 * Runs a stream of packets through the float model the way the engine sees
 * it with window_sources 0: one global window of the last A frames, zero
 * frames before the first (calibration uses it for every model: its packets
 * have no addresses). Calls `visit` with both traces for every packet.
 */
export function streamForward(
  model: ContractModel, usedIn: number[][][][], packets: Float64Array[],
  visit: (p: PacketTrace, t: TemporalTrace, index: number) => void,
): void {
  const { A, D } = model.dims;
  const zero = new Float64Array(D);
  const zk = linear(model.temporal.k, zero), zv = linear(model.temporal.v, zero);
  const frames: Float64Array[] = Array(A).fill(zero);
  const ks: Float64Array[] = Array(A).fill(zk);
  const vs: Float64Array[] = Array(A).fill(zv);
  packets.forEach((x, i) => {
    const p = packetForward(model, x, usedIn);
    frames.shift(); frames.push(p.frame);
    ks.shift(); ks.push(linear(model.temporal.k, p.frame));
    vs.shift(); vs.push(linear(model.temporal.v, p.frame));
    visit(p, temporalForward(model, frames, { k: ks, v: vs }), i);
  });
}
