/**
 * `npm run bench:stages`: per-packet latency of the engine on the fixture
 * model, SIMD and scalar, and where the time goes. The machine is shared and
 * loaded, so every figure is the minimum (and median) over many rounds of
 * ROUND_PUSHES packets, with the builds interleaved round by round: compare
 * ratios taken in the same run, not figures from different runs.
 *
 *   push      host pushQuantized(Int16Array) through src/engine.ts (the bench's contender)
 *   explain   push + conceptActivationsQ(): the concept activations, computed on demand
 *   recompute the full-window recompute of the same decision (pce_recompute)
 *   stages    from the profiling builds (assembly/profile.ts, build/profile*.wasm):
 *             projection, mission GNNs, q/k/v, attention, eqs. 14-17, explain
 *
 * `--baseline DIR` also times DIR/packetclip.simd.wasm and DIR/packetclip.wasm
 * (e.g. copies of an earlier build) in the same rounds, checks that they give
 * the same bits, and prints the before/after ratios.
 */
import { existsSync, readFileSync } from 'node:fs';
import { convertOnnx } from '../src/convert/convert.js';
import { syntheticStream } from '../src/convert/synthetic.js';
import { initBlob, loadEngine, quantizeFeatures, type EngineExports } from '../src/engine.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new URL(p, root);
const ROUNDS = Number(process.env.ROUNDS ?? 300);
const ROUND_PUSHES = 256;
const STAGE_REPS = 100;

interface ProfileExports extends EngineExports { prof_stage(stage: number, reps: number): number; }

/** Min and median of a sample, µs. */
function summary(t: number[]): { min: number; median: number } {
  const s = [...t].sort((a, b) => a - b);
  return { min: s[0], median: s[s.length >> 1] };
}

function fmt(t: number[]): string {
  const { min, median } = summary(t);
  return `${min.toFixed(3).padStart(8)} ${median.toFixed(3).padStart(8)}`;
}

/** µs per call of fn(), which runs `n` packets. */
function timed(n: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}

async function raw(path: URL, blob: Uint8Array): Promise<EngineExports> {
  const x = (await WebAssembly.instantiate(readFileSync(path), {})).instance.exports as unknown as EngineExports;
  const code = initBlob(x, blob);
  if (code !== 0) throw new Error(`${path.pathname}: init failed with code ${code}`);
  return x;
}

/** Every output of the last decision, for the bit-identity check. */
function outputs(x: EngineExports, C: number, D: number): string {
  const b = x.memory.buffer;
  return JSON.stringify([
    Array.from(new Int32Array(b, x.pce_probs_ptr(), C)), Array.from(new Int16Array(b, x.pce_logits_ptr(), C)),
    Array.from(new Int16Array(b, x.pce_frame_ptr(), D)),
    Array.from(new Int32Array(b, x.pce_concepts_ptr(), x.pce_concept_count())),
  ]);
}

async function main(): Promise<void> {
  const baseline = process.argv.includes('--baseline') ? process.argv[process.argv.indexOf('--baseline') + 1] : undefined;
  const conv = convertOnnx(readFileSync(file('test/fixtures/fixture.onnx')), { calibration: readFileSync(file('test/fixtures/fixture.inputs.f32')) });
  const { P, C, D } = conv.model.dims;
  const engines = { simd: await loadEngine(conv.blob, { simd: true }), scalar: await loadEngine(conv.blob, { simd: false }) };
  const stream = syntheticStream(P, 1024, 42).map((v) => {
    const q = new Int16Array(P);
    quantizeFeatures(v, engines.simd.info.dims.inputScale, q);
    return q;
  });

  // Raw-ABI contenders pushed the same way as the host does it (copy P int16, pce_push).
  const contenders: { name: string; x: EngineExports }[] = [];
  if (baseline) {
    contenders.push({ name: 'baseline SIMD', x: await raw(new URL(`file://${baseline}/packetclip.simd.wasm`), conv.blob) });
    contenders.push({ name: 'baseline scalar', x: await raw(new URL(`file://${baseline}/packetclip.wasm`), conv.blob) });
  }
  contenders.push({ name: 'current SIMD', x: await raw(file('build/packetclip.simd.wasm'), conv.blob) });
  contenders.push({ name: 'current scalar', x: await raw(file('build/packetclip.wasm'), conv.blob) });
  const inputs = contenders.map((c) => new Int16Array(c.x.memory.buffer, c.x.pce_input_ptr(), P));
  for (let t = 0; t < 200; t++) { // same bits everywhere, and warm
    let want = '';
    for (let i = 0; i < contenders.length; i++) {
      inputs[i].set(stream[t & 1023]);
      contenders[i].x.pce_push();
      const got = outputs(contenders[i].x, C, D);
      if (i === 0) want = got;
      else if (got !== want) throw new Error(`${contenders[i].name} differs from ${contenders[0].name} at packet ${t}`);
    }
  }

  const profiles: { name: string; x: ProfileExports }[] = [];
  for (const [name, path] of [['SIMD', 'build/profile.simd.wasm'], ['scalar', 'build/profile.wasm']] as const) {
    if (existsSync(file(path))) profiles.push({ name, x: (await raw(file(path), conv.blob)) as ProfileExports });
  }
  if (profiles.length === 0) console.log('(no build/profile*.wasm: run `npm run bench:stages` for the per-stage breakdown)');
  const stageNames = ['push', 'projection', 'projection+GNN', 'q/k/v', 'attention', 'eqs. 14-17', 'proj+GNN+explain'];

  const host = { simd: [] as number[], scalar: [] as number[], simdExplain: [] as number[], simdRecompute: [] as number[] };
  const rawT = contenders.map(() => [] as number[]);
  const stageT = profiles.map(() => stageNames.map(() => [] as number[]));
  let k = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of ['simd', 'scalar'] as const) {
      const e = engines[kind], n = kind === 'simd' ? ROUND_PUSHES : ROUND_PUSHES >> 3;
      host[kind].push(timed(n, () => { for (let i = 0; i < n; i++) e.pushQuantized(stream[k++ & 1023]); }));
    }
    const s = engines.simd, n = ROUND_PUSHES >> 2;
    host.simdExplain.push(timed(n, () => { for (let i = 0; i < n; i++) { s.pushQuantized(stream[k++ & 1023]); s.conceptActivationsQ(); } }));
    host.simdRecompute.push(timed(n, () => { for (let i = 0; i < n; i++) s.recompute(); }));
    contenders.forEach((c, i) => {
      const m = c.name.endsWith('scalar') ? ROUND_PUSHES >> 3 : ROUND_PUSHES;
      rawT[i].push(timed(m, () => { for (let j = 0; j < m; j++) { inputs[i].set(stream[k++ & 1023]); c.x.pce_push(); } }));
    });
    if (r % 4 === 0) {
      profiles.forEach((p, i) => {
        const reps = p.name === 'scalar' ? STAGE_REPS >> 3 : STAGE_REPS;
        new Int16Array(p.x.memory.buffer, p.x.pce_input_ptr(), P).set(stream[k++ & 1023]);
        stageNames.forEach((_, st) => stageT[i][st].push(timed(reps, () => p.x.prof_stage(st, reps))));
      });
    }
  }

  console.log(`fixture model, ${ROUNDS} rounds, µs per packet:          min   median`);
  console.log(`  SIMD   pushQuantized                        ${fmt(host.simd)}`);
  console.log(`  scalar pushQuantized                        ${fmt(host.scalar)}`);
  console.log(`  SIMD   push + conceptActivationsQ()         ${fmt(host.simdExplain)}`);
  console.log(`  SIMD   recompute() (full window)            ${fmt(host.simdRecompute)}`);
  contenders.forEach((c, i) => console.log(`  raw ABI ${c.name.padEnd(36)} ${fmt(rawT[i])}`));
  if (baseline) {
    for (const kind of ['SIMD', 'scalar']) {
      const b = summary(rawT[contenders.findIndex((c) => c.name === `baseline ${kind}`)]);
      const c = summary(rawT[contenders.findIndex((c) => c.name === `current ${kind}`)]);
      console.log(`  ${kind.padEnd(6)} baseline / current: ${(b.min / c.min).toFixed(3)}x (min), ${(b.median / c.median).toFixed(3)}x (median)`);
    }
  }
  profiles.forEach((p, i) => {
    const m = stageT[i].map((t) => summary(t).min);
    const rows: [string, number][] = [
      ['whole push', m[0]], ['projection (eq. 5)', m[1]], ['mission GNNs (eqs. 6-9)', m[2] - m[1]], ['q, k, v (eq. 10)', m[3]],
      ['attention (eqs. 11-13)', m[4]], ['out proj, LN, FF, head (14-17)', m[5]], ['explain (on demand)', m[6] - m[2]],
    ];
    console.log(`stages, ${p.name} profiling build (min µs; GNN and explain as differences):`);
    for (const [name, us] of rows) console.log(`  ${name.padEnd(34)} ${us.toFixed(3).padStart(8)}`);
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
