/**
 * The numbers in the docs' constant tables are the code's: error codes and
 * pce_dim words (docs/engine-abi.md) against the generated error map and
 * src/blob/constants.ts, the engine's packet buffer and memory figures
 * against the engine measured now, header, section kinds, DIMS words and
 * limits (docs/blob-format.md) against src/blob/constants.ts, decode
 * statuses (docs/features.md) against both copies of the status list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ALIGN, Dim, DType, HEADER_BYTES, Limit, MAGIC, Section, SECTION_COUNT, SECTION_ENTRY_BYTES, VERSION,
} from '../src/blob/constants.js';
import { readBlob } from '../src/blob/reader.js';
import { writeBlob } from '../src/blob/writer.js';
import { convertOnnx } from '../src/convert/convert.js';
import { ENGINE_ERRORS, initBlob, instantiateEngine } from '../src/engine.js';
import { PACKET_STATUS } from '../src/features/packet-status.js';
import { repoRoot } from './helpers/cli.js';

const doc = (name: string) => readFileSync(join(repoRoot, 'docs', name), 'utf8');
const abi = doc('engine-abi.md'), blobDoc = doc('blob-format.md');
const num = (s: string) => Number(s.replace(/,/g, ''));

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(md: string, heading: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '') === heading);
  assert.ok(start >= 0, `heading "${heading}"`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Body rows of the markdown tables in `text`, as trimmed cells. */
function rows(text: string): string[][] {
  return text.split('\n').filter((l) => l.startsWith('|') && !/^\|[-| ]+\|$/.test(l))
    .map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()))
    .filter((cells) => !/^(code|word|offset|kind|op|role|model|runtime|export)$/.test(cells[0]!));
}

/** The one match of `re` in `text` (group 1). */
function one(text: string, re: RegExp): string {
  const m = re.exec(text);
  assert.ok(m, `docs: no match for ${re}`);
  return m![1]!;
}

test('engine-abi.md: the error-code table is the generated ENGINE_ERRORS, every code once', () => {
  const table: Record<string, number> = {};
  for (const r of rows(section(abi, 'Error codes'))) {
    for (const [code, name] of [[r[0], r[1]], [r[3], r[4]]]) {
      if (!code) continue;
      const key = name!.split(' ')[0] === 'OK' ? 'PCE_OK' : `PCE_ERR_${name!.split(' ')[0]}`;
      assert.not.ok(key in table, `${key} listed twice`);
      table[key] = num(code);
    }
  }
  assert.equal(table, { ...ENGINE_ERRORS });
});

test('engine-abi.md: the pce_dim word table is Dim of src/blob/constants.ts', () => {
  const names: Record<string, keyof typeof Dim> = {
    P: 'P', K: 'K', M: 'M', H: 'H', L: 'L', A: 'A', D: 'D', heads: 'HEADS', head_dim: 'HEAD_DIM', FF: 'FF', C: 'C',
    feature_version: 'FEATURE_VERSION', input_scale: 'INPUT_SCALE', frame_scale: 'FRAME_SCALE', out_dims: 'OUT_DIMS',
  };
  const table: Record<string, number> = {};
  let nodes = '';
  for (const [word, what] of rows(section(abi, '`pce_dim` words'))) {
    const name = /^[A-Za-z_]+/.exec(what!)![0];
    if (name === 'nodes') nodes = word!;
    else table[names[name]!] = Number(/^\d+/.exec(word!)![0]);
  }
  assert.equal(table, { ...Dim });
  assert.is(nodes, '14+K .. 14+K+M-1');
});

test('engine-abi.md: packet buffer size and memory figures are what the engine measures now', async () => {
  const shipped = readFileSync(join(repoRoot, 'models/packetclip-edge.pclip'));
  const fixture = convertOnnx(readFileSync(join(repoRoot, 'test/fixtures/fixture.onnx'))).blob;
  const perSource = writeBlob({ ...readBlob(shipped), windowSources: 64 });
  const memory = section(abi, 'Memory');
  const figures = rows(memory).map((r) => r.slice(1).map(num));
  for (const simd of [true, false]) {
    const x = await instantiateEngine(simd);
    assert.is(num(one(abi, /\| `pce_packet_capacity\(\)` \| ([\d,]+):/)), x.pce_packet_capacity());
    assert.is(num(one(memory, /packet buffer of ([\d,]+) bytes/)), x.pce_packet_capacity());
    assert.is(num(one(memory, /static data \(([\d,]+) bytes/)), x.pce_arena_bytes());
    assert.is(num(one(memory, /starts at ([\d,]+) bytes/)), x.pce_memory_bytes());
    const measured = [shipped, fixture, perSource].map((blob) => {
      assert.is(initBlob(x, blob), 0);
      return [blob.length, x.pce_arena_bytes(), x.pce_memory_bytes()];
    });
    assert.equal(figures, measured, `${simd ? 'SIMD' : 'scalar'} build: blob bytes, in use, linear memory`);
    const { A, D } = readBlob(shipped).dims;
    assert.is(num(one(memory, /window slot costs\s+([\d,]+) bytes/)), 4 * D * (Math.ceil(A / 8) * 8) + 2 * A * D + 32 + 4, 'bytes per slot');
    assert.is(num(one(memory, /S = 64 adds\s+([\d,]+) bytes/)), measured[2]![1]! - measured[0]![1]!);
    assert.is(initBlob(x, writeBlob({ ...readBlob(shipped), windowSources: 256 })), 0);
    assert.equal([num(one(memory, /S = 256 needs\s+([\d,]+) bytes in use/)), num(one(memory, /in use\s+\(([\d,]+) of linear memory/))],
      [x.pce_arena_bytes(), x.pce_memory_bytes()], 'S = 256');
  }
});

test('blob-format.md: header, section kinds, dtypes and limits are src/blob/constants.ts', () => {
  assert.equal(one(blobDoc, /\| magic \| `([^`]+)`/).split(' ').map(Number), [...MAGIC]);
  assert.is(Number(one(blobDoc, /\| version \| (\d+);/)), VERSION);
  assert.is(Number(one(blobDoc, /\| section_count \| (\d+) in v1/)), SECTION_COUNT);
  assert.is(Number(one(blobDoc, /\| alignment \| (\d+) \|/)), ALIGN);
  assert.is(Number(one(blobDoc, /header \((\d+) bytes\)/)), HEADER_BYTES);
  assert.is(Number(one(blobDoc, /Section table entry \((\d+) bytes\)/)), SECTION_ENTRY_BYTES);
  const kinds = rows(section(blobDoc, 'Layout')).filter((r) => r.length === 3 && /^\d+$/.test(r[0]!) && /^[A-Z]+$/.test(r[1]!));
  assert.equal(Object.fromEntries(kinds.map(([k, name]) => [name, Number(k)])), { ...Section });
  assert.equal(one(blobDoc, /dtype: (1 = i8, 2 = i16, 3 = i32)\./), Object.entries(DType).map(([k, v]) => `${v} = ${k.toLowerCase()}`).join(', '));
  const limits = section(blobDoc, 'Limits a reader enforces');
  assert.is(Number(one(limits, /total_length <= (\d+) MiB/)) * 2 ** 20, Limit.TOTAL_BYTES);
  assert.is(Number(one(limits, /at most (\d+)\s+records/)), Limit.DIR_RECORDS);
  assert.is(Number(one(limits, /`<= (\d+) M`/)) * 2 ** 20, Limit.TENSOR_ELEMENTS);
  assert.is(Number(one(section(blobDoc, 'NAMES'), /UTF-8 bytes \(1\.\.(\d+)\)/)), Limit.NAME_BYTES);
});

test('blob-format.md: the DIMS word table names each word as Dim does and states its limit', () => {
  const dims = rows(section(blobDoc, 'DIMS (u32 words)'));
  const word = (i: number | string) => dims.find((r) => r[0] === String(i))!;
  const first = (i: number) => /^[A-Za-z_]+/.exec(word(i)[1]!)![0];
  for (const [key, i] of Object.entries(Dim)) {
    if (key === 'OUT_DIMS') { assert.ok(word('14..14+K-1')[1]!.startsWith('out_dim'), 'word 14'); continue; }
    assert.is(first(i).toUpperCase(), key, `word ${i}`);
  }
  const range = (i: number | string) => word(i)[2]!;
  assert.is(range(Dim.P), `1..${Limit.P}`);
  assert.is(range(Dim.K), `1..${Limit.K}`);
  assert.is(range(Dim.M), `1..${Limit.M}`);
  assert.ok(range(Dim.H).includes(`${Limit.H_MIN}..${Limit.H_MAX}`));
  assert.is(range(Dim.L), `1..${Limit.L}`);
  assert.is(range(Dim.A), `1..${Limit.A}`);
  assert.is(range(Dim.D), `<= ${Limit.D}`);
  assert.is(range(Dim.FF), `1..${Limit.FF}`);
  assert.is(range(Dim.C), `${Limit.C_MIN}..${Limit.C_MAX}`);
  assert.is(range('14..14+K-1'), `1..${Limit.OUT_DIM}`);
  assert.is(range('14+K..14+K+M-1'), `${Limit.NODES_MIN}..${Limit.NODES_MAX}`);
});

test('features.md: the decode-status table has one row per status of the engine and of the host', () => {
  const codes = rows(section(doc('features.md'), 'Decode status')).map((r) => Number(r[0]));
  assert.equal(codes, PACKET_STATUS.map((_, i) => i));
  const engine = [...readFileSync(join(repoRoot, 'assembly/features/constants.ts'), 'utf8').matchAll(/^export const PKT_\w+ = (\d+);/gm)];
  assert.equal(engine.map((m) => Number(m[1])), codes);
});

test.run();
