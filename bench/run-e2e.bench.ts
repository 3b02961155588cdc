/**
 * `packetclip run` end to end, pcap bytes to verdict lines, side by side with a baseline build in
 * the same run: rounds alternate `node BASE/bin/packetclip.js run FILE -o OUT` and the current
 * tree's, the outputs must be byte-identical, and each round's wall time gives packets per
 * second. Writes bench/results/run-e2e-<date>.json in the benchmark schema (docs/bench-format.md).
 *
 *   node dist/bench/run-e2e.bench.js --baseline DIR [--capture FILE] [--rounds N]
 * DIR is a built checkout of the commit to compare with (git worktree add DIR <commit>; link
 * node_modules; npx tsc; copy build/*.wasm and models/*.pclip).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, version as osVersion, machine } from 'node:os';
import { BENCH_FORMAT, BENCH_VERSION, modelHash, validateBench, type BenchFile, type BenchRun } from '../src/efficiency/bench-schema.js';

const root = new URL('../../', import.meta.url).pathname;

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (k: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
  const baseline = opt('--baseline');
  if (!baseline) throw new Error('usage: run-e2e.bench.js --baseline DIR [--capture FILE] [--rounds N]');
  const capture = opt('--capture') ?? `${root}data/test/seed3/capture.pcap`;
  const rounds = Number(opt('--rounds') ?? 9);
  const trees = [{ name: 'baseline', dir: baseline, times: [] as number[] }, { name: 'current', dir: root, times: [] as number[] }];
  let packets = 0, reference: Buffer | undefined;
  for (let r = 0; r < rounds; r++) {
    for (const t of trees) {
      const out = `/tmp/pce-run-e2e-${t.name}.jsonl`;
      const t0 = process.hrtime.bigint();
      const p = spawnSync(process.execPath, [`${t.dir}/bin/packetclip.js`, 'run', capture, '-o', out], { encoding: 'utf8' });
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
      runtime: 'packetclip run', build: t.name, version: `node ${process.version}, ${t.dir}`,
      results: [{ name: 'pcap to jsonl verdict lines (process start included)', scope: 'end-to-end', iterations: packets * rounds, medianNs: med,
        minNs: s[0] / packets, madNs: dev[dev.length >> 1], perSecond: 1e9 / med, opsPerItem: null, opsPerSecond: null }],
    };
  });
  const blob = readFileSync(`${root}models/packetclip-edge.pclip`);
  const out: BenchFile = {
    format: BENCH_FORMAT, version: BENCH_VERSION, date: new Date().toISOString(), tool: 'bench/run-e2e.bench.ts',
    machine: { uname: `${process.platform} ${release()} ${osVersion()} ${machine()}`, arch: machine(), cpuModel: cpus()[0]?.model ?? 'unknown', cores: cpus().length, clockMHz: cpus()[0]?.speed || null },
    model: { name: 'models/packetclip-edge.pclip', hash: modelHash(blob), blobBytes: blob.length },
    peak: null, runs,
    ratios: { currentOverBaselinePacketsPerSecond: runs[1].results[0].perSecond / runs[0].results[0].perSecond },
  };
  const errs = validateBench(out);
  if (errs.length) throw new Error(errs.join('\n'));
  for (const r of runs) console.log(`  ${r.build.padEnd(9)} ${Math.round(r.results[0].perSecond).toLocaleString('en-US').padStart(9)} packets/s (median of ${rounds}, ${packets} packets)`);
  console.log(`  current / baseline: ${out.ratios!.currentOverBaselinePacketsPerSecond.toFixed(2)}x`);
  const path = `${root}bench/results/run-e2e-${out.date.slice(0, 10)}.json`;
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path}`);
}

main();
