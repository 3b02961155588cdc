// Firmware (issue 10, docs/firmware.md): the wasm2c engine in libpce and pce-sense. pce-sense -r
// writes the bytes `packetclip run --format jsonl` writes (lab capture, stdin, a truncated capture,
// bad magic); a bad model is refused with the engine's message; SIGHUP reloads (a bad model is
// refused, the old one keeps running) and SIGTERM flushes with a summary; no allocation at all
// while classifying; an out-of-bounds engine access is a trap, not a crash (guard pages and
// software checks); RSS and the mipsel size budget; the MIPS engine has no FPU instruction; the
// conformance suite (--quick) over every runtime and CPU; live capture through a veth pair between
// two network namespaces the test creates; the OpenWrt init script and UCI defaults.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBlob } from '../src/blob/reader.js';
import { writeBlob } from '../src/blob/writer.js';
import { packetclip, repoRoot } from './helpers/cli.js';
import { command, pythonModule, requires, shared } from './helpers/requires.js';
import { scratchDir } from './helpers/scratch.js';

const fw = join(repoRoot, 'firmware');
const lab = join(repoRoot, 'data/test/seed3/capture.pcap');
const model = join(repoRoot, 'models/packetclip-edge.pclip');
const dir = scratchDir('pce-fw-');
const sense = (arch = 'x86_64') => join(fw, 'build', arch, 'pce-sense');
const cc = [command('make'), command('gcc')];
const cross = (gcc: string, qemu?: string) => [command('make'), command(gcc), ...(qemu ? [command(qemu)] : [])];

function make(arch = 'x86_64'): void {
  const r = spawnSync('make', ['-s', '-C', fw, `ARCH=${arch}`, '-j2'], { encoding: 'utf8' });
  assert.is(r.status, 0, `make -C firmware ARCH=${arch}:\n${r.stdout}${r.stderr}`);
}

function run(bin: string, args: string[], input?: Buffer, env?: Record<string, string>) {
  return spawnSync(bin, args, { input, maxBuffer: 256 << 20, env: { ...process.env, ...env } });
}

requires(test, ...cc)('pce-sense -r writes the bytes of packetclip run (lab capture, SIMD and scalar)', async () => {
  make();
  const node = await packetclip(['run', lab, '--format', 'jsonl']);
  assert.is(node.code, 0, node.stderr);
  for (const flags of [[], ['--scalar']]) {
    const r = run(sense(), ['-r', lab, ...flags]);
    assert.is(r.status, 0, r.stderr.toString());
    assert.ok(r.stdout.length > 1_000_000);
    assert.ok(r.stdout.toString() === node.stdout, `pce-sense ${flags.join(' ')} output differs from packetclip run`);
  }
});

requires(test, ...cc)('stdin, a truncated capture (error line naming the offset, exit 1) and bad magic', async () => {
  make();
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, readFileSync(lab).subarray(0, 77_777));
  const node = await packetclip(['run', cut, '--format', 'jsonl']);
  assert.is(node.code, 1);
  const fromFile = run(sense(), ['-r', cut]);
  const fromStdin = run(sense(), ['-r', '-'], readFileSync(cut));
  for (const r of [fromFile, fromStdin]) {
    assert.is(r.status, 1);
    assert.ok(r.stdout.toString() === node.stdout, 'truncated capture output differs');
  }
  const last = node.stdout.trim().split('\n').pop()!;
  assert.match(last, /^\{"error":"truncated packet record at byte \d+: header says \d+ bytes, \d+ remain","offset":\d+,"packets":\d+\}$/);
  const gif = join(dir, 'x.gif');
  writeFileSync(gif, Buffer.from('GIF89a....................'));
  const n2 = await packetclip(['run', gif, '--format', 'jsonl']);
  const c2 = run(sense(), ['-r', gif]);
  assert.is(c2.status, 1);
  assert.is(c2.stdout.toString(), n2.stdout);
});

requires(test, ...cc)('windows per source: pce-sense writes the bytes of packetclip run with the model; --info; a 1 MiB slot holds S <= 175', async () => {
  make();
  const shipped = readBlob(readFileSync(model));
  const keyed = (S: number) => {
    const path = join(dir, `sources-${S}.pclip`);
    writeFileSync(path, writeBlob({ ...shipped, windowSources: S }));
    return path;
  };
  const s64 = keyed(64), capture = join(repoRoot, 'data/train/lab2-seed32/capture.pcap');
  const node = await packetclip(['run', capture, '--model', s64, '--format', 'jsonl']);
  assert.is(node.code, 0, node.stderr);
  for (const flags of [[], ['--scalar']]) {
    const r = run(sense(), ['-r', capture, '--model', s64, ...flags]);
    assert.is(r.status, 0, r.stderr.toString());
    assert.ok(r.stdout.toString() === node.stdout, `pce-sense ${flags.join(' ')} output differs from packetclip run with window_sources 64`);
  }
  const info = JSON.parse(run(sense(), ['--model', s64, '--info']).stdout.toString());
  assert.equal([info.window_sources, info.memory_bytes, info.arena_bytes], [64, 589824, 542112]);
  assert.is(JSON.parse(run(sense(), ['--model', keyed(175), '--info']).stdout.toString()).memory_bytes, 1 << 20);
  const big = run(sense(), ['--model', keyed(176), '--info']);
  assert.is(big.status, 2);
  assert.match(big.stderr.toString(), /sources-176\.pclip: linear memory cannot grow to the size this model needs \(engine error 3/);
});

requires(test, ...cc)('a bad model is refused with the engine code and message', () => {
  make();
  const bad = Buffer.from(readFileSync(model));
  bad[bad.length - 20] ^= 0x55; // inside the last section: CRC-32 no longer matches
  const path = join(dir, 'bad.pclip');
  writeFileSync(path, bad);
  const r = run(sense(), ['-r', lab, '--model', path]);
  assert.is(r.status, 2);
  assert.is(r.stdout.length, 0);
  assert.match(r.stderr.toString(), /bad model .*bad\.pclip: .*\(engine error 15 at byte/);
});

requires(test, ...cc)('an address-space limit (ulimit -v) stops the guard-page build with that reason, not "bad model"', () => {
  make();
  const r = spawnSync('sh', ['-c', 'ulimit -v 2000000 && exec "$0" "$@"', sense(), '-r', lab, '--model', model], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.is(r.stdout.length, 0);
  assert.match(r.stderr, /cannot load model .*: cannot reserve the engine's memory: guard pages need 8 GiB of address space/);
});

requires(test, ...cc)('SIGHUP reloads the model (a bad one is refused, the old keeps running); SIGTERM flushes and summarises', async () => {
  make();
  const live = join(dir, 'live.pclip');
  copyFileSync(model, live);
  const bytes = readFileSync(lab).subarray(0, 200_000);
  const child = spawn(sense(), ['-r', '-', '--model', live], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (what: () => boolean, label: string) => {
    for (let i = 0; i < 200 && !what(); i++) await wait(50);
    assert.ok(what(), `timed out waiting for ${label}; stderr: ${err}`);
  };
  child.stdin.write(bytes.subarray(0, 100_000));
  await until(() => err.includes('model '), 'the model note');
  writeFileSync(live, Buffer.from('not a model at all, just bytes.'));
  child.kill('SIGHUP');
  child.stdin.write(bytes.subarray(100_000, 120_000));
  await until(() => err.includes('refused new model'), 'the refusal');
  assert.match(err, /old model keeps running/);
  copyFileSync(model, live);
  child.kill('SIGHUP');
  child.stdin.write(bytes.subarray(120_000, 140_000));
  await until(() => err.includes('reloaded model'), 'the reload');
  await wait(200);
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('close', r));
  assert.is(code, 0);
  assert.match(err, /\d+ packets classified.*1 model reloads, stopped by a signal/);
  const n = Number(/(\d+) packets classified/.exec(err)![1]);
  const lines = out.split('\n').filter(Boolean);
  assert.is(lines.length, n, 'every classified packet was flushed');
  assert.ok(n > 300);
});

requires(test, ...cc)('no allocation while classifying (LD_PRELOAD counter), RSS <= 4 MiB, static engine memory', () => {
  make();
  const so = join(dir, 'malloc-count.so');
  const b = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', so, join(fw, 'tools/malloc-count.c'), '-ldl'], { encoding: 'utf8' });
  assert.is(b.status, 0, b.stderr);
  const small = join(dir, 'small.pcap');
  writeFileSync(small, readFileSync(lab).subarray(0, 30_000));
  const count = (file: string) => {
    const r = run(sense(), ['-r', file], undefined, { LD_PRELOAD: so });
    const m = /malloc-count: (\d+) calls/.exec(r.stderr.toString());
    assert.ok(m, `no malloc-count line: ${r.stderr}`);
    return { calls: Number(m![1]), stderr: r.stderr.toString() };
  };
  const few = count(small), many = count(lab);
  assert.ok(/44222 packets classified/.test(many.stderr));
  assert.is(many.calls, few.calls, 'allocations grow with the packet count');
  assert.is(many.calls, 0, 'pce-sense -r allocates nothing at all');
  const rss = Number(/max RSS (\d+) KiB/.exec(many.stderr)![1]);
  assert.ok(rss <= 4096, `RSS ${rss} KiB > 4 MiB`);
  const info = JSON.parse(run(sense(), ['--info']).stdout.toString());
  assert.is(info.classes, 4);
  assert.ok(info.arena_bytes <= info.memory_bytes && info.memory_bytes <= 1 << 20);
});

/** Builds and runs tools/trap-check.c (an engine access 2 GiB beyond linear memory) for one target. */
function trapCheck(arch: string, out: string, extra: string[], qemu?: string[]) {
  const bin = join(fw, out, 'trap-check');
  const mk = spawnSync('make', ['-s', '-C', fw, `ARCH=${arch}`, `OUT=${out}`, '-j2', ...extra, `${out}/trap-check`], { encoding: 'utf8' });
  assert.is(mk.status, 0, `make trap-check ARCH=${arch}:\n${mk.stdout}${mk.stderr}`);
  const exec = (...a: string[]) => (qemu ? spawnSync(qemu[0]!, [...qemu.slice(1), bin, ...a], { encoding: 'utf8' }) : spawnSync(bin, a, { encoding: 'utf8' }));
  const r = exec(model);
  assert.is(r.status, 0, `${arch} ${extra.join(' ')}:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /push, globals 2 GiB out of bounds: the engine trapped/);
  assert.not.match(r.stdout, /out of bounds: ok/);
  for (const fault of ['host-fault', 'unguarded-fault']) {
    const c = exec(model, fault); // a fault that is not an engine access under a libpce call still crashes
    assert.ok(c.status !== 0 && c.status !== 1, `${arch} ${fault}: status ${c.status} signal ${c.signal}`);
  }
  return r.stdout;
}

requires(test, ...cc)('an out-of-bounds engine access is PCE_STATUS_TRAP, not a crash: guard pages (x86-64 default) and software checks (GUARD_PAGES=0)', () => {
  assert.match(trapCheck('x86_64', 'build/x86_64', []), /bounds checks: guard pages[^]*traps raised by software checks: 0 of 4\nok/);
  assert.match(trapCheck('x86_64', 'build/x86_64-swcheck', ['GUARD_PAGES=0']), /bounds checks: software[^]*traps raised by software checks: 4 of 4\nok/);
});

requires(test, ...cross('aarch64-linux-gnu-gcc', 'qemu-aarch64'), ...cross('arm-linux-gnueabihf-gcc', 'qemu-arm'))('the same under qemu: aarch64 guard pages, armhf software checks', () => {
  assert.match(trapCheck('aarch64', 'build/aarch64', [], ['qemu-aarch64']), /bounds checks: guard pages[^]*0 of 4\nok/);
  assert.match(trapCheck('armhf', 'build/armhf', [], ['qemu-arm']), /bounds checks: software[^]*2 of 2\nok/);
});

requires(test, ...cross('mipsel-linux-gnu-gcc'), ...cross('mips-linux-gnu-gcc'))('MIPS: no FPU instruction in the engine or the executable; mipsel pce-sense <= 160 KiB stripped', () => {
  for (const arch of ['mipsel', 'mips']) {
    make(arch);
    const r = spawnSync(join(fw, 'tools/fpu-check.sh'), [arch, join(fw, 'build', arch, 'libpce.a'), sense(arch)], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /libpce\.a: \d+ instructions, no FPU instruction/);
  }
  // the check can fail: a hard-float object with double arithmetic
  const c = join(dir, 'fl.c');
  writeFileSync(c, 'double f(double a, double b) { return a * b + 1.5; }\n');
  assert.is(spawnSync('mipsel-linux-gnu-gcc', ['-O2', '-c', c, '-o', join(dir, 'fl.o')]).status, 0);
  const neg = spawnSync(join(fw, 'tools/fpu-check.sh'), ['mipsel', join(dir, 'fl.o')], { encoding: 'utf8' });
  assert.is(neg.status, 1, 'the FPU check must catch mul.d');
  const size = statSync(join(fw, 'build/mipsel/pce-sense.stripped')).size;
  assert.ok(size <= 160 * 1024, `mipsel pce-sense is ${size} bytes`);
});

requires(test, ...cc, command('qemu-mipsel'), command('qemu-mips'), command('qemu-arm'), command('qemu-aarch64'),
  command('mipsel-linux-gnu-gcc'), command('mips-linux-gnu-gcc'), command('arm-linux-gnueabihf-gcc'), command('aarch64-linux-gnu-gcc'),
  pythonModule('wasmtime'), pythonModule('wasm3'), shared('realpcaps'))('conformance (--quick): 0 mismatches in V8, wasm2c native and under qemu, wasmtime, wasm3', () => {
  const r = spawnSync(process.execPath, [join(fw, 'conformance/conformance.mjs'), '--quick', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  const res = JSON.parse(r.stdout) as { rows: { runtime: string; cpu: string; packets: number; mismatches: number }[]; total: number; corpus: number };
  assert.is(res.total, 0);
  assert.is(res.rows.length, 11);
  for (const row of res.rows) {
    assert.is(row.mismatches, 0, `${row.runtime} on ${row.cpu}`);
    assert.ok(row.packets > 500, `${row.runtime} on ${row.cpu} compared ${row.packets} packets`);
  }
  for (const cpu of ['qemu-aarch64', 'qemu-arm', 'qemu-mipsel', 'qemu-mips']) assert.ok(res.rows.some((x) => x.cpu.includes(cpu)), cpu);
  assert.ok(res.corpus >= 10);
});

const isRoot = { what: 'root (network namespaces)', ok: process.getuid?.() === 0 };
requires(test, ...cc, command('ip', '-V'), isRoot)('live capture: AF_PACKET TPACKET_V3 on a veth pair between two namespaces the test creates', async () => {
  make();
  const tag = `pce${process.pid % 100000}`;
  const [nsA, nsB, vA, vB] = [`${tag}a`, `${tag}b`, `${tag}x`, `${tag}y`];
  const ip = (...a: string[]) => {
    const r = spawnSync('ip', a, { encoding: 'utf8' });
    assert.is(r.status, 0, `ip ${a.join(' ')}: ${r.stderr}`);
  };
  const inNs = (ns: string, ...a: string[]) => ['netns', 'exec', ns, ...a];
  try {
    ip('netns', 'add', nsA);
    ip('netns', 'add', nsB);
    ip('link', 'add', vA, 'netns', nsA, 'type', 'veth', 'peer', 'name', vB, 'netns', nsB);
    for (const [ns, v] of [[nsA, vA], [nsB, vB]]) {
      spawnSync('ip', inNs(ns!, 'sysctl', '-qw', `net.ipv6.conf.${v}.disable_ipv6=1`));
      ip(...inNs(ns!, 'ip', 'link', 'set', v!, 'up'));
    }
    const want = 120;
    const child = spawn('ip', inNs(nsB, sense(), '-i', vB, '--count', String(want)), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    for (let i = 0; i < 100 && !err.includes('capturing on'); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const sent = spawnSync('ip', inNs(nsA, '/usr/bin/python3', join(fw, 'tools/replay.py'), vA, lab, String(want), '0.002'), { encoding: 'utf8' });
    assert.is(sent.status, 0, sent.stderr);
    assert.is(Number(sent.stdout.trim()), want);
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000); // bounded in time
    const code = await new Promise((r) => child.on('close', r));
    clearTimeout(timer);
    assert.is(code, 0, err);
    assert.match(err, /capture used a TPACKET_V3 ring/);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number; label: string; probs: Record<string, number> });
    assert.is(lines.length, want, err);
    lines.forEach((l, i) => {
      assert.is(l.i, i);
      const sum = Object.values(l.probs).reduce((a, b) => a + b, 0);
      assert.ok(Object.keys(l.probs).length === 4 && sum > 0.99 && sum <= 1.0001 && l.label in l.probs);
    });
  } finally {
    spawnSync('ip', ['netns', 'del', nsA]);
    spawnSync('ip', ['netns', 'del', nsB]);
  }
});

requires(test, command('shellcheck'))('OpenWrt: the procd init script passes shellcheck; the UCI defaults parse and map to pce-sense options', () => {
  const init = join(fw, 'openwrt/files/pce-sense.init');
  const sc = spawnSync('shellcheck', ['-s', 'dash', '-e', 'SC2034', init], { encoding: 'utf8' });
  assert.is(sc.status, 0, sc.stdout + sc.stderr);
  // UCI: `config <type> '<name>'` sections of `option <key> '<value>'` lines
  const uci = readFileSync(join(fw, 'openwrt/files/pce-sense.config'), 'utf8');
  const sections: { type: string; name: string; options: Record<string, string> }[] = [];
  for (const raw of uci.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(config|option)\s+(\S+)(?:\s+'([^']*)')?$/.exec(line);
    assert.ok(m, `not UCI: ${line}`);
    if (m![1] === 'config') sections.push({ type: m![2]!, name: m![3] ?? '', options: {} });
    else sections.at(-1)!.options[m![2]!] = m![3] ?? '';
  }
  const s = sections.find((x) => x.type === 'pce-sense');
  assert.ok(s, 'a pce-sense section');
  const o = s!.options;
  for (const key of ['enabled', 'interface', 'model', 'alert_output', 'thresholds', 'syslog']) assert.ok(key in o, `option ${key}`);
  assert.match(o.thresholds!, /\.thresholds$/);
  assert.ok(['syslog', 'file'].includes(o.alert_output!));
  const init_text = readFileSync(init, 'utf8');
  for (const key of Object.keys(o)) assert.ok(init_text.includes(`'${key}'`) || init_text.includes(` ${key} `), `init script reads ${key}`);
});

test.run();
