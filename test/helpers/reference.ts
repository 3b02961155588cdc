/**
 * An independent TypeScript reading of docs/fixed-point.md, for tests: the
 * primitives in BigInt / exact doubles and the whole model computed the
 * definition's way (the full window of frames each packet, zero frames before
 * the first). It shares no code with assembly/, so agreement with the engine
 * checks both against the spec text.
 */
import { Op, Role, TABLE_STEPS, align16, tensorId } from '../../src/blob/constants.js';
import type { Dims } from '../../src/blob/layout.js';
import type { BlobModel, TensorData } from '../../src/blob/model.js';

const I32_MIN = -2147483648, I32_MAX = 2147483647;

export const clamp16 = (v: number): number => Math.min(Math.max(v, -32768), 32767);

export function clamp32(v: bigint): number {
  return Number(v < -2147483648n ? -2147483648n : v > 2147483647n ? 2147483647n : v);
}

/** eq. (1): clamp32((a·M + 2^(S-1)) >> S), exact. */
export function rq(a: number | bigint, M: number, S: number): number {
  return clamp32((BigInt(a) * BigInt(M) + (1n << BigInt(S - 1))) >> BigInt(S));
}

/** The Q8 table index of eqs. (9), (11), (17), clamped to [0, 512·256] (eq. 3). */
export const tableIndex = (u: number): number => Math.min(Math.max(u, 0), TABLE_STEPS * 256);

/** eq. (3) for u in [0, 512·256]. */
export function lut(T: ArrayLike<number>, u: number): number {
  const i = Math.floor(u / 256), f = u % 256;
  if (i >= TABLE_STEPS) return T[TABLE_STEPS];
  return T[i] + Math.floor(((T[i + 1] - T[i]) * f + 128) / 256);
}

/** eq. (4): floor(sqrt(v)), by Newton's method (a different algorithm from the engine's). */
export function isqrt(v: bigint): bigint {
  if (v < 2n) return v;
  let x = BigInt(Math.floor(Math.sqrt(Number(v))));
  while (x * x > v) x--;
  while ((x + 1n) * (x + 1n) <= v) x++;
  return x;
}

/** eq. (9). */
export function elu(z: number, EM: number, ES: number, T: ArrayLike<number>): number {
  if (z >= 0) return clamp16(z);
  return lut(T, tableIndex(rq(Math.min(-z, I32_MAX), EM, ES)));
}

/** eqs. (12), (17): Q15 weights from exp values. */
export function softmaxWeights(e: number[]): number[] {
  const sum = e.reduce((a, b) => a + b, 0);
  const inv = Math.floor(2 ** 31 / sum);
  return e.map((x) => Math.floor((x * inv) / 65536));
}

/** eq. (15) for one vector. */
export function layerNorm(r: ArrayLike<number>, GM: ArrayLike<number>, GB: ArrayLike<number>, GS: number, eps: bigint): number[] {
  const D = r.length;
  let S = 0;
  for (let i = 0; i < D; i++) S += r[i];
  const c = Array.from(r, (v) => D * v - S);
  const V = c.reduce((a, x) => a + BigInt(x) * BigInt(x), 0n);
  const sigma = isqrt(V + eps);
  const b = sigma.toString(2).length;
  const inv = (1n << BigInt(31 + b)) / sigma;
  return c.map((ci, i) => clamp16(rq((BigInt(ci) * inv) >> BigInt(b), GM[i], GS) + GB[i]));
}

/** eq. (5) on a row-major i8 matrix with stride ceil16(cols). */
export function gemvRef(W: ArrayLike<number>, B: ArrayLike<number>, Mu: ArrayLike<number>, S: number, relu: boolean,
  rows: number, cols: number, x: ArrayLike<number>): number[] {
  const stride = align16(cols), y: number[] = [];
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let c = 0; c < cols; c++) acc += W[r * stride + c] * x[c]; // |acc| < 2^35: exact
    const v = clamp16(rq((acc + B[r]) | 0, Mu[r], S)); // `| 0`: the i32 wrap
    y.push(relu ? Math.max(v, 0) : v);
  }
  return y;
}

/** The whole model, full-window form. */
export class ReferenceModel {
  readonly d: Dims;
  private readonly t = new Map<number, TensorData>();
  private window: number[][];
  frame: number[] = [];
  acts: number[] = [];
  logits: number[] = [];
  probs: number[] = [];

  constructor(model: BlobModel) {
    this.d = model.dims;
    for (const x of [...model.topology, ...model.tensors, ...model.tables]) this.t.set(x.id, x.data);
    this.window = Array.from({ length: this.d.A }, () => new Array(this.d.D).fill(0));
  }

  private get(role: number, op: number, m = 0, l = 0): TensorData {
    const v = this.t.get(tensorId(role, op, m, l));
    if (!v) throw new Error(`reference: missing tensor role ${role} op ${op} m ${m} l ${l}`);
    return v;
  }

  private gemv(op: number, m: number, l: number, rows: number, cols: number, x: ArrayLike<number>): number[] {
    const sh = this.get(Role.SHIFT, op, m, l);
    return gemvRef(this.get(Role.W, op, m, l), this.get(Role.BIAS, op, m, l), this.get(Role.MULT, op, m, l), sh[0], sh[1] === 1, rows, cols, x);
  }

  reset(): void {
    this.window = this.window.map(() => new Array(this.d.D).fill(0));
  }

  /** One packet of quantized features; returns the decision. */
  push(q: ArrayLike<number>): number {
    const d = this.d;
    let x: ArrayLike<number> = q;
    for (let k = 0; k < d.K; k++) x = this.gemv(Op.PROJ, 0, k, d.outDims[k], k === 0 ? d.P : d.outDims[k - 1], x);
    const frame: number[] = [];
    const acts: number[] = [];
    for (let m = 0; m < d.M; m++) {
      const out = this.mission(m, Array.from(x).slice(m * d.H, (m + 1) * d.H));
      frame.push(...out.frame);
      acts.push(...out.acts);
    }
    this.frame = frame;
    this.acts = acts;
    this.window = [...this.window.slice(1), frame];
    return this.temporal();
  }

  private mission(m: number, sensor: number[]): { frame: number[]; acts: number[] } {
    const { H, L } = this.d, N = this.d.nodes[m];
    const rows = (a: TensorData) => Array.from({ length: N }, (_, v) => Array.from(a.subarray(v * H, (v + 1) * H)));
    let xPrev: number[][] = [];
    for (let l = 1; l <= L; l++) {
      const Y = rows(this.get(Role.YC, Op.GNN, m, l));
      const X = rows(this.get(Role.XC, Op.GNN, m, l));
      if (l === 1) Y[N - 2] = sensor;
      else for (const v of this.get(Role.DY, Op.GNN, m, l)) Y[v] = this.gemv(Op.GNN, m, l, H, H, xPrev[v]);
      const dx = this.get(Role.DX, Op.GNN, m, l), row = this.get(Role.ROW, Op.GNN, m, l), col = this.get(Role.COL, Op.GNN, m, l);
      const rmean = this.get(Role.RMEAN, Op.GNN, m, l);
      const bm = this.get(Role.BN_MULT, Op.GNN, m, l), bb = this.get(Role.BN_BIAS, Op.GNN, m, l);
      const bs = this.get(Role.BN_SHIFT, Op.GNN, m, l)[0], er = this.get(Role.ELU_RQ, Op.GNN, m, l);
      const table = this.get(Role.ELU_TABLE, Op.GNN, m, l);
      dx.forEach((v, i) => {
        X[v] = Y[v].map((yv, c) => {
          let sum = 0;
          for (let e = row[i]; e < row[i + 1]; e++) sum += Y[col[e]][c];
          sum |= 0; // eq. (7): i32
          const mean = clamp16(Number((BigInt(sum) * BigInt(rmean[i]) + (1n << 14n)) >> 15n));
          const z = (rq(yv * mean, bm[c], bs) + bb[c]) | 0; // eq. (8): wrapping add
          return elu(z, er[0], er[1], table);
        });
      });
      xPrev = X;
    }
    const log2H = Math.log2(H);
    const acts = xPrev.slice(0, N - 2).map((r) => r.reduce((a, b) => a + b, 0) >> log2H);
    return { frame: xPrev[N - 1], acts };
  }

  private temporal(): number {
    const d = this.d, D = d.D;
    const qkv = this.window.map((f) => this.gemv(Op.QKV, 0, 0, 3 * D, D, f));
    const q = qkv[qkv.length - 1].slice(0, D);
    const misc = this.get(Role.RQ, Op.MISC);
    const [AM, AS, FM, FS, F2M, F2S, PM, PS] = Array.from(misc);
    const EXP = this.get(Role.EXP_TABLE, Op.MISC);
    const o = new Array(D).fill(0);
    for (let h = 0; h < d.heads; h++) {
      const lanes = Array.from({ length: d.headDim }, (_, k) => h * d.headDim + k);
      const sc = qkv.map((r) => lanes.reduce((a, i) => a + q[i] * r[D + i], 0) | 0); // eq. (11), i32
      const mx = Math.max(...sc);
      const e = sc.map((s) => lut(EXP, tableIndex(rq(Math.min(mx - s, I32_MAX), AM, AS))));
      const w = softmaxWeights(e);
      for (const i of lanes) {
        const acc = qkv.reduce((a, r, j) => a + w[j] * r[2 * D + i], 0);
        o[i] = clamp16(Math.floor((acc + 2 ** 14) / 2 ** 15));
      }
    }
    const f = this.window[this.window.length - 1];
    const a = this.gemv(Op.ATTN_OUT, 0, 0, D, D, o);
    const r1 = f.map((fi, i) => clamp16(rq(fi, FM, FS) + a[i]));
    const y1 = this.ln(Op.LN1, r1);
    const hid = this.gemv(Op.FF1, 0, 0, d.FF, D, y1);
    const a2 = this.gemv(Op.FF2, 0, 0, D, d.FF, hid);
    const r2 = y1.map((yi, i) => clamp16(rq(yi, F2M, F2S) + a2[i]));
    const y2 = this.ln(Op.LN2, r2);
    this.logits = this.gemv(Op.HEAD, 0, 0, d.C, D, y2);
    const mx = Math.max(...this.logits);
    this.probs = softmaxWeights(this.logits.map((v) => lut(EXP, tableIndex(rq(mx - v, PM, PS)))));
    return this.logits.indexOf(mx);
  }

  private ln(op: number, r: number[]): number[] {
    const p = this.get(Role.LN_PARAMS, op);
    const eps = BigInt(p[1] >>> 0) + (BigInt(p[2]) << 32n);
    return layerNorm(r, this.get(Role.LN_MULT, op), this.get(Role.LN_BIAS, op), p[0], eps);
  }
}

export { I32_MIN, I32_MAX };
