/**
 * Known-answer tests for every v128 builtin the SIMD kernels rely on, with
 * signed and extreme lanes (assembly/testing.ts t_kat), so a runtime whose
 * SIMD disagrees with the spec shows up here first, not as a wrong decision.
 * Expected lanes are computed independently in TypeScript (BigInt for i64).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Lcg } from '../helpers/rng.js';
import { loadKernels, Mem } from '../helpers/wasm.js';

const k = loadKernels(true);
const mem = new Mem(k);
const A = mem.alloc(16), B = mem.alloc(16), C = mem.alloc(16), OUT = mem.alloc(16);
const u8 = () => new Uint8Array(k.memory.buffer);

type Lanes = { i8: Int8Array; i16: Int16Array; i32: Int32Array; i64: BigInt64Array };
function lanes(p: number): Lanes {
  const b = k.memory.buffer;
  return { i8: new Int8Array(b, p, 16), i16: new Int16Array(b, p, 8), i32: new Int32Array(b, p, 4), i64: new BigInt64Array(b, p, 2) };
}

const I16 = [-32768, -32767, -1, 0, 1, 32767];
const I32 = [-2147483648, -2147483647, -1, 0, 1, 2147483647];
const wrap32 = (v: number | bigint) => Number(BigInt.asIntN(32, BigInt(v)));
const sat16 = (v: number) => Math.max(-32768, Math.min(32767, v));

/** Operand sets: extremes in every lane position, then random. */
function* operands(rng: Lcg, n: number): Generator<[Uint8Array, Uint8Array, Uint8Array]> {
  const fill16 = (f: (i: number) => number) => new Uint8Array(Int16Array.from({ length: 8 }, (_, i) => f(i)).buffer);
  const fill32 = (f: (i: number) => number) => new Uint8Array(Int32Array.from({ length: 4 }, (_, i) => f(i)).buffer);
  for (let s = 0; s < 6; s++) {
    yield [fill16((i) => I16[(i + s) % 6]), fill16((i) => I16[(i * 5 + s) % 6]), fill32((i) => I32[(i + s) % 6])];
    yield [fill32((i) => I32[(i + s) % 6]), fill32((i) => I32[(i * 5 + s) % 6]), fill32((i) => I32[(i + 2 * s) % 6])];
  }
  for (let t = 0; t < n; t++) {
    const r = () => Uint8Array.from({ length: 16 }, () => rng.int(0, 255));
    yield [r(), r(), r()];
  }
}

function run(op: number, a: Uint8Array, b: Uint8Array, c: Uint8Array, imm = 0): Lanes {
  u8().set(a, A); u8().set(b, B); u8().set(c, C);
  assert.is(k.t_kat(op, A, B, C, OUT, imm), 0, `t_kat(${op})`);
  return lanes(OUT);
}

type Check = (x: Lanes, y: Lanes, z: Lanes, imm: number) => number[] | bigint[];
const cases: [number, string, 'i16' | 'i32' | 'i64', Check, number[]?][] = [
  [0, 'i32x4.dot_i16x8_s', 'i32', (x, y) => [0, 1, 2, 3].map((i) => wrap32(x.i16[2 * i] * y.i16[2 * i] + x.i16[2 * i + 1] * y.i16[2 * i + 1]))],
  [1, 'v128.load8x8_s', 'i16', (x) => Array.from(x.i8.subarray(0, 8))],
  [2, 'i64x2.extmul_low_i32x4_s', 'i64', (x, y) => [0, 1].map((i) => BigInt(x.i32[i]) * BigInt(y.i32[i]))],
  [3, 'i64x2.extmul_high_i32x4_s', 'i64', (x, y) => [2, 3].map((i) => BigInt(x.i32[i]) * BigInt(y.i32[i]))],
  [4, 'i16x8.narrow_i32x4_s', 'i16', (x, y) => [...Array.from(x.i32), ...Array.from(y.i32)].map(sat16)],
  [5, 'i64x2.shr_s', 'i64', (x, _y, _z, s) => Array.from(x.i64, (v) => v >> BigInt(s % 64)), [0, 1, 15, 31, 32, 33, 62, 63, 64, 70]],
  [6, 'i32x4.extmul_low_i16x8_s', 'i32', (x, y) => [0, 1, 2, 3].map((i) => x.i16[i] * y.i16[i])],
  [7, 'i32x4.extmul_high_i16x8_s', 'i32', (x, y) => [4, 5, 6, 7].map((i) => x.i16[i] * y.i16[i])],
  [8, 'i32x4.extend_low_i16x8_s', 'i32', (x) => Array.from(x.i16.subarray(0, 4))],
  [9, 'i32x4.extend_high_i16x8_s', 'i32', (x) => Array.from(x.i16.subarray(4, 8))],
  [10, 'i64x2.mul', 'i64', (x, y) => [0, 1].map((i) => BigInt.asIntN(64, x.i64[i] * y.i64[i]))],
  [11, 'i64x2.lt_s', 'i64', (x, y) => [0, 1].map((i) => (x.i64[i] < y.i64[i] ? -1n : 0n))],
  [12, 'i64x2.gt_s', 'i64', (x, y) => [0, 1].map((i) => (x.i64[i] > y.i64[i] ? -1n : 0n))],
  [13, 'v128.bitselect', 'i32', (x, y, z) => [0, 1, 2, 3].map((i) => (x.i32[i] & z.i32[i]) | (y.i32[i] & ~z.i32[i]))],
  [14, 'i32x4.shuffle 0,2,4,6', 'i32', (x, y) => [x.i32[0], x.i32[2], y.i32[0], y.i32[2]]],
  [15, 'i16x8.max_s', 'i16', (x, y) => Array.from(x.i16, (v, i) => Math.max(v, y.i16[i]))],
  [16, 'i32x4.mul', 'i32', (x, y) => Array.from(x.i32, (v, i) => wrap32(BigInt(v) * BigInt(y.i32[i])))],
  [17, 'i32x4.shr_s', 'i32', (x, _y, _z, s) => Array.from(x.i32, (v) => v >> (s % 32)), [0, 1, 8, 15, 30, 31, 32, 33]],
  [18, 'i32x4.min_s', 'i32', (x, y) => Array.from(x.i32, (v, i) => Math.min(v, y.i32[i]))],
  [19, 'i32x4.max_s', 'i32', (x, y) => Array.from(x.i32, (v, i) => Math.max(v, y.i32[i]))],
  [20, 'i32x4.eq', 'i32', (x, y) => Array.from(x.i32, (v, i) => (v === y.i32[i] ? -1 : 0))],
  [21, 'i32x4.neg', 'i32', (x) => Array.from(x.i32, (v) => wrap32(-v))],
  [22, 'i64x2.extend_low_i32x4_s', 'i64', (x) => [BigInt(x.i32[0]), BigInt(x.i32[1])]],
  [23, 'i64x2.extend_high_i32x4_s', 'i64', (x) => [BigInt(x.i32[2]), BigInt(x.i32[3])]],
  [24, 'v128.load64_zero', 'i32', (x) => [x.i32[0], x.i32[1], 0, 0]],
  [25, 'i32x4.lt_s', 'i32', (x, y) => Array.from(x.i32, (v, i) => (v < y.i32[i] ? -1 : 0))],
  [26, 'v128.any_true', 'i32', (x) => new Array(4).fill(x.i32.some((v) => v !== 0) ? 1 : 0)],
  [27, 'i64x2.add', 'i64', (x, y) => [0, 1].map((i) => BigInt.asIntN(64, x.i64[i] + y.i64[i]))],
  [28, 'i32x4.add', 'i32', (x, y) => Array.from(x.i32, (v, i) => wrap32(v + y.i32[i]))],
  [29, 'i32x4.sub', 'i32', (x, y) => Array.from(x.i32, (v, i) => wrap32(v - y.i32[i]))],
  [30, 'v128.xor', 'i32', (x, y) => Array.from(x.i32, (v, i) => v ^ y.i32[i])],
  [31, 'i16x8.splat', 'i16', (_x, _y, _z, v) => new Array(8).fill(wrap32(v) << 16 >> 16), [0, -1, 32767, -32768, 65535, 70000]],
  [32, 'i32x4.replace_lane 2', 'i32', (x, _y, _z, v) => [x.i32[0], x.i32[1], v, x.i32[3]], [0, -2147483648, 2147483647]],
  [33, 'i32x4.extract_lane 3', 'i32', (x) => new Array(4).fill(x.i32[3])],
];

test('v128 builtins: known answers on extreme and random lanes', () => {
  const rng = new Lcg(31);
  let checks = 0;
  for (const [op, name, type, expect, imms] of cases) {
    for (const [a, b, c] of operands(rng, 40)) {
      for (const imm of imms ?? [0]) {
        const x = lanesOf(a), y = lanesOf(b), z = lanesOf(c);
        const got = Array.from(run(op, a, b, c, imm)[type] as ArrayLike<number | bigint>);
        assert.equal(got, expect(x, y, z, imm), `${name} imm=${imm} a=[${a}] b=[${b}]`);
        checks++;
      }
    }
  }
  assert.ok(checks > 1500);
});

test('v128.store64_lane writes 8 bytes and nothing else', () => {
  const a = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  u8().set(a, A);
  assert.is(k.t_kat(34, A, B, C, OUT, 0), 0);
  assert.equal(Array.from(u8().subarray(OUT, OUT + 16)), [...a.subarray(0, 8), ...new Array(8).fill(0xee)]);
});

test('the scalar test build has no SIMD probe', () => {
  const s = loadKernels(false);
  assert.is(s.t_kat(0, 0, 0, 0, 0, 0), -1);
});

function lanesOf(bytes: Uint8Array): Lanes {
  const b = bytes.slice().buffer;
  return { i8: new Int8Array(b), i16: new Int16Array(b), i32: new Int32Array(b), i64: new BigInt64Array(b) };
}

test.run();
