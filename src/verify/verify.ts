/**
 * `packetclip verify model.onnx`: converts in memory, streams random packets
 * through the engine (SIMD and scalar builds) and through ONNX Runtime on the
 * float model, and reports how close the integer engine is to the float
 * model, and whether the builds and the two engine paths (streaming and
 * full-window recompute) agree bit for bit.
 */
import { convertOnnx } from '../convert/convert.js';
import { rng, rowsOf, syntheticStream } from '../convert/synthetic.js';
import { loadEngine } from '../engine.js';

export interface VerifyOptions {
  windows?: number;
  seed?: number;
  /** Calibration packets for the converter: a features file or float32 LE [n, P] rows. */
  calibration?: Uint8Array;
  /** float32 LE [n, P] feature rows that the random streams are drawn from; default synthetic packets. */
  inputs?: Uint8Array;
}

/**
 * A random stream of `count` packets: runs of consecutive rows of `rows`
 * starting at random places (real traffic comes in bursts), or, without
 * rows, synthetic packets.
 */
function randomStream(P: number, count: number, seed: number, rows?: Float64Array[]): Float32Array[] {
  if (!rows) return syntheticStream(P, count, seed).map((x) => Float32Array.from(x));
  const rand = rng(seed);
  const out: Float32Array[] = [];
  while (out.length < count) {
    let at = Math.floor(rand() * rows.length);
    for (let run = 1 + Math.floor(rand() * 16); run > 0 && out.length < count; run--, at = (at + 1) % rows.length) out.push(Float32Array.from(rows[at]));
  }
  return out;
}

export interface VerifyReport {
  windows: number;
  streams: number;
  argmaxAgreement: number;
  prob: { maxAbsDelta: number; meanAbsDelta: number };
  frame: { maxAbsError: number; meanAbsError: number; maxAbsValue: number; frameScale: number };
  simdEqualsScalar: boolean;
  streamingEqualsRecompute: boolean;
  calibration: { packets: number; source: string };
  inputs: string;
}

const equal = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

/**
 * ONNX Runtime is the float oracle and a development dependency: the rest of
 * the CLI runs with production dependencies alone, so it is loaded only here.
 */
async function loadOnnxRuntime(): Promise<typeof import('onnxruntime-node')> {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    throw new Error(`verify needs onnxruntime-node (the float oracle), which is not installed: npm install onnxruntime-node (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
}

export async function verifyModel(onnxBytes: Uint8Array, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const windows = opts.windows ?? 2000, seed = opts.seed ?? 1;
  const conv = convertOnnx(onnxBytes, { calibration: opts.calibration });
  const { A, P, D, C } = { ...conv.model.dims };
  const inputRows = opts.inputs ? rowsOf(opts.inputs, P, 'inputs file') : undefined;
  const simd = await loadEngine(conv.blob, { simd: true });
  const scalar = await loadEngine(conv.blob, { simd: false });
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  // Streams long enough to cover the ramp-up (zero frames) and full windows.
  const streamLength = A + 20;
  const streams = Math.ceil(windows / streamLength);
  let agree = 0, n = 0, maxDp = 0, sumDp = 0, maxDf = 0, sumDf = 0, maxF = 0;
  let simdEqualsScalar = true, streamingEqualsRecompute = true;
  for (let s = 0; s < streams && n < windows; s++) {
    const packets = randomStream(P, Math.min(streamLength, windows - n), seed * 7919 + s, inputRows);
    const T = packets.length;
    const x = new Float32Array(T * A * P), present = new Float32Array(T * A);
    for (let t = 0; t < T; t++) for (let slot = 0; slot < A; slot++) {
      const i = t - (A - 1) + slot;
      if (i < 0) continue;
      x.set(packets[i], (t * A + slot) * P);
      present[t * A + slot] = 1;
    }
    const out = await session.run({ packets: new ort.Tensor('float32', x, [T, A, P]), present: new ort.Tensor('float32', present, [T, A]) });
    const probs = out.probs.data as Float32Array, frames = out.frames.data as Float32Array;
    // No source addresses: every packet has the same window key, so a model with windows per
    // source runs the one stream window the ONNX windows above describe.
    simd.reset();
    scalar.reset();
    for (let t = 0; t < T; t++) {
      const r = simd.pushFeatures(packets[t]);
      const rs = scalar.pushFeatures(packets[t]);
      const qSimd = simd.probsQ15().slice(), fSimd = simd.frameQ().slice();
      if (rs.index !== r.index || !equal(qSimd, scalar.probsQ15()) || !equal(fSimd, scalar.frameQ())) simdEqualsScalar = false;
      const frame = simd.frame();
      const full = simd.recompute();
      if (full.index !== r.index || !equal(simd.probsQ15(), qSimd)) streamingEqualsRecompute = false;
      const p = probs.subarray(t * C, (t + 1) * C);
      let best = 0;
      for (let c = 1; c < C; c++) if (p[c] > p[best]) best = c;
      if (best === r.index) agree++;
      for (let c = 0; c < C; c++) {
        const dp = Math.abs(p[c] - r.probs[c]);
        maxDp = Math.max(maxDp, dp);
        sumDp += dp;
      }
      const f = frames.subarray((t * A + A - 1) * D, (t * A + A) * D);
      for (let j = 0; j < D; j++) {
        const df = Math.abs(f[j] - frame[j]);
        maxDf = Math.max(maxDf, df);
        sumDf += df;
        maxF = Math.max(maxF, Math.abs(f[j]));
      }
      n++;
    }
  }
  return {
    windows: n, streams,
    argmaxAgreement: agree / n,
    prob: { maxAbsDelta: maxDp, meanAbsDelta: sumDp / (n * C) },
    frame: { maxAbsError: maxDf, meanAbsError: sumDf / (n * D), maxAbsValue: maxF, frameScale: conv.blob ? simd.info.dims.frameScale : 0 },
    simdEqualsScalar, streamingEqualsRecompute,
    calibration: conv.calibration,
    inputs: inputRows ? `${inputRows.length} rows from the inputs file` : 'synthetic packets',
  };
}

export function formatVerify(r: VerifyReport): string {
  const ok = (b: boolean) => (b ? 'yes' : 'NO');
  return [
    `windows compared: ${r.windows} (${r.streams} random streams of ${r.inputs}, each starting from zero frames)`,
    `argmax agreement with ONNX Runtime: ${(100 * r.argmaxAgreement).toFixed(2)}%`,
    `|delta prob|: max ${r.prob.maxAbsDelta.toFixed(5)}, mean ${r.prob.meanAbsDelta.toFixed(6)}`,
    `frame vector f: max |error| ${r.frame.maxAbsError.toExponential(3)}, mean ${r.frame.meanAbsError.toExponential(3)} ` +
      `(max |f| ${r.frame.maxAbsValue.toFixed(3)}, one step ${r.frame.frameScale.toExponential(3)})`,
    `SIMD == scalar (bit-exact): ${ok(r.simdEqualsScalar)}`,
    `streaming == full-window recompute (bit-exact): ${ok(r.streamingEqualsRecompute)}`,
    `calibration: ${r.calibration.packets} ${r.calibration.source} packets`,
  ].join('\n');
}
