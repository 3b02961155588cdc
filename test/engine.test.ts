/**
 * The whole engine on random valid blobs (test/helpers/random-blob.ts): SIMD
 * build == scalar build == the TypeScript reading of the spec, bit for bit,
 * over random packet streams; streaming (pce_push) == full-window recompute
 * (pce_recompute) at every packet; reset and re-init; the host library's
 * surface (loadEngine, quantization, errors) and the raw ABI's edges.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ENGINE_ERROR_COUNT, ENGINE_ERRORS, EngineError, engineMessage, initBlob, instantiateEngine, loadEngine, quantizeFeatures,
  type EngineExports,
} from '../src/engine.js';
import { HEADER_BYTES } from '../src/blob/constants.js';
import { crc32 } from '../src/blob/crc32.js';
import type { BlobModel } from '../src/blob/model.js';
import { DEFAULT_DIMS, randomBlob } from './helpers/random-blob.js';
import { ReferenceModel } from './helpers/reference.js';
import { Lcg } from './helpers/rng.js';

const {
  PCE_ERR_NOT_INITIALISED, PCE_ERR_BLOB_RANGE, PCE_ERR_CRC, PCE_ERR_TOO_SHORT, PCE_ERR_SECTION_UNALIGNED, PCE_ERR_BAD_VERSION,
  PCE_ERR_HEADER_RESERVED, PCE_ERR_WINDOW_SOURCES,
} = ENGINE_ERRORS;

/** Everything an engine exposes after a decision. */
function outputs(x: EngineExports, d: BlobModel['dims']) {
  const b = x.memory.buffer;
  const concepts = d.nodes.reduce((a, n) => a + n - 2, 0);
  return {
    probs: Array.from(new Int32Array(b, x.pce_probs_ptr(), d.C)),
    logits: Array.from(new Int16Array(b, x.pce_logits_ptr(), d.C)),
    frame: Array.from(new Int16Array(b, x.pce_frame_ptr(), d.D)),
    acts: Array.from(new Int32Array(b, x.pce_concepts_ptr(), concepts)),
  };
}

function push(x: EngineExports, q: Int16Array): number {
  new Int16Array(x.memory.buffer, x.pce_input_ptr(), q.length).set(q);
  return x.pce_push();
}

/** A packet: mostly moderate values, sometimes saturated or zero. */
function packet(rng: Lcg, P: number): Int16Array {
  const mode = rng.int(0, 9);
  if (mode === 0) return new Int16Array(P);
  if (mode === 1) return Int16Array.from({ length: P }, () => rng.pick([-32768, 32767]));
  return Int16Array.from({ length: P }, () => rng.int(-20000, 20000));
}

let simd: EngineExports, scalar: EngineExports;

test.before(async () => {
  simd = await instantiateEngine(true);
  scalar = await instantiateEngine(false);
});

test('random models: SIMD == scalar == reference, streaming == recompute at every packet', () => {
  const rng = new Lcg(41);
  let packets = 0, models = 0;
  const decisions = new Set<string>();
  for (let t = 0; t < 80; t++) {
    const { model, blob } = randomBlob(rng, { hostile: t % 3 === 2 });
    const d = model.dims;
    assert.is(initBlob(simd, blob), 0, `model ${t}: ${engineMessage(simd, initBlob(simd, blob))}`);
    assert.is(initBlob(scalar, blob), 0);
    const ref = new ReferenceModel(model);
    const n = d.A + rng.int(20, 40); // past a full window, so every slot gets overwritten
    for (let p = 0; p < n; p++) {
      const q = packet(rng, d.P);
      const want = ref.push(q);
      const a = push(simd, q), b = push(scalar, q);
      const oa = outputs(simd, d), ob = outputs(scalar, d);
      const where = `model ${t} packet ${p}`;
      assert.is(a, want, where);
      assert.is(b, want, where);
      assert.equal(oa, ob, `${where}: SIMD != scalar`);
      assert.equal(oa, { probs: ref.probs, logits: ref.logits, frame: ref.frame, acts: ref.acts }, `${where}: engine != reference`);
      // Full-window recompute gives the same decision bits and leaves the stream alone.
      assert.is(simd.pce_recompute(), a, where);
      assert.is(scalar.pce_recompute(), b, where);
      assert.equal(outputs(simd, d), oa, `${where}: SIMD streaming != recompute`);
      assert.equal(outputs(scalar, d), ob, `${where}: scalar streaming != recompute`);
      decisions.add(`${t}:${a}`);
      packets++;
    }
    models++;
  }
  console.log(`${models} random models, ${packets} packets: SIMD == scalar == reference, push == recompute`);
  assert.ok(packets > 2000, `${packets} packets`);
  assert.ok(decisions.size > models, 'decisions vary within models');
});

test('the default model shape: SIMD == scalar == reference, linear memory <= 256 KiB (packet-feature state included)', () => {
  const rng = new Lcg(42);
  const { model, blob } = randomBlob(rng, { dims: DEFAULT_DIMS });
  assert.is(initBlob(simd, blob), 0);
  assert.is(initBlob(scalar, blob), 0);
  const ref = new ReferenceModel(model);
  for (let p = 0; p < 40; p++) {
    const q = packet(rng, 128);
    const want = ref.push(q);
    assert.is(push(simd, q), want);
    assert.is(push(scalar, q), want);
    assert.equal(outputs(simd, model.dims).probs, ref.probs);
    assert.equal(outputs(scalar, model.dims), outputs(simd, model.dims));
    assert.is(simd.pce_recompute(), want);
  }
  for (const x of [simd, scalar]) {
    assert.ok(x.pce_memory_bytes() <= 256 * 1024, `linear memory ${x.pce_memory_bytes()}`);
    assert.ok(x.pce_arena_bytes() <= x.pce_memory_bytes());
  }
});

test('reset: back to zero frames; re-init on one instance equals a fresh instance', async () => {
  const rng = new Lcg(43);
  const one = randomBlob(rng), two = randomBlob(rng);
  assert.is(initBlob(simd, one.blob), 0);
  const qs = Array.from({ length: 20 }, () => packet(rng, one.model.dims.P));
  const first = qs.map((q) => [push(simd, q), outputs(simd, one.model.dims)]);
  assert.is(simd.pce_reset(), 0);
  const outs0 = outputs(simd, one.model.dims);
  assert.ok(outs0.probs.every((v) => v === 0) && outs0.frame.every((v) => v === 0), 'outputs cleared');
  assert.equal(qs.map((q) => [push(simd, q), outputs(simd, one.model.dims)]), first, 'after reset the stream repeats');
  // Re-init with a different blob, then compare against a fresh instance.
  assert.is(initBlob(simd, two.blob), 0);
  const fresh = await instantiateEngine(true);
  assert.is(initBlob(fresh, two.blob), 0);
  for (let p = 0; p < 20; p++) {
    const q = packet(rng, two.model.dims.P);
    assert.is(push(simd, q), push(fresh, q));
    assert.equal(outputs(simd, two.model.dims), outputs(fresh, two.model.dims));
  }
});

test('concept activations on demand: read after several unread pushes, after recompute, after reset', () => {
  const rng = new Lcg(47);
  for (let t = 0; t < 12; t++) {
    const { model, blob } = randomBlob(rng, { hostile: t % 3 === 2 });
    const d = model.dims;
    const concepts = d.nodes.reduce((a, n) => a + n - 2, 0);
    for (const x of [simd, scalar]) {
      assert.is(initBlob(x, blob), 0);
      const ref = new ReferenceModel(model);
      const acts = () => Array.from(new Int32Array(x.memory.buffer, x.pce_concepts_ptr(), concepts));
      assert.equal(acts(), new Array(concepts).fill(0), 'zero after init');
      for (let p = 0; p < 25; p++) {
        const q = packet(rng, d.P);
        assert.is(push(x, q), ref.push(q));
        if (p % 4 !== 3) continue; // three pushes nobody reads, then one that is read
        if (p % 8 === 7) assert.ok(x.pce_recompute() >= 0); // leaves the activations as the push set them
        assert.is(x.pce_explain(), 0);
        assert.equal(Array.from(new Int32Array(x.memory.buffer, x.pce_concepts_ptr(), concepts)), ref.acts, `model ${t} packet ${p}`);
        assert.equal(acts(), ref.acts, 'a second read gives the same');
      }
      push(x, packet(rng, d.P)); // pushed, never read
      assert.is(x.pce_reset(), 0);
      assert.equal(acts(), new Array(concepts).fill(0), 'reset clears them, even if the last push was never read');
    }
  }
  const x = simd;
  assert.is(initBlob(x, new Uint8Array(3)), PCE_ERR_TOO_SHORT); // uninitialised again
  assert.is(x.pce_explain(), -PCE_ERR_NOT_INITIALISED);
  assert.is(x.pce_concepts_ptr(), 0);
});

test('raw ABI: uninitialised engine, failed init, bad pointers, messages', async () => {
  const x = await instantiateEngine(true);
  assert.is(x.pce_push(), -PCE_ERR_NOT_INITIALISED);
  assert.is(x.pce_recompute(), -PCE_ERR_NOT_INITIALISED);
  assert.is(x.pce_reset(), -PCE_ERR_NOT_INITIALISED);
  assert.is(x.pce_input_ptr(), 0);
  assert.is(x.pce_dim(0), -1);
  assert.is(x.pce_version(), 1);
  assert.is(x.pce_blob_version(), 2);
  assert.is(x.pce_blob_alloc(64 * 1024 * 1024 + 1), 0);
  assert.is(x.pce_init(0, 100), PCE_ERR_BLOB_RANGE);
  assert.is(x.pce_init(x.pce_blob_alloc(16), 0xffffffff), PCE_ERR_BLOB_RANGE);
  const { model, blob } = randomBlob(new Lcg(44));
  assert.is(initBlob(x, blob), 0);
  assert.is(x.pce_dim(0), model.dims.P);
  assert.is(x.pce_dim(14 + model.dims.K + model.dims.M), -1);
  assert.is(x.pce_concept_count(), model.dims.nodes.reduce((a, n) => a + n - 2, 0));
  const bad = blob.slice();
  bad[100] ^= 1;
  assert.is(initBlob(x, bad), PCE_ERR_CRC);
  assert.is(x.pce_error_offset(), 12);
  assert.is(x.pce_push(), -PCE_ERR_NOT_INITIALISED, 'a failed init leaves the engine uninitialised');
  for (let code = 0; code < ENGINE_ERROR_COUNT; code++) assert.ok(engineMessage(x, code).length > 1, `message ${code}`);
  assert.is(engineMessage(x, 9999), 'unknown error code');
  assert.is(engineMessage(x, PCE_ERR_CRC), 'CRC-32 mismatch (corrupted file)');
});

test('header of format versions 1 and 2: window_sources range, reserved bytes, versions, in both builds', () => {
  const { blob } = randomBlob(new Lcg(48), { windowSources: 7 });
  const header = (change: (dv: DataView) => void) => {
    const b = blob.slice();
    change(new DataView(b.buffer)); // bytes 0..63 lie outside the CRC
    return b;
  };
  for (const x of [simd, scalar]) {
    const init = (b: Uint8Array) => [initBlob(x, b), x.pce_error_offset()];
    assert.equal(init(blob), [0, -1]);
    assert.equal(init(header((dv) => dv.setUint32(24, 256, true))), [0, -1]);
    for (const S of [257, 0x10000, 2 ** 31, 0xffffffff]) {
      assert.equal(init(header((dv) => dv.setUint32(24, S, true))), [PCE_ERR_WINDOW_SOURCES, 24], `window_sources ${S}`);
    }
    assert.equal(init(header((dv) => dv.setUint8(28, 1))), [PCE_ERR_HEADER_RESERVED, 28]);
    assert.equal(init(header((dv) => dv.setUint16(4, 3, true))), [PCE_ERR_BAD_VERSION, 4]);
    assert.equal(init(header((dv) => dv.setUint16(4, 0, true))), [PCE_ERR_BAD_VERSION, 4]);
    // Version 1: window_sources did not exist, bytes 24..63 are reserved zero.
    assert.equal(init(header((dv) => { dv.setUint16(4, 1, true); dv.setUint32(24, 0, true); })), [0, -1]);
    assert.equal(init(header((dv) => dv.setUint16(4, 1, true))), [PCE_ERR_HEADER_RESERVED, 24]);
    assert.match(engineMessage(x, PCE_ERR_WINDOW_SOURCES), /window_sources \(header byte 24\) outside 0\.\.256/);
  }
});

test('host: loadEngine surface, info, quantization, result shapes', async () => {
  const rng = new Lcg(45);
  const { model, blob } = randomBlob(rng, { dims: { ...DEFAULT_DIMS, A: 6 } });
  const d = model.dims;
  for (const simdBuild of [true, false]) {
    const e = await loadEngine(blob, { simd: simdBuild });
    assert.is(e.info.build, simdBuild ? 'simd' : 'scalar');
    assert.is(e.info.version, 1);
    assert.equal(e.info.classes, model.names.classes);
    assert.equal(e.info.concepts.map((m) => m.name), model.names.missions.map((m) => m.name));
    assert.equal(e.info.concepts.map((m) => m.concepts), model.names.missions.map((m) => m.concepts));
    assert.is(e.info.dims.P, d.P);
    assert.ok(e.info.memoryBytes > 0 && e.info.memoryBytes <= 256 * 1024);
    const ref = new ReferenceModel(model);
    const q = new Int16Array(d.P);
    for (let p = 0; p < 12; p++) {
      const f = Float32Array.from({ length: d.P }, () => (rng.float() - 0.5) * 400);
      const r = e.pushFeatures(f);
      quantizeFeatures(f, d.inputScale, q);
      const want = ref.push(q);
      assert.is(r.index, want);
      assert.is(r.label, model.names.classes[want]);
      assert.instance(r.probs, Float32Array);
      assert.equal(Array.from(r.probs), ref.probs.map((v) => Math.fround(v / 32768)));
      assert.ok(Math.abs(r.probs.reduce((a, b) => a + b, 0) - 1) < 0.01, 'probabilities sum to ~1');
      assert.equal(Array.from(e.probsQ15()), ref.probs);
      assert.equal(Array.from(e.logitsQ()), ref.logits);
      assert.equal(Array.from(e.frameQ()), ref.frame);
      assert.equal(Array.from(e.frame()), ref.frame.map((v) => Math.fround(v * d.frameScale)));
      assert.equal(Array.from(e.conceptActivationsQ()), ref.acts);
      assert.equal(Array.from(e.conceptActivations()), ref.acts.map((v) => Math.fround(v * d.frameScale)));
      const again = e.recompute();
      assert.equal({ ...again, probs: Array.from(again.probs) }, { ...r, probs: Array.from(r.probs) });
    }
    assert.is(e.pushQuantized(q), ref.push(q));
    e.reset();
    ref.reset();
    assert.is(e.pushQuantized(q), ref.push(q));
  }
});

test('host: quantizeFeatures rounds half away from zero, clamps, rejects bad input', () => {
  const out = new Int16Array(9);
  quantizeFeatures([0.5, -0.5, 1.5, -1.5, 0.49999999999999994, 2.5e9, -2.5e9, 0, -0], 1, out);
  assert.equal(Array.from(out), [1, -1, 2, -2, 0, 32767, -32768, 0, 0]);
  quantizeFeatures([0.3, 0.7, -0.7, 0.25, 0.35, 0, 0, 0, 0], 0.1, out);
  // In doubles 0.25 / 0.1 is exactly 2.5 (-> 3) and 0.35 / 0.1 is 3.4999999999999996 (-> 3).
  assert.equal(Array.from(out.subarray(0, 5)), [3, 7, -7, 3, 3]);
  assert.throws(() => quantizeFeatures([1, 2], 1, out), (e: unknown) => e instanceof EngineError && /expected 9 values/.test((e as Error).message));
  assert.throws(() => quantizeFeatures([1, 2, NaN, 0, 0, 0, 0, 0, 0], 1, out), /features\[2\] is NaN/);
  assert.throws(() => quantizeFeatures([1, 2, 3, Infinity, 0, 0, 0, 0, 0], 1, out), /features\[3\] is Infinity/);
});

test('host: a rejected blob becomes an EngineError with the engine text, code and offset', async () => {
  const { blob } = randomBlob(new Lcg(46));
  const bad = blob.slice();
  new DataView(bad.buffer).setUint32(HEADER_BYTES + 16 + 4, 7, true); // a section offset -> misaligned
  new DataView(bad.buffer).setUint32(12, crc32(bad, HEADER_BYTES), true);
  for (const simdBuild of [true, false]) {
    try {
      await loadEngine(bad, { simd: simdBuild });
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, EngineError);
      assert.ok((e as Error).message.includes(`engine rejected the blob: section offset is not 16-aligned (code ${PCE_ERR_SECTION_UNALIGNED}, byte 84)`));
      assert.is((e as EngineError).code, PCE_ERR_SECTION_UNALIGNED);
      assert.is((e as EngineError).offset, 84);
    }
  }
  const e = await loadEngine(blob);
  assert.throws(() => e.pushFeatures(new Float32Array(3)), /expected \d+ values \(P\), got 3/);
  assert.throws(() => e.pushQuantized(new Int16Array(3)), /expected \d+ values \(P\), got 3/);
});

test.run();
