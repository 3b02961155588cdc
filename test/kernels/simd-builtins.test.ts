/**
 * Known-answer tests for every v128 builtin the SIMD build uses, with signed
 * and extreme lanes (assembly/testing.ts t_kat), so a runtime whose SIMD
 * disagrees with the spec shows up here first, not as a wrong decision.
 * Expected lanes are computed independently in TypeScript (BigInt for i64).
 * "Every" is checked, not claimed: the last test reads the engine's sources
 * (assembly/, but the test and profile builds) and fails on any v128 builtin,
 * or any i32x4.shuffle lane pattern, that has no known-answer case here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers/cli.js';
import { Lcg } from '../helpers/rng.js';
import { loadKernels, Mem } from '../helpers/wasm.js';

const k = loadKernels(true);
const mem = new Mem(k);
// A is 32 bytes (operand a, then operand c again) for the loads at an offset.
const A = mem.alloc(32), B = mem.alloc(16), C = mem.alloc(16), OUT = mem.alloc(16);
const u8 = () => new Uint8Array(k.memory.buffer);

type Lanes = { i8: Int8Array; i16: Int16Array; i32: Int32Array; i64: BigInt64Array };
function lanes(p: number): Lanes {
  const b = k.memory.buffer;
  return { i8: new Int8Array(b, p, 16), i16: new Int16Array(b, p, 8), i32: new Int32Array(b, p, 4), i64: new BigInt64Array(b, p, 2) };
}

const I16 = [-32768, -32767, -1, 0, 1, 32767];
const I32 = [-2147483648, -2147483647, -1, 0, 1, 2147483647];
const I64 = [-(2n ** 63n), -(2n ** 63n) + 1n, -1n, 0n, 1n, 2n ** 63n - 1n];
const wrap32 = (v: number | bigint) => Number(BigInt.asIntN(32, BigInt(v)));
const sat16 = (v: number) => Math.max(-32768, Math.min(32767, v));

/** Operand sets: extremes in every lane position, then random. */
function* operands(rng: Lcg, n: number): Generator<[Uint8Array, Uint8Array, Uint8Array]> {
  const fill16 = (f: (i: number) => number) => new Uint8Array(Int16Array.from({ length: 8 }, (_, i) => f(i)).buffer);
  const fill32 = (f: (i: number) => number) => new Uint8Array(Int32Array.from({ length: 4 }, (_, i) => f(i)).buffer);
  const fill64 = (f: (i: number) => bigint) => new Uint8Array(BigInt64Array.from({ length: 2 }, (_, i) => f(i)).buffer);
  for (let s = 0; s < 6; s++) {
    yield [fill16((i) => I16[(i + s) % 6]), fill16((i) => I16[(i * 5 + s) % 6]), fill32((i) => I32[(i + s) % 6])];
    yield [fill32((i) => I32[(i + s) % 6]), fill32((i) => I32[(i * 5 + s) % 6]), fill32((i) => I32[(i + 2 * s) % 6])];
    yield [fill64((i) => I64[(i + s) % 6]), fill64((i) => I64[(i * 5 + s) % 6]), fill64((i) => I64[(i + 3 + s) % 6])];
  }
  for (let t = 0; t < n; t++) {
    const r = () => Uint8Array.from({ length: 16 }, () => rng.int(0, 255));
    yield [r(), r(), r()];
  }
}

function run(op: number, a: Uint8Array, b: Uint8Array, c: Uint8Array, imm = 0): Lanes {
  u8().set(a, A); u8().set(c, A + 16); u8().set(b, B); u8().set(c, C);
  assert.is(k.t_kat(op, A, B, C, OUT, imm), 0, `t_kat(${op})`);
  return lanes(OUT);
}

type Check = (x: Lanes, y: Lanes, z: Lanes, imm: number) => number[] | bigint[];
type Case = [number, string, 'i16' | 'i32' | 'i64', Check, (readonly number[])?];
const cases: Case[] = [
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
  [35, 'i32x4.bitmask', 'i32', (x) => new Array(4).fill(Array.from(x.i32).reduce((m, v, i) => m | (v < 0 ? 1 << i : 0), 0))],
  [36, 'i32x4.ge_s', 'i32', (x, y) => Array.from(x.i32, (v, i) => (v >= y.i32[i] ? -1 : 0))],
  [37, 'i32x4.shl', 'i32', (x, _y, _z, s) => Array.from(x.i32, (v) => v << s), [0, 1, 2, 8, 16, 30, 31, 32, 33]],
  [38, 'i32x4.shr_u', 'i32', (x, _y, _z, s) => Array.from(x.i32, (v) => (v >>> s) | 0), [0, 1, 15, 16, 31, 32, 33]],
  [39, 'i64x2.shl', 'i64', (x, _y, _z, s) => Array.from(x.i64, (v) => BigInt.asIntN(64, v << BigInt(s % 64))), [0, 1, 16, 31, 32, 33, 62, 63, 64, 65]],
  [40, 'i64x2.splat', 'i64', (x) => [x.i64[0], x.i64[0]]],
  [41, 'i32x4.splat', 'i32', (_x, _y, _z, v) => new Array(4).fill(v), [0, -1, 1, -2147483648, 2147483647]],
  [42, 'v128.and', 'i32', (x, y) => Array.from(x.i32, (v, i) => v & y.i32[i])],
  [43, 'v128.andnot', 'i32', (x, y) => Array.from(x.i32, (v, i) => v & ~y.i32[i])],
  [58, 'i32x4.min_u', 'i32', (x, y) => Array.from(x.i32, (v, i) => ((v >>> 0) <= (y.i32[i] >>> 0) ? v : y.i32[i]))],
  // imm = 4·offset + lane: 4 bytes at a + offset (any alignment) into that lane of b.
  [44, 'v128.load32_lane', 'i32', (x, y, z, imm) => withLane(y.i32, imm & 3, at(x, z, imm >> 2).i32[0]),
    [0, 1, 2, 3, 5, 14, 27, 29, 48, 51]],
  // imm = 2·offset + lane: 8 bytes at a + offset into that lane of b.
  [45, 'v128.load64_lane', 'i64', (x, y, z, imm) => withLane(y.i64, imm & 1, at(x, z, imm >> 1).i64[0]), [0, 1, 2, 7, 10, 15, 16, 17]],
  [46, 'v128.load32_zero', 'i32', (x, _y, z, off) => [at(x, z, off).i32[0], 0, 0, 0], [0, 1, 5, 12]],
  [47, 'i32x4.extract_lane', 'i32', (x) => Array.from(x.i32)],
  [48, 'i64x2.extract_lane', 'i64', (x) => Array.from(x.i64)],
  [49, 'v128.load + v128.store', 'i32', (x, _y, z, off) => Array.from(at(x, z, off).i32), [0, 1, 7, 15, 16]],
  [50, 'i32x4()', 'i32', (_x, _y, _z, v) => (v ? [-2147483648, -1, 1, 2147483647] : [0, 1, 2, 3]), [0, 1]],
  ...([[51, 1, 3, 5, 7], [52, 2, 3, 0, 1], [53, 1, 0, 3, 2], [54, 0, 4, 1, 5], [55, 2, 6, 3, 7], [56, 0, 1, 4, 5], [57, 2, 3, 6, 7]] as const)
    .map(([op, ...lanes]): Case => [op, `i32x4.shuffle ${lanes.join(',')}`, 'i32', (x, y) => lanes.map((l) => [...x.i32, ...y.i32][l])]),
];

/** 16 bytes at `offset` of operand a followed by operand c (what t_kat's A holds), as lanes. */
function at(x: Lanes, z: Lanes, offset: number): Lanes {
  const bytes = new Uint8Array(32);
  bytes.set(new Uint8Array(x.i8.buffer, x.i8.byteOffset, 16));
  bytes.set(new Uint8Array(z.i8.buffer, z.i8.byteOffset, 16), 16);
  return lanesOf(bytes.subarray(offset, offset + 16));
}

function withLane<T extends number | bigint>(v: ArrayLike<T>, lane: number, value: T): T[] {
  const out = Array.from(v);
  out[lane] = value;
  return out;
}

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

/**
 * The v128 builtins the SIMD build compiles, read from its sources: every
 * `<lane type>.<op>` and lane-type constructor outside comments, in every
 * assembly/ file but the test and profile entry points (testing.ts calls
 * each builtin to probe it; profile.ts is a benchmark build). Shuffles are
 * keyed with their lane pattern, which is their semantics.
 */
function builtinsUsed(): Map<string, string[]> {
  const dir = join(repoRoot, 'assembly');
  const files = (function walk(d: string): string[] {
    return readdirSync(d).sort().flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : n.endsWith('.ts') ? [join(d, n)] : []));
  })(dir).filter((f) => !/^(testing|profile)\.ts$/.test(relative(dir, f)));
  const used = new Map<string, string[]>();
  const note = (key: string, file: string) => used.set(key, [...new Set([...(used.get(key) ?? []), relative(repoRoot, file)])]);
  for (const file of files) {
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const m of code.matchAll(/\b(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)(?:\.(\w+)(<\w+>)?|\s*\()/g)) {
      if (m[2] === undefined) note(`${m[1]}()`, file);
      else if (m[1] === 'i32x4' && m[2] === 'shuffle') {
        const lanes = /^\((?:[^;]*?),\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\s*\)/.exec(code.slice(m.index! + m[0].length));
        note(`i32x4.shuffle ${lanes ? lanes.slice(1).join(',') : '(lane pattern not read)'}`, file);
      } else note(`${m[1]}.${m[2]}${m[3] ?? ''}`, file);
    }
    for (const m of code.matchAll(/\b(load|store)<v128>/g)) note(`${m[1]}<v128>`, file);
  }
  return used;
}

/** Builtins a case name covers: "a + b" names two; a shuffle keeps its lane pattern. */
const covered = (name: string): string[] => name.split(' + ').map((n) => (n.startsWith('i32x4.shuffle') ? n : n.split(' ')[0]!));

test('every v128 builtin the SIMD build uses has a known-answer case here', () => {
  const used = builtinsUsed();
  assert.ok(used.size >= 40, `found only ${used.size} builtins: is the source scan broken?`);
  const known = new Set([...cases.map((c) => c[1]), 'v128.store64_lane'].flatMap(covered));
  const missing = [...used].filter(([b]) => !known.has(b)).map(([b, files]) => `${b} (${files.join(', ')})`);
  assert.equal(missing, [], `v128 builtins without a known-answer test: ${missing.join('; ')}`);
});

function lanesOf(bytes: Uint8Array): Lanes {
  const b = bytes.slice().buffer;
  return { i8: new Int8Array(b), i16: new Int16Array(b), i32: new Int32Array(b), i64: new BigInt64Array(b) };
}

test.run();
