/**
 * Every kernel, SIMD build against scalar build, bit for bit, and both
 * against the TypeScript reading of the spec (test/helpers/reference.ts):
 * random and edge-heavy inputs (saturating accumulators, all ±32767/-32768,
 * zero, extreme multipliers and shifts, odd sizes, cols not a multiple of
 * 16, zero rows) within what the blob validator guarantees.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { align16, align8, attnRecord, gemvRecord, gnnRecord, lnRecord, type GemvSpec, type GnnSpec } from '../helpers/kernel-records.js';
import {
  clamp16, elu, gemvRef, layerNorm, lut, rq, softmaxWeights, tableIndex,
} from '../helpers/reference.js';
import { Lcg } from '../helpers/rng.js';
import { kernelPair, Mem, type KernelExports } from '../helpers/wasm.js';

const [simd, scalar] = kernelPair();
const I32_MIN = -2147483648, I32_MAX = 2147483647;

function pick32(rng: Lcg): number {
  return rng.chance(0.3) ? rng.pick([I32_MIN, I32_MIN + 1, -1, 0, 1, I32_MAX - 1, I32_MAX, 1 << 30, -(1 << 30)]) : rng.i32();
}

function pick16(rng: Lcg, p = 0.2): number {
  return rng.chance(p) ? rng.pick([-32768, -32767, -1, 0, 1, 32766, 32767]) : rng.int(-32768, 32767);
}

/** i16 vector: random, all max, all min, or zero. */
function vec16(rng: Lcg, n: number): Int16Array {
  const mode = rng.int(0, 9);
  if (mode === 0) return new Int16Array(n).fill(32767);
  if (mode === 1) return new Int16Array(n).fill(-32768);
  if (mode === 2) return new Int16Array(n);
  return Int16Array.from({ length: n }, () => pick16(rng));
}

function expTable(rng: Lcg): Int32Array {
  if (rng.chance(0.5)) return Int32Array.from({ length: 513 }, (_, i) => Math.round(32768 * Math.exp(-i / 32)));
  const t = new Int32Array(513);
  t[0] = 32768;
  for (let i = 1; i < 513; i++) t[i] = rng.chance(0.1) ? t[i - 1] : rng.int(0, t[i - 1]);
  return t;
}

function eluTable(rng: Lcg): Int16Array {
  if (rng.chance(0.5)) return Int16Array.from({ length: 513 }, (_, i) => Math.round((Math.exp(-i / 64) - 1) * 4096));
  return Int16Array.from({ length: 513 }, () => pick16(rng));
}

/** Runs the same setup on both builds; returns [simd output, scalar output]. */
function both<T>(run: (k: KernelExports, mem: Mem) => T): [T, T] {
  return [simd, scalar].map((k) => {
    k.t_reset();
    return run(k, new Mem(k));
  }) as [T, T];
}

test('builds: the SIMD test build is SIMD, the other is not', () => {
  assert.is(simd.t_simd(), 1);
  assert.is(scalar.t_simd(), 0);
});

test('requant_gemv (eq. 2): 4-lane form == reference on edge accumulators, multipliers, shifts', () => {
  const rng = new Lcg(11);
  let cases = 0;
  for (const n of [0, 1, 3, 4, 5, 7, 8, 9, 17, 64]) {
    for (let t = 0; t < 40; t++) {
      const acc = Int32Array.from({ length: n }, () => pick32(rng));
      const mult = Int32Array.from({ length: n }, () => pick32(rng));
      const S = rng.chance(0.3) ? rng.pick([31, 32, 33, 62]) : rng.int(31, 62);
      const relu = rng.int(0, 1);
      const [a, b] = both((k, mem) => {
        const out = mem.alloc(n * 2);
        k.requant_gemv(mem.i32(acc), mem.i32(mult), n, S, relu, out);
        return mem.readI16(out, n);
      });
      const want = Array.from(acc, (v, r) => { const y = clamp16(rq(v, mult[r], S)); return relu ? Math.max(y, 0) : y; });
      assert.equal(a, b, `n=${n} S=${S}`);
      assert.equal(b, want, `n=${n} S=${S} vs reference`);
      cases++;
    }
  }
  assert.ok(cases >= 400);
});

test('requant_gemv: the one eq. (2) corner that leaves i32 (acc = M = -2^31, S = 31) saturates', () => {
  for (const n of [1, 4, 5]) {
    const acc = new Int32Array(n).fill(I32_MIN), mult = new Int32Array(n).fill(I32_MIN);
    const [a, b] = both((k, mem) => {
      const out = mem.alloc(n * 2);
      k.requant_gemv(mem.i32(acc), mem.i32(mult), n, 31, 0, out);
      return mem.readI16(out, n);
    });
    assert.equal(a, new Array(n).fill(32767));
    assert.equal(b, a);
  }
});

test('residual (eqs. 14, 16): exact sum, SIMD == scalar == reference', () => {
  const rng = new Lcg(12);
  for (const n of [0, 1, 7, 8, 9, 16, 24, 31, 512]) {
    for (let t = 0; t < 30; t++) {
      const x = vec16(rng, n), a = vec16(rng, n);
      const M = pick32(rng), S = rng.chance(0.3) ? rng.pick([1, 2, 31, 32, 62]) : rng.int(1, 62);
      const [p, q] = both((k, mem) => {
        const out = mem.alloc(n * 2);
        k.residual(mem.i16(x), M, S, mem.i16(a), n, out);
        return mem.readI16(out, n);
      });
      assert.equal(p, q, `n=${n} M=${M} S=${S}`);
      assert.equal(q, Array.from(x, (xi, i) => clamp16(rq(xi, M, S) + a[i])));
    }
  }
});

test('residual: every shift with small, power-of-two and largest multipliers (the SIMD form\'s normalised multiplier, its pre-scale limit S\' >= 17 and the S\' >= 63 zero case), extreme lanes', () => {
  const rng = new Lcg(13);
  const x = Int16Array.from([-32768, -32767, -1, 0, 1, 32767, -32768, 32767, ...vec16(rng, 9)]);
  const a = Int16Array.from([-32768, 32767, -1, 0, 1, -32768, 32767, 0, ...vec16(rng, 9)]);
  const n = x.length;
  for (const M of [1, 2, 3, 255, 1 << 15, (1 << 15) + 1, 1 << 30, 1619313433, 2147483647, -1, -(1 << 30), -2147483648, 0]) {
    for (let S = 1; S <= 62; S++) {
      const [p, q] = both((k, mem) => {
        const out = mem.alloc(n * 2);
        k.residual(mem.i16(x), M, S, mem.i16(a), n, out);
        return mem.readI16(out, n);
      });
      assert.equal(p, q, `M=${M} S=${S}`);
      assert.equal(q, Array.from(x, (xi, i) => clamp16(rq(xi, M, S) + a[i])), `M=${M} S=${S} vs reference`);
    }
  }
});

function randomGemv(rng: Lcg, rows: number, cols: number): GemvSpec {
  const stride = align16(cols);
  const W = new Int8Array(rows * stride);
  const wmode = rng.int(0, 5);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) W[r * stride + c] = wmode === 0 ? 127 : wmode === 1 ? -128 : rng.int(-128, 127);
  }
  const big = rng.chance(0.3);
  return {
    rows, cols, W,
    bias: Int32Array.from({ length: rows }, () => (big ? pick32(rng) : rng.int(-100000, 100000))),
    mult: Int32Array.from({ length: rows }, () => (rng.chance(0.2) ? pick32(rng) : rng.int(1 << 20, 1 << 26))),
    shift: rng.chance(0.3) ? rng.pick([31, 32, 62]) : rng.int(31, 48),
    relu: rng.int(0, 1),
  };
}

test('gemv (eq. 5): SIMD == scalar == reference; odd sizes, zero rows, saturation, garbage past cols', () => {
  const rng = new Lcg(13);
  let cases = 0;
  for (const rows of [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 24, 33, 72]) {
    for (const cols of [1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100, 128]) {
      for (let t = 0; t < 3; t++) {
        const g = randomGemv(rng, rows, cols);
        const x = vec16(rng, cols);
        // Inputs past `cols` (up to stride) hold garbage: the zero padding must cancel it.
        const xs = Int16Array.from({ length: align16(cols) }, (_, i) => (i < cols ? x[i] : rng.int(-32768, 32767)));
        const [a, b] = both((k, mem) => {
          const y = mem.alloc(rows * 2);
          k.gemv(gemvRecord(mem, g), mem.i16(xs), y);
          return mem.readI16(y, rows);
        });
        assert.equal(a, b, `rows=${rows} cols=${cols}`);
        assert.equal(b, gemvRef(g.W, g.bias, g.mult, g.shift, g.relu === 1, rows, cols, x), `rows=${rows} cols=${cols} vs reference`);
        cases++;
      }
    }
  }
  assert.ok(cases >= 500);
});

function randomGnn(rng: Lcg, H: number, N: number, dense: boolean): GnnSpec {
  const subset = (k: number) => {
    const all = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) { const j = rng.int(0, i); [all[i], all[j]] = [all[j], all[i]]; }
    return all.slice(0, k);
  };
  const dx = subset(rng.int(0, N));
  const row = [0], col: number[] = [];
  for (let i = 0; i < dx.length; i++) {
    const deg = rng.chance(0.1) ? rng.int(5, 40) : rng.int(1, 4);
    for (let e = 0; e < deg; e++) col.push(rng.int(0, N - 1));
    row.push(col.length);
  }
  const wild = rng.chance(0.3);
  return {
    N, H,
    bnMult: Int32Array.from({ length: H }, () => (wild ? pick32(rng) : rng.int(1 << 20, 1 << 24))),
    bnBias: Int32Array.from({ length: H }, () => (wild ? pick32(rng) : rng.int(-4000, 4000))),
    bnShift: wild ? rng.int(1, 62) : rng.int(30, 40),
    eluMult: wild ? pick32(rng) : rng.int(1 << 29, 1 << 30),
    eluShift: wild ? rng.int(1, 62) : rng.int(27, 29),
    eluTable: eluTable(rng),
    dy: Int32Array.from(subset(rng.int(0, N))), dx: Int32Array.from(dx), row: Int32Array.from(row), col: Int32Array.from(col),
    rmean: Int32Array.from(dx, (_, i) => (rng.chance(0.3) ? rng.pick([1, 32768, rng.int(1, 32768)]) : Math.round(32768 / (row[i + 1] - row[i])))),
    gemv: dense ? randomGemv(rng, H, H) : undefined,
  };
}

/** eqs. (7)-(9) by the reference, on node rows of Y, into a copy of X. */
function gnnRef(g: GnnSpec, Y: Int16Array, X: Int16Array): number[] {
  const out = Array.from(X);
  g.dx.forEach((v, i) => {
    for (let c = 0; c < g.H; c++) {
      let sum = 0;
      for (let e = g.row[i]; e < g.row[i + 1]; e++) sum += Y[g.col[e] * g.H + c];
      sum |= 0;
      const mean = clamp16(Number((BigInt(sum) * BigInt(g.rmean[i]) + 16384n) >> 15n));
      const z = (rq(Y[v * g.H + c] * mean, g.bnMult[c], g.bnShift) + g.bnBias[c]) | 0;
      out[v * g.H + c] = elu(z, g.eluMult, g.eluShift, g.eluTable);
    }
  });
  return out;
}

test('gnn_aggregate (eqs. 7-9): SIMD == scalar == reference for H = 8..64, extreme BN/ELU parameters', () => {
  const rng = new Lcg(14);
  let cases = 0;
  for (const H of [8, 16, 32, 64]) {
    for (let t = 0; t < 80; t++) {
      const N = rng.int(3, 24);
      const g = randomGnn(rng, H, N, false);
      const Y = vec16(rng, N * H), X = vec16(rng, N * H);
      const [a, b] = both((k, mem) => {
        const x = mem.i16(X);
        k.gnn_aggregate(gnnRecord(mem, g), mem.i16(Y), x);
        return mem.readI16(x, N * H);
      });
      assert.equal(a, b, `H=${H} N=${N} t=${t}`);
      assert.equal(b, gnnRef(g, Y, X), `H=${H} N=${N} t=${t} vs reference`);
      cases++;
    }
  }
  assert.ok(cases >= 300);
});

test('gnn_dense (eq. 6): SIMD (H = 8 register-resident W) == scalar == reference', () => {
  const rng = new Lcg(15);
  for (const H of [8, 8, 16, 32]) {
    for (let t = 0; t < 60; t++) {
      const N = rng.int(3, 20);
      const g = randomGnn(rng, H, N, true);
      const Xp = vec16(rng, N * H), Y = vec16(rng, N * H);
      const [a, b] = both((k, mem) => {
        const y = mem.i16(Y);
        k.gnn_dense(gnnRecord(mem, g), mem.i16(Xp), y);
        return mem.readI16(y, N * H);
      });
      const want = Array.from(Y);
      const w = g.gemv!;
      for (const v of g.dy) {
        gemvRef(w.W, w.bias, w.mult, w.shift, w.relu === 1, H, H, Xp.subarray(v * H, (v + 1) * H)).forEach((yv, c) => { want[v * H + c] = yv; });
      }
      assert.equal(a, b, `H=${H} t=${t}`);
      assert.equal(b, want, `H=${H} t=${t} vs reference`);
    }
  }
});

test('attention (eqs. 11-13): SIMD == scalar == reference; heads × head_dim, A not a multiple of 8, extreme scales', () => {
  const rng = new Lcg(16);
  let cases = 0;
  for (const [D, heads] of [[8, 1], [8, 8], [16, 4], [24, 8], [24, 3], [64, 2], [40, 5]]) {
    for (let t = 0; t < 30; t++) {
      // A = 1 (and the wild scales) give a head whose one slot takes all the weight, w = 2^15.
      const A = t === 0 ? 1 : rng.chance(0.2) ? rng.pick([1, 7, 8, 9, 256]) : rng.int(1, 40);
      const stride = align8(A), hd = D / heads;
      const q = vec16(rng, D);
      const K = Array.from({ length: A }, () => vec16(rng, D)), V = Array.from({ length: A }, () => vec16(rng, D));
      const KT = new Int16Array(D * stride), VT = new Int16Array(D * stride);
      for (let j = 0; j < A; j++) for (let i = 0; i < D; i++) { KT[i * stride + j] = K[j][i]; VT[i * stride + j] = V[j][i]; }
      const wild = rng.chance(0.3);
      const spec = {
        heads, headDim: hd, A, exp: expTable(rng),
        AM: wild ? pick32(rng) : rng.int(1 << 20, 1 << 28), AS: wild ? rng.int(1, 62) : rng.pick([rng.int(28, 31), rng.int(32, 50)]),
      };
      const [a, b] = both((k, mem) => {
        const o = mem.alloc(D * 2);
        k.attention(attnRecord(mem, spec), mem.i16(q), mem.i16(KT), mem.i16(VT), o);
        return mem.readI16(o, D);
      });
      const want = new Array(D).fill(0);
      for (let h = 0; h < heads; h++) {
        const lanes = Array.from({ length: hd }, (_, x) => h * hd + x);
        const sc = K.map((k) => lanes.reduce((s, i) => s + q[i] * k[i], 0) | 0);
        const mx = Math.max(...sc);
        const w = softmaxWeights(sc.map((s) => lut(spec.exp, tableIndex(rq(Math.min(mx - s, I32_MAX), spec.AM, spec.AS)))));
        for (const i of lanes) want[i] = clamp16(Math.floor((V.reduce((s, v, j) => s + w[j] * v[i], 0) + 16384) / 32768));
      }
      assert.equal(a, b, `D=${D} heads=${heads} A=${A}`);
      assert.equal(b, want, `D=${D} heads=${heads} A=${A} vs reference`);
      cases++;
    }
  }
  assert.ok(cases >= 200);
});

test('layernorm (eq. 15): SIMD == scalar == reference; flat inputs, extreme EPS and multipliers', () => {
  const rng = new Lcg(17);
  for (const D of [8, 16, 24, 64, 512]) {
    for (let t = 0; t < 40; t++) {
      const r = t % 7 === 0 ? new Int16Array(D).fill(rng.int(-32768, 32767)) : vec16(rng, D);
      const wild = rng.chance(0.3);
      const eps = rng.chance(0.2) ? rng.pick([1n, (1n << 62n) - 1n, 1n << 40n]) : BigInt(rng.int(1, 1 << 30));
      const spec = {
        D, eps, shift: wild ? rng.int(1, 62) : rng.int(40, 50),
        mult: Int32Array.from({ length: D }, () => (wild ? pick32(rng) : rng.int(1 << 26, 1 << 28))),
        bias: Int32Array.from({ length: D }, () => (wild ? pick32(rng) : rng.int(-3000, 3000))),
      };
      const [a, b] = both((k, mem) => {
        const y = mem.alloc(D * 2);
        k.layernorm(lnRecord(mem, spec), mem.i16(r), y);
        return mem.readI16(y, D);
      });
      assert.equal(a, b, `D=${D} t=${t}`);
      assert.equal(b, layerNorm(r, spec.mult, spec.bias, spec.shift, eps), `D=${D} t=${t} vs reference`);
    }
  }
});

test('softmax_probs (eq. 17): SIMD == scalar == reference for C = 2..64, ties take the first index', () => {
  const rng = new Lcg(18);
  for (let C = 2; C <= 64; C++) {
    for (let t = 0; t < 12; t++) {
      const logits = t === 0 ? new Int16Array(C).fill(5) : vec16(rng, C);
      const T = expTable(rng);
      const wild = rng.chance(0.3);
      const PM = wild ? pick32(rng) : rng.int(1 << 28, 1 << 30), PS = wild ? rng.int(1, 62) : rng.int(26, 34);
      const [a, b] = both((k, mem) => {
        const probs = mem.alloc(C * 4);
        const idx = k.softmax_probs(mem.i16(logits), C, PM, PS, mem.i32(T), probs);
        return { idx, probs: mem.readI32(probs, C) };
      });
      const mx = Math.max(...logits);
      assert.equal(a, b, `C=${C}`);
      assert.is(b.idx, Array.from(logits).indexOf(mx));
      assert.equal(b.probs, softmaxWeights(Array.from(logits, (l) => lut(T, tableIndex(rq(mx - l, PM, PS))))), `C=${C} vs reference`);
    }
  }
});

test('lut_i32 / lut_i16 (eq. 3): 4-lane gathers == scalar == reference on edge indices', () => {
  const rng = new Lcg(19);
  const us = [I32_MIN, -65536, -1, 0, 1, 255, 256, 257, 131071, 131072, 131073, I32_MAX];
  for (let t = 0; t < 40; t++) {
    const n = rng.int(0, 70);
    const u = Int32Array.from({ length: n }, (_, i) => (i < us.length && t === 0 ? us[i] : rng.chance(0.2) ? rng.pick(us) : rng.int(-1000, 140000)));
    const T32 = expTable(rng), T16 = eluTable(rng);
    const [a, b] = both((k, mem) => {
      const o32 = mem.alloc(n * 4), o16 = mem.alloc(n * 4);
      const pu = mem.i32(u);
      k.lut_i32(mem.i32(T32), pu, n, o32);
      k.lut_i16(mem.i16(T16), pu, n, o16);
      return [mem.readI32(o32, n), mem.readI32(o16, n)];
    });
    assert.equal(a, b);
    assert.equal(b[0], Array.from(u, (x) => lut(T32, tableIndex(x))));
    assert.equal(b[1], Array.from(u, (x) => lut(T16, tableIndex(x))));
  }
});

test.run();
