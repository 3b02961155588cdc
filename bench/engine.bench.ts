/**
 * `npm run bench`: the shipped model (models/packetclip-edge.pclip and the
 * float graph it came from) against every contender, in one process and one
 * run, rounds interleaved, so the ratios are what counts (machines are noisy):
 *   engine SIMD and scalar in V8: push (streaming decision), recompute (full
 *     window), push + explain, the stages of the profiling build, and the host
 *     pushFeatures path (float features to decision, end to end);
 *   onnxruntime-node (1 thread): the full-window graph at batch 1, and
 *     streaming (the graph's per-packet half, then its temporal half);
 *   onnxruntime-web's wasm backend (1 thread), full window;
 * plus the GEMV peak (bench/gemv-peak.ts) timed in the same rounds, the counted operations
 * (bench/count-ops.ts), FLOPs counted from the ONNX graph, memory, and the
 * latest instructions-per-packet file (bench/instructions.ts) for this model.
 * Writes bench/results/engine-<date>.json (engine-<date>b.json, ... for a later run of the same day) in the benchmark schema
 * (docs/bench-format.md) and build/gemv-peak.pclip for pce-bench --peak-model.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { syntheticStream } from '../src/convert/synthetic.js';
import { BENCH_FORMAT, BENCH_VERSION, modelHash, validateBench, type BenchFile, type BenchResult, type BenchRun } from '../src/efficiency/bench-schema.js';
import { initBlob, loadEngine, quantizeFeatures, type EngineExports } from '../src/engine.js';
import { inspectBlob } from '../src/inspect/inspect.js';
import { freshPath, stats, thisMachine } from './common.js';
import { countOps, kindTotal } from './count-ops.js';
import { gemvPeak } from './gemv-peak.js';
import { onnxFlops, subgraph } from './onnx-graph.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new URL(p, root);
const ROUNDS = Number(process.env.ROUNDS ?? 41);

interface Contender {
  run: string; // runtime/build key into `runs`
  name: string;
  scope: BenchResult['scope'];
  /** Items per round. */
  n: number;
  ops: number | null;
  fn: () => void | Promise<void>;
  times: number[];
}

interface ProfileExports extends EngineExports { prof_stage(stage: number, reps: number): number; }

async function main(): Promise<void> {
  const blob = new Uint8Array(readFileSync(file('models/packetclip-edge.pclip')));
  const onnx = new Uint8Array(readFileSync(file('models/packetclip-edge.onnx')));
  const report = inspectBlob(blob);
  const { A, P, D } = report.dims;
  const simd = await loadEngine(blob, { simd: true });
  const scalar = await loadEngine(blob, { simd: false });
  const packets = syntheticStream(P, 1024, 42).map((x) => Float32Array.from(x));
  const quantized = packets.map((x) => { const q = new Int16Array(P); quantizeFeatures(x, simd.info.dims.inputScale, q); return q; });
  let i = 0;
  const next = () => (i = (i + 1) & 1023);

  const counted = await countOps(blob, quantized.slice(0, 64));
  const macs = {
    streaming: kindTotal(counted.streaming, 'macs'), fullWindow: kindTotal(counted.fullWindow, 'macs'), recompute: kindTotal(counted.recompute, 'macs'),
    explain: counted.explain.macs,
  };

  // ONNX Runtime: the full graph, and its two halves for streaming.
  const ortOpts = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 } as const;
  const packetHalf = subgraph(onnx, ['packets'], ['frames']);
  const temporalHalf = subgraph(onnx, ['frames'], ['probs']);
  const full = await ortNode.InferenceSession.create(onnx, ortOpts);
  const packetGraph = await ortNode.InferenceSession.create(packetHalf, ortOpts);
  const temporalGraph = await ortNode.InferenceSession.create(temporalHalf, ortOpts);
  ortWeb.env.wasm.numThreads = 1;
  const web = await ortWeb.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
  const window = new Float32Array(A * P), present = new Float32Array(A).fill(1), frames = new Float32Array(A * D);
  const one = new ortNode.Tensor('float32', new Float32Array([1]), [1, 1]);
  const fullFeeds = () => ({ packets: new ortNode.Tensor('float32', window, [1, A, P]), present: new ortNode.Tensor('float32', present, [1, A]) });
  const slideWindow = () => { window.copyWithin(0, P); window.set(packets[next()], (A - 1) * P); };
  const flopsFull = await onnxFlops(onnx, fullFeeds());
  const flopsPacket = await onnxFlops(packetHalf, { packets: new ortNode.Tensor('float32', packets[0], [1, 1, P]), present: one });
  const flopsTemporal = await onnxFlops(temporalHalf, { frames: new ortNode.Tensor('float32', frames, [1, A, D]) });
  const ortMacs = { full: flopsFull.matmulFlops / 2, streaming: (flopsPacket.matmulFlops + flopsTemporal.matmulFlops) / 2 };

  // The GEMV peak runs as a contender too, so it is measured in the same rounds as the engine.
  const peakRef = await gemvPeak(1024, 1024, 0.2);
  const peakEngine = await loadEngine(peakRef.blob, { simd: true });
  const peakInput = Int16Array.from({ length: peakRef.cols }, (_, k) => ((k * 7919) % 65536) - 32768);
  const rawPush = (e: typeof simd) => () => { e.pushQuantized(quantized[next()]); };
  const cs: Contender[] = [
    { run: 'v8/simd', name: 'push', scope: 'kernel', n: 256, ops: macs.streaming, fn: rawPush(simd), times: [] },
    { run: 'v8/simd', name: 'gemv peak', scope: 'kernel', n: 16, ops: peakRef.macsPerPush, fn: () => { peakEngine.pushQuantized(peakInput); }, times: [] },
    { run: 'v8/simd', name: 'recompute', scope: 'kernel', n: 64, ops: macs.recompute, fn: () => { simd.recompute(); }, times: [] },
    { run: 'v8/simd', name: 'push+explain', scope: 'kernel', n: 64, ops: macs.streaming + macs.explain, fn: () => { simd.pushQuantized(quantized[next()]); simd.conceptActivationsQ(); }, times: [] },
    { run: 'v8/simd', name: 'pushFeatures (host, float features to decision)', scope: 'end-to-end', n: 256, ops: macs.streaming, fn: () => { simd.pushFeatures(packets[next()]); }, times: [] },
    { run: 'v8/scalar', name: 'push', scope: 'kernel', n: 32, ops: macs.streaming, fn: rawPush(scalar), times: [] },
    { run: 'v8/scalar', name: 'recompute', scope: 'kernel', n: 16, ops: macs.recompute, fn: () => { scalar.recompute(); }, times: [] },
    {
      run: 'onnxruntime-node/float32', name: 'full window, batch 1', scope: 'end-to-end', n: 4, ops: ortMacs.full, times: [],
      fn: async () => { slideWindow(); await full.run(fullFeeds()); },
    },
    {
      run: 'onnxruntime-node/float32', name: 'streaming (packet half + temporal half)', scope: 'end-to-end', n: 8, ops: ortMacs.streaming, times: [],
      fn: async () => {
        const f = await packetGraph.run({ packets: new ortNode.Tensor('float32', packets[next()], [1, 1, P]), present: one });
        frames.copyWithin(0, D);
        frames.set(f.frames.data as Float32Array, (A - 1) * D);
        await temporalGraph.run({ frames: new ortNode.Tensor('float32', frames, [1, A, D]) });
      },
    },
    {
      run: 'onnxruntime-web/float32', name: 'full window, batch 1', scope: 'end-to-end', n: 2, ops: ortMacs.full, times: [],
      fn: async () => { slideWindow(); await web.run({ packets: new ortWeb.Tensor('float32', window, [1, A, P]), present: new ortWeb.Tensor('float32', present, [1, A]) }); },
    },
  ];
  // Stages from the profiling build (npm run bench builds it): prof_stage(stage, reps) on the current state.
  if (existsSync(file('build/profile.simd.wasm'))) {
    const x = (await WebAssembly.instantiate(readFileSync(file('build/profile.simd.wasm')), {})).instance.exports as unknown as ProfileExports;
    if (initBlob(x, blob) !== 0) throw new Error('profile.simd.wasm: init failed');
    new Int16Array(x.memory.buffer, x.pce_input_ptr(), P).set(quantized[0]);
    const st = counted.streaming;
    const stage = (name: string, id: number, ops: number): Contender => ({ run: 'v8/simd', name, scope: 'kernel', n: 128, ops, fn: () => { x.prof_stage(id, 1); }, times: [] });
    cs.push(stage('stage: projection', 1, st.projection.macs), stage('stage: projection + mission GNNs', 2, st.projection.macs + st.gnn.macs),
      stage('stage: q, k, v', 3, st.qkv.macs), stage('stage: attention', 4, st.attention.macs),
      stage('stage: out projection, norms, feed-forward, head', 5, st.outProjection.macs + st.feedForward.macs + st.head.macs));
  }

  for (const c of cs) for (let k = 0; k < 3; k++) await c.fn(); // warm
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cs) {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < c.n; k++) await c.fn();
      c.times.push(Number(process.hrtime.bigint() - t0) / c.n);
    }
  }
  writeFileSync(file('build/gemv-peak.pclip'), peakRef.blob);

  const versions: Record<string, string> = {
    'v8/simd': `node ${process.version}`, 'v8/scalar': `node ${process.version}`,
    'onnxruntime-node/float32': pkgVersion('onnxruntime-node'), 'onnxruntime-web/float32': pkgVersion('onnxruntime-web'),
  };
  const runs: BenchRun[] = [];
  for (const c of cs) {
    let run = runs.find((r) => `${r.runtime}/${r.build}` === c.run);
    if (!run) {
      const [runtime, build] = c.run.split('/');
      run = { runtime, build, version: versions[c.run], results: [] };
      runs.push(run);
    }
    const s = stats(c.times);
    run.results.push({
      name: c.name, scope: c.scope, iterations: c.n * ROUNDS, ...s, perSecond: 1e9 / s.medianNs,
      opsPerItem: c.ops, opsPerSecond: c.ops === null ? null : (c.ops * 1e9) / s.medianNs,
    });
  }
  const med = (run: string, name: string) => stats(cs.find((c) => c.run === run && c.name === name)!.times).medianNs;
  const engine = med('v8/simd', 'push'), engineFull = med('v8/simd', 'recompute');
  const peakNs = med('v8/simd', 'gemv peak');
  const peak = { rows: peakRef.rows, cols: peakRef.cols, macsPerPush: peakRef.macsPerPush, usPerPush: peakNs / 1000, macsPerSecond: (peakRef.macsPerPush * 1e9) / peakNs };
  const floorNs = (macs.streaming / peak.macsPerSecond) * 1e9;
  const ratios = {
    ortNodeFullWindowOverEngineSimd: med('onnxruntime-node/float32', 'full window, batch 1') / engine,
    ortNodeStreamingOverEngineSimd: med('onnxruntime-node/float32', 'streaming (packet half + temporal half)') / engine,
    ortWebFullWindowOverEngineSimd: med('onnxruntime-web/float32', 'full window, batch 1') / engine,
    ortNodeFullWindowOverEngineSimdRecompute: med('onnxruntime-node/float32', 'full window, batch 1') / engineFull,
    engineScalarOverSimd: med('v8/scalar', 'push') / engine,
    engineSimdFloorFraction: floorNs / engine,
  };
  const out: BenchFile = {
    format: BENCH_FORMAT, version: BENCH_VERSION, date: new Date().toISOString(), tool: 'npm run bench',
    machine: thisMachine(),
    model: {
      name: 'models/packetclip-edge.pclip', hash: modelHash(blob), blobBytes: blob.length, window: A, parameters: report.parameters.total,
      sections: report.sections.map((s) => ({ name: s.name, bytes: s.length })),
    },
    peak: { kernel: `gemv int8 x int16 ${peak.rows}x${peak.cols}`, runtime: 'v8', build: 'simd', macsPerItem: peak.macsPerPush, medianNs: peak.usPerPush * 1000, macsPerSecond: peak.macsPerSecond },
    runs,
    memory: { blobBytes: blob.length, arenaBytes: await arenaBytes(blob), linearMemoryBytes: simd.info.memoryBytes, hostRssBytes: process.memoryUsage().rss },
    counted: {
      streaming: counted.streaming, fullWindow: counted.fullWindow, recompute: counted.recompute, explain: counted.explain, flopsPerMac: 2,
      onnx: {
        fullWindowFlops: flopsFull.total, streamingFlops: flopsPacket.total + flopsTemporal.total, matmulFlops: flopsFull.matmulFlops,
        elementwiseFlops: flopsFull.elementwiseFlops, parameters: flopsFull.parameters,
      },
    },
    ratios,
  };
  const instr = latestInstructions(out.model.hash);
  if (instr) out.instructions = instr;
  const errs = validateBench(out);
  if (errs.length) throw new Error(`bench output fails its own schema:\n${errs.join('\n')}`);

  console.log(`shipped model ${out.model.hash}: ${report.parameters.total} parameters, ${macs.streaming} MACs per packet streaming, ${macs.fullWindow} full window (counted)`);
  for (const run of runs) {
    for (const r of run.results) {
      console.log(`  ${`${run.runtime} ${run.build}`.padEnd(26)} ${r.name.padEnd(50)} ${(r.medianNs / 1000).toFixed(2).padStart(9)} us  min ${(r.minNs / 1000).toFixed(2).padStart(8)}  MAD ${(r.madNs / 1000).toFixed(2).padStart(7)}`);
    }
  }
  console.log(`  GEMV peak ${(peak.macsPerSecond / 1e9).toFixed(2)} GMAC/s; floor ${(floorNs / 1000).toFixed(2)} us/packet; engine SIMD at ${(100 * ratios.engineSimdFloorFraction).toFixed(1)}% of it`);
  for (const [k, v] of Object.entries(ratios)) console.log(`  ${k.padEnd(42)} ${v.toFixed(2)}`);
  const path = freshPath(file(`bench/results/engine-${out.date.slice(0, 10)}`).pathname);
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path}`);
  await Promise.all([full.release(), packetGraph.release(), temporalGraph.release(), web.release()]);
}

/** Bytes of linear memory the engine uses for this blob (static data, blob, state). */
async function arenaBytes(blob: Uint8Array): Promise<number> {
  const x = (await WebAssembly.instantiate(readFileSync(file('build/packetclip.simd.wasm')), {})).instance.exports as unknown as EngineExports;
  if (initBlob(x, blob) !== 0) throw new Error('packetclip.simd.wasm: init failed');
  return x.pce_arena_bytes();
}

/** The `instructions` of the newest bench/results/instructions-*.json for this model, if any. */
function latestInstructions(hash: string): BenchFile['instructions'] {
  const dir = file('bench/results/');
  const names = readdirSync(dir).filter((n) => /^instructions-.*\.json$/.test(n)).sort();
  for (const n of names.reverse()) {
    const j = JSON.parse(readFileSync(new URL(n, dir), 'utf8'));
    if (j.model?.hash === hash && Array.isArray(j.instructions)) return j.instructions;
  }
  return undefined;
}

function pkgVersion(name: string): string {
  return `${name} ${JSON.parse(readFileSync(file(`node_modules/${name}/package.json`), 'utf8')).version}`;
}

main().catch((e) => { console.error(e); process.exit(1); });
