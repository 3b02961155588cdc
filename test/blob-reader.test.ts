/**
 * Hostile blobs into the TypeScript reader: every header field wrong,
 * truncation at every section boundary, flipped bytes, offsets and lengths
 * pointing outside, absurd dims, broken directories, topology and tables.
 * Each must fail with a BlobError naming the problem, and nothing else may be
 * thrown; the legal fixture blob must still load. (The engine runs the same
 * kinds of files through its own validator in test/engine*.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEADER_BYTES, HEADER_WINDOW_SOURCES, Op, Role, Section, VERSION, tensorId } from '../src/blob/constants.js';
import { crc32 } from '../src/blob/crc32.js';
import { BlobError } from '../src/blob/model.js';
import { readBlob, readSectionTable } from '../src/blob/reader.js';
import { writeBlob } from '../src/blob/writer.js';
import { convertOnnx } from '../src/convert/convert.js';
import { rng } from '../src/convert/synthetic.js';
import { fixturePath } from './support/fixture.js';

const good = convertOnnx(readFileSync(fixturePath('fixture.onnx')), { calibration: readFileSync(fixturePath('fixture.inputs.f32')) }).blob;
const sections = readSectionTable(good);
const at = (kind: number) => sections.find((s) => s.kind === kind)!.offset;

/** Copy, change, and (unless told otherwise) fix the CRC so deeper checks run. */
function edit(change: (dv: DataView, b: Uint8Array) => void, fixCrc = true): Uint8Array {
  const b = good.slice();
  const dv = new DataView(b.buffer);
  change(dv, b);
  if (fixCrc) dv.setUint32(12, crc32(b, HEADER_BYTES), true);
  return b;
}

function rejects(b: Uint8Array, pattern: RegExp): void {
  try {
    readBlob(b);
  } catch (e) {
    if (!(e instanceof BlobError)) throw new Error(`threw ${(e as Error).name}, not BlobError: ${(e as Error).message}`);
    assert.match(e.message, pattern);
    return;
  }
  assert.unreachable(`accepted a blob that should fail with ${pattern}`);
}

/** Byte offset of the directory record holding `id` in section `kind`. */
function recordOf(kind: number, id: number): number {
  const base = at(kind);
  const dv = new DataView(good.buffer, good.byteOffset);
  const n = dv.getUint32(base, true);
  for (let i = 0; i < n; i++) if (dv.getUint32(base + 16 + 16 * i, true) === id) return base + 16 + 16 * i;
  throw new Error(`no record ${id.toString(16)}`);
}
const dataOf = (kind: number, id: number) => at(kind) + new DataView(good.buffer, good.byteOffset).getUint32(recordOf(kind, id) + 8, true);

test('the legal blob loads and round-trips through the writer', () => {
  const m = readBlob(good);
  assert.equal(Buffer.from(writeBlob(m)).equals(Buffer.from(good)), true);
});

test('every header field wrong', () => {
  rejects(new Uint8Array(0), /shorter than the 64-byte header/);
  rejects(edit((dv) => dv.setUint8(0, 0x51), false), /bad magic at byte 0: 51 43 4c 50/);
  rejects(edit((dv) => dv.setUint16(4, 3, true), false), /format version 3 at byte 4 is not supported \(this reader implements versions 1\.\.2\)/);
  rejects(edit((dv) => dv.setUint16(4, 0, true), false), /format version 0 at byte 4 is not supported/);
  rejects(edit((dv) => dv.setUint16(6, 1, true), false), /flags 0x1 at byte 6/);
  rejects(edit((dv) => dv.setUint32(8, good.length - 16, true), false), /total_length at byte 8 says/);
  rejects(edit((dv) => dv.setUint32(12, 0xdeadbeef, true), false), /CRC-32 mismatch/);
  rejects(edit((dv) => dv.setUint32(16, 4, true), false), /section_count at byte 16 is 4/);
  rejects(edit((dv) => dv.setUint32(20, 8, true), false), /alignment at byte 20 is 8/);
  rejects(edit((dv) => dv.setUint8(40, 1), false), /reserved header byte 40 \(format version 2\) is not zero/);
  rejects(edit((dv) => dv.setUint8(28, 1), false), /reserved header byte 28 \(format version 2\) is not zero/);
});

test('window_sources (header byte 24, format version 2): written, read back, range-checked', () => {
  assert.is(VERSION, 2);
  assert.is(new DataView(good.buffer, good.byteOffset).getUint16(4, true), 2, 'the writer writes version 2');
  assert.is(readBlob(good).windowSources, 0, 'the fixture has one window for the stream');
  for (const S of [1, 64, 256]) {
    const b = writeBlob({ ...readBlob(good), windowSources: S });
    assert.is(new DataView(b.buffer, b.byteOffset).getUint32(HEADER_WINDOW_SOURCES, true), S);
    assert.is(readBlob(b).windowSources, S);
    assert.equal(Buffer.from(writeBlob(readBlob(b))).equals(Buffer.from(b)), true, `round trip with window_sources ${S}`);
  }
  for (const S of [257, 0x10000, 2 ** 31, 0xffffffff]) {
    rejects(edit((dv) => dv.setUint32(24, S, true), false), new RegExp(`window_sources at byte 24 is ${S}, outside 0\\.\\.256`));
  }
  for (const S of [257, -1, 1.5, NaN]) {
    assert.throws(() => writeBlob({ ...readBlob(good), windowSources: S }), (e: unknown) => e instanceof BlobError && /window_sources .* is not an integer in 0\.\.256/.test((e as Error).message));
  }
});

test('format version 1 is still read: bytes 24..63 reserved zero, window_sources 0', () => {
  const v1 = edit((dv) => dv.setUint16(4, 1, true), false); // the header is outside the CRC
  const m = readBlob(v1);
  assert.is(m.windowSources, 0);
  assert.equal(m.dims, readBlob(good).dims);
  rejects(edit((dv) => { dv.setUint16(4, 1, true); dv.setUint32(24, 64, true); }, false), /reserved header byte 24 \(format version 1\) is not zero/);
  rejects(edit((dv) => { dv.setUint16(4, 1, true); dv.setUint8(27, 1); }, false), /reserved header byte 27 \(format version 1\) is not zero/);
});

test('truncation at every section boundary and in between', () => {
  const cuts = new Set<number>([1, 4, 63, 64, 65, 100]);
  for (const s of sections) [s.offset - 1, s.offset, s.offset + 1, s.offset + s.length - 1, s.offset + s.length].forEach((c) => cuts.add(c));
  for (const c of cuts) if (c < good.length) rejects(good.slice(0, c), /shorter than|total_length|bad magic/);
});

test('flipped body bytes are caught by the CRC', () => {
  const rand = rng(3);
  for (let i = 0; i < 200; i++) {
    const pos = HEADER_BYTES + Math.floor(rand() * (good.length - HEADER_BYTES));
    rejects(edit((_, b) => { b[pos] ^= 1 << Math.floor(rand() * 8); }, false), /CRC-32 mismatch/);
  }
});

test('section offsets and lengths pointing outside, overlapping, unaligned, repeated', () => {
  rejects(edit((dv) => dv.setUint32(64 + 4, good.length + 16, true)), /runs past the end of the file/);
  rejects(edit((dv) => dv.setUint32(64 + 8, 0xffffffff, true)), /runs past the end of the file/);
  rejects(edit((dv) => dv.setUint32(64 + 16 + 4, at(Section.DIMS), true)), /overlaps what precedes it/);
  rejects(edit((dv) => dv.setUint32(64 + 4, at(Section.DIMS) + 4, true)), /is not 16-aligned/);
  rejects(edit((dv) => dv.setUint32(64 + 16, 1, true)), /appears twice/);
  rejects(edit((dv) => dv.setUint32(64 + 16, 77, true)), /unknown section kind 77/);
});

test('absurd dims', () => {
  const d = at(Section.DIMS);
  rejects(edit((dv) => dv.setUint32(d, 0, true)), /P \(packet features\) = 0 is outside/);
  rejects(edit((dv) => dv.setUint32(d, 0x7fffffff, true)), /P \(packet features\) = 2147483647 is outside/);
  rejects(edit((dv) => dv.setUint32(d + 4, 200, true)), /K \(projection ops\) = 200/);
  rejects(edit((dv) => dv.setUint32(d + 12, 7, true)), /H \(GNN width\) = 7|H = 7/);
  rejects(edit((dv) => dv.setUint32(d + 12, 16, true)), /D = 24 is not M·H = 48/);
  rejects(edit((dv) => dv.setUint32(d + 28, 5, true)), /heads \(5\) × head_dim \(3\) != D/);
  rejects(edit((dv) => dv.setUint32(d + 48, 0x7fc00000, true)), /input_scale is NaN/);
  rejects(edit((dv) => dv.setUint32(d + 4 * 16, 0xfffffff0, true)), /out_dim\[2\] = 4294967280 is outside/);
  rejects(edit((dv) => dv.setUint32(d + 4 * 17, 5000, true)), /nodes\[0\] = 5000 is outside/);
  rejects(edit((dv) => dv.setUint32(d + 8, 16, true)), /DIMS section at byte \d+ is 80 bytes, expected/);
});

test('broken tensor directories', () => {
  const T = at(Section.TENSORS);
  const w0 = recordOf(Section.TENSORS, tensorId(Role.W, Op.PROJ, 0, 0));
  rejects(edit((dv) => dv.setUint32(T, 1 << 20, true)), /records exceed the limit/);
  rejects(edit((dv) => dv.setUint32(T, 4000, true)), /run past the section/);
  rejects(edit((dv) => dv.setUint32(w0 + 8, 0xfffffff0, true)), /runs past the section/);
  rejects(edit((dv) => dv.setUint32(w0 + 8, 16, true)), /lies inside the record table/);
  rejects(edit((dv) => dv.setUint32(w0 + 8, dv.getUint32(w0 + 8, true) + 8, true)), /not 16-aligned/);
  rejects(edit((dv) => dv.setUint32(w0 + 12, 5, true)), /5 elements, expected 16384/);
  rejects(edit((dv) => dv.setUint32(w0 + 12, 0xffffffff, true)), /elements exceed the limit/);
  rejects(edit((dv) => dv.setUint16(w0 + 4, 3, true)), /dtype 3, expected 1/);
  rejects(edit((dv) => dv.setUint32(w0, 0x63000000, true)), /id 0x63000000 is not part of a model with these dims/);
  rejects(edit((dv) => dv.setUint32(recordOf(Section.TENSORS, tensorId(Role.BIAS, Op.PROJ, 0, 0)), tensorId(Role.W, Op.PROJ, 0, 0), true)), /duplicate id/);
  rejects(edit((dv) => dv.setUint32(w0 + 8, dv.getUint32(w0 + 16 + 8, true), true)), /overlaps another tensor|elements|dtype/);
  rejects(edit((dv) => dv.setUint32(recordOf(Section.TABLES, tensorId(Role.EXP_TABLE, Op.MISC)), tensorId(Role.W, Op.PROJ, 0, 0), true)), /belongs in section TENSORS/);
});

test('broken contents: shifts, padding, topology, tables, names', () => {
  const shiftAt = dataOf(Section.TENSORS, tensorId(Role.SHIFT, Op.FF1));
  rejects(edit((dv) => dv.setInt32(shiftAt, 30, true)), /ff1\.SHIFT: shift 30 is outside 31\.\.62/);
  rejects(edit((dv) => dv.setInt32(shiftAt, 63, true)), /shift 63 is outside/);
  rejects(edit((dv) => dv.setInt32(shiftAt + 4, 2, true)), /ReLU flag 2/);
  const head = dataOf(Section.TENSORS, tensorId(Role.W, Op.HEAD));
  rejects(edit((_, b) => { b[head + 30] = 1; }), /head\.W: row 0 padding byte 30 is not zero/);
  const col = dataOf(Section.TOPOLOGY, tensorId(Role.COL, Op.GNN, 1, 2));
  rejects(edit((dv) => dv.setInt32(col, 11, true)), /gnn\.1\.layer2\.COL: node 11 is outside 0\.\.10/);
  rejects(edit((dv) => dv.setInt32(col, -1, true)), /node -1 is outside/);
  const row = dataOf(Section.TOPOLOGY, tensorId(Role.ROW, Op.GNN, 0, 3));
  rejects(edit((dv) => dv.setInt32(row + 4, 0, true)), /ROW is not strictly increasing/);
  rejects(edit((dv) => dv.setInt32(row, 1, true)), /ROW\[0\] is 1/);
  const dy = dataOf(Section.TOPOLOGY, tensorId(Role.DY, Op.GNN, 2, 1));
  rejects(edit((dv) => dv.setInt32(dy, 0, true)), /gnn\.2\.layer1\.DY must be exactly \[9\]/);
  const rm = dataOf(Section.TOPOLOGY, tensorId(Role.RMEAN, Op.GNN, 0, 1));
  rejects(edit((dv) => dv.setInt32(rm, 0, true)), /RMEAN\[0\] = 0 is outside/);
  const exp = dataOf(Section.TABLES, tensorId(Role.EXP_TABLE, Op.MISC));
  rejects(edit((dv) => dv.setInt32(exp, 1000, true)), /EXP_TABLE\[0\] is 1000/);
  rejects(edit((dv) => dv.setInt32(exp + 40, 40000, true)), /EXP_TABLE\[10\] = 40000/);
  const ln = dataOf(Section.TENSORS, tensorId(Role.LN_PARAMS, Op.LN2));
  rejects(edit((dv) => { dv.setInt32(ln + 4, 0, true); dv.setInt32(ln + 8, 0, true); }), /ln2\.LN_PARAMS: EPS 0/);
  const names = at(Section.NAMES);
  rejects(edit((dv) => dv.setUint32(names, 3, true)), /holds 3 names, expected 35/);
  rejects(edit((dv) => dv.setUint16(names + 4, 0, true)), /NAMES entry 0 at byte \d+ has length 0/);
  rejects(edit((_, b) => { b[names + 6] = 0xff; }), /NAMES entry 0 at byte \d+ is not valid UTF-8/);
});

test('random mutations with a valid CRC throw BlobError or load, never anything else', () => {
  const rand = rng(11);
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const b = edit((dv, bytes) => {
      const n = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) {
        const pos = Math.floor(rand() * (bytes.length - 4)) & ~3;
        const choice = rand();
        if (choice < 0.4) bytes[pos] ^= 1 << Math.floor(rand() * 8);
        else if (choice < 0.7) dv.setUint32(pos, [0, 0xffffffff, 0x80000000, 0x7fffffff, 16, 1 << 20][Math.floor(rand() * 6)], true);
        else dv.setUint32(pos, Math.floor(rand() * 2 ** 32), true);
      }
    });
    try {
      readBlob(b);
    } catch (e) {
      if (!(e instanceof BlobError)) throw new Error(`mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
      rejected++;
    }
  }
  assert.ok(rejected > 500, `only ${rejected} of 3000 mutations were rejected`);
});

test.run();
