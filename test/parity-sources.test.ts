/**
 * Windows per source against the float model: the parity fixture made a
 * contract-version-2 model with pce.window_sources = 4, converted, and fed an
 * interleaved stream of six sources (more than four: sources lose their
 * windows and restart). ONNX Runtime runs, for every packet, the window the
 * definition gives it: that source's packets since it last took a window
 * (test/helpers/source-lru.ts), zero-padded. Same tolerances as
 * test/parity.test.ts (argmax >= 99 %, max |delta prob| <= 0.03); the
 * engine's SIMD and scalar builds agree bit for bit.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import onnxProto from 'onnx-proto';
import { convertOnnx } from '../src/convert/convert.js';
import { loadEngine, type SourceAddress } from '../src/engine.js';
import { Lcg } from './helpers/rng.js';
import { SourceLru, sourceKey } from './helpers/source-lru.js';
import { fixturePath, runWindows, session, stream } from './support/fixture.js';

const { onnx } = onnxProto;
const S = 4, A = 30, P = 128, PACKETS = 20000, BATCH = 1000;

/** The fixture with contract version 2 and pce.window_sources = S. */
function fixtureWithSources(): Uint8Array {
  const m = onnx.ModelProto.decode(readFileSync(fixturePath('fixture.onnx')));
  m.metadataProps!.find((p) => p.key === 'pce.contract_version')!.value = '2';
  m.metadataProps!.push(onnx.StringStringEntryProto.create({ key: 'pce.window_sources', value: String(S) }));
  return onnx.ModelProto.encode(m).finish();
}

const SOURCES: (SourceAddress | null)[] = [
  { ipVersion: 4, address: new Uint8Array([10, 0, 0, 1]) }, { ipVersion: 4, address: new Uint8Array([10, 0, 0, 2]) },
  { ipVersion: 4, address: new Uint8Array([192, 168, 7, 9]) }, { ipVersion: 6, address: new Uint8Array(16).fill(0x20) },
  { ipVersion: 6, address: new Uint8Array([0xfe, 0x80, ...new Array<number>(13).fill(0), 1]) }, null,
];
const keyOf = (s: SourceAddress | null) => (s === null ? sourceKey(0, []) : sourceKey(s.ipVersion, s.address));

test(`engine with window_sources ${S} vs onnxruntime-node on per-source windows, ${PACKETS} packets of ${SOURCES.length} sources`, async () => {
  const onnxBytes = fixtureWithSources();
  const inputs = readFileSync(fixturePath('fixture.inputs.f32'));
  const blob = convertOnnx(onnxBytes, { calibration: inputs }).blob;
  const [simd, scalar] = await Promise.all([true, false].map((b) => loadEngine(blob, { simd: b })));
  assert.is(simd.info.windowSources, S);
  const rows = stream(), rng = new Lcg(71);
  // Bursts of consecutive fixture rows from one source at a time.
  const packets: { x: Float32Array; source: SourceAddress | null }[] = [];
  while (packets.length < PACKETS) {
    const source = rng.pick(SOURCES);
    let at = rng.int(0, rows.length - 1);
    for (let run = rng.int(1, 12); run > 0 && packets.length < PACKETS; run--, at = (at + 1) % rows.length) packets.push({ x: rows[at]!, source });
  }
  // The definition: per key, the packets since its window (re)started.
  const lru = new SourceLru(S), since = new Map<string, Float32Array[]>();
  let restarts = 0;
  const windows = packets.map(({ x, source }) => {
    const key = keyOf(source);
    if (lru.use(key).fresh) { since.set(key, []); restarts++; }
    const list = since.get(key)!;
    list.push(x);
    const w = { packets: new Float32Array(A * P), present: new Float32Array(A) };
    list.slice(-A).forEach((p, i, last) => { const slot = A - last.length + i; w.packets.set(p, slot * P); w.present[slot] = 1; });
    return w;
  });
  const s = await session(fixturePath('fixture.onnx')); // the graph does not depend on the metadata
  let agree = 0, maxDp = 0, bitExact = true;
  for (let b = 0; b < PACKETS; b += BATCH) {
    const out = await runWindows(s, windows.slice(b, b + BATCH), A, P);
    out.probs.forEach((p, i) => {
      const { x, source } = packets[b + i]!;
      const r = simd.pushFeatures(x, source), rs = scalar.pushFeatures(x, source);
      if (rs.index !== r.index || !simd.probsQ15().every((v, c) => v === scalar.probsQ15()[c]) ||
        !simd.frameQ().every((v, j) => v === scalar.frameQ()[j])) bitExact = false;
      let best = 0;
      for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
      if (best === r.index) agree++;
      p.forEach((v, c) => { maxDp = Math.max(maxDp, Math.abs(v - r.probs[c]!)); });
    });
  }
  console.log(JSON.stringify({ packets: PACKETS, restarts, argmaxAgreement: agree / PACKETS, maxAbsDeltaProb: maxDp }));
  assert.ok(restarts > 2 * SOURCES.length, `only ${restarts} window starts: too little eviction`);
  assert.ok(agree / PACKETS >= 0.99, `argmax agreement ${agree / PACKETS}`);
  assert.ok(maxDp <= 0.03, `max |delta prob| ${maxDp}`);
  assert.ok(bitExact, 'SIMD and scalar builds differ');
});

test.run();
