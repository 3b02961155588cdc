/**
 * Hostile blobs into pce_init, in both builds: more than 10,000 mutations of
 * valid random blobs (byte flips, truncations, extensions, field overwrites
 * with extreme values, record swaps, zero-length tensors), most with the CRC
 * recomputed so the checks behind it run. Each must return 0 or an error
 * code without trapping, both builds must return the same code, and the Wasm
 * validator must accept exactly what the TS reader (src/blob/reader.ts)
 * accepts. Accepted mutants then run packets: no trap, SIMD == scalar,
 * streaming == recompute.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBlob, instantiateEngine, type EngineExports } from '../src/engine.js';
import { DIR_HEADER_BYTES, DIR_RECORD_BYTES, HEADER_BYTES, SECTION_ENTRY_BYTES, Section } from '../src/blob/constants.js';
import { crc32 } from '../src/blob/crc32.js';
import { BlobError } from '../src/blob/model.js';
import { readBlob } from '../src/blob/reader.js';
import { DEFAULT_DIMS, randomBlob } from './helpers/random-blob.js';
import { Lcg } from './helpers/rng.js';

interface Field { at: number; size: 2 | 4; }

/** Byte positions of every structural field of a valid blob, and of data words worth hitting. */
function fieldsOf(blob: Uint8Array): { fields: Field[]; records: { dir: number; at: number }[] } {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const fields: Field[] = [{ at: 4, size: 2 }, { at: 6, size: 2 }];
  for (let o = 8; o < HEADER_BYTES; o += 4) fields.push({ at: o, size: 4 });
  const records: { dir: number; at: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const e = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    for (let o = 0; o < 16; o += 4) fields.push({ at: e + o, size: 4 });
    const kind = dv.getUint32(e, true), at = dv.getUint32(e + 4, true), len = dv.getUint32(e + 8, true);
    if (kind === Section.DIMS) for (let o = 0; o < len; o += 4) fields.push({ at: at + o, size: 4 });
    if (kind === Section.NAMES) {
      fields.push({ at, size: 4 });
      let p = at + 4;
      while (p + 2 <= at + len) { fields.push({ at: p, size: 2 }); p += 2 + dv.getUint16(p, true); }
    }
    if (kind === Section.TOPOLOGY || kind === Section.TENSORS || kind === Section.TABLES) {
      const count = dv.getUint32(at, true);
      for (let o = 0; o < DIR_HEADER_BYTES; o += 4) fields.push({ at: at + o, size: 4 });
      for (let r = 0; r < count; r++) {
        const rec = at + DIR_HEADER_BYTES + r * DIR_RECORD_BYTES;
        records.push({ dir: at, at: rec });
        fields.push({ at: rec, size: 4 }, { at: rec + 4, size: 2 }, { at: rec + 6, size: 2 }, { at: rec + 8, size: 4 }, { at: rec + 12, size: 4 });
        const off = at + dv.getUint32(rec + 8, true), n = dv.getUint32(rec + 12, true), dtype = dv.getUint16(rec + 4, true);
        if (dtype === 3) for (let k = 0; k < Math.min(n, 24); k++) fields.push({ at: off + 4 * k, size: 4 }); // shifts, flags, topology, EXP head
        if (dtype === 3 && n > 24) fields.push({ at: off + 4 * (n - 1), size: 4 });
      }
    }
  }
  return { fields, records };
}

function fixCrc(b: Uint8Array): void {
  if (b.length >= HEADER_BYTES) new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(12, crc32(b, HEADER_BYTES), true);
}

function extreme(rng: Lcg, orig: number, total: number): number {
  return rng.pick([
    0, 1, 2, 3, 0xffffffff, 0x7fffffff, 0x80000000, 0x80000001, 16, 17, 31, 32, 62, 63, 64, 255, 256, 512, 513, 4096,
    32768, 32769, 65535, 65536, 1 << 24, total, total - 16, total + 16, orig + 1, orig - 1, orig + 16, orig ^ 1,
    rng.u32(), rng.int(0, 300),
  ]) >>> 0;
}

function mutate(rng: Lcg, base: Uint8Array, info: ReturnType<typeof fieldsOf>, kind: number): Uint8Array {
  let b = base.slice();
  const dv = () => new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (kind) {
    case 0: // byte flips anywhere, CRC left as is
    case 1: { // byte flips anywhere, CRC recomputed
      for (let k = rng.int(1, 3); k > 0; k--) b[rng.int(0, b.length - 1)] ^= rng.int(1, 255);
      if (kind === 1) fixCrc(b);
      return b;
    }
    case 2: { // truncation, sometimes with a consistent total_length and CRC
      const len = rng.chance(0.5) ? rng.int(0, b.length - 1) : Math.max(0, b.length - 16 * rng.int(1, 8));
      b = b.slice(0, len);
      if (rng.chance(0.6) && len >= HEADER_BYTES) { dv().setUint32(8, len, true); fixCrc(b); }
      return b;
    }
    case 3: { // extension with zeros or noise, total_length and CRC fixed; sometimes the last section grows into it
      const extra = 16 * rng.int(1, 4);
      const c = new Uint8Array(b.length + extra);
      c.set(b);
      if (rng.chance(0.5)) for (let i = b.length; i < c.length; i++) c[i] = rng.int(0, 255);
      b = c;
      dv().setUint32(8, b.length, true);
      if (rng.chance(0.5)) dv().setUint32(HEADER_BYTES + 4 * SECTION_ENTRY_BYTES + 8, dv().getUint32(HEADER_BYTES + 4 * SECTION_ENTRY_BYTES + 8, true) + rng.int(1, extra), true);
      fixCrc(b);
      return b;
    }
    case 4: { // one structural field overwritten with an extreme value, CRC fixed
      for (let k = rng.chance(0.8) ? 1 : 2; k > 0; k--) {
        const f = rng.pick(info.fields);
        if (f.size === 2) dv().setUint16(f.at, extreme(rng, dv().getUint16(f.at, true), b.length) & 0xffff, true);
        else dv().setUint32(f.at, extreme(rng, dv().getUint32(f.at, true), b.length), true);
      }
      fixCrc(b);
      return b;
    }
    case 5: { // two records of one directory swapped (record order matters only for equal offsets)
      const r1 = rng.pick(info.records);
      const same = info.records.filter((r) => r.dir === r1.dir);
      const r2 = rng.pick(same);
      const t = b.slice(r1.at, r1.at + 16);
      b.copyWithin(r1.at, r2.at, r2.at + 16);
      b.set(t, r2.at);
      fixCrc(b);
      return b;
    }
    case 6: { // a tensor made empty, or moved onto its neighbour's offset
      const r1 = rng.pick(info.records), r2 = rng.pick(info.records.filter((r) => r.dir === r1.dir));
      if (rng.chance(0.5)) dv().setUint32(r1.at + 12, 0, true);
      if (rng.chance(0.7)) dv().setUint32(r1.at + 8, dv().getUint32(r2.at + 8, true), true);
      fixCrc(b);
      return b;
    }
    case 7: { // a record's id replaced by another record's (any directory): duplicates, wrong sections
      const r1 = rng.pick(info.records), r2 = rng.pick(info.records);
      dv().setUint32(r1.at, dv().getUint32(r2.at, true), true);
      fixCrc(b);
      return b;
    }
    default: { // random aligned u32 anywhere, CRC fixed
      const at = rng.int(0, (b.length >> 2) - 1) * 4;
      dv().setUint32(at, rng.chance(0.5) ? rng.u32() : extreme(rng, dv().getUint32(at, true), b.length), true);
      fixCrc(b);
      return b;
    }
  }
}

function tsAccepts(b: Uint8Array): boolean {
  try {
    readBlob(b);
    return true;
  } catch (e) {
    if (e instanceof BlobError) return false;
    throw new Error(`the TS reader threw ${(e as Error)?.name}: ${(e as Error)?.message} (not a BlobError)`);
  }
}

function wasmInit(x: EngineExports, b: Uint8Array, what: string): number {
  try {
    return initBlob(x, b);
  } catch (e) {
    throw new Error(`${what}: pce_init trapped: ${(e as Error).message}`);
  }
}

test('>= 10,000 mutated blobs: no trap, same code in both builds, Wasm validator == TS reader', async () => {
  const simd = await instantiateEngine(true), scalar = await instantiateEngine(false);
  const rng = new Lcg(51);
  const bases = [
    randomBlob(rng), randomBlob(rng), randomBlob(rng, { hostile: true }), randomBlob(rng, { hostile: true }),
    randomBlob(rng, { dims: { M: 2, L: 3, A: 5, nodes: [3, 6] } }), randomBlob(rng, { dims: { ...DEFAULT_DIMS, A: 4 } }),
  ].map((x) => ({ ...x, info: fieldsOf(x.blob) }));
  const plan = [1500, 3000, 1000, 300, 4000, 400, 600, 300, 1000]; // per mutation kind 0..8
  const codes = new Map<number, number>();
  let total = 0, accepted = 0, ran = 0;
  for (let kind = 0; kind < plan.length; kind++) {
    for (let i = 0; i < plan[kind]; i++) {
      const base = bases[(i + kind) % bases.length];
      const b = mutate(rng, base.blob, base.info, kind);
      const what = `mutation kind ${kind} #${i}`;
      const ts = tsAccepts(b);
      const a = wasmInit(simd, b, `${what} (simd)`), c = wasmInit(scalar, b, `${what} (scalar)`);
      assert.is(a, c, `${what}: SIMD code ${a} != scalar code ${c}`);
      assert.is(a === 0, ts, `${what}: Wasm code ${a}, TS reader ${ts ? 'accepts' : 'rejects'}`);
      codes.set(a, (codes.get(a) ?? 0) + 1);
      total++;
      if (a !== 0) continue;
      accepted++;
      const model = readBlob(b);
      if (ran++ % 4 !== 0) continue; // run packets through a quarter of the accepted mutants
      for (let p = 0; p < 3; p++) {
        const q = Int16Array.from({ length: model.dims.P }, () => rng.int(-32768, 32767));
        const r = [simd, scalar].map((x) => {
          new Int16Array(x.memory.buffer, x.pce_input_ptr(), q.length).set(q);
          const k = x.pce_push();
          const probs = Array.from(new Int32Array(x.memory.buffer, x.pce_probs_ptr(), model.dims.C));
          assert.is(x.pce_recompute(), k, `${what}: streaming != recompute`);
          assert.equal(Array.from(new Int32Array(x.memory.buffer, x.pce_probs_ptr(), model.dims.C)), probs);
          return [k, probs];
        });
        assert.equal(r[0], r[1], `${what}: SIMD != scalar on an accepted mutant`);
      }
    }
  }
  const distinct = [...codes.keys()].filter((c) => c !== 0).length;
  console.log(`${total} mutants: ${accepted} accepted, ${distinct} distinct error codes`,
    JSON.stringify(Object.fromEntries([...codes].sort((x, y) => x[0] - y[0]))));
  assert.ok(total >= 10000);
  assert.ok(accepted >= 200, `accepted ${accepted}`);
  assert.ok(distinct >= 45, `only ${distinct} distinct error codes exercised`);
});

test.run();
