/**
 * Golden tests of the scalar primitives (docs/fixed-point.md eqs. 1, 3, 4,
 * 15's inverse) in both builds, against BigInt and double references on
 * edge-heavy inputs: every power of two with ±1, ±2, INT32_MIN/MAX and
 * neighbours, ~1000 seeded LCG values. Also the validator's CRC-32 and UTF-8
 * check against src/blob/crc32.ts and TextDecoder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 } from '../../src/blob/crc32.js';
import { isqrt, lut, rq, tableIndex } from '../helpers/reference.js';
import { edgeI32, Lcg } from '../helpers/rng.js';
import { kernelPair, Mem } from '../helpers/wasm.js';

const builds = kernelPair();
const SHIFTS = [1, 2, 3, 14, 15, 16, 30, 31, 32, 33, 40, 47, 61, 62];

test('rq (eq. 1): exact against BigInt, within half a step of the real product, both builds', () => {
  const rng = new Lcg(21);
  const as = edgeI32(rng, 300), ms = edgeI32(rng, 60);
  let n = 0;
  for (const a of as) {
    for (let t = 0; t < 12; t++) {
      const M = ms[(n * 7 + t) % ms.length], S = SHIFTS[(n + t) % SHIFTS.length];
      const want = rq(a, M, S);
      for (const k of builds) assert.is(k.t_rq(BigInt(a), M, S), want, `rq(${a}, ${M}, ${S})`);
      const real = (a * M) / 2 ** S; // a·M < 2^62: the double quotient is within 2^-9 of exact here
      if (Math.abs(real) < 2 ** 30) assert.ok(Math.abs(want - real) <= 0.5 + 1e-6, `rq(${a}, ${M}, ${S}) = ${want}, real ${real}`);
      n++;
    }
  }
  assert.ok(n >= 4000);
});

test('rq: ties go toward +inf, one rounding', () => {
  for (const k of builds) {
    assert.is(k.t_rq(1n, 1, 1), 1); //   0.5 -> 1
    assert.is(k.t_rq(-1n, 1, 1), 0); //  -0.5 -> 0
    assert.is(k.t_rq(3n, 1, 1), 2); //   1.5 -> 2
    assert.is(k.t_rq(-3n, 1, 1), -1); // -1.5 -> -1
    assert.is(k.t_rq(-5n, 3, 4), -1); // -15/16 -> -1 (no tie)
    assert.is(k.t_rq(-8n, 1, 4), 0); //  -0.5 -> 0
    assert.is(k.t_rq(24n, 1, 4), 2); //  1.5 -> 2
    for (const S of [31, 62]) {
      // a·M = k·2^S + 2^(S-1): exact ties at large shifts.
      assert.is(k.t_rq(1n << BigInt(S - 1), 1, S), 1);
      assert.is(k.t_rq(-(1n << BigInt(S - 1)), 1, S), 0);
    }
  }
});

test('rq: i64 inputs (LayerNorm n_i = ±2^31) and clamp32 saturation', () => {
  for (const k of builds) {
    assert.is(k.t_rq(1n << 31n, 2147483647, 1), 2147483647);
    assert.is(k.t_rq(-(1n << 31n), 2147483647, 1), -2147483648);
    assert.is(k.t_rq(1n << 31n, -2147483648, 62), rq(1n << 31n, -2147483648, 62));
    assert.is(k.t_rq(-2147483648n, -2147483648, 31), 2147483647); // eq. (2) corner: 2^31 saturates
    assert.is(k.t_clamp32(1n << 40n), 2147483647);
    assert.is(k.t_clamp32(-(1n << 40n)), -2147483648);
  }
});

test('lut (eq. 3): both tables, every u of interest, against the definition', () => {
  const rng = new Lcg(22);
  const mem = builds.map((k) => new Mem(k));
  const exp = Int32Array.from({ length: 513 }, (_, i) => Math.round(32768 * Math.exp(-i / 32)));
  const elu = Int16Array.from({ length: 513 }, () => rng.int(-32768, 32767));
  const T = mem.map((m) => [m.i32(exp), m.i16(elu)]);
  const us = [...edgeI32(rng, 0).filter((u) => Math.abs(u) <= 1 << 18), -1, 0, 131071, 131072, 131073, -2147483648, 2147483647];
  for (let i = 0; i < 1000; i++) us.push(rng.int(-10, 131082));
  for (const u of us) {
    const i = tableIndex(u);
    builds.forEach((k, b) => {
      assert.is(k.t_lut32(T[b][0], u), lut(exp, i), `EXP u=${u}`);
      assert.is(k.t_lut16(T[b][1], u), lut(elu, i), `ELU u=${u}`);
    });
  }
  // exp(-x) in Q15 from the table against the double: linear interpolation over
  // steps of 1/32 is within h²/8 = 1.22e-4 relative, plus 1.5 units of rounding.
  builds.forEach((k, b) => {
    for (let u = 0; u <= 131072; u += 97) {
      const e = 32768 * Math.exp(-u / 256 / 32);
      assert.ok(Math.abs(k.t_lut32(T[b][0], u) - e) <= 1.5 + 1.23e-4 * e, `exp at u=${u}`);
    }
  });
});

test('table index tableIndex(rq(a, M, S)), a >= 0: the SIMD lane form (indexPrep: normalised M, cap, pre-scale) == BigInt, every shift; a = 2^31 read unsigned is clamp32', () => {
  const rng = new Lcg(25);
  const as = edgeI32(rng, 200).filter((a) => a >= 0);
  const ms = [...edgeI32(rng, 40), 1 << 30, (1 << 30) + 1, 1919825134, 1077666564];
  let n = 0;
  for (const M of ms) {
    for (let S = 1; S <= 62; S++) {
      // Around the exact saturation threshold ceil((2^17·2^S - 2^(S-1)) / M), where the clamp matters.
      const extra: number[] = [];
      if (M > 0) {
        const t = Number(((1n << BigInt(17 + S)) - (1n << BigInt(S - 1)) + BigInt(M) - 1n) / BigInt(M));
        for (const d of [-2, -1, 0, 1, 2, 1000]) if (t + d >= 0 && t + d <= 2147483647) extra.push(t + d);
      }
      for (const a of [...as.filter((_, i) => (i + S) % 7 === 0), ...extra]) {
        const want = tableIndex(rq(a, M, S));
        for (const k of builds) assert.is(k.t_rq_index(a, M, S), want, `tableIndex(rq(${a}, ${M}, ${S}))`);
        n++;
      }
      // The lane form reads a unsigned: the wrapped -(-2^31) is 2^31, which clamp32 makes 2^31 - 1.
      const simd = builds.find((k) => k.t_simd());
      if (simd) assert.is(simd.t_rq_index(-2147483648, M, S), tableIndex(rq(2147483647, M, S)), `a = 2^31, M = ${M}, S = ${S}`);
    }
  }
  assert.ok(n >= 20000, `${n} cases`);
});

test('isqrt (eq. 4): floor(sqrt(v)) exactly for 0 <= v < 2^63', () => {
  const rng = new Lcg(23);
  const vs: bigint[] = [0n, 1n, 2n, 3n, 4n, (1n << 63n) - 1n];
  for (let k = 0n; k < 63n; k++) for (const d of [-2n, -1n, 0n, 1n, 2n]) { const v = (1n << k) + d; if (v >= 0n && v < 1n << 63n) vs.push(v); }
  for (let k = 0; k < 200; k++) { const r = BigInt(rng.int(0, 2 ** 31)) * BigInt(rng.int(1, 4)); for (const d of [-1n, 0n, 1n]) { const v = r * r + d; if (v >= 0n && v < 1n << 63n) vs.push(v); } }
  for (let k = 0; k < 1000; k++) vs.push((BigInt(rng.u32()) << 31n) | BigInt(rng.u32() >>> 1));
  for (const v of vs) for (const k of builds) assert.is(k.t_isqrt(v), isqrt(v), `isqrt(${v})`);
  assert.ok(vs.length >= 1000);
});

test('LayerNorm inverse (eq. 15): inv = floor(2^(31+b) / σ) with u64 division, b = bitlen(σ)', () => {
  const rng = new Lcg(24);
  const cases: [bigint, bigint][] = [[0n, 1n], [0n, (1n << 62n) - 1n], [(1n << 59n), (1n << 62n) - 1n], [3n, 1n]];
  for (let k = 0; k < 500; k++) cases.push([BigInt(rng.int(0, 2 ** 31)) * BigInt(rng.int(0, 2 ** 28)), BigInt(rng.int(1, 2 ** 31))]);
  for (const [V, eps] of cases) {
    const sigma = isqrt(V + eps);
    const b = sigma.toString(2).length;
    const inv = (1n << BigInt(31 + b)) / sigma;
    for (const k of builds) {
      assert.is(k.t_ln_inverse(V, eps), inv, `V=${V} eps=${eps}`);
      assert.is(k.t_ln_bits(), b);
    }
  }
});

test('validator helpers: CRC-32 == src/blob/crc32.ts, UTF-8 check == TextDecoder fatal', () => {
  const rng = new Lcg(25);
  const dec = new TextDecoder('utf-8', { fatal: true });
  const crafted = [
    [0x41], [0xc2, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80],
    [0xef, 0xbb, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80, 0x80, 0x80], [0xff], [0x80], [0xe2, 0x82], [0xe2, 0x82, 0xac], [0xc3], [0x00],
  ];
  const inputs = [...crafted.map((c) => Uint8Array.from(c))];
  for (let i = 0; i < 2000; i++) {
    const n = rng.int(0, 12);
    inputs.push(Uint8Array.from({ length: n }, () => (rng.chance(0.5) ? rng.int(0x80, 0xff) : rng.pick([0x41, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0x80, 0xbf, 0x90, 0xa0]))));
  }
  let valid = 0;
  for (const b of inputs) {
    let ok = 1;
    try { dec.decode(b); } catch { ok = 0; }
    valid += ok;
    for (const k of builds) {
      k.t_reset();
      const p = new Mem(k).u8(b);
      assert.is(k.t_utf8(p, b.length), ok, `utf8 [${Array.from(b, (x) => x.toString(16))}]`);
      assert.is(k.t_crc32(p, b.length) >>> 0, crc32(b));
    }
  }
  assert.ok(valid > 50 && valid < inputs.length - 50, `both outcomes exercised (${valid} valid)`);
});

test.run();
