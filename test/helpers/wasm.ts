/** Loading the four builds for tests: engine (simd / scalar) and kernel test builds. */
import { readFileSync } from 'node:fs';

const root = new URL('../../../', import.meta.url); // dist/test/helpers -> repo root

export function buildPath(name: string): URL {
  return new URL(`build/${name}`, root);
}

/** The two engine builds, SIMD first. */
export const ENGINE_BUILDS = [
  { name: 'simd', file: 'packetclip.simd.wasm', simd: true },
  { name: 'scalar', file: 'packetclip.wasm', simd: false },
] as const;

/** Exports of assembly/testing.ts. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  t_simd(): number;
  t_reset(): void;
  t_alloc(bytes: number): number;
  t_rq(a: bigint, M: number, S: number): number;
  t_clamp32(v: bigint): number;
  t_lut32(T: number, u: number): number;
  t_lut16(T: number, u: number): number;
  t_rq_index(a: number, M: number, S: number): number;
  t_isqrt(v: bigint): bigint;
  t_ln_inverse(V: bigint, eps: bigint): bigint;
  t_ln_bits(): number;
  t_crc32(p: number, n: number): number;
  t_utf8(p: number, n: number): number;
  t_kat(op: number, a: number, b: number, c: number, out: number, imm: number): number;
  requant_gemv(acc: number, mult: number, n: number, S: number, relu: number, out: number): void;
  residual(x: number, M: number, S: number, a: number, n: number, out: number): void;
  gemv(op: number, x: number, y: number): void;
  gnn_aggregate(layer: number, Y: number, X: number): void;
  gnn_dense(layer: number, Xprev: number, Y: number): void;
  attention(p: number, q: number, kt: number, vt: number, o: number): void;
  layernorm(p: number, r: number, y: number): void;
  softmax_probs(logits: number, C: number, PM: number, PS: number, T: number, probs: number): number;
  lut_i32(T: number, u: number, n: number, out: number): void;
  lut_i16(T: number, u: number, n: number, out: number): void;
}

export function loadKernels(simd: boolean): KernelExports {
  const bytes = readFileSync(buildPath(simd ? 'testing.simd.wasm' : 'testing.wasm'));
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as KernelExports;
}

/** Both kernel builds: [simd, scalar]. */
export function kernelPair(): [KernelExports, KernelExports] {
  return [loadKernels(true), loadKernels(false)];
}

/** Typed view helpers over a kernel instance's memory (views are re-made after every t_alloc). */
export class Mem {
  constructor(readonly k: KernelExports) {}
  private get buf(): ArrayBuffer {
    return this.k.memory.buffer;
  }
  alloc(bytes: number): number {
    const p = this.k.t_alloc(bytes);
    if (p === 0) throw new Error('test build: out of memory');
    return p;
  }
  i8(data: ArrayLike<number>): number {
    const p = this.alloc(data.length);
    new Int8Array(this.buf, p, data.length).set(Array.from(data));
    return p;
  }
  i16(data: ArrayLike<number>): number {
    const p = this.alloc(data.length * 2);
    new Int16Array(this.buf, p, data.length).set(Array.from(data));
    return p;
  }
  i32(data: ArrayLike<number>): number {
    const p = this.alloc(data.length * 4);
    new Int32Array(this.buf, p, data.length).set(Array.from(data));
    return p;
  }
  u8(data: ArrayLike<number>): number {
    const p = this.alloc(data.length);
    new Uint8Array(this.buf, p, data.length).set(Array.from(data));
    return p;
  }
  readI16(p: number, n: number): number[] {
    return Array.from(new Int16Array(this.buf, p, n));
  }
  readI32(p: number, n: number): number[] {
    return Array.from(new Int32Array(this.buf, p, n));
  }
  readBytes(p: number, n: number): Uint8Array {
    return new Uint8Array(this.buf, p, n).slice();
  }
  setI32(p: number, off: number, v: number): void {
    new DataView(this.buf).setInt32(p + off, v, true);
  }
  setI64(p: number, off: number, v: bigint): void {
    new DataView(this.buf).setBigInt64(p + off, v, true);
  }
}
