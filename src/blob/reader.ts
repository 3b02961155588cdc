/**
 * The TypeScript blob reader (docs/blob-format.md). Validates every field,
 * offset, length and dimension against the file and the documented limits
 * before anything is trusted; the only exception it throws is BlobError, with
 * a message naming the field and, where there is one, the byte offset.
 */
import {
  ALIGN, DIR_HEADER_BYTES, DIR_RECORD_BYTES, DTYPE_BYTES, Dim, HEADER_BYTES, HEADER_WINDOW_SOURCES, Limit, MAGIC,
  OLDEST_VERSION, Op, Q15, Role, SECTION_COUNT, SECTION_ENTRY_BYTES, Section, TABLE_ENTRIES, VERSION, align16,
  describeId, tensorId,
} from './constants.js';
import { crc32 } from './crc32.js';
import { expectedTensors, gemvOps, type Dims } from './layout.js';
import { BlobError, type BlobModel, type Names, type Tensor, type TensorData } from './model.js';

const SECTION_NAMES: Record<number, string> = { 1: 'DIMS', 2: 'TOPOLOGY', 3: 'TENSORS', 4: 'TABLES', 5: 'NAMES' };

function fail(msg: string): never {
  throw new BlobError(`blob: ${msg}`);
}

interface Span { kind: number; at: number; length: number; }

/** What the header says: the sections, and the model fields it carries. */
interface Header { spans: Map<number, Span>; windowSources: number; }

export function readBlob(input: Uint8Array): BlobModel {
  // A plain view: Node's Buffer.slice() shares memory, where we need copies.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { spans, windowSources } = readHeader(bytes, dv);
  const part = (kind: number) => {
    const s = spans.get(kind)!;
    return { dv: new DataView(bytes.buffer, bytes.byteOffset + s.at, s.length), at: s.at, bytes: bytes.subarray(s.at, s.at + s.length) };
  };
  const dims = readDims(part(Section.DIMS).dv, spans.get(Section.DIMS)!.at);
  const expected = expectedTensors(dims);
  const dirs = new Map<number, Tensor[]>();
  for (const kind of [Section.TOPOLOGY, Section.TENSORS, Section.TABLES]) {
    const p = part(kind);
    dirs.set(kind, readDirectory(p.bytes, p.at, kind, expected));
  }
  const byId = new Map<number, TensorData>();
  for (const list of dirs.values()) for (const t of list) byId.set(t.id, t.data);
  for (const [id] of expected) if (!byId.has(id)) fail(`missing tensor ${describeId(id)} (id 0x${id.toString(16)})`);
  checkContents(dims, byId);
  const names = readNames(part(Section.NAMES).bytes, spans.get(Section.NAMES)!.at, dims);
  return {
    windowSources, dims, names,
    topology: dirs.get(Section.TOPOLOGY)!, tensors: dirs.get(Section.TENSORS)!, tables: dirs.get(Section.TABLES)!,
  };
}

/**
 * Dims and names of a blob that the engine has already validated (pce_init
 * returned 0): what a host shows its user, read without checking the file a
 * second time (no CRC, no directories, no tensor contents). Only for blobs
 * the engine accepted; anything else goes through readBlob.
 */
export function readValidatedInfo(input: Uint8Array): { windowSources: number; dims: Dims; names: Names } {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  // Version 1 has zeros where version 2 keeps window_sources, which reads as 0: one window.
  const windowSources = dv.getUint32(HEADER_WINDOW_SOURCES, true);
  const spans = new Map<number, Span>();
  for (let i = 0; i < SECTION_COUNT; i++) {
    const e = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    const kind = dv.getUint32(e, true);
    spans.set(kind, { kind, at: dv.getUint32(e + 4, true), length: dv.getUint32(e + 8, true) });
  }
  const dimsAt = spans.get(Section.DIMS)!, namesAt = spans.get(Section.NAMES)!;
  const dims = readDims(new DataView(input.buffer, input.byteOffset + dimsAt.at, dimsAt.length), dimsAt.at);
  return { windowSources, dims, names: readNames(input.subarray(namesAt.at, namesAt.at + namesAt.length), namesAt.at, dims) };
}

/** The section table of a blob (validated as far as the header goes). */
export function readSectionTable(bytes: Uint8Array): { kind: number; name: string; offset: number; length: number }[] {
  const { spans } = readHeader(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return [...spans.values()].map((s) => ({ kind: s.kind, name: SECTION_NAMES[s.kind], offset: s.at, length: s.length }));
}

function readHeader(bytes: Uint8Array, dv: DataView): Header {
  if (bytes.length < HEADER_BYTES) fail(`file is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      fail(`bad magic at byte 0: ${got}, expected 50 43 4c 50 ("PCLP")`);
    }
  }
  const version = dv.getUint16(4, true);
  if (version < OLDEST_VERSION || version > VERSION) {
    fail(`format version ${version} at byte 4 is not supported (this reader implements versions ${OLDEST_VERSION}..${VERSION})`);
  }
  const flags = dv.getUint16(6, true);
  if (flags !== 0) fail(`flags 0x${flags.toString(16)} at byte 6: no flags are defined in version ${version}`);
  const total = dv.getUint32(8, true);
  if (total !== bytes.length) fail(`total_length at byte 8 says ${total} bytes but the file has ${bytes.length} (truncated or padded)`);
  if (total > Limit.TOTAL_BYTES) fail(`total_length ${total} exceeds the limit of ${Limit.TOTAL_BYTES} bytes`);
  if (total % ALIGN !== 0) fail(`total_length ${total} is not a multiple of ${ALIGN}`);
  const count = dv.getUint32(16, true);
  if (count !== SECTION_COUNT) fail(`section_count at byte 16 is ${count}, expected ${SECTION_COUNT}`);
  const align = dv.getUint32(20, true);
  if (align !== ALIGN) fail(`alignment at byte 20 is ${align}, expected ${ALIGN}`);
  let reserved = HEADER_WINDOW_SOURCES, windowSources = 0;
  if (version >= 2) {
    windowSources = dv.getUint32(HEADER_WINDOW_SOURCES, true);
    if (windowSources > Limit.WINDOW_SOURCES) fail(`window_sources at byte ${HEADER_WINDOW_SOURCES} is ${windowSources}, outside 0..${Limit.WINDOW_SOURCES}`);
    reserved += 4;
  }
  for (let i = reserved; i < HEADER_BYTES; i++) if (bytes[i] !== 0) fail(`reserved header byte ${i} (format version ${version}) is not zero`);
  const tableEnd = HEADER_BYTES + count * SECTION_ENTRY_BYTES;
  if (tableEnd > total) fail(`section table (${count} entries) runs past the end of the file`);
  const want = dv.getUint32(12, true);
  const got = crc32(bytes, HEADER_BYTES, total);
  if (want !== got) fail(`CRC-32 mismatch: header byte 12 says 0x${want.toString(16)}, body computes 0x${got.toString(16)} (corrupted file)`);
  const spans = new Map<number, Span>();
  let prevEnd = tableEnd;
  for (let i = 0; i < count; i++) {
    const e = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    const kind = dv.getUint32(e, true), at = dv.getUint32(e + 4, true), length = dv.getUint32(e + 8, true);
    const where = `section table entry ${i} (byte ${e})`;
    if (!SECTION_NAMES[kind]) fail(`${where}: unknown section kind ${kind}`);
    if (spans.has(kind)) fail(`${where}: section ${SECTION_NAMES[kind]} appears twice`);
    if (dv.getUint32(e + 12, true) !== 0) fail(`${where}: reserved field is not zero`);
    if (at % ALIGN !== 0) fail(`${where}: section ${SECTION_NAMES[kind]} offset ${at} is not ${ALIGN}-aligned`);
    if (at < prevEnd) fail(`${where}: section ${SECTION_NAMES[kind]} offset ${at} overlaps what precedes it (ends at ${prevEnd})`);
    if (length > total - at) fail(`${where}: section ${SECTION_NAMES[kind]} [${at}, +${length}) runs past the end of the file (${total})`);
    prevEnd = at + length;
    spans.set(kind, { kind, at, length });
  }
  return { spans, windowSources };
}

function readDims(dv: DataView, at: number): Dims {
  if (dv.byteLength < 4 * Dim.OUT_DIMS) fail(`DIMS section at byte ${at} is ${dv.byteLength} bytes, shorter than ${4 * Dim.OUT_DIMS}`);
  const w = (i: number) => dv.getUint32(4 * i, true);
  const range = (name: string, v: number, lo: number, hi: number) => {
    if (!(v >= lo && v <= hi)) fail(`DIMS ${name} = ${v} is outside ${lo}..${hi}`);
    return v;
  };
  const K = range('K (projection ops)', w(Dim.K), 1, Limit.K);
  const M = range('M (missions)', w(Dim.M), 1, Limit.M);
  const need = 4 * (Dim.OUT_DIMS + K + M);
  if (dv.byteLength !== need) fail(`DIMS section at byte ${at} is ${dv.byteLength} bytes, expected ${need} for K=${K}, M=${M}`);
  const H = range('H (GNN width)', w(Dim.H), Limit.H_MIN, Limit.H_MAX);
  if ((H & (H - 1)) !== 0) fail(`DIMS H = ${H} is not a power of two`);
  const D = range('D (frame width)', w(Dim.D), 1, Limit.D);
  if (D !== M * H) fail(`DIMS D = ${D} is not M·H = ${M * H}`);
  const heads = range('heads', w(Dim.HEADS), 1, D);
  const headDim = w(Dim.HEAD_DIM);
  if (heads * headDim !== D) fail(`DIMS heads (${heads}) × head_dim (${headDim}) != D (${D})`);
  const scale = (name: string, bits: number) => {
    const v = new Float32Array(new Uint32Array([bits]).buffer)[0];
    if (!(Number.isFinite(v) && v > 0)) fail(`DIMS ${name} is ${v}, expected a finite positive float`);
    return v;
  };
  const outDims = Array.from({ length: K }, (_, k) => range(`out_dim[${k}]`, w(Dim.OUT_DIMS + k), 1, Limit.OUT_DIM));
  if (outDims[K - 1] !== D) fail(`DIMS out_dim[${K - 1}] = ${outDims[K - 1]} must equal D = ${D} (the fused sensor layer)`);
  return {
    P: range('P (packet features)', w(Dim.P), 1, Limit.P), K, M, H,
    L: range('L (GNN layers)', w(Dim.L), 1, Limit.L),
    A: range('A (window)', w(Dim.A), 1, Limit.A), D, heads, headDim,
    FF: range('FF', w(Dim.FF), 1, Limit.FF),
    C: range('C (classes)', w(Dim.C), Limit.C_MIN, Limit.C_MAX),
    featureVersion: w(Dim.FEATURE_VERSION),
    inputScale: scale('input_scale', w(Dim.INPUT_SCALE)),
    frameScale: scale('frame_scale', w(Dim.FRAME_SCALE)),
    outDims,
    nodes: Array.from({ length: M }, (_, m) => range(`nodes[${m}]`, w(Dim.OUT_DIMS + K + m), Limit.NODES_MIN, Limit.NODES_MAX)),
  };
}

function readDirectory(bytes: Uint8Array, at: number, kind: number, expected: Map<number, { section: number; dtype: number; elements: number }>): Tensor[] {
  const name = SECTION_NAMES[kind];
  if (bytes.length < DIR_HEADER_BYTES) fail(`${name} section at byte ${at} is too short for its directory header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint32(0, true);
  if (count > Limit.DIR_RECORDS) fail(`${name} section at byte ${at}: ${count} records exceed the limit of ${Limit.DIR_RECORDS}`);
  for (let i = 4; i < DIR_HEADER_BYTES; i++) if (bytes[i] !== 0) fail(`${name} section at byte ${at}: reserved directory byte ${i} is not zero`);
  const recEnd = DIR_HEADER_BYTES + count * DIR_RECORD_BYTES;
  if (recEnd > bytes.length) fail(`${name} section at byte ${at}: ${count} records run past the section's ${bytes.length} bytes`);
  const out: Tensor[] = [];
  const seen = new Set<number>();
  const extents: [number, number, string][] = [];
  for (let i = 0; i < count; i++) {
    const r = DIR_HEADER_BYTES + i * DIR_RECORD_BYTES;
    const id = dv.getUint32(r, true), dtype = dv.getUint16(r + 4, true), off = dv.getUint32(r + 8, true), n = dv.getUint32(r + 12, true);
    const where = `${name} record ${i} at byte ${at + r} (${describeId(id)})`;
    const spec = expected.get(id);
    if (!spec) fail(`${where}: id 0x${id.toString(16)} is not part of a model with these dims`);
    if (spec.section !== kind) fail(`${where}: belongs in section ${SECTION_NAMES[spec.section]}`);
    if (seen.has(id)) fail(`${where}: duplicate id`);
    seen.add(id);
    if (dv.getUint16(r + 6, true) !== 0) fail(`${where}: reserved field is not zero`);
    if (dtype !== spec.dtype) fail(`${where}: dtype ${dtype}, expected ${spec.dtype}`);
    if (n > Limit.TENSOR_ELEMENTS) fail(`${where}: ${n} elements exceed the limit of ${Limit.TENSOR_ELEMENTS}`);
    if (spec.elements >= 0 && n !== spec.elements) fail(`${where}: ${n} elements, expected ${spec.elements}`);
    if (off % ALIGN !== 0) fail(`${where}: data offset ${off} is not ${ALIGN}-aligned`);
    if (off < recEnd) fail(`${where}: data offset ${off} lies inside the record table (ends at ${recEnd})`);
    const len = n * DTYPE_BYTES[dtype];
    if (off > bytes.length || len > bytes.length - off) fail(`${where}: data [${off}, +${len}) runs past the section's ${bytes.length} bytes`);
    if (len > 0) extents.push([off, off + len, where]); // an empty tensor overlaps nothing
    const copy = bytes.slice(off, off + len).buffer;
    out.push({ id, data: dtype === 1 ? new Int8Array(copy) : dtype === 2 ? new Int16Array(copy) : new Int32Array(copy) });
  }
  extents.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < extents.length; i++) if (extents[i][0] < extents[i - 1][1]) fail(`${extents[i][2]}: data overlaps another tensor`);
  return out;
}

function checkContents(d: Dims, t: Map<number, TensorData>): void {
  const get = (role: number, op: number, m = 0, l = 0) => t.get(tensorId(role, op, m, l))!;
  const shift = (what: string, s: number, lo: number) => { if (!(s >= lo && s <= 62)) fail(`${what}: shift ${s} is outside ${lo}..62`); };
  for (const g of gemvOps(d)) {
    const what = describeId(tensorId(Role.SHIFT, g.op, g.m, g.l));
    const s = get(Role.SHIFT, g.op, g.m, g.l);
    shift(what, s[0], 31);
    if (s[1] !== 0 && s[1] !== 1) fail(`${what}: ReLU flag ${s[1]} is not 0 or 1`);
    const w = get(Role.W, g.op, g.m, g.l), stride = align16(g.cols);
    for (let r = 0; r < g.rows; r++) for (let c = g.cols; c < stride; c++) {
      if (w[r * stride + c] !== 0) fail(`${describeId(tensorId(Role.W, g.op, g.m, g.l))}: row ${r} padding byte ${c} is not zero`);
    }
  }
  for (let m = 0; m < d.M; m++) {
    const n = d.nodes[m];
    const levels = get(Role.LEVELS, Op.GNN, m);
    levels.forEach((v, i) => { if (v < 1 || v > 255) fail(`gnn.${m}.LEVELS: concept ${i} has level ${v}, expected 1..255`); });
    for (let l = 1; l <= d.L; l++) {
      const where = `gnn.${m}.layer${l}`;
      shift(`${where}.BN_SHIFT`, get(Role.BN_SHIFT, Op.GNN, m, l)[0], 1);
      shift(`${where}.ELU_RQ`, get(Role.ELU_RQ, Op.GNN, m, l)[1], 1);
      const node = (what: string, v: number) => { if (!(v >= 0 && v < n)) fail(`${where}.${what}: node ${v} is outside 0..${n - 1}`); };
      const unique = (what: string, list: Int32Array | Int16Array | Int8Array) => {
        const s = new Set<number>();
        list.forEach((v) => { node(what, v); if (s.has(v)) fail(`${where}.${what}: node ${v} listed twice`); s.add(v); });
      };
      const dy = get(Role.DY, Op.GNN, m, l), dx = get(Role.DX, Op.GNN, m, l);
      unique('DY', dy);
      if (l === 1 && (dy.length !== 1 || dy[0] !== n - 2)) fail(`${where}.DY must be exactly [${n - 2}] (the sensor node)`);
      unique('DX', dx);
      const row = get(Role.ROW, Op.GNN, m, l), col = get(Role.COL, Op.GNN, m, l), rmean = get(Role.RMEAN, Op.GNN, m, l);
      if (row.length !== dx.length + 1) fail(`${where}.ROW has ${row.length} entries, expected ${dx.length + 1}`);
      if (rmean.length !== dx.length) fail(`${where}.RMEAN has ${rmean.length} entries, expected ${dx.length}`);
      if (row[0] !== 0) fail(`${where}.ROW[0] is ${row[0]}, expected 0`);
      for (let i = 0; i < dx.length; i++) {
        if (!(row[i + 1] > row[i])) fail(`${where}.ROW is not strictly increasing at ${i} (every node in DX needs an incoming edge)`);
        if (!(rmean[i] >= 1 && rmean[i] <= Q15)) fail(`${where}.RMEAN[${i}] = ${rmean[i]} is outside 1..32768`);
      }
      if (row[dx.length] !== col.length) fail(`${where}.ROW ends at ${row[dx.length]} but COL has ${col.length} edges`);
      col.forEach((v) => node('COL', v));
    }
  }
  for (const op of [Op.LN1, Op.LN2]) {
    const p = get(Role.LN_PARAMS, op);
    const what = op === Op.LN1 ? 'ln1' : 'ln2';
    shift(`${what}.LN_PARAMS`, p[0], 1);
    const eps = BigInt(p[1] >>> 0) + (BigInt(p[2]) << 32n);
    if (eps < 1n || eps >= 1n << 62n) fail(`${what}.LN_PARAMS: EPS ${eps} is outside 1..2^62-1`);
  }
  const rq = get(Role.RQ, Op.MISC);
  ['AS', 'FS', 'F2S', 'PS'].forEach((name, i) => shift(`misc.RQ ${name}`, rq[2 * i + 1], 1));
  const exp = get(Role.EXP_TABLE, Op.MISC);
  if (exp[0] !== Q15) fail(`misc.EXP_TABLE[0] is ${exp[0]}, expected ${Q15} (exp(0) in Q15)`);
  for (let i = 1; i < TABLE_ENTRIES; i++) {
    if (!(exp[i] >= 0 && exp[i] <= exp[i - 1])) fail(`misc.EXP_TABLE[${i}] = ${exp[i]} is not within 0..EXP_TABLE[${i - 1}]`);
  }
}

function readNames(bytes: Uint8Array, at: number, d: Dims): Names {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) fail(`NAMES section at byte ${at} is too short`);
  const count = dv.getUint32(0, true);
  const want = d.C + d.nodes.reduce((a, n) => a + n - 1, 0);
  if (count !== want) fail(`NAMES section at byte ${at} holds ${count} names, expected ${want}`);
  const dec = new TextDecoder('utf-8', { fatal: true });
  const all: string[] = [];
  let p = 4;
  for (let i = 0; i < count; i++) {
    if (p + 2 > bytes.length) fail(`NAMES entry ${i} at byte ${at + p} runs past the section`);
    const len = dv.getUint16(p, true);
    if (len < 1 || len > Limit.NAME_BYTES) fail(`NAMES entry ${i} at byte ${at + p} has length ${len}, expected 1..${Limit.NAME_BYTES}`);
    if (p + 2 + len > bytes.length) fail(`NAMES entry ${i} at byte ${at + p} runs past the section`);
    try {
      all.push(dec.decode(bytes.subarray(p + 2, p + 2 + len)));
    } catch {
      fail(`NAMES entry ${i} at byte ${at + p} is not valid UTF-8`);
    }
    p += 2 + len;
  }
  if (p !== bytes.length) fail(`NAMES section at byte ${at} has ${bytes.length - p} trailing bytes`);
  const classes = all.slice(0, d.C);
  let q = d.C;
  const missions = d.nodes.map((n) => {
    const name = all[q];
    const concepts = all.slice(q + 1, q + n - 1);
    q += n - 1;
    return { name, concepts };
  });
  return { classes, missions };
}
