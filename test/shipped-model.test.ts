// The shipped model (models/, trained under the evaluation protocol, docs/training.md)
// against an independent oracle: the blob `npm run build` converted
// (models/packetclip-edge.pclip), run by the engine exactly as `packetclip run`
// runs it (loadEngine().pushPacket, file order, a fresh engine per capture),
// against the float model it came from (models/packetclip-edge.onnx) in
// onnxruntime-node, on the lab test captures data/test/lab2-seed35 and
// lab2-seed36 (tools/train/splits.py). The ONNX model gets what the converter
// calibrates on: the engine's own 128 features of each packet as v / 255
// (docs/features-file.md), windows of A packets oldest first with `present` 0
// for zero frames (docs/onnx-contract.md). The test forms each window itself,
// as docs/engine-abi.md says the engine does: one over the stream, or, when the
// blob keys windows by source address, one per source in a table of S with the
// least recently used source's window given up (test/helpers/source-lru.ts,
// which shares no code with the engine's table).
//
// ONNX Runtime recomputes all A packets of every window, so the oracle sees a
// fixed, evenly spread subset: the windows that end at packet 4, 9, 14, ... of
// each capture (every STRIDE-th packet, 7,344 of 36,721, covering every class).
// The engine itself runs every packet (its window state depends on all of them).
//
// The bounds sit just above what the shipped converter measures (comments),
// tight enough that a converter losing activation precision fails. Measured
// on this subset for the model of the third protocol run (HEADROOM in
// src/convert/quantize.ts changed for the check, never committed;
// PCE_PRINT_MEASURED=1 prints the figures):
//                         headroom x2 (shipped)  x4         x8
//   argmax agreement      0.99959                0.99959    0.99959
//   max |dp|              0.0241                 0.0321     0.0297
//   mean |dp|             0.000222               0.000235   0.000207
//   max |dAUC| per class  0.000021               0.000040   0.000131
//   frame mean |df|       0.001077               0.001052   0.001488
//   frame max |df|        0.0207                 0.0216     0.0219
// The model was trained quantization-aware and its GEMV weights sit on the
// converter's int8 grid, so weight rounding no longer dominates the error:
// activation precision shows in the worst window and the frame vector.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadEngine } from '../src/engine.js';
import { readCaptureFile } from '../src/pcap/index.js';
import { rocAuc } from './helpers/auc.js';
import { repoRoot } from './helpers/cli.js';
import { SourceLru } from './helpers/source-lru.js';

const ONNX = join(repoRoot, 'models/packetclip-edge.onnx');
const BLOB = join(repoRoot, 'models/packetclip-edge.pclip');
/** The lab test captures of the evaluation protocol (tools/train/splits.py, LAB["test"]). */
const CAPTURES = ['data/test/lab2-seed35', 'data/test/lab2-seed36'].map((d) => join(repoRoot, d));
/** Windows the oracle sees: those ending at packet FIRST, FIRST + STRIDE, ... of each capture. */
const STRIDE = 5, FIRST = 4;
/** ONNX Runtime batch (windows per session.run). */
const BATCH = 256;

const BOUNDS = {
  minArgmaxAgreement: 0.999, // measured 0.99959 (3 of 7,344 windows differ)
  maxProbDelta: 0.026, // measured 0.0241; headroom x4 gives 0.0321, x8 0.0297
  meanProbDelta: 0.00025, // measured 0.000222
  aucDelta: 0.0001, // measured at most 0.000021; headroom x8 gives 0.000131
  frameMeanDelta: 0.0012, // measured 0.001077; headroom x8 gives 0.001488
  frameMaxDelta: 0.021, // measured 0.0207; headroom x4 gives 0.0216
};

/** Coarse class of every packet, in file order (docs/labels-format.md). */
function coarseLabels(folder: string): string[] {
  const lines = readFileSync(join(folder, 'capture.labels.tsv'), 'utf8').split('\n').filter((l) => l !== '');
  assert.ok(lines[0]!.startsWith('#packetclip-labels\tversion=1'), 'labels manifest version line');
  assert.is(lines[1]!.split('\t')[2], 'coarse');
  return lines.slice(2).map((l) => l.split('\t')[2]!);
}

interface EngineRun {
  features: Uint8Array; probs: Float32Array[]; frames: Float32Array[];
  /** Per oracle window: the packets in it, oldest first (fewer than A: zero frames before them). */
  windows: number[][];
  classes: readonly string[]; A: number; P: number; C: number; D: number; windowSources: number;
}

/** Every packet of one capture through a fresh engine; keeps its features, and probs and frame at the oracle's windows. */
async function runEngine(folder: string): Promise<EngineRun> {
  const engine = await loadEngine(readFileSync(BLOB));
  const { A, P, C, D } = engine.info.dims;
  const S = engine.info.windowSources;
  const lru = new SourceLru(Math.max(S, 1));
  const open = new Map<string, number[]>(); // window key -> its packets since it (re)started
  const rows: Uint8Array[] = [], probs: Float32Array[] = [], frames: Float32Array[] = [], windows: number[][] = [];
  for await (const p of readCaptureFile(join(folder, 'capture.pcap'))) {
    const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
    rows.push(engine.packetFeatures().slice());
    const meta = engine.packetMeta();
    const key = S === 0 ? 'stream' : meta === undefined ? 'none' : `${meta.ipVersion}/${meta.srcAddr}`;
    const use = lru.use(key);
    if (use.evicted !== undefined) open.delete(use.evicted);
    if (use.fresh) open.set(key, []);
    const window = open.get(key)!;
    window.push(p.index);
    if (window.length > A) window.shift();
    if (p.index >= FIRST && (p.index - FIRST) % STRIDE === 0) {
      probs.push(r.probs);
      frames.push(engine.frame());
      windows.push([...window]);
    }
  }
  const features = new Uint8Array(rows.length * P);
  rows.forEach((row, i) => features.set(row, i * P));
  return { features, probs, frames, windows, classes: engine.info.classes, A, P, C, D, windowSources: S };
}

/** The float model on every window of `e.windows`: probs [n, C] and the last frame [n, D]. */
async function runOnnx(e: EngineRun): Promise<{ probs: Float32Array; frames: Float32Array }> {
  const { A, P, C, D, features, windows } = e;
  const session = await ort.InferenceSession.create(ONNX, { logSeverityLevel: 3 });
  const probs = new Float32Array(windows.length * C), frames = new Float32Array(windows.length * D);
  for (let s = 0; s < windows.length; s += BATCH) {
    const B = Math.min(BATCH, windows.length - s);
    const x = new Float32Array(B * A * P), present = new Float32Array(B * A);
    for (let b = 0; b < B; b++) {
      for (let slot = 0; slot < A; slot++) {
        const w = windows[s + b]!, at = slot - (A - w.length);
        if (at < 0) continue; // before the window's first packet: a zero frame in the engine
        const i = w[at]!;
        for (let j = 0; j < P; j++) x[(b * A + slot) * P + j] = features[i * P + j]! / 255;
        present[b * A + slot] = 1;
      }
    }
    const out = await session.run({
      packets: new ort.Tensor('float32', x, [B, A, P]),
      present: new ort.Tensor('float32', present, [B, A]),
    });
    probs.set(out.probs!.data as Float32Array, s * C);
    const f = out.frames!.data as Float32Array;
    for (let b = 0; b < B; b++) frames.set(f.subarray((b * A + A - 1) * D, (b * A + A) * D), (s + b) * D);
  }
  return { probs, frames };
}

const argmax = (p: ArrayLike<number>): number => {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
  return best;
};

test('shipped model: the engine on the lab test captures agrees with the float ONNX model in onnxruntime-node', async () => {
  const labels: string[] = [], probs: Float32Array[] = [];
  let agree = 0, maxDp = 0, sumDp = 0, maxDf = 0, sumDf = 0, n = 0, C = 0, D = 0, classes: readonly string[] = [];
  const oracleProbs: number[][] = [];
  for (const folder of CAPTURES) {
    const truth = coarseLabels(folder);
    const e = await runEngine(folder);
    assert.is(e.features.length / e.P, truth.length, `${folder}: one label per packet of the capture`);
    const ends = truth.map((_, i) => i).filter((i) => i >= FIRST && (i - FIRST) % STRIDE === 0);
    assert.is(e.probs.length, ends.length);
    assert.equal(e.windows.map((w) => w[w.length - 1]), ends, 'each oracle window ends at its packet');
    const oracle = await runOnnx(e);
    ({ C, D, classes } = e);
    ends.forEach((end, k) => {
      const p = oracle.probs.subarray(k * C, (k + 1) * C), q = e.probs[k]!;
      if (argmax(p) === argmax(q)) agree++;
      for (let c = 0; c < C; c++) {
        const d = Math.abs(p[c]! - q[c]!);
        maxDp = Math.max(maxDp, d);
        sumDp += d;
      }
      const f = oracle.frames.subarray(k * D, (k + 1) * D), g = e.frames[k]!;
      for (let j = 0; j < D; j++) {
        const d = Math.abs(f[j]! - g[j]!);
        maxDf = Math.max(maxDf, d);
        sumDf += d;
      }
      labels.push(truth[end]!);
      probs.push(q);
      oracleProbs.push(Array.from(p));
    });
    n += ends.length;
  }
  assert.ok(n >= 6000, `${n} windows`);
  const measured = {
    windows: n, argmaxAgreement: agree / n, maxProbDelta: maxDp, meanProbDelta: sumDp / (n * C),
    frameMeanDelta: sumDf / (n * D), frameMaxDelta: maxDf,
    aucDelta: classes.map((cls, c) => {
      const positive = labels.map((l) => l === cls);
      return rocAuc(probs.map((p) => p[c]!), positive) - rocAuc(oracleProbs.map((p) => p[c]!), positive);
    }),
  };
  const said = JSON.stringify(measured);
  assert.ok(measured.argmaxAgreement >= BOUNDS.minArgmaxAgreement, `argmax agreement: ${said}`);
  assert.ok(measured.maxProbDelta <= BOUNDS.maxProbDelta, `max |dp|: ${said}`);
  assert.ok(measured.meanProbDelta <= BOUNDS.meanProbDelta, `mean |dp|: ${said}`);
  measured.aucDelta.forEach((d, c) => assert.ok(Math.abs(d) <= BOUNDS.aucDelta, `${classes[c]} AUC difference: ${said}`));
  assert.ok(measured.frameMeanDelta <= BOUNDS.frameMeanDelta, `frame mean |df|: ${said}`);
  assert.ok(measured.frameMaxDelta <= BOUNDS.frameMaxDelta, `frame max |df|: ${said}`);
  if (process.env.PCE_PRINT_MEASURED) console.log(said);
});

test.run();
