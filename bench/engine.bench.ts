/**
 * `npm run bench`: per-decision streaming latency of every contender, in one
 * process and one run, so the ratios are what counts (machines are noisy):
 *   engine SIMD and scalar (the raw Wasm push, and the host pushFeatures path),
 *   onnxruntime-node (1 thread) on the full-window graph at batch 1,
 *   onnxruntime-node streaming (per-packet graph + temporal graph, batch 1 each),
 *   onnxruntime-web's wasm backend (1 thread) on the full-window graph,
 * plus a SIMD GEMV peak measured in the same run, from which the arithmetic
 * floor (MACs per packet / peak) follows. Writes bench/results/engine-<date>.json.
 */
import Benchmark from 'benchmark';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { convertOnnx } from '../src/convert/convert.js';
import { syntheticStream } from '../src/convert/synthetic.js';
import { inspectBlob } from '../src/inspect/inspect.js';
import { loadEngine, quantizeFeatures, type Engine } from '../src/engine.js';
import { gemvPeak } from './gemv-peak.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new URL(p, root);
const fixture = (name: string) => readFileSync(file(`test/fixtures/${name}`));

interface Row { name: string; usPerDecision: number; rme: number; samples: number; }

function suite(cases: { name: string; fn: () => void | Promise<void>; async?: boolean }[]): Promise<Row[]> {
  return new Promise((resolve) => {
    const s = new Benchmark.Suite();
    for (const c of cases) {
      if (c.async) s.add(c.name, { defer: true, fn: (d: { resolve(): void }) => { (c.fn() as Promise<void>).then(() => d.resolve()); } });
      else s.add(c.name, c.fn);
    }
    const rows: Row[] = [];
    s.on('cycle', (e: { target: Benchmark }) => {
      const t = e.target;
      rows.push({ name: String(t.name), usPerDecision: t.stats.mean * 1e6, rme: t.stats.rme, samples: t.stats.sample.length });
      console.log(`  ${String(t.name).padEnd(44)} ${(t.stats.mean * 1e6).toFixed(2).padStart(10)} us/decision  ±${t.stats.rme.toFixed(1)}%`);
    });
    s.on('complete', () => resolve(rows));
    s.run({ async: true });
  });
}

async function main(): Promise<void> {
  const onnx = fixture('fixture.onnx');
  const conv = convertOnnx(onnx, { calibration: fixture('fixture.inputs.f32') });
  const report = inspectBlob(conv.blob);
  const { A, P, D } = conv.model.dims;
  const packets = syntheticStream(P, 1024, 42).map((x) => Float32Array.from(x));
  const simd = await loadEngine(conv.blob, { simd: true });
  const scalar = await loadEngine(conv.blob, { simd: false });
  const quantized = packets.map((x) => {
    const q = new Int16Array(P);
    quantizeFeatures(x, simd.info.dims.inputScale, q);
    return q;
  });
  let i = 0;
  const next = () => (i = (i + 1) % packets.length);
  const push = (e: Engine) => () => { e.pushQuantized(quantized[next()]); };

  // ONNX Runtime contenders: the rolling window of the same stream.
  const ortOpts = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 } as const;
  const full = await ortNode.InferenceSession.create(onnx, ortOpts);
  const packetGraph = await ortNode.InferenceSession.create(fixture('fixture.packet.onnx'), ortOpts);
  const temporalGraph = await ortNode.InferenceSession.create(fixture('fixture.temporal.onnx'), ortOpts);
  ortWeb.env.wasm.numThreads = 1;
  const web = await ortWeb.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
  const window = new Float32Array(A * P), present = new Float32Array(A).fill(1);
  const slideWindow = () => { window.copyWithin(0, P); window.set(packets[next()], (A - 1) * P); };
  const frames = new Float32Array(A * D);
  const cases = [
    { name: 'engine SIMD (wasm push)', fn: push(simd) },
    { name: 'engine scalar (wasm push)', fn: push(scalar) },
    { name: 'engine SIMD (host pushFeatures)', fn: () => { simd.pushFeatures(packets[next()]); } },
    {
      name: 'onnxruntime-node full window, batch 1', async: true,
      fn: async () => { slideWindow(); await full.run({ packets: new ortNode.Tensor('float32', window, [1, A, P]), present: new ortNode.Tensor('float32', present, [1, A]) }); },
    },
    {
      name: 'onnxruntime-node streaming (packet+temporal)', async: true,
      fn: async () => {
        const f = await packetGraph.run({ packet: new ortNode.Tensor('float32', packets[next()], [1, P]) });
        frames.copyWithin(0, D);
        frames.set(f.frame.data as Float32Array, (A - 1) * D);
        await temporalGraph.run({ frames: new ortNode.Tensor('float32', frames, [1, A, D]) });
      },
    },
    {
      name: 'onnxruntime-web wasm full window, 1 thread', async: true,
      fn: async () => { slideWindow(); await web.run({ packets: new ortWeb.Tensor('float32', window, [1, A, P]), present: new ortWeb.Tensor('float32', present, [1, A]) }); },
    },
  ];
  console.log(`benchmark: fixture model, ${report.parameters.total} parameters, ${report.macsPerPacket.streaming.total} MACs per packet (streaming)`);
  const rows = await suite(cases);
  const peak = await gemvPeak();
  console.log(`  SIMD GEMV peak (${peak.rows}x${peak.cols} int8 x int16): ${(peak.macsPerSecond / 1e9).toFixed(2)} GMAC/s`);
  const us = (name: string) => rows.find((r) => r.name.startsWith(name))!.usPerDecision;
  const engine = us('engine SIMD (wasm'), engineScalar = us('engine scalar');
  const floorUs = (report.macsPerPacket.streaming.total / peak.macsPerSecond) * 1e6;
  const ratios = {
    ortNodeStreamingOverEngineSimd: us('onnxruntime-node streaming') / engine,
    ortNodeFullWindowOverEngineSimd: us('onnxruntime-node full') / engine,
    ortWebOverEngineSimd: us('onnxruntime-web') / engine,
    engineScalarOverSimd: engineScalar / engine,
  };
  const wasmBytes = { simd: statSync(file('build/packetclip.simd.wasm')).size, scalar: statSync(file('build/packetclip.wasm')).size };
  console.log('ratios (contender time / engine SIMD time):');
  for (const [k, v] of Object.entries(ratios)) console.log(`  ${k.padEnd(34)} ${v.toFixed(1)}x`);
  console.log(`arithmetic floor: ${floorUs.toFixed(2)} us/packet; engine SIMD reaches ${(100 * floorUs / engine).toFixed(1)}% of it`);
  console.log(`wasm sizes: SIMD ${wasmBytes.simd} B, scalar ${wasmBytes.scalar} B; linear memory ${simd.info.memoryBytes} B`);
  const date = new Date().toISOString().slice(0, 10);
  const out = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryBytes: totalmem(), node: process.version, platform: process.platform, arch: process.arch },
    versions: { onnxruntimeNode: pkgVersion('onnxruntime-node'), onnxruntimeWeb: pkgVersion('onnxruntime-web') },
    model: { parameters: report.parameters.total, macsPerPacket: report.macsPerPacket.streaming.total, blobBytes: conv.blob.length },
    results: rows, gemvPeak: peak, floorUsPerPacket: floorUs, floorFraction: floorUs / engine, ratios, wasmBytes,
    linearMemoryBytes: simd.info.memoryBytes,
  };
  const path = file(`bench/results/engine-${date}.json`);
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path.pathname}`);
  await Promise.all([full.release(), packetGraph.release(), temporalGraph.release(), web.release()]);
}

function pkgVersion(name: string): string {
  return JSON.parse(readFileSync(file(`node_modules/${name}/package.json`), 'utf8')).version;
}

main().catch((e) => { console.error(e); process.exit(1); });
