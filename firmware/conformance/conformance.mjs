#!/usr/bin/env node
/**
 * Conformance suite (issue 10, docs/conformance.md): the same captures give
 * the same per-packet output (label and Q15 probabilities) in every runtime
 * and CPU the engine is meant to run on.
 *
 *   node firmware/conformance/conformance.mjs [--quick] [--write-doc] [--json]
 *
 * Inputs: the lab test capture, every capture of ../shared/realpcaps
 * (test/fixtures/realpcaps-counts.tsv) and a deterministic corpus of mutated
 * captures (byte flips, cuts, insertions). The reference is `packetclip run
 * --format jsonl` on V8 with the SIMD engine (runCapture, in process). Every
 * pce-sense run (wasm2c, native and under qemu-user) must write the same
 * bytes; the V8 scalar run too; the Python-hosted runtimes (wasmtime, wasm3)
 * get the frames the Node reader read and must give the same class index and
 * Q15 probabilities per packet. --quick (the npm test) runs the slow runtimes
 * (qemu, wasm3) on a subset. Exit status 1 on any mismatch or failed runtime.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const work = join(root, 'firmware/build/conformance', quick ? 'quick' : 'full');
const python = process.env.PCE_PYTHON ?? '/usr/bin/python3';
const model = join(root, 'models/packetclip-edge.pclip');
const log = (s) => process.stderr.write(`conformance: ${s}\n`);

const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { runCapture } = await import(dist('src/run/run-capture.js'));
const { readCaptureFile, PcapError } = await import(dist('src/pcap/index.js'));
const { loadEngine } = await import(dist('src/engine.js'));
const { rng: prng } = await import(dist('src/convert/synthetic.js')); // seeded PRNG, so the corpus is the same everywhere

class TextSink extends Writable {
  text = '';
  _write(chunk, _enc, done) { this.text += chunk.toString(); done(); }
}

// ---------- inputs ----------

function realCaptures() {
  const dir = resolve(root, '../shared/realpcaps');
  if (!existsSync(dir)) throw new Error(`real captures not found at ${dir} (../shared/realpcaps beside the repo)`);
  return readFileSync(join(root, 'test/fixtures/realpcaps-counts.tsv'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('path\t'))
    .map((l) => l.split('\t')[0]).map((f) => ({ name: `real-${f.replace(/[/+]/g, '_')}`, path: join(dir, f) }));
}

/** Mutants of small captures: flipped bytes, a cut, inserted or deleted bytes. */
function mutate(base, rnd) {
  let b = Uint8Array.from(base);
  const kind = Math.floor(rnd() * 4);
  const at = () => Math.floor(rnd() * b.length);
  if (kind === 0 || kind === 3) {
    const flips = 1 + Math.floor(rnd() * 8);
    // mostly past the file header, so most mutants keep packets to compare
    for (let i = 0; i < flips; i++) b[Math.min(b.length - 1, 24 + Math.floor(rnd() * (b.length - 24)))] ^= 1 << Math.floor(rnd() * 8);
  }
  if (kind === 1 || kind === 3) b = b.subarray(0, Math.max(1, at()));
  if (kind === 2) {
    const p = at(), n = 1 + Math.floor(rnd() * 16);
    const ins = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
    b = rnd() < 0.5 ? Uint8Array.from([...b.subarray(0, p), ...ins, ...b.subarray(p)]) : Uint8Array.from([...b.subarray(0, p), ...b.subarray(Math.min(b.length, p + n))]);
  }
  return b;
}

async function mutatedCorpus(count, reals) {
  const dir = join(work, 'corpus');
  mkdirSync(dir, { recursive: true });
  const small = reals.filter((r) => statSync(r.path).size < 200_000).map((r) => r.path);
  const lab = readFileSync(join(root, 'data/test/seed3/capture.pcap')).subarray(0, 60_000);
  const bases = [lab, ...small.map((p) => readFileSync(p))];
  const rnd = prng(0x5eed10);
  const out = [];
  for (let k = 0; out.length < count && k < count * 4; k++) {
    const base = bases[k % bases.length];
    const m = mutate(base.subarray(0, Math.min(base.length, 120_000)), rnd);
    const path = join(dir, `mutant-${String(out.length).padStart(3, '0')}.cap`);
    writeFileSync(path, m);
    try {
      await runCapture(path, new TextSink(), { model }); // Node refuses unsafe timestamps by throwing: not a capture for the table
      out.push({ name: basename(path, '.cap'), path });
    } catch {
      rmSync(path);
    }
  }
  return out;
}

// ---------- reference and frames (Node) ----------

async function nodeReference(input) {
  const simd = new TextSink();
  const s = await runCapture(input.path, simd, { model, simd: true });
  const scalar = new TextSink();
  await runCapture(input.path, scalar, { model, simd: false });
  writeFileSync(join(work, 'ref', `${input.name}.jsonl`), simd.text);
  // frames for the Python-hosted runtimes, and V8 SIMD driven packet by packet
  const engine = await loadEngine(readFileSync(model), { simd: true });
  const parts = [];
  const direct = [];
  try {
    for await (const p of readCaptureFile(input.path)) {
      const head = Buffer.alloc(20);
      const lo = ((p.tsMicros % 2 ** 32) + 2 ** 32) % 2 ** 32;
      head.writeUInt32LE(p.data.length, 0);
      head.writeUInt32LE(p.linkType, 4);
      head.writeUInt32LE(lo, 8);
      head.writeInt32LE((p.tsMicros - lo) / 2 ** 32, 12);
      head.writeUInt32LE(Math.min(p.origLen, 0xffffffff), 16);
      parts.push(head, Buffer.from(p.data));
      const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
      direct.push(`${r.index} ${Array.from(engine.probsQ15()).join(' ')}`);
    }
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
  }
  writeFileSync(join(work, 'frames', `${input.name}.frames`), Buffer.concat(parts));
  return { jsonl: simd.text, scalarJsonl: scalar.text, direct, packets: s.packets, classes: engine.info.classes };
}

/** "k q0 q1 ..." per packet line of a jsonl text (round6 is injective on Q15 values). */
function canonical(jsonl, classes) {
  const out = [];
  for (const line of jsonl.split('\n')) {
    if (!line.startsWith('{"i":')) continue;
    const o = JSON.parse(line);
    const q = classes.map((c) => Math.round((Math.round(o.probs[c] * 1e6) * 512) / 15625));
    out.push(`${classes.indexOf(o.label)} ${q.join(' ')}`);
  }
  return out;
}

function compareLines(a, b) {
  let bad = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) bad++;
  return bad;
}

// ---------- runtimes ----------

function run(cmd, argv, opts = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

const QEMU = {
  aarch64: ['qemu-aarch64', '/usr/aarch64-linux-gnu'],
  armhf: ['qemu-arm', '/usr/arm-linux-gnueabihf'],
  mipsel: ['qemu-mipsel', '/usr/mipsel-linux-gnu'],
  mips: ['qemu-mips', '/usr/mips-linux-gnu'],
};
const CPU = {
  x86_64: 'x86-64 (native)', aarch64: 'AArch64 (qemu-aarch64)', armhf: 'ARMv7 Cortex-A7 hard-float (qemu-arm)',
  mipsel: 'MIPS32 24Kc little-endian, soft-float engine (qemu-mipsel)', mips: 'MIPS32 24Kc big-endian, soft-float engine (qemu-mips)',
};

function pceSense(arch, scalar) {
  const bin = join(root, 'firmware/build', arch, 'pce-sense');
  return async (input) => {
    const argv = ['-r', input.path, '--model', model, ...(scalar ? ['--scalar'] : [])];
    const r = arch === 'x86_64' ? await run(bin, argv) : await run(QEMU[arch][0], ['-L', QEMU[arch][1], bin, ...argv]);
    if (r.code !== 0 && r.code !== 1) throw new Error(`pce-sense ${arch} exited ${r.code} on ${input.name}: ${r.stderr.trim()}`);
    return r.stdout;
  };
}

async function main() {
  for (const d of ['ref', 'frames', 'q15']) mkdirSync(join(work, d), { recursive: true });
  if (!existsSync(model)) throw new Error(`${model} is missing: run npm run build`);
  for (const arch of ['x86_64', 'aarch64', 'armhf', 'mipsel', 'mips']) {
    const m = spawnSync('make', ['-s', '-C', join(root, 'firmware'), `ARCH=${arch}`, '-j2'], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`make -C firmware ARCH=${arch} failed:\n${m.stdout}${m.stderr}`);
  }
  const reals = realCaptures();
  const lab = { name: 'lab-seed3', path: join(root, 'data/test/seed3/capture.pcap') };
  const corpus = await mutatedCorpus(quick ? 12 : 40, reals);
  let inputs = [lab, ...reals, ...corpus];
  if (quick) {
    // the lab capture cut after ~600 packets (ends in a truncated record) instead of all 44,222
    const cut = join(work, 'corpus', 'lab-head.pcap');
    writeFileSync(cut, readFileSync(lab.path).subarray(0, 100_000));
    inputs = [{ name: 'lab-head', path: cut }, ...reals, ...corpus];
  }
  const light = quick ? inputs.filter((x, i) => statSync(x.path).size < 40_000 || i === 0).slice(0, 14) : inputs;
  log(`${inputs.length} captures (${corpus.length} mutated); slow runtimes on ${light.length}`);

  const ref = new Map();
  for (const input of inputs) ref.set(input.name, await nodeReference(input));
  const classes = ref.get(inputs[0].name).classes;
  const packets = (set) => set.reduce((n, x) => n + ref.get(x.name).packets, 0);

  const rows = [];
  const row = (runtime, cpu, set, mismatches, note = '') => rows.push({ runtime, cpu, captures: set.length, packets: packets(set), mismatches, note });

  // V8
  row(`V8 ${process.version} SIMD (reference: packetclip run)`, `${os.arch()} (native)`, inputs,
    inputs.reduce((n, x) => n + compareLines(canonical(ref.get(x.name).jsonl, classes), ref.get(x.name).direct), 0),
    'per-packet pushPacket/probsQ15 vs the run output');
  row(`V8 ${process.version} scalar`, `${os.arch()} (native)`, inputs,
    inputs.reduce((n, x) => n + compareLines(ref.get(x.name).scalarJsonl.split('\n'), ref.get(x.name).jsonl.split('\n')), 0), 'jsonl bytes');

  // wasm2c: pce-sense, native and under qemu; jsonl bytes against packetclip run
  const jobs = [
    ['x86_64', false, inputs], ['x86_64', true, inputs], ['aarch64', false, quick ? light : inputs],
    ['armhf', true, light], ['mipsel', true, light], ['mips', true, light],
  ];
  const pending = [];
  const limit = Math.max(2, os.availableParallelism?.() ?? 2);
  let active = 0;
  const queue = [];
  const slot = () => (active < limit ? (active++, Promise.resolve()) : new Promise((r) => queue.push(r)));
  const release = () => { active--; const next = queue.shift(); if (next) { active++; next(); } };
  for (const [arch, scalar, set] of jobs) {
    pending.push((async () => {
      const exe = pceSense(arch, scalar);
      let bad = 0;
      for (const input of set) {
        await slot();
        try {
          const text = await exe(input);
          bad += compareLines(text.split('\n'), ref.get(input.name).jsonl.split('\n'));
        } finally { release(); }
      }
      const build = arch === 'armhf' || arch.startsWith('mips') ? 'scalar' : scalar ? 'scalar' : 'SIMD';
      log(`wasm2c ${arch} ${build}: ${bad} mismatches`);
      return { order: jobs.findIndex((j) => j[0] === arch && j[1] === scalar), r: [`wasm2c (pce-sense) ${build}`, CPU[arch], set, bad, 'jsonl bytes'] };
    })());
  }

  // Python-hosted runtimes on the Node reader's frames
  const py = async (kind, wasm, set, label) => {
    await slot();
    try {
      const frames = set.map((x) => join(work, 'frames', `${x.name}.frames`));
      const out = join(work, 'q15', `${kind}-${basename(wasm, '.wasm')}`);
      mkdirSync(out, { recursive: true });
      const r = await run(python, [join(root, 'firmware/conformance/wasm_driver.py'), kind, join(root, 'build', wasm), model, out, ...frames]);
      if (r.code !== 0) throw new Error(`${kind} driver failed: ${r.stderr.trim()}`);
      let bad = 0;
      for (const x of set) bad += compareLines(readFileSync(join(out, `${x.name}.q15`), 'utf8').split('\n').filter(Boolean), canonical(ref.get(x.name).jsonl, classes));
      log(`${label}: ${bad} mismatches`);
      return [label, `${os.arch()} (native)`, set, bad, 'class index + Q15, frames from the Node reader'];
    } finally { release(); }
  };
  const wt = spawnSync(python, ['-c', 'import wasmtime,wasm3,importlib.metadata as m;print(m.version("wasmtime"),m.version("pywasm3"))'], { encoding: 'utf8' });
  if (wt.status !== 0) throw new Error(`${python} lacks wasmtime / pywasm3 (pip install wasmtime pywasm3): ${wt.stderr.trim()}`);
  const [wtv, w3v] = wt.stdout.trim().split(' ');
  const pyRows = Promise.all([
    py('wasmtime', 'packetclip.simd.wasm', inputs, `wasmtime ${wtv} (PyPI) SIMD`),
    py('wasmtime', 'packetclip.wasm', inputs, `wasmtime ${wtv} (PyPI) scalar`),
    py('wasm3', 'packetclip.wasm', light, `wasm3 (PyPI pywasm3 ${w3v}) scalar`),
  ]);
  const c = (await Promise.all(pending)).sort((a, b) => a.order - b.order);
  for (const { r } of c) row(...r);
  for (const r of await pyRows) row(...r);

  const total = rows.reduce((n, r) => n + r.mismatches, 0);
  const table = [
    '| runtime | CPU | captures | packets compared | mismatches | compared |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.runtime} | ${r.cpu} | ${r.captures} | ${r.packets} | ${r.mismatches} | ${r.note} |`),
  ].join('\n');
  process.stdout.write(args.has('--json') ? JSON.stringify({ rows, total, inputs: inputs.length, corpus: corpus.length }) + '\n' : table + '\n');
  if (args.has('--write-doc')) writeDoc(table, inputs.length, corpus.length);
  return total === 0 ? 0 : 1;
}

function writeDoc(table, inputs, corpus) {
  const path = join(root, 'docs/conformance.md');
  const text = readFileSync(path, 'utf8');
  const begin = '<!-- conformance table: written by npm run conformance -->';
  const end = '<!-- end of conformance table -->';
  const i = text.indexOf(begin), j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${path} lacks the table markers`);
  const what = quick
    ? `--quick run: the first 100,000 bytes of the lab capture, ${inputs - corpus - 1} real captures, ${corpus} mutated captures; qemu and wasm3 on the 14 smallest`
    : `full run: the lab test capture, ${inputs - corpus - 1} real captures, ${corpus} mutated captures`;
  const body = `${begin}\n${table}\n\n${inputs} captures (${what}). Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? os.arch()}.\n${end}`;
  writeFileSync(path, text.slice(0, i) + body + text.slice(j + end.length));
}

main().then((code) => process.exit(code), (e) => { console.error(`conformance: ${e.stack ?? e}`); process.exit(2); });
