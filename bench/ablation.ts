/**
 * `node dist/bench/ablation.js [--processes N] [--write]`: where the SIMD
 * engine's time goes inside its stages, by ablation. The profiling build is
 * compiled again, once per entry of ABLATIONS, from a copy of assembly/ with
 * one piece of work cut out (its outputs are then wrong: only the time is
 * measured), and each push is timed against the unmodified build's in the
 * same process, rounds interleaved, on the shipped model with `npm run
 * bench`'s synthetic features; the 1024 x 1024 GEMV peak runs in the same
 * rounds, so every process also gives the engine's fraction of the floor.
 * The share of a push a piece costs is 1 - ablated / unmodified.
 *
 * N processes (default 7), one after another: the fraction of the floor
 * moves between processes on a shared machine far more than within one, and
 * the file keeps every process's figures. With --write:
 * bench/results/ablation-<date>.json (docs/bench-format.md, "Ablation results").
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticStream } from '../src/convert/synthetic.js';
import { modelHash } from '../src/efficiency/bench-schema.js';
import { initBlob, quantizeFeatures, type EngineExports } from '../src/engine.js';
import { inspectBlob } from '../src/inspect/inspect.js';
import { freshPath, stats, thisMachine } from './common.js';
import { gemvPeak } from './gemv-peak.js';

const root = new URL('../../', import.meta.url).pathname;
const ROUNDS = Number(process.env.ROUNDS ?? 61);
export const ABLATION_FORMAT = 'packetclip-ablation';
export const ABLATION_VERSION = 1;

/**
 * One cut: `inject` goes first in the body of function `fn` of assembly/`file` (the text from
 * `function fn(` to its first `{` is the anchor, which must occur once).
 */
export interface Ablation { name: string; removes: string; file: string; fn: string; inject: string }

/** The cuts by kernel file: name -> [function, what it removes, statement put first (default `return;`)]. */
const CUTS: Record<string, Record<string, [string, string, string?]>> = {
  'kernels/simd/gemv.ts': { gemv: ['gemv', 'every GEMV (eqs. 2, 5, 6, 10, 14, 16, 17): what is left is the work outside the MACs of the floor'] },
  'kernels/simd/gnn.ts': {
    'gnn-dense': ['gnn_dense', "the mission GNNs' dense step (eq. 6, layers 2..L)"],
    'gnn-aggregate': ['gnn_aggregate', "the mission GNNs' message, mean, BatchNorm and ELU (eqs. 7-9)"],
    elu: ['elu8', "ELU's negative branch (eq. 9): table index, gather, interpolation, select", 'return i16x8.narrow_i32x4_s(z0, z1);'],
  },
  'kernels/simd/lanes.ts': {
    'elu-gather': ['lut16x4', "ELU's table gather and interpolation only (eq. 3 on the i16 table)", 'return i32x4.shr_s(u, 8);'],
    'exp-gather': ['lut32x4', 'the EXP table gathers and interpolation of attention and the probabilities (eqs. 3, 11, 17)', 'return i32x4.shr_s(u, 8);'],
  },
  'kernels/simd/attention.ts': { attention: ['attention', 'attention over the window (eqs. 11-13)'] },
  'kernels/simd/layernorm.ts': { layernorm: ['layernorm', 'both LayerNorms (eq. 15)'] },
  'kernels/fixed.ts': { isqrt: ['isqrt', "LayerNorm's integer square root (eq. 4) only", 'return v >> 32;'] },
};

export const ABLATIONS: Ablation[] = Object.entries(CUTS).flatMap(([file, cuts]) =>
  Object.entries(cuts).map(([name, [fn, removes, inject = 'return;']]) => ({ name, removes, file, fn, inject })));

/** The anchor of a cut in `text` (the function's head up to its `{`), or undefined unless it occurs exactly once. */
export function anchorOf(a: Ablation, text: string): string | undefined {
  const heads = text.split(`function ${a.fn}(`);
  if (heads.length !== 2) return undefined;
  return `function ${a.fn}(${heads[1].slice(0, heads[1].indexOf('{') + 1)}`;
}

/** Compiles the profiling build (unmodified, then once per ablation) into `dir`; returns the .wasm paths, unmodified first. */
function compile(dir: string): string[] {
  const src = join(dir, 'src');
  cpSync(join(root, 'assembly'), join(src, 'assembly'), { recursive: true });
  cpSync(join(root, 'asconfig.json'), join(src, 'asconfig.json'));
  const asc = join(root, 'node_modules/.bin/asc');
  const build = (name: string) => {
    const out = join(dir, `${name}.wasm`);
    const r = spawnSync(asc, ['assembly/profile.ts', '--target', 'profile-simd', '-o', out], { cwd: src, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`asc failed for ${name}:\n${r.stderr}`);
    return out;
  };
  const paths = [build('unmodified')];
  for (const a of ABLATIONS) {
    const path = join(src, 'assembly', a.file), text = readFileSync(path, 'utf8'), anchor = anchorOf(a, text);
    if (!anchor) throw new Error(`ablation ${a.name}: function ${a.fn} not found once in assembly/${a.file}`);
    writeFileSync(path, text.replace(anchor, `${anchor} ${a.inject}`));
    paths.push(build(a.name));
    writeFileSync(path, text);
  }
  return paths;
}

interface ChildResult { pushNs: number[]; peakNs: number; peakMacs: number }

/** One process: the unmodified push, every ablated push and the GEMV peak, rounds interleaved. */
async function child(paths: string[]): Promise<ChildResult> {
  const blob = new Uint8Array(readFileSync(join(root, 'models/packetclip-edge.pclip')));
  const { P, inputScale } = inspectBlob(blob).dims;
  const stream = syntheticStream(P, 1024, 42).map((v) => { const q = new Int16Array(P); quantizeFeatures(v, inputScale, q); return q; });
  const instance = async (path: string, b: Uint8Array) => {
    const x = (await WebAssembly.instantiate(readFileSync(path), {})).instance.exports as unknown as EngineExports;
    if (initBlob(x, b) !== 0) throw new Error(`${path}: init failed`);
    return x;
  };
  const peakRef = await gemvPeak(1024, 1024, 0.05);
  const peak = await instance(paths[0], peakRef.blob);
  const peakIn = new Int16Array(peak.memory.buffer, peak.pce_input_ptr(), peakRef.cols);
  peakIn.set(Int16Array.from({ length: peakRef.cols }, (_, k) => ((k * 7919) % 65536) - 32768));
  const cs = [{ n: 16, fn: () => { peak.pce_push(); }, times: [] as number[] }];
  for (const path of paths) {
    const x = await instance(path, blob), inp = new Int16Array(x.memory.buffer, x.pce_input_ptr(), P);
    let k = 0;
    cs.push({ n: 256, fn: () => { inp.set(stream[k++ & 1023]); x.pce_push(); }, times: [] });
  }
  for (const c of cs) for (let k = 0; k < 200; k++) c.fn();
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r & 1 ? [...cs].reverse() : cs) {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < c.n; k++) c.fn();
      c.times.push(Number(process.hrtime.bigint() - t0) / c.n);
    }
  }
  return { peakNs: stats(cs[0].times).medianNs, peakMacs: peakRef.macsPerPush, pushNs: cs.slice(1).map((c) => stats(c.times).medianNs) };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

async function main(): Promise<void> {
  const argv = process.argv;
  if (argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await child(argv.slice(3))));
    return;
  }
  const processes = argv.includes('--processes') ? Number(argv[argv.indexOf('--processes') + 1]) : 7;
  if (!Number.isInteger(processes) || processes < 1) throw new Error('--processes: expected a whole number >= 1');
  const blob = readFileSync(join(root, 'models/packetclip-edge.pclip'));
  const macs = inspectBlob(new Uint8Array(blob)).macsPerPacket.streaming.total;
  const dir = mkdtempSync(join(tmpdir(), 'pce-ablation-'));
  try {
    const paths = compile(dir);
    const results: ChildResult[] = [];
    for (let p = 0; p < processes; p++) {
      const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--child', ...paths], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`process ${p + 1} failed:\n${r.stderr}`);
      results.push(JSON.parse(r.stdout) as ChildResult);
    }
    const floorFraction = results.map((r) => (macs / r.peakMacs) * r.peakNs / r.pushNs[0]);
    const out = {
      format: ABLATION_FORMAT, version: ABLATION_VERSION, date: new Date().toISOString(),
      tool: `node dist/bench/ablation.js --processes ${processes} (${ROUNDS} interleaved rounds per process, 1-minute load average ${loadavg()[0].toFixed(1)} at the end)`,
      machine: thisMachine(),
      model: { name: 'models/packetclip-edge.pclip', hash: modelHash(blob), macsPerPush: macs },
      peak: { kernel: 'gemv int8 x int16 1024x1024', macsPerSecond: results.map((r) => (r.peakMacs * 1e9) / r.peakNs) },
      unmodified: { pushNs: results.map((r) => r.pushNs[0]), floorFraction },
      ablations: ABLATIONS.map((a, i) => ({
        name: a.name, removes: a.removes, file: `assembly/${a.file}`,
        pushNs: results.map((r) => r.pushNs[i + 1]),
        shareOfPush: results.map((r) => 1 - r.pushNs[i + 1] / r.pushNs[0]),
      })),
    };
    const span = (v: number[], f: (x: number) => string) => `${f(median(v))}  [${f(Math.min(...v))} .. ${f(Math.max(...v))}]`;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);
    console.log(`shipped model, ${macs} MACs per push; ${processes} processes x ${ROUNDS} rounds; median [min .. max] over processes`);
    console.log(`  unmodified push       ${span(out.unmodified.pushNs, (x) => `${(x / 1000).toFixed(2)} us`)}`);
    console.log(`  fraction of the floor ${span(floorFraction, pct)}`);
    for (const a of out.ablations) console.log(`  ${a.name.padEnd(14)} share of push ${span(a.shareOfPush, pct)}  ${a.removes}`);
    if (argv.includes('--write')) {
      const path = freshPath(join(root, `bench/results/ablation-${out.date.slice(0, 10)}`));
      writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
      console.log(`wrote ${path}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) main().catch((e) => { console.error(e); process.exit(1); });
