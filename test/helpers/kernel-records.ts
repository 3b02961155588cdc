/**
 * Builders for the kernel records (assembly/kernels/*_common.ts) in a kernel
 * test instance's memory. The byte offsets here are the records' contract;
 * a mismatch with the AssemblyScript side makes the kernel tests fail.
 */
import type { Mem } from './wasm.js';

export const align16 = (n: number): number => (n + 15) & ~15;
export const align8 = (n: number): number => (n + 7) & ~7;

/** One GEMV op (gemv_common.ts): W is rows × ceil16(cols), padding zero. */
export interface GemvSpec { rows: number; cols: number; W: Int8Array; bias: Int32Array; mult: Int32Array; shift: number; relu: number; }

export function gemvRecord(mem: Mem, g: GemvSpec): number {
  const rec = mem.alloc(32);
  const fields = [mem.i8(g.W), mem.i32(g.bias), mem.i32(g.mult), g.rows, g.cols, align16(g.cols), g.shift, g.relu];
  fields.forEach((v, i) => mem.setI32(rec, 4 * i, v));
  return rec;
}

/** One mission-GNN layer (gnn_common.ts). */
export interface GnnSpec {
  N: number; H: number;
  bnMult: Int32Array; bnBias: Int32Array; bnShift: number; eluMult: number; eluShift: number; eluTable: Int16Array;
  dy: Int32Array; dx: Int32Array; row: Int32Array; col: Int32Array; rmean: Int32Array;
  gemv?: GemvSpec;
}

export function gnnRecord(mem: Mem, g: GnnSpec): number {
  const rec = mem.alloc(80);
  const zero = mem.i16(new Int16Array(g.N * g.H));
  const fields = [
    zero, zero, mem.i32(g.bnMult), mem.i32(g.bnBias), g.bnShift, g.eluMult, g.eluShift, mem.i16(g.eluTable),
    mem.i32(g.dy), g.dy.length, mem.i32(g.dx), g.dx.length, mem.i32(g.row), mem.i32(g.col), mem.i32(g.rmean),
    g.gemv ? gemvRecord(mem, g.gemv) : 0, g.N, g.H,
  ];
  fields.forEach((v, i) => mem.setI32(rec, 4 * i, v));
  return rec;
}

/** Attention parameters (attention_common.ts); KT/VT are D × ceil8(A), padding slots zero. */
export interface AttnSpec { heads: number; headDim: number; A: number; AM: number; AS: number; exp: Int32Array; }

export function attnRecord(mem: Mem, a: AttnSpec): number {
  const stride = align8(a.A);
  const rec = mem.alloc(48);
  const fields = [a.heads, a.headDim, a.A, stride, a.AM, a.AS, mem.i32(a.exp), mem.alloc(a.heads * (stride + 1) * 4), mem.i32(new Int32Array(stride))];
  fields.forEach((v, i) => mem.setI32(rec, 4 * i, v));
  return rec;
}

/** LayerNorm parameters (layernorm_common.ts). */
export interface LnSpec { D: number; mult: Int32Array; bias: Int32Array; shift: number; eps: bigint; }

export function lnRecord(mem: Mem, l: LnSpec): number {
  const rec = mem.alloc(32);
  mem.setI32(rec, 0, mem.i32(l.mult));
  mem.setI32(rec, 4, mem.i32(l.bias));
  mem.setI32(rec, 8, l.shift);
  mem.setI64(rec, 16, l.eps);
  mem.setI32(rec, 24, l.D);
  mem.setI32(rec, 28, mem.alloc(l.D * 4));
  return rec;
}
