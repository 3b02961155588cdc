/**
 * `node dist/bench/engine-compare.js --baseline DIR [--write]`: the SIMD engine
 * of an earlier build (DIR/packetclip.simd.wasm and, if present,
 * DIR/profile.simd.wasm, e.g. built in a `git worktree` of the commit to
 * compare with) against the current build/, side by side in one process,
 * rounds interleaved, on the shipped model: raw-ABI pce_push (synthetic
 * features, as `npm run bench`'s "push"), pce_push_packet over the frames of
 * the lab test capture, the GEMV peak (bench/gemv-peak.ts's 1024 x 1024 blob)
 * through each build, and the stages of each profiling build. Before timing it
 * checks that both builds give the same bits (label, probabilities, logits,
 * frame, concept activations) on every packet of the capture. Efficiency is
 * the push's counted MACs at that build's own GEMV peak over the push time.
 * With --write: bench/results/engine-compare-<date>.json (docs/bench-format.md; a later
 * run of the same day gets the next free suffix b, c, ...).
 */
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { syntheticStream } from '../src/convert/synthetic.js';
import { BENCH_FORMAT, BENCH_VERSION, modelHash, validateBench, type BenchFile, type BenchRun } from '../src/efficiency/bench-schema.js';
import { initBlob, quantizeFeatures, type EngineExports } from '../src/engine.js';
import { inspectBlob } from '../src/inspect/inspect.js';
import { parseCaptureBytes } from '../src/pcap/index.js';
import { freshPath, stats, thisMachine } from './common.js';
import { gemvPeak } from './gemv-peak.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new URL(p, root);
const ROUNDS = Number(process.env.ROUNDS ?? 61);
const CAPTURE = 'data/test/seed3/capture.pcap';

interface ProfileExports extends EngineExports { prof_stage(stage: number, reps: number): number; }
interface PacketExports extends EngineExports {
  pce_packet_buf_ptr(): number;
  pce_push_packet(len: number, link: number, tsLo: number, tsHi: number, origLen: number): number;
}

async function instance(path: URL, blob: Uint8Array): Promise<PacketExports> {
  const x = (await WebAssembly.instantiate(readFileSync(path), {})).instance.exports as unknown as PacketExports;
  const code = initBlob(x, blob);
  if (code !== 0) throw new Error(`${path.pathname}: init failed with code ${code}`);
  return x;
}

/** Every output of the last decision, for the bit-identity check. */
function outputs(x: EngineExports, C: number, D: number): string {
  const b = x.memory.buffer;
  return JSON.stringify([
    Array.from(new Int32Array(b, x.pce_probs_ptr(), C)), Array.from(new Int16Array(b, x.pce_logits_ptr(), C)),
    Array.from(new Int16Array(b, x.pce_frame_ptr(), D)), Array.from(new Int32Array(b, x.pce_concepts_ptr(), x.pce_concept_count())),
  ]);
}

async function main(): Promise<void> {
  const argv = process.argv;
  const baseDir = argv.includes('--baseline') ? argv[argv.indexOf('--baseline') + 1] : undefined;
  if (!baseDir) throw new Error('usage: engine-compare --baseline DIR [--write]');
  const blob = new Uint8Array(readFileSync(file('models/packetclip-edge.pclip')));
  const report = inspectBlob(blob);
  const { P, C, D } = report.dims;
  const macs = report.macsPerPacket.streaming.total;
  const frames = [...parseCaptureBytes(new Uint8Array(readFileSync(file(CAPTURE))))];
  const peakRef = await gemvPeak(1024, 1024, 0.05);
  const peakInput = Int16Array.from({ length: peakRef.cols }, (_, k) => ((k * 7919) % 65536) - 32768);

  const builds = [
    { name: 'baseline', dir: new URL(`file://${baseDir.replace(/\/?$/, '/')}`) },
    { name: 'current', dir: file('build/') },
  ].map(async (b) => {
    const x = await instance(new URL('packetclip.simd.wasm', b.dir), blob);
    const peak = await instance(new URL('packetclip.simd.wasm', b.dir), peakRef.blob);
    const profPath = new URL('profile.simd.wasm', b.dir);
    const prof = existsSync(profPath) ? (await instance(profPath, blob)) as unknown as ProfileExports : null;
    return { ...b, x, peak, prof };
  });
  const bs = await Promise.all(builds);
  const input = (x: EngineExports, n: number) => new Int16Array(x.memory.buffer, x.pce_input_ptr(), n);
  const pushFrame = (x: PacketExports, i: number) => {
    const p = frames[i % frames.length], n = Math.min(p.data.length, 2048);
    new Uint8Array(x.memory.buffer, x.pce_packet_buf_ptr(), n).set(p.data.subarray(0, n));
    const ts = BigInt(p.tsMicros);
    return x.pce_push_packet(n, p.linkType & 0xffff, Number(ts & 0xffffffffn) | 0, Number(ts >> 32n) | 0, p.origLen >>> 0);
  };

  // Bit identity over the whole capture, then reset.
  for (let i = 0; i < frames.length; i++) {
    const got = bs.map((b) => `${pushFrame(b.x, i)} ${outputs(b.x, C, D)}`);
    if (got[0] !== got[1]) throw new Error(`current differs from baseline at packet ${i}: ${got[0]} vs ${got[1]}`);
  }
  for (const b of bs) b.x.pce_reset();
  console.log(`bit-identical on all ${frames.length} packets of ${CAPTURE}`);

  const stream = syntheticStream(P, 1024, 42).map((v) => { const q = new Int16Array(P); quantizeFeatures(v, report.dims.inputScale, q); return q; });
  const stageNames = ['stage: projection', 'stage: projection + mission GNNs', 'stage: q, k, v', 'stage: attention', 'stage: out projection, norms, feed-forward, head'];
  interface C { build: string; name: string; n: number; ops: number | null; scope: 'kernel' | 'end-to-end'; fn: () => void; times: number[]; }
  const cs: C[] = [];
  for (const b of bs) {
    let k = 0, f = 0;
    const inp = input(b.x, P), pin = input(b.peak, peakRef.cols);
    cs.push({ build: b.name, name: 'push', n: 256, ops: macs, scope: 'kernel', times: [], fn: () => { inp.set(stream[k++ & 1023]); b.x.pce_push(); } });
    cs.push({ build: b.name, name: 'push_packet (lab test capture frames)', n: 256, ops: macs, scope: 'end-to-end', times: [], fn: () => { pushFrame(b.x, f++); } });
    cs.push({ build: b.name, name: 'gemv peak', n: 16, ops: peakRef.macsPerPush, scope: 'kernel', times: [], fn: () => { pin.set(peakInput); b.peak.pce_push(); } });
    if (b.prof) {
      const pr = b.prof;
      input(pr, P).set(stream[0]);
      pr.pce_push();
      stageNames.forEach((name, i) => cs.push({ build: b.name, name, n: 128, ops: null, scope: 'kernel', times: [], fn: () => { pr.prof_stage(i + 1, 1); } }));
    }
  }
  // Warm, then interleaved rounds; the order of builds alternates per round.
  for (const c of cs) for (let k = 0; k < 200; k++) c.fn();
  for (let r = 0; r < ROUNDS; r++) {
    const order = r & 1 ? [...cs].reverse() : cs;
    for (const c of order) {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < c.n; k++) c.fn();
      c.times.push(Number(process.hrtime.bigint() - t0) / c.n);
    }
  }

  const runs: BenchRun[] = bs.map((b) => ({
    runtime: 'v8', build: `simd (${b.name})`, version: `node ${process.version}`,
    results: cs.filter((c) => c.build === b.name).map((c) => {
      const s = stats(c.times);
      return {
        name: c.name, scope: c.scope, iterations: c.n * ROUNDS, ...s, perSecond: 1e9 / s.medianNs,
        opsPerItem: c.ops, opsPerSecond: c.ops === null ? null : (c.ops * 1e9) / s.medianNs,
      };
    }),
  }));
  const stat = (build: string, name: string) => stats(cs.find((c) => c.build === build && c.name === name)!.times);
  const med = (build: string, name: string) => stat(build, name).medianNs;
  const ratios: Record<string, number> = {};
  for (const b of bs) {
    // As `npm run bench`: medians; and the same from the minima, which load moves less.
    ratios[`${b.name}PeakGmacs`] = peakRef.macsPerPush / med(b.name, 'gemv peak');
    ratios[`${b.name}FloorFraction`] = (macs / peakRef.macsPerPush) * med(b.name, 'gemv peak') / med(b.name, 'push');
    ratios[`${b.name}PeakGmacsFromMin`] = peakRef.macsPerPush / stat(b.name, 'gemv peak').minNs;
    ratios[`${b.name}FloorFractionFromMin`] = (macs / peakRef.macsPerPush) * stat(b.name, 'gemv peak').minNs / stat(b.name, 'push').minNs;
  }
  ratios.pushBaselineOverCurrent = med('baseline', 'push') / med('current', 'push');
  ratios.pushPacketBaselineOverCurrent = med('baseline', 'push_packet (lab test capture frames)') / med('current', 'push_packet (lab test capture frames)');
  const date = new Date().toISOString();
  const load = loadavg()[0];
  const out: BenchFile = {
    format: BENCH_FORMAT, version: BENCH_VERSION, date, tool: `node dist/bench/engine-compare.js --baseline ${baseDir} (engine SIMD, baseline vs current build, ${ROUNDS} interleaved rounds, 1-minute load average ${load.toFixed(1)} at the end)`,
    machine: thisMachine(),
    model: { name: 'models/packetclip-edge.pclip', hash: modelHash(blob), blobBytes: blob.length, window: report.dims.A, parameters: report.parameters.total },
    peak: { kernel: `gemv int8 x int16 ${peakRef.rows}x${peakRef.cols}`, runtime: 'v8', build: 'simd (current)', macsPerItem: peakRef.macsPerPush, medianNs: med('current', 'gemv peak'), macsPerSecond: (peakRef.macsPerPush * 1e9) / med('current', 'gemv peak') },
    runs,
    ratios,
  };
  const errs = validateBench(out);
  if (errs.length) throw new Error(`output fails the bench schema:\n${errs.join('\n')}`);
  console.log(`shipped model, ${macs} MACs per push, ${ROUNDS} rounds; 1-minute load average ${load.toFixed(2)} at the end`);
  for (const run of runs) {
    for (const r of run.results) console.log(`  ${run.build.padEnd(17)} ${r.name.padEnd(50)} ${(r.medianNs / 1000).toFixed(3).padStart(8)} us  min ${(r.minNs / 1000).toFixed(3).padStart(8)}`);
  }
  for (const [k, v] of Object.entries(ratios)) console.log(`  ${k.padEnd(32)} ${v.toFixed(3)}`);
  if (argv.includes('--write')) {
    const path = freshPath(file(`bench/results/engine-compare-${date.slice(0, 10)}`).pathname);
    writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
    console.log(`wrote ${path}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
