/**
 * Random but valid models for engine tests, written with the one blob
 * writer (src/blob/writer.ts). Dims are small, topology is valid, shifts
 * are in range. Multipliers are chosen from rough activation magnitudes so
 * values stay mostly unsaturated (the model does something), and `hostile`
 * mixes in everything the validator still accepts: extreme and negative
 * multipliers, extreme shifts, random tables, saturating biases.
 */
import { Op, Role, TABLE_ENTRIES, align16, tensorId } from '../../src/blob/constants.js';
import { gemvOps, type Dims } from '../../src/blob/layout.js';
import type { BlobModel, Tensor } from '../../src/blob/model.js';
import { writeBlob } from '../../src/blob/writer.js';
import type { Lcg } from './rng.js';

export interface RandomBlobOptions {
  /** Mix in extreme values the validator accepts (default false). */
  hostile?: boolean;
  /** Fixed dims instead of random ones. */
  dims?: Partial<Dims>;
  /** Header window_sources (default 0: one window for every packet). */
  windowSources?: number;
}

const I32_MAX = 2147483647;

/** (M, S) with M·2^-S ≈ m, S in [minS, 62], |M| < 2^31. */
export function fixedPair(m: number, minS: number): [number, number] {
  let S = 62;
  while (S > minS && Math.abs(m) * 2 ** S >= 2 ** 31 - 1) S--;
  const M = Math.round(m * 2 ** S);
  return [Math.max(Math.min(M, I32_MAX), -I32_MAX), S];
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0);
}

export function randomDims(rng: Lcg, fixed: Partial<Dims> = {}): Dims {
  const M = fixed.M ?? rng.int(1, 3);
  const H = fixed.H ?? (rng.chance(0.8) ? 8 : 16);
  const D = M * H;
  const K = fixed.K ?? rng.int(1, 3);
  const outDims = fixed.outDims ?? [...Array.from({ length: K - 1 }, () => rng.int(1, 40)), D];
  const heads = fixed.heads ?? rng.pick(divisors(D));
  return {
    P: fixed.P ?? rng.int(1, 40), K, M, H, L: fixed.L ?? rng.int(1, 3), A: fixed.A ?? rng.int(1, 12), D,
    heads, headDim: D / heads, FF: fixed.FF ?? rng.int(1, 40), C: fixed.C ?? rng.int(2, 6), featureVersion: 1,
    inputScale: fixed.inputScale ?? 0.01, frameScale: fixed.frameScale ?? 1 / 4096,
    outDims, nodes: fixed.nodes ?? Array.from({ length: M }, () => rng.int(3, 8)),
  };
}

class Gen {
  constructor(readonly rng: Lcg, readonly hostile: boolean) {}

  wild(p = 0.15): boolean {
    return this.hostile && this.rng.chance(p);
  }

  /** An extreme i32 (saturation corners). */
  extreme(): number {
    return this.rng.pick([-2147483648, -2147483647, 2147483647, -1, 0, 1, 1 << 30, -(1 << 30)]);
  }

  i16s(n: number, amp = 12000): Int16Array {
    return Int16Array.from({ length: n }, () => (this.wild(0.1) ? this.rng.pick([-32768, 32767, 0]) : this.rng.int(-amp, amp)));
  }

  /** (M, S) for a real multiplier m, occasionally replaced by anything the validator accepts. */
  pair(m: number, minS: number): [number, number] {
    if (this.wild()) return [this.rng.chance(0.5) ? this.extreme() : this.rng.i32(), this.rng.int(minS, 62)];
    return fixedPair(m * (0.5 + this.rng.float()), minS);
  }

  /** A GEMV op whose outputs land near ±amp for inputs near ±inAmp. */
  gemv(op: number, m: number, l: number, rows: number, cols: number, relu: boolean, out: Tensor[]): void {
    const stride = align16(cols);
    const W = new Int8Array(rows * stride);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) W[r * stride + c] = this.wild(0.05) ? this.rng.pick([-128, 127]) : this.rng.int(-127, 127);
    const mReal = 1 / (60 * Math.sqrt(cols));
    const [, S] = fixedPair(mReal, 31);
    const shift = this.wild() ? this.rng.int(31, 62) : S;
    const mult = Int32Array.from({ length: rows }, () => {
      if (this.wild()) return this.rng.chance(0.5) ? this.extreme() : this.rng.i32();
      return Math.round(mReal * (0.3 + this.rng.float()) * 2 ** shift) | 0;
    });
    const bias = Int32Array.from({ length: rows }, () => (this.wild() ? this.extreme() : this.rng.int(-300000, 300000)));
    out.push(
      { id: tensorId(Role.W, op, m, l), data: W },
      { id: tensorId(Role.BIAS, op, m, l), data: bias },
      { id: tensorId(Role.MULT, op, m, l), data: mult },
      { id: tensorId(Role.SHIFT, op, m, l), data: Int32Array.from([shift, relu ? 1 : 0]) },
    );
  }

  eluTable(): Int16Array {
    if (this.wild(0.3)) return this.i16s(TABLE_ENTRIES, 32767);
    const sx = 8 / 32767;
    return Int16Array.from({ length: TABLE_ENTRIES }, (_, i) => Math.round((Math.exp(-i / 64) - 1) / sx));
  }

  expTable(): Int32Array {
    if (this.wild(0.3)) {
      const t = new Int32Array(TABLE_ENTRIES);
      t[0] = 32768;
      for (let i = 1; i < t.length; i++) t[i] = this.rng.int(0, t[i - 1]);
      return t;
    }
    return Int32Array.from({ length: TABLE_ENTRIES }, (_, i) => Math.round(32768 * Math.exp(-i / 32)));
  }

  /** Distinct random picks from 0..n-1. */
  subset(n: number, k: number): number[] {
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = all.length - 1; i > 0; i--) {
      const j = this.rng.int(0, i);
      [all[i], all[j]] = [all[j], all[i]];
    }
    return all.slice(0, k);
  }

  name(): string {
    const base = this.rng.pick(['benign', 'dos', 'recon', 'brute', 'syn flood', 'port scan', 'Größe', 'сеть', '侦察']);
    return `${base}-${this.rng.int(0, 999)}`;
  }
}

/** A random valid model (the writer re-reads it with the TS reader before returning). */
export function randomModel(rng: Lcg, opts: RandomBlobOptions = {}): BlobModel {
  const g = new Gen(rng, opts.hostile ?? false);
  const d = randomDims(rng, opts.dims);
  const topology: Tensor[] = [], tensors: Tensor[] = [], tables: Tensor[] = [];
  for (const op of gemvOps(d)) {
    const relu = op.op === Op.FF1 || (op.op === Op.PROJ && op.l < d.K - 1) ? true : g.wild(0.3);
    g.gemv(op.op, op.m, op.l, op.rows, op.cols, relu, tensors);
  }
  for (let m = 0; m < d.M; m++) {
    const N = d.nodes[m], n = N - 2;
    topology.push({ id: tensorId(Role.LEVELS, Op.GNN, m, 0), data: Int32Array.from({ length: n }, () => rng.int(1, 3)) });
    for (let l = 1; l <= d.L; l++) {
      tensors.push(
        { id: tensorId(Role.YC, Op.GNN, m, l), data: g.i16s(N * d.H) },
        { id: tensorId(Role.XC, Op.GNN, m, l), data: g.i16s(N * d.H) },
      );
      const [bm, bs] = g.pair(1 / 8000, 1);
      tensors.push(
        { id: tensorId(Role.BN_MULT, Op.GNN, m, l), data: Int32Array.from({ length: d.H }, () => (g.wild() ? rng.i32() : Math.round(bm * (0.5 + rng.float())) | 0)) },
        { id: tensorId(Role.BN_BIAS, Op.GNN, m, l), data: Int32Array.from({ length: d.H }, () => (g.wild() ? g.extreme() : rng.int(-4000, 4000))) },
        { id: tensorId(Role.BN_SHIFT, Op.GNN, m, l), data: Int32Array.from([bs]) },
        { id: tensorId(Role.ELU_RQ, Op.GNN, m, l), data: Int32Array.from(g.pair(4, 1)) },
      );
      tables.push({ id: tensorId(Role.ELU_TABLE, Op.GNN, m, l), data: g.eluTable() });
      const dy = l === 1 ? [n] : g.subset(N, rng.int(0, N));
      const dx = g.subset(N, rng.int(0, N));
      const row = [0], col: number[] = [];
      for (let i = 0; i < dx.length; i++) {
        const deg = rng.int(1, Math.min(N, 4));
        for (let k = 0; k < deg; k++) col.push(rng.int(0, N - 1));
        row.push(col.length);
      }
      const rmean = dx.map((_, i) => (g.wild() ? rng.int(1, 32768) : Math.round(32768 / (row[i + 1] - row[i]))));
      topology.push(
        { id: tensorId(Role.DY, Op.GNN, m, l), data: Int32Array.from(dy) },
        { id: tensorId(Role.DX, Op.GNN, m, l), data: Int32Array.from(dx) },
        { id: tensorId(Role.ROW, Op.GNN, m, l), data: Int32Array.from(row) },
        { id: tensorId(Role.COL, Op.GNN, m, l), data: Int32Array.from(col) },
        { id: tensorId(Role.RMEAN, Op.GNN, m, l), data: Int32Array.from(rmean) },
      );
    }
  }
  for (const op of [Op.LN1, Op.LN2]) {
    const [, gs] = fixedPair(Math.sqrt(d.D) * 4e-6, 1);
    const eps = g.wild() ? BigInt(rng.int(1, 2 ** 31)) * BigInt(rng.int(1, 2 ** 31 - 1)) : BigInt(100 * d.D ** 3 + rng.int(1, 1000));
    tensors.push(
      { id: tensorId(Role.LN_MULT, op), data: Int32Array.from({ length: d.D }, () => (g.wild() ? rng.i32() : Math.round(Math.sqrt(d.D) * 4e-6 * (0.5 + rng.float()) * 2 ** gs) | 0)) },
      { id: tensorId(Role.LN_BIAS, op), data: Int32Array.from({ length: d.D }, () => (g.wild() ? g.extreme() : rng.int(-3000, 3000))) },
      { id: tensorId(Role.LN_PARAMS, op), data: Int32Array.from([g.wild() ? rng.int(1, 62) : gs, Number(eps & 0xffffffffn) | 0, Number(eps >> 32n)]) },
    );
  }
  const rq = [...g.pair(4e-4 / d.headDim, 1), ...g.pair(0.7, 1), ...g.pair(0.7, 1), ...g.pair(2, 1)];
  tensors.push({ id: tensorId(Role.RQ, Op.MISC), data: Int32Array.from(rq) });
  tables.push({ id: tensorId(Role.EXP_TABLE, Op.MISC), data: g.expTable() });
  const names = {
    classes: Array.from({ length: d.C }, () => g.name()),
    missions: d.nodes.map((N) => ({ name: g.name(), concepts: Array.from({ length: N - 2 }, () => g.name()) })),
  };
  // Shuffle directory order: the format does not fix it.
  for (const list of [topology, tensors, tables]) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
  return { windowSources: opts.windowSources ?? 0, dims: d, topology, tensors, tables, names };
}

/** randomModel() written as blob bytes. */
export function randomBlob(rng: Lcg, opts: RandomBlobOptions = {}): { model: BlobModel; blob: Uint8Array } {
  const model = randomModel(rng, opts);
  return { model, blob: writeBlob(model) };
}

/** The default model shape of the perf targets (P=128, proj 128-128-24, M=3, H=8, L=3, A=30, heads=8, FF=128, C=4). */
export const DEFAULT_DIMS: Partial<Dims> = {
  P: 128, K: 3, M: 3, H: 8, L: 3, A: 30, heads: 8, FF: 128, C: 4, outDims: [128, 128, 24], nodes: [10, 10, 10],
};
