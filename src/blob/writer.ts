/**
 * The one blob writer (docs/blob-format.md). A state machine that only moves
 * forward — header, dims, topology, tensors, tables, names, finish — so a
 * section can neither be forgotten nor written twice; a duplicate tensor id
 * raises. The finished bytes go through the reader before they are returned,
 * so the writer cannot produce a file the engine would refuse.
 */
import {
  ALIGN, DIR_HEADER_BYTES, DIR_RECORD_BYTES, Dim, HEADER_BYTES, HEADER_WINDOW_SOURCES, Limit, MAGIC, SECTION_COUNT,
  SECTION_ENTRY_BYTES, Section, VERSION, align16, describeId,
} from './constants.js';
import { crc32 } from './crc32.js';
import type { Dims } from './layout.js';
import { BlobError, dtypeOf, type BlobModel, type Names, type Tensor } from './model.js';
import { readBlob } from './reader.js';

const ORDER = ['header', 'dims', 'topology', 'tensors', 'tables', 'names', 'finish'] as const;
type Step = (typeof ORDER)[number];

export class BlobWriter {
  private next = 0;
  private readonly sections: { kind: number; bytes: Uint8Array }[] = [];
  private windowSources = 0;

  private step(s: Step): void {
    if (ORDER[this.next] !== s) throw new BlobError(`blob writer: ${s}() called out of order (expected ${ORDER[this.next]}())`);
    this.next++;
  }

  /** The header's model fields (docs/blob-format.md, "Header"). */
  header(windowSources: number): this {
    this.step('header');
    if (!(Number.isInteger(windowSources) && windowSources >= 0 && windowSources <= Limit.WINDOW_SOURCES)) {
      throw new BlobError(`window_sources ${windowSources} is not an integer in 0..${Limit.WINDOW_SOURCES}`);
    }
    this.windowSources = windowSources;
    return this;
  }

  dims(d: Dims): this {
    this.step('dims');
    const words = new Uint32Array(Dim.OUT_DIMS + d.K + d.M);
    const f32 = new Float32Array(1);
    const bits = (v: number) => { f32[0] = v; return new Uint32Array(f32.buffer)[0]; };
    words.set([d.P, d.K, d.M, d.H, d.L, d.A, d.D, d.heads, d.headDim, d.FF, d.C, d.featureVersion,
      bits(d.inputScale), bits(d.frameScale)]);
    words.set(d.outDims, Dim.OUT_DIMS);
    words.set(d.nodes, Dim.OUT_DIMS + d.K);
    this.sections.push({ kind: Section.DIMS, bytes: new Uint8Array(words.buffer) });
    return this;
  }

  topology(t: Tensor[]): this { this.step('topology'); return this.directory(Section.TOPOLOGY, t); }
  tensors(t: Tensor[]): this { this.step('tensors'); return this.directory(Section.TENSORS, t); }
  tables(t: Tensor[]): this { this.step('tables'); return this.directory(Section.TABLES, t); }

  names(n: Names): this {
    this.step('names');
    const all = [...n.classes, ...n.missions.flatMap((m) => [m.name, ...m.concepts])];
    const enc = all.map((s) => new TextEncoder().encode(s));
    const bytes = new Uint8Array(4 + enc.reduce((a, e) => a + 2 + e.length, 0));
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, all.length, true);
    let p = 4;
    enc.forEach((e, i) => {
      if (e.length < 1 || e.length > 255) throw new BlobError(`name ${JSON.stringify(all[i])} must be 1..255 UTF-8 bytes`);
      dv.setUint16(p, e.length, true);
      bytes.set(e, p + 2);
      p += 2 + e.length;
    });
    this.sections.push({ kind: Section.NAMES, bytes });
    return this;
  }

  finish(): Uint8Array {
    this.step('finish');
    const tableEnd = HEADER_BYTES + SECTION_COUNT * SECTION_ENTRY_BYTES;
    let offset = align16(tableEnd);
    const placed = this.sections.map((s) => {
      const at = offset;
      offset = align16(at + s.bytes.length);
      return { ...s, at };
    });
    const out = new Uint8Array(offset);
    const dv = new DataView(out.buffer);
    out.set(MAGIC, 0);
    dv.setUint16(4, VERSION, true);
    dv.setUint16(6, 0, true);
    dv.setUint32(8, out.length, true);
    dv.setUint32(16, SECTION_COUNT, true);
    dv.setUint32(20, ALIGN, true);
    dv.setUint32(HEADER_WINDOW_SOURCES, this.windowSources, true);
    placed.forEach((s, i) => {
      const e = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
      dv.setUint32(e, s.kind, true);
      dv.setUint32(e + 4, s.at, true);
      dv.setUint32(e + 8, s.bytes.length, true);
      out.set(s.bytes, s.at);
    });
    dv.setUint32(12, crc32(out, HEADER_BYTES), true);
    readBlob(out); // the writer's output must satisfy the reader
    return out;
  }

  private directory(kind: number, tensors: Tensor[]): this {
    const seen = new Set<number>();
    let at = align16(DIR_HEADER_BYTES + tensors.length * DIR_RECORD_BYTES);
    const places = tensors.map((t) => {
      if (seen.has(t.id)) throw new BlobError(`duplicate tensor ${describeId(t.id)}`);
      seen.add(t.id);
      const p = at;
      at = align16(p + t.data.byteLength);
      return p;
    });
    const bytes = new Uint8Array(at);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, tensors.length, true);
    tensors.forEach((t, i) => {
      const r = DIR_HEADER_BYTES + i * DIR_RECORD_BYTES;
      dv.setUint32(r, t.id, true);
      dv.setUint16(r + 4, dtypeOf(t.data), true);
      dv.setUint32(r + 8, places[i], true);
      dv.setUint32(r + 12, t.data.length, true);
      // Little-endian hosts only: typed arrays are stored in platform order.
      bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), places[i]);
    });
    this.sections.push({ kind, bytes });
    return this;
  }
}

export function writeBlob(m: BlobModel): Uint8Array {
  return new BlobWriter().header(m.windowSources).dims(m.dims).topology(m.topology).tensors(m.tensors).tables(m.tables).names(m.names).finish();
}
