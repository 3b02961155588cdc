/**
 * Instructions per packet (docs/efficiency.md), the figure machine load does
 * not move: firmware/build/<arch>/pce-bench --count N runs N items and nothing
 * else, so (count(2N) - count(N)) / N is the instructions of one item, start-up
 * and model load cancelled out.
 *
 *   x86-64   valgrind --tool=callgrind on the native build (Ir, guest instructions)
 *   others   qemu-user 7.2 (Debian ships no TCG plugins): `-d in_asm,exec,nochain`
 *            logs each translated block's instructions once and each execution of
 *            a block once (chaining off), so Σ executions × block length is the
 *            guest instruction count, far faster than `-singlestep`'s one line
 *            per instruction. x86-64 is counted both ways: qemu-x86_64 agrees with
 *            callgrind within 0.5% (bench/results/instructions-*.json).
 *   A full run takes about 15 minutes on 2 shared cores (qemu's log dominates).
 *
 * Items: push_packet (frame bytes to decision: features + model), push (model
 * only), recompute (full-window decision), explain. Per stage as far as the
 * tools allow: the kinds split features from model and streaming from
 * recompute and explain (the engine's functions have no names in wasm2c's C).
 *
 *   node dist/bench/instructions.js [--arch a,b] [-n N] [--out FILE]
 * prints a table and writes an `instructions` array for the benchmark schema.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { modelHash } from '../src/efficiency/bench-schema.js';

const root = new URL('../../', import.meta.url);
const path = (p: string) => new URL(p, root).pathname;

export const INSTRUCTION_ARCHES = ['x86_64', 'aarch64', 'armhf', 'mipsel', 'mips'] as const;
export const INSTRUCTION_ITEMS = ['push_packet', 'push', 'recompute', 'explain'] as const;
const QEMU: Record<string, string> = { x86_64: 'qemu-x86_64', aarch64: 'qemu-aarch64', armhf: 'qemu-arm', mipsel: 'qemu-mipsel', mips: 'qemu-mips' };

export interface InstructionCount {
  arch: string;
  build: 'simd' | 'scalar';
  item: (typeof INSTRUCTION_ITEMS)[number];
  tool: string;
  perItem: number;
}

/** Guest instructions of one qemu-user run, from its in_asm + exec log on a pipe. */
async function qemuCount(arch: string, args: string[]): Promise<number> {
  // Through `| cat`: qemu opens the -D path itself, and Node's stdio pipes are sockets, which /dev/stdout cannot reopen.
  const cmd = [QEMU[arch], '-d', 'in_asm,exec,nochain', '-D', '/dev/stdout', path(`firmware/build/${arch}/pce-bench`), ...args];
  const child = spawn('sh', ['-c', '"$0" "$@" | cat', ...cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sizes = new Map<string, number>();
  let pending = 0, inBlock = false, total = 0;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('IN:')) { inBlock = true; pending = 0; continue; }
    if (inBlock) {
      if (line.startsWith('0x')) { pending++; continue; }
      if (line === '') { inBlock = false; continue; }
    }
    if (line.startsWith('Trace ')) {
      const host = line.slice(9, line.indexOf(' ', 9));
      let n = sizes.get(host);
      if (n === undefined) { n = pending; sizes.set(host, n); pending = 0; }
      total += n;
    }
  }
  return total;
}

function callgrindCount(args: string[]): number {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', path('firmware/build/x86_64/pce-bench'), ...args], { encoding: 'utf8' });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`callgrind failed: ${r.stderr.slice(-400)}`);
  return Number(m[1]);
}

/** Instructions per item for one arch, build and item, with the given counter. */
export async function perItem(arch: string, build: 'simd' | 'scalar', item: string, tool: 'callgrind' | 'qemu', n: number): Promise<number> {
  const args = (k: number) => ['--build', build, '--count', String(k), '--count-kind', item];
  const count = (k: number) => (tool === 'callgrind' ? Promise.resolve(callgrindCount(args(k))) : qemuCount(arch, args(k)));
  const [a, b] = [await count(n), await count(2 * n)];
  return (b - a) / n;
}

/** Builds that have a SIMD translation (firmware/Makefile). */
export function buildsOf(arch: string): ('simd' | 'scalar')[] {
  return arch === 'x86_64' || arch === 'aarch64' ? ['simd', 'scalar'] : ['scalar'];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const arches = (opt('--arch') ?? INSTRUCTION_ARCHES.join(',')).split(',');
  const n = Number(opt('-n') ?? 20);
  const rows: InstructionCount[] = [];
  for (const arch of arches) {
    if (!existsSync(path(`firmware/build/${arch}/pce-bench`))) {
      console.log(`${arch}: no firmware/build/${arch}/pce-bench (make -C firmware ARCH=${arch})`);
      continue;
    }
    for (const build of buildsOf(arch)) {
      for (const item of INSTRUCTION_ITEMS) {
        const tools: ('callgrind' | 'qemu')[] = arch === 'x86_64' ? ['callgrind', 'qemu'] : ['qemu'];
        for (const tool of tools) {
          const v = await perItem(arch, build, item, tool, n);
          const name = tool === 'callgrind' ? 'valgrind callgrind 3.19' : 'qemu-user 7.2 in_asm+exec log';
          rows.push({ arch, build, item, tool: name, perItem: Math.round(v) });
          console.log(`  ${arch.padEnd(8)} ${build.padEnd(7)} ${item.padEnd(12)} ${Math.round(v).toLocaleString('en-US').padStart(12)}  ${name}`);
        }
      }
    }
  }
  const out = opt('--out');
  if (out) {
    // Written whole: fields of an earlier file (a note on which items it counted) must not outlive it.
    const model = { name: 'models/packetclip-edge.pclip', hash: modelHash(readFileSync(path('models/packetclip-edge.pclip'))) };
    const note = `bench/instructions.ts -n ${n}, arches ${arches.join(', ')}`;
    writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), model, note, instructions: rows }, null, 2) + '\n');
    console.log(`wrote ${out}`);
  }
}

if (process.argv[1]?.endsWith('instructions.js')) main().catch((e) => { console.error(e); process.exit(1); });
