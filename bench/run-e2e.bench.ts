/**
 * `packetclip run` end to end, pcap bytes to verdict lines, side by side with a baseline build in
 * the same run: rounds alternate `node BASE/bin/packetclip.js run FILE --model BLOB -o OUT` and the
 * current tree's, the outputs must be byte-identical, and each round's wall time gives packets per
 * second. Writes bench/results/run-e2e-<date>[b, c...].json in the benchmark schema
 * (docs/bench-format.md), never over an earlier file.
 *
 *   node dist/bench/run-e2e.bench.js --baseline DIR [--capture FILE] [--model BLOB] [--rounds N]
 * DIR is a built checkout of the commit to compare with (git worktree add DIR <commit>; link
 * node_modules; npx tsc). What is compared is the host: each tree's host code is copied with one
 * copy of the current tree's engine builds (build/*.wasm, read once when the bench starts), and
 * both run one copy of the blob (default: the shipped model as it is when the bench starts), so
 * an engine or model rebuilt meanwhile cannot skew the ratio. The default capture is a lab
 * training capture (49,066 packets).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { BENCH_FORMAT, BENCH_VERSION, modelHash, validateBench, type BenchFile, type BenchRun } from '../src/efficiency/bench-schema.js';
import { freshPath, thisMachine } from './common.js';

const root = new URL('../../', import.meta.url).pathname;
/** Where the bench keeps the blob, both trees' copies and their outputs. */
const SCRATCH = '/tmp/pce-run-e2e';
const ENGINE_BUILDS = ['packetclip.simd.wasm', 'packetclip.wasm'];

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (k: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
  const baseline = opt('--baseline');
  if (!baseline) throw new Error('usage: run-e2e.bench.js --baseline DIR [--capture FILE] [--rounds N]');
  const capture = opt('--capture') ?? `${root}data/train/seed2/capture.pcap`;
  const modelPath = opt('--model') ?? `${root}models/packetclip-edge.pclip`;
  const rounds = Number(opt('--rounds') ?? 9);
  const blob = readFileSync(modelPath);
  const model = `${SCRATCH}/model.pclip`;
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(SCRATCH, { recursive: true });
  writeFileSync(model, blob);
  const engine = ENGINE_BUILDS.map((f) => readFileSync(`${root}build/${f}`));
  const trees = [{ name: 'baseline', dir: baseline, times: [] as number[] }, { name: 'current', dir: root, times: [] as number[] }]
    .map((t) => ({ ...t, copy: snapshot(t.dir, t.name, engine) }));
  const engineHash = modelHash(Buffer.concat(engine));
  let packets = 0, reference: Buffer | undefined;
  for (let r = 0; r < rounds; r++) {
    for (const t of trees) {
      const out = `${SCRATCH}/${t.name}.jsonl`;
      const t0 = process.hrtime.bigint();
      const p = spawnSync(process.execPath, [`${t.copy}/bin/packetclip.js`, 'run', capture, '--model', model, '-o', out], { encoding: 'utf8' });
      const ns = Number(process.hrtime.bigint() - t0);
      if (p.status !== 0) throw new Error(`${t.name}: ${p.stderr}`);
      const bytes = readFileSync(out);
      reference ??= bytes;
      if (!bytes.equals(reference)) throw new Error(`${t.name}: output differs from the baseline's`);
      packets = bytes.toString().split('\n').length - 1;
      t.times.push(ns);
    }
  }
  const runs: BenchRun[] = trees.map((t) => {
    const s = [...t.times].sort((a, b) => a - b), med = s[s.length >> 1] / packets;
    const dev = s.map((x) => Math.abs(x / packets - med)).sort((a, b) => a - b);
    return {
      runtime: 'packetclip run', build: t.name, version: `node ${process.version}, ${t.dir}, engine ${engineHash}`,
      results: [{ name: 'pcap to jsonl verdict lines (process start included)', scope: 'end-to-end', iterations: packets * rounds, medianNs: med,
        minNs: s[0] / packets, madNs: dev[dev.length >> 1], perSecond: 1e9 / med, opsPerItem: null, opsPerSecond: null }],
    };
  });
  const out: BenchFile = {
    format: BENCH_FORMAT, version: BENCH_VERSION, date: new Date().toISOString(), tool: 'bench/run-e2e.bench.ts',
    machine: thisMachine(),
    model: { name: modelPath.startsWith(root) ? modelPath.slice(root.length) : modelPath, hash: modelHash(blob), blobBytes: blob.length },
    peak: null, runs,
    ratios: { currentOverBaselinePacketsPerSecond: runs[1].results[0].perSecond / runs[0].results[0].perSecond },
  };
  const errs = validateBench(out);
  if (errs.length) throw new Error(errs.join('\n'));
  for (const r of runs) console.log(`  ${r.build.padEnd(9)} ${Math.round(r.results[0].perSecond).toLocaleString('en-US').padStart(9)} packets/s (median of ${rounds}, ${packets} packets)`);
  console.log(`  current / baseline: ${out.ratios!.currentOverBaselinePacketsPerSecond.toFixed(2)}x`);
  const path = freshPath(`${root}bench/results/run-e2e-${out.date.slice(0, 10)}`);
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path}`);
}

/**
 * A copy of `dir`'s host (bin/, dist/src/, package.json) with `engine` as its build/*.wasm:
 * both trees run the same engine bytes, whatever is rebuilt in their build/ meanwhile.
 */
function snapshot(dir: string, name: string, engine: readonly Buffer[]): string {
  const copy = `${SCRATCH}/${name}`;
  for (const d of ['bin', 'dist/src']) cpSync(`${dir}/${d}`, `${copy}/${d}`, { recursive: true });
  cpSync(`${dir}/package.json`, `${copy}/package.json`);
  symlinkSync(realpathSync(`${dir}/node_modules`), `${copy}/node_modules`);
  mkdirSync(`${copy}/build`);
  ENGINE_BUILDS.forEach((f, i) => writeFileSync(`${copy}/build/${f}`, engine[i]!));
  return copy;
}

/** `stem`.json, or the first of `stem`b.json, `stem`c.json... that does not exist yet. */
main();
