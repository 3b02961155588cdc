// Firmware sizes and speed (issue 10): builds pce-sense for every ARCH and measures, in one run,
// the stripped sizes (dynamic against the shared libc, and static), the engine's RAM (--info), the
// host's peak RSS and its allocation count (LD_PRELOAD counter) on the lab capture, and native
// x86-64 throughput side by side with `packetclip run` on the same file: the two commands
// alternate, RUNS times each, from pcap bytes to JSON lines on /dev/null; each run is timed with
// /usr/bin/time (wall and user+sys CPU), and the medians are compared. Writes
// bench/results/firmware-<date>.json and the "Sizes and speed" section of docs/firmware.md.
// Usage: node dist/bench/firmware.bench.js [capture] [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url)); // dist/bench -> repo root
const fw = join(root, 'firmware');
const capture = process.argv[2] ?? join(root, 'data/test/seed3/capture.pcap');
const RUNS = Number(process.argv[3] ?? 5);
const ARCHES = ['x86_64', 'aarch64', 'armhf', 'mipsel', 'mips'] as const;
const tmp = mkdtempSync(join(tmpdir(), 'pce-bench-'));

function sh(cmd: string, args: string[], env?: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Builds into build/bench/<arch> (its own directory, so a conformance run in progress keeps its binaries). */
function make(arch: string, extra: string[] = []): void {
  const r = sh('make', ['-s', '-C', fw, `ARCH=${arch}`, `OUT=build/bench/${arch}`, '-j2', ...extra]);
  if (r.status !== 0) throw new Error(`make ARCH=${arch} failed: ${r.stderr}`);
}

/** Wall and CPU seconds of one command, output to /dev/null. */
function timed(cmd: string[]): { wall: number; cpu: number } {
  const out = join(tmp, 'time.txt');
  const r = sh('/usr/bin/time', ['-o', out, '-f', '%e %U %S', 'sh', '-c', `"$@" > /dev/null 2>&1`, 'sh', ...cmd]);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status})`);
  const [wall, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: wall!, cpu: user! + sys! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const sizes: Record<string, { dynamic: number; static: number; libpce: number }> = {};
  for (const arch of ARCHES) {
    make(arch);
    const b = join(fw, 'build/bench', arch);
    sizes[arch] = {
      dynamic: statSync(join(b, 'pce-sense.stripped')).size,
      static: statSync(join(b, 'pce-sense-static.stripped')).size,
      libpce: statSync(join(b, 'libpce.a')).size,
    };
  }
  make('x86_64', ['OUT=build/bench/x86_64-v3', 'X86_64_MARCH=x86-64-v3']);
  const sense = join(fw, 'build/bench/x86_64/pce-sense');
  const senseV3 = join(fw, 'build/bench/x86_64-v3/pce-sense');
  const info = JSON.parse(sh(sense, ['--info']).stdout) as Record<string, number | string>;
  const so = join(tmp, 'malloc-count.so');
  if (sh('gcc', ['-shared', '-fPIC', '-O2', '-o', so, join(fw, 'tools/malloc-count.c'), '-ldl']).status !== 0) throw new Error('malloc-count.so');
  const counted = sh(sense, ['-r', capture], { LD_PRELOAD: so });
  const packets = Number(/(\d+) packets classified/.exec(counted.stderr)![1]);
  const rssKiB = Number(/max RSS (\d+) KiB/.exec(counted.stderr)![1]);
  const mallocs = Number(/malloc-count: (\d+) calls/.exec(counted.stderr)![1]);

  const node = ['node', join(root, 'bin/packetclip.js'), 'run', capture, '--format', 'jsonl'];
  const runs: Record<string, { wall: number; cpu: number }[]> = { node: [], native: [], nativeV3: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.node!.push(timed(node));
    runs.native!.push(timed([sense, '-r', capture]));
    runs.nativeV3!.push(timed([senseV3, '-r', capture]));
  }
  const speed = Object.fromEntries(Object.entries(runs).map(([k, v]) => {
    const wall = median(v.map((x) => x.wall)), cpu = median(v.map((x) => x.cpu));
    return [k, { wall, cpu, packetsPerSecWall: Math.round(packets / wall), packetsPerSecCpu: Math.round(packets / cpu) }];
  }));
  const ratio = (k: string, by: 'wall' | 'cpu') => +(speed.node![by] / speed[k]![by]).toFixed(2);
  const result = {
    date: new Date().toISOString(), capture: capture.replace(root, ''), packets, runs: RUNS,
    cpu: readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown',
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    node: process.version, sizes, engine: info, hostRssKiB: rssKiB, mallocCalls: mallocs, speed,
    ratio: { native: { wall: ratio('native', 'wall'), cpu: ratio('native', 'cpu') }, nativeV3: { wall: ratio('nativeV3', 'wall'), cpu: ratio('nativeV3', 'cpu') } },
  };
  const out = join(root, 'bench/results', `firmware-${result.date.slice(0, 10)}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  writeDoc(result);
  console.log(JSON.stringify(result));
  console.error(`wrote ${out} and docs/firmware.md`);
}

function writeDoc(r: any): void {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rows = ARCHES.map((a) => `| ${a} | ${kib(r.sizes[a].dynamic)} | ${kib(r.sizes[a].static)} | ${kib(r.sizes[a].libpce)} |`);
  const s = r.speed;
  const text = [
    '<!-- sizes and speed: written by node dist/bench/firmware.bench.js -->',
    `Measured ${r.date.slice(0, 10)} on ${r.cpu} (load average ${r.loadavg} at the end; the machine was shared), Node ${r.node}.`,
    '',
    '| ARCH | pce-sense stripped, dynamic (shared libc) | stripped, static (glibc) | libpce.a (unstripped archive) |',
    '|---|---|---|---|',
    ...rows,
    '',
    `* Engine RAM: ${r.engine.memory_bytes} bytes of linear memory (${r.engine.arena_bytes} in use with the shipped model), inside at most ${r.engine.library_static_bytes} bytes for the library (two 1 MiB slots, for the SIGHUP reload, plus the engine table; the slots are a static pool on 32-bit targets and the committed pages of guard-page reservations on x86-64 and aarch64). The capture reader's static buffers are ${r.engine.capture_static_bytes} bytes. Untouched pages cost no RSS.`,
    `* Host peak RSS classifying ${r.capture} (${r.packets} packets): ${r.hostRssKiB} KiB (target <= 4096 KiB).`,
    `* Allocations: ${r.mallocCalls} malloc/calloc/realloc calls in the whole run (LD_PRELOAD counter, firmware/tools/malloc-count.c), so none per packet.`,
    '',
    `Throughput, pcap bytes -> JSON lines on /dev/null, one core, median of ${r.runs} alternating runs (whole commands, start-up included):`,
    '',
    '| command | wall s | CPU s | packets/s (wall) | packets/s (CPU) | vs packetclip run (wall / CPU) |',
    '|---|---|---|---|---|---|',
    `| packetclip run (V8, SIMD engine) | ${s.node.wall} | ${s.node.cpu.toFixed(2)} | ${s.node.packetsPerSecWall} | ${s.node.packetsPerSecCpu} | 1 |`,
    `| pce-sense -r, default x86_64 build (-march=x86-64-v2) | ${s.native.wall} | ${s.native.cpu.toFixed(2)} | ${s.native.packetsPerSecWall} | ${s.native.packetsPerSecCpu} | ${r.ratio.native.wall}x / ${r.ratio.native.cpu}x |`,
    `| pce-sense -r, X86_64_MARCH=x86-64-v3 (AVX2) | ${s.nativeV3.wall} | ${s.nativeV3.cpu.toFixed(2)} | ${s.nativeV3.packetsPerSecWall} | ${s.nativeV3.packetsPerSecCpu} | ${r.ratio.nativeV3.wall}x / ${r.ratio.nativeV3.cpu}x |`,
    '<!-- end of sizes and speed -->',
  ].join('\n');
  const path = join(root, 'docs/firmware.md');
  const doc = readFileSync(path, 'utf8');
  const b = doc.indexOf('<!-- sizes and speed:'), e = doc.indexOf('<!-- end of sizes and speed -->');
  if (b < 0 || e < 0) throw new Error('docs/firmware.md lacks the sizes markers');
  writeFileSync(path, doc.slice(0, b) + text + doc.slice(e + '<!-- end of sizes and speed -->'.length));
}

main();
