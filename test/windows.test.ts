/**
 * Temporal windows per source address (blob header window_sources S > 0,
 * docs/engine-abi.md "Windows per source"), in both builds. The oracle is the
 * definition: every packet's decision (probs, logits, frame, concept
 * activations) equals that of an engine with one window (S = 0, same model)
 * fed only the packets of that packet's source since the source last took a
 * slot, i.e. reset where the LRU table (test/helpers/source-lru.ts, or a
 * sequence derived by hand) says the source restarts. SIMD == scalar and
 * streaming == recompute hold at every packet.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBlob } from '../src/blob/reader.js';
import { writeBlob } from '../src/blob/writer.js';
import { initBlob, instantiateEngine, loadEngine, type EngineExports } from '../src/engine.js';
import { PacketInput } from '../src/features/packet-input.js';
import { readCaptureFile } from '../src/pcap/index.js';
import { packetclip, repoRoot } from './helpers/cli.js';
import { DEFAULT_DIMS, randomBlob } from './helpers/random-blob.js';
import { Lcg } from './helpers/rng.js';
import { scratchDir } from './helpers/scratch.js';
import { SourceLru, sourceKey } from './helpers/source-lru.js';

const META_BYTES = 48, SRC_ADDR = 16;

/** A packet's source as a host writes it into the metadata record: ip_version and address bytes. */
interface Source { version: number; address: number[] }

const v4 = (...b: number[]): Source => ({ version: 4, address: b });
const v6 = (...b: number[]): Source => ({ version: 6, address: Array.from({ length: 16 }, (_, i) => b[i] ?? 0) });
const keyOf = (s: Source) => sourceKey(s.version, s.address);

/**
 * Writes the record as a host pushing its own features would, with junk in every byte the key
 * must ignore: all but byte 0 and, for IPv4 / IPv6, the 16 address bytes (an IPv4 address
 * zero-padded, as the engine writes it).
 */
function writeRecord(x: EngineExports, s: Source, rng: Lcg): void {
  const m = new Uint8Array(x.memory.buffer, x.pce_packet_meta_ptr(), META_BYTES);
  for (let i = 0; i < META_BYTES; i++) m[i] = rng.int(0, 255);
  m[0] = s.version;
  if (s.version === 4 || s.version === 6) m.set(Array.from({ length: 16 }, (_, i) => s.address[i] ?? 0), SRC_ADDR);
}

function outputs(x: EngineExports, C: number, D: number, concepts: number) {
  const b = x.memory.buffer;
  return {
    probs: Array.from(new Int32Array(b, x.pce_probs_ptr(), C)),
    logits: Array.from(new Int16Array(b, x.pce_logits_ptr(), C)),
    frame: Array.from(new Int16Array(b, x.pce_frame_ptr(), D)),
    acts: Array.from(new Int32Array(b, x.pce_concepts_ptr(), concepts)),
  };
}

function pushQ(x: EngineExports, q: Int16Array): number {
  new Int16Array(x.memory.buffer, x.pce_input_ptr(), q.length).set(q);
  return x.pce_push();
}

/**
 * The definition, run: S engines with one window each (the model rewritten with S = 0), one per
 * table slot; a source that (re)starts takes a free engine or the evicted source's, reset.
 */
class PerSourceOracle {
  private readonly lru: SourceLru;
  private readonly owner = new Map<string, EngineExports>();
  private readonly free: EngineExports[];
  restarts: string[] = [];

  constructor(engines: EngineExports[]) {
    this.lru = new SourceLru(engines.length);
    this.free = [...engines];
  }

  /** The engine that runs `key`'s packet: its own, or a reset one when the key (re)starts. */
  engineFor(key: string): EngineExports {
    const { fresh, evicted } = this.lru.use(key);
    if (fresh) {
      this.restarts.push(key);
      const x = evicted !== undefined ? this.owner.get(evicted)! : this.free.pop()!;
      if (evicted !== undefined) this.owner.delete(evicted);
      assert.is(x.pce_reset(), 0);
      this.owner.set(key, x);
    }
    return this.owner.get(key)!;
  }
}

/** The same model with one window (S = 0), for the oracle's engines. */
const oneWindow = (blob: Uint8Array) => writeBlob({ ...readBlob(blob), windowSources: 0 });

async function engines(blob: Uint8Array, n: number, simd: boolean): Promise<EngineExports[]> {
  return Promise.all(Array.from({ length: n }, async () => {
    const x = await instantiateEngine(simd);
    assert.is(initBlob(x, blob), 0);
    return x;
  }));
}

/**
 * Runs `stream` (a source and quantized features per packet) through an engine with S windows in
 * each build and through the oracle; every packet's outputs must agree everywhere. Returns the
 * oracle's restarts (the keys whose windows started afresh, in order).
 */
async function checkStream(blob: Uint8Array, S: number, stream: { source: Source; q: Int16Array }[], rng: Lcg, what: string): Promise<string[]> {
  const m = readBlob(blob);
  const { C, D } = m.dims, concepts = m.dims.nodes.reduce((a, n) => a + n - 2, 0);
  const keyed = writeBlob({ ...m, windowSources: S });
  const [simd] = await engines(keyed, 1, true), [scalar] = await engines(keyed, 1, false);
  assert.is(simd.pce_window_sources(), S);
  const oracle = new PerSourceOracle(await engines(oneWindow(blob), S, true));
  stream.forEach(({ source, q }, p) => {
    const where = `${what}, packet ${p} (${keyOf(source)})`;
    const ref = oracle.engineFor(keyOf(source));
    const want = pushQ(ref, q);
    const expected = outputs(ref, C, D, concepts);
    for (const x of [simd, scalar]) {
      writeRecord(x, source, rng);
      assert.is(pushQ(x, q), want, where);
      assert.equal(outputs(x, C, D, concepts), expected, `${where}: ${x === simd ? 'SIMD' : 'scalar'} != one-window engine of that source`);
      assert.is(x.pce_recompute(), want, `${where}: recompute`);
      assert.equal(outputs(x, C, D, concepts), expected, `${where}: recompute != push`);
    }
  });
  return oracle.restarts;
}

function packet(rng: Lcg, P: number): Int16Array {
  return Int16Array.from({ length: P }, () => rng.int(-20000, 20000));
}

/** Bursts of packets from random sources (real traffic interleaves runs of one host's packets). */
function interleave(rng: Lcg, sources: Source[], n: number, P: number): { source: Source; q: Int16Array }[] {
  const out: { source: Source; q: Int16Array }[] = [];
  while (out.length < n) {
    const source = rng.pick(sources);
    for (let k = rng.int(1, 5); k > 0 && out.length < n; k--) out.push({ source, q: packet(rng, P) });
  }
  return out;
}

// Keys that differ in one place only: version alone (10.0.0.1 as IPv4 and zero-padded as IPv6),
// address bytes 0..7, address bytes 8..15; and three spellings of "no address" that are one key.
const SOURCES: Source[] = [
  v4(10, 0, 0, 1), v4(10, 0, 0, 2), v6(10, 0, 0, 1),
  v6(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), v6(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
  v6(0x20, 0x01, 0x0d, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
  { version: 0, address: [] }, { version: 5, address: [] }, { version: 255, address: [] },
];
const KEYS = new Set(SOURCES.map(keyOf)).size; // 7

test('S >= sources: every packet as in a fresh one-window engine fed only its source, both builds', async () => {
  assert.is(KEYS, 7);
  const rng = new Lcg(61);
  let packets = 0;
  for (let t = 0; t < 10; t++) {
    const { blob, model } = t === 0 ? randomBlob(rng, { dims: DEFAULT_DIMS }) : randomBlob(rng, { hostile: t % 3 === 2 });
    const S = [KEYS, KEYS + 1, 256][t % 3];
    const stream = interleave(rng, SOURCES, KEYS * (model.dims.A + 10), model.dims.P);
    const restarts = await checkStream(blob, S, stream, rng, `model ${t}, S = ${S}`);
    const seen = new Set(stream.map((p) => keyOf(p.source)));
    assert.ok(seen.size >= KEYS - 1, `only ${seen.size} sources in the stream`);
    assert.is(restarts.length, seen.size, 'each source starts once: nothing is evicted');
    packets += stream.length;
  }
  console.log(`${packets} interleaved packets of ${KEYS} sources: each equal to its source's own stream`);
});

test('eviction, S = 2, three sources: the least recently used source restarts (sequence derived by hand)', async () => {
  const A = v4(192, 168, 1, 10), B = v6(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  const none0 = { version: 0, address: [] }, none9 = { version: 9, address: [] }; // C: no address, two spellings
  // burst   source  table before (least recent first)  what happens
  //  1 x3   A       []                                  A takes an empty slot: starts
  //  2 x2   B       [A]                                 B takes the other empty slot: starts
  //  3 x2   A       [A, B]                              hit
  //  4 x4   C       [B, A]                              B evicted; C starts
  //  5 x3   B       [A, C]                              A evicted; B restarts
  //  6 x1   A       [C, B]                              C evicted; A restarts
  //  7 x2   C       [B, A]                              B evicted; C restarts
  //  8 x3   C       [A, C]                              hit
  //  9 x2   B       [A, C]                              A evicted; B restarts
  const bursts: [Source, number][] = [[A, 3], [B, 2], [A, 2], [none0, 4], [B, 3], [A, 1], [none9, 2], [none0, 3], [B, 2]];
  const restartBursts = [1, 2, 4, 5, 6, 7, 9];
  const rng = new Lcg(62);
  for (let t = 0; t < 4; t++) {
    const { blob, model } = randomBlob(rng, { dims: t === 0 ? DEFAULT_DIMS : { A: rng.int(2, 5) } });
    const stream = bursts.flatMap(([source, n]) => Array.from({ length: n }, () => ({ source, q: packet(rng, model.dims.P) })));
    const restarts = await checkStream(blob, 2, stream, rng, `model ${t}`);
    assert.equal(restarts, restartBursts.map((b) => keyOf(bursts[b - 1]![0])), 'the LRU reference restarts where the hand derivation does');
  }
});

test('random streams with more sources than windows (S = 1, 2, 3, 5), both builds', async () => {
  const rng = new Lcg(63);
  let restarts = 0;
  for (let t = 0; t < 8; t++) {
    const { blob, model } = randomBlob(rng, { hostile: t % 4 === 3 });
    const S = [1, 2, 3, 5][t % 4];
    restarts += (await checkStream(blob, S, interleave(rng, SOURCES, 150, model.dims.P), rng, `model ${t}, S = ${S}`)).length;
  }
  assert.ok(restarts > 100, `only ${restarts} restarts`);
});

test('pce_reset empties the table; pce_init and pce_reset zero the metadata record', async () => {
  const rng = new Lcg(64);
  const { blob, model } = randomBlob(rng, { windowSources: 3 });
  const { C, D } = model.dims, concepts = model.dims.nodes.reduce((a, n) => a + n - 2, 0);
  const [x] = await engines(blob, 1, true), [fresh] = await engines(blob, 1, true);
  const qs = Array.from({ length: 12 }, () => packet(rng, model.dims.P));
  qs.forEach((q, i) => { writeRecord(x, SOURCES[i % 3]!, rng); pushQ(x, q); });
  const meta = () => Array.from(new Uint8Array(x.memory.buffer, x.pce_packet_meta_ptr(), META_BYTES));
  assert.ok(meta().some((b) => b !== 0));
  assert.is(x.pce_reset(), 0);
  assert.equal(meta(), new Array(META_BYTES).fill(0), 'pce_reset zeroes the record');
  assert.is(x.pce_recompute(), fresh.pce_recompute(), 'after reset the current window is a fresh one');
  assert.equal(outputs(x, C, D, concepts), outputs(fresh, C, D, concepts));
  for (const q of qs) {
    writeRecord(x, SOURCES[1]!, rng);
    writeRecord(fresh, SOURCES[1]!, rng);
    assert.is(pushQ(x, q), pushQ(fresh, q));
    assert.equal(outputs(x, C, D, concepts), outputs(fresh, C, D, concepts), 'a source seen before the reset starts afresh');
  }
  writeRecord(x, SOURCES[0]!, rng);
  assert.is(initBlob(x, blob), 0);
  assert.equal(meta(), new Array(META_BYTES).fill(0), 'pce_init zeroes the record');
});

test('pce_push_packet keys by the record it fills: a real capture equals its features pushed with their records', async () => {
  // The features of a capture depend on the whole stream's address state, so the oracle takes the
  // engine's own features and records (pce_extract, no model) and runs the model part only.
  const shipped = readFileSync(join(repoRoot, 'models/packetclip-edge.pclip'));
  const m = readBlob(shipped);
  const S = 6, keyed = writeBlob({ ...m, windowSources: S });
  const { C, D } = m.dims, concepts = m.dims.nodes.reduce((a, n) => a + n - 2, 0);
  const extractor = await instantiateEngine(true), input = new PacketInput(extractor);
  const byPacket = await Promise.all([true, false].map((simd) => loadEngine(keyed, { simd })));
  const oracle = new PerSourceOracle(await engines(oneWindow(shipped), S, true));
  const q = new Int16Array(128);
  let n = 0;
  const keys = new Set<string>();
  for await (const p of readCaptureFile(join(repoRoot, 'data/train/lab2-seed32/capture.pcap'))) {
    if (n++ === 2500) break;
    assert.ok(input.extract(p.data, p.tsMicros, p.linkType, p.origLen) >= 0);
    const rec = new Uint8Array(extractor.memory.buffer, extractor.pce_packet_meta_ptr(), META_BYTES).slice();
    new Uint8Array(extractor.memory.buffer, extractor.pce_features_ptr(), 128).forEach((v, i) => { q[i] = v << 7; });
    const key = sourceKey(rec[0]!, rec.subarray(SRC_ADDR, SRC_ADDR + 16));
    keys.add(key);
    const ref = oracle.engineFor(key);
    new Uint8Array(ref.memory.buffer, ref.pce_packet_meta_ptr(), META_BYTES).set(rec);
    const want = pushQ(ref, q);
    for (const e of byPacket) {
      const r = e.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
      assert.is(r.index, want, `packet ${p.index} (${key})`);
      assert.equal({ probs: Array.from(e.probsQ15()), logits: Array.from(e.logitsQ()), frame: Array.from(e.frameQ()), acts: Array.from(e.conceptActivationsQ()) },
        outputs(ref, C, D, concepts), `packet ${p.index} (${key}), ${e.info.build}`);
    }
  }
  console.log(`${n - 1} capture packets, ${keys.size} source keys, ${oracle.restarts.length} window starts with S = ${S}`);
  assert.ok(keys.size > S && oracle.restarts.length > keys.size, 'the capture has more sources than windows, and some restart');
});

test('host: info.windowSources, pushFeatures / pushQuantized with a source address', async () => {
  const rng = new Lcg(65);
  const { blob, model } = randomBlob(rng, { windowSources: 4 });
  const P = model.dims.P;
  const x = await instantiateEngine(true);
  assert.is(x.pce_window_sources(), -1, 'uninitialised');
  assert.is(initBlob(x, oneWindow(blob)), 0);
  assert.is(x.pce_window_sources(), 0);
  const v1 = oneWindow(blob).slice();
  new DataView(v1.buffer).setUint16(4, 1, true);
  assert.is(initBlob(x, v1), 0);
  assert.is(x.pce_window_sources(), 0, 'a version-1 blob has one window');
  const e = await loadEngine(blob), ref = await loadEngine(blob);
  assert.is(e.info.windowSources, 4);
  assert.is((await loadEngine(oneWindow(blob))).info.windowSources, 0);
  const a = { ipVersion: 4 as const, address: new Uint8Array([10, 0, 0, 1]) };
  const b = { ipVersion: 6 as const, address: new Uint8Array(16).fill(7) };
  const fs = Array.from({ length: 10 }, () => Float32Array.from({ length: P }, () => (rng.float() - 0.5) * 200));
  // a's packets interleaved with b's give a's results of a stream of a's packets alone.
  const alone = fs.map((f) => ref.pushFeatures(f, a).probs);
  fs.forEach((f, i) => {
    e.pushFeatures(fs[(i + 3) % fs.length]!, b);
    assert.equal(e.pushFeatures(f, a).probs, alone[i]);
    assert.equal(e.packetMeta()?.srcAddr, '10.0.0.1');
  });
  const q = new Int16Array(P).fill(100);
  assert.is(e.pushQuantized(q, a), ref.pushQuantized(q, a));
  assert.equal(e.probsQ15(), ref.probsQ15());
  // null: a packet without an address, all such packets in one window (none pushed yet: fresh).
  const none = await loadEngine(oneWindow(blob));
  assert.equal(e.pushFeatures(fs[1]!, null).probs, none.pushFeatures(fs[1]!).probs);
  assert.is(e.packetMeta(), undefined);
  assert.equal(e.pushFeatures(fs[2]!).probs, none.pushFeatures(fs[2]!).probs, 'omitted: the record stays as the last push left it');
  assert.throws(() => e.pushFeatures(fs[0]!, { ipVersion: 4, address: new Uint8Array(16) }), /expected ipVersion 4 with 4 bytes or 6 with 16/);
  assert.throws(() => e.pushQuantized(q, { ipVersion: 5 as 4, address: new Uint8Array(4) }), (err: unknown) => err instanceof RangeError);
});

test('packetclip inspect: how the window is keyed, the format version and the engine memory', async () => {
  const dir = scratchDir('pce-windows-');
  const shipped = readFileSync(join(repoRoot, 'models/packetclip-edge.pclip'));
  const v1 = shipped.slice();
  new DataView(v1.buffer, v1.byteOffset).setUint16(4, 1, true);
  const files = { v1, s64: writeBlob({ ...readBlob(shipped), windowSources: 64 }) };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, `${name}.pclip`), bytes);
  const text = async (name: string) => {
    const r = await packetclip(['inspect', join(dir, `${name}.pclip`)]);
    assert.is(r.code, 0, r.stderr);
    return r.stdout;
  };
  const one = await text('v1'), many = await text('s64');
  assert.match(one, /^packetclip blob, format version 1,/);
  assert.match(one, /\nwindow: 30 frames, one window for the stream\n/);
  assert.match(one, /engine linear memory for this blob: 262,144 bytes/);
  assert.match(many, /^packetclip blob, format version 2,/);
  assert.match(many, /\nwindow: 30 frames, one per source address, up to 64 sources \(LRU\)\n/);
  assert.match(many, /engine linear memory for this blob: 589,824 bytes/);
  const json = JSON.parse((await packetclip(['inspect', join(dir, 's64.pclip'), '--json'])).stdout);
  assert.equal([json.formatVersion, json.windowSources, json.engineMemoryBytes], [2, 64, 589824]);
});

test.run();
