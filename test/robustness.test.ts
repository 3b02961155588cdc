// Findings of a hostile-input run (issue 9, item 7), one test each: pcapng timestamps past 2^53 µs,
// a failure mid-capture in `run` and `features` (nothing already done is lost), a flood of
// interface description blocks, `convert` metadata beyond the blob format's limits and cyclic
// graphs, EPIPE / ENOSPC for every command that writes, an absurd orig_len, pcap's FCS bits.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import onnxProto from 'onnx-proto';
import { Limit } from '../src/blob/constants.js';
import { convertOnnx } from '../src/convert/convert.js';
import { ContractError, loadContractModel } from '../src/convert/onnx-model.js';
import { loadEngine } from '../src/engine.js';
import { createFeatureExtractor, PACKET_STATUS, readFeaturesFile, writeFeatures } from '../src/features/index.js';
import { MAX_INTERFACES, parseCaptureBytes, PcapError, type Packet } from '../src/pcap/index.js';
import { runCapture } from '../src/run/index.js';
import { ETH, ether, ipv4, LINK, tcp, TCP_FLAGS, udp } from './helpers/frames.js';
import { packetclip, repoRoot, TextSink } from './helpers/cli.js';
import { classicPcap, PcapngBuilder } from './fixtures/pcap/synthesize.js';
import { fixturePath } from './support/fixture.js';
import { scratchDir } from './helpers/scratch.js';

const { onnx } = onnxProto;
const dir = scratchDir('pce-robust-');
const fixtureOnnx = readFileSync(fixturePath('fixture.onnx'));
const model = join(dir, 'fixture.pclip');
await writeFile(model, convertOnnx(fixtureOnnx, { calibration: readFileSync(fixturePath('fixture.inputs.f32')) }).blob);

const T0 = 1_700_000_000_000_000n; // µs
const frame = (k: number): Uint8Array => Uint8Array.from(k % 2
  ? ether(ETH.IPV4, ipv4(17, '10.0.0.3', '10.0.0.4', udp(5000 + (k & 1023), 53, [1, 2, 3])))
  : ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 1 + (k & 1023), TCP_FLAGS.SYN))));

/** `n` good packets on one Ethernet interface, then `tail` (a bad block, say), as pcapng. */
function pcapng(n: number, tail?: (b: PcapngBuilder) => void): { bytes: Uint8Array; b: PcapngBuilder } {
  const b = new PcapngBuilder().section(true).interface(LINK.ETHERNET, 0);
  for (let k = 0; k < n; k++) b.epb(0, T0 + BigInt(k), { data: frame(k) });
  tail?.(b);
  return { bytes: b.bytes(), b };
}

/** Every packet of `bytes`, then the error that ended them (undefined for a clean file). */
function readAll(bytes: Uint8Array): { packets: Packet[]; error: unknown } {
  const packets: Packet[] = [];
  try {
    for (const p of parseCaptureBytes(bytes)) packets.push(p);
  } catch (e) {
    return { packets, error: e };
  }
  return { packets, error: undefined };
}

function expectPcapError(error: unknown, offset: number, pattern: RegExp): void {
  assert.instance(error, PcapError, `a PcapError, not ${String(error)}`);
  assert.is((error as PcapError).offset, offset);
  assert.match((error as PcapError).message, pattern);
}

// ---------------------------------------------------------------- timestamps past 2^53 µs

test('pcapng: a timestamp past ±2^53 µs (EPB high word 0xffffffff, if_tsoffset near ±2^63) is a PcapError at its block', () => {
  const MAX = 2n ** 53n - 1n;
  const cases: { what: string; units: bigint; tsoffset?: bigint }[] = [
    { what: 'high word 0xffffffff', units: 0xffffffff_00000000n },
    { what: '2^53 µs', units: MAX + 1n },
    { what: 'if_tsoffset 2^63 - 1', units: 0n, tsoffset: 2n ** 63n - 1n },
    { what: 'if_tsoffset -2^63', units: 0n, tsoffset: -(2n ** 63n) },
    { what: 'if_tsoffset just past -2^53 µs', units: 0n, tsoffset: -(MAX / 1_000_000n) - 1n },
  ];
  for (const c of cases) {
    const b = new PcapngBuilder().section(true).interface(LINK.ETHERNET, 0).interface(LINK.ETHERNET, 0, { tsoffset: c.tsoffset });
    b.epb(0, T0, { data: frame(0) }).epb(1, c.units, { data: frame(1) });
    const { packets, error } = readAll(b.bytes());
    assert.is(packets.length, 1, c.what);
    expectPcapError(error, b.packetOffsets[1]!, /^timestamp out of range in enhanced packet block at byte \d+: .* ±\(2\^53 - 1\) µs/);
  }
  // The largest times that fit still read, exactly.
  const b = new PcapngBuilder().section(true).interface(LINK.ETHERNET, 0);
  b.epb(0, MAX, { data: frame(0) }).epb(0, T0, { data: frame(1) });
  const { packets, error } = readAll(b.bytes());
  assert.is(error, undefined);
  assert.equal(packets.map((p) => p.tsMicros), [Number(MAX), Number(T0)]);
});

// ---------------------------------------------------------------- failures mid-capture lose nothing

const BAD_TS = (n: number) => pcapng(n, (b) => b.epb(0, 0xffffffff_00000000n, { data: frame(n) }));

test('run: a bad timestamp after 1000 packets: all 1000 lines, then the error line with its offset, exit 1', async () => {
  const { bytes, b } = BAD_TS(1000);
  const path = join(dir, 'bad-ts.pcapng');
  await writeFile(path, bytes);
  const r = await packetclip(['run', '--model', model, path]);
  assert.is(r.code, 1, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(lines.length, 1001, 'every packet line is written (more than one 64 KiB chunk)');
  assert.equal(lines.slice(0, 1000).map((l) => l.i), Array.from({ length: 1000 }, (_, i) => i));
  const last = lines[1000]!;
  assert.is(last.offset, b.packetOffsets[1000]);
  assert.is(last.packets, 1000);
  assert.match(String(last.error), /^timestamp out of range in enhanced packet block/);
  assert.match(r.stderr, /timestamp out of range .*the 1000 packets before it were classified/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
});

test('features: a bad timestamp after 1000 packets keeps the 1000 rows and names the offset', async () => {
  const { bytes, b } = BAD_TS(1000);
  const path = join(dir, 'bad-ts-f.pcapng');
  const out = join(dir, 'bad-ts.bin');
  await writeFile(path, bytes);
  const r = await packetclip(['features', path, '-o', out]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`timestamp out of range in enhanced packet block at byte ${b.packetOffsets[1000]}: .*keeps the 1000 packets before it`));
  assert.is(readFeaturesFile(readFileSync(out)).rows, 1000);
});

/** Makes `method` of `proto` throw on its call number `at` (0-based) until undo() is called. */
function failOnCall(proto: object, method: string, at: number): { undo: () => void } {
  const target = proto as Record<string, (...a: unknown[]) => unknown>;
  const original = target[method]!;
  let calls = 0;
  target[method] = function (this: unknown, ...a: unknown[]) {
    if (calls++ === at) throw new Error('injected failure');
    return original.apply(this, a);
  };
  return { undo: () => { target[method] = original; } };
}

test('run and features: any failure after the first packet (not only a PcapError) keeps what was done and says so', async () => {
  const { bytes, b } = pcapng(1200);
  const path = join(dir, 'ok.pcapng');
  await writeFile(path, bytes);
  // The engine and the extractor are class instances: fail their packet method on packet 1100.
  const engineProto = Object.getPrototypeOf(await loadEngine(readFileSync(model))) as object;
  const run = failOnCall(engineProto, 'pushPacket', 1100);
  const out = new TextSink();
  let r;
  try {
    r = await runCapture(path, out, { model });
  } finally {
    run.undo();
  }
  const lines = out.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(lines.length, 1101);
  assert.equal(lines[1100], { error: 'injected failure', offset: b.packetOffsets[1100], packets: 1100 });
  assert.is(r.packets, 1100);
  assert.is(r.captureError?.message, 'injected failure');

  const fxProto = Object.getPrototypeOf(await createFeatureExtractor()) as object;
  const fx = failOnCall(fxProto, 'extract', 1100);
  const feats = join(dir, 'injected.bin');
  try {
    await writeFeatures(path, feats);
    assert.unreachable('writeFeatures should fail');
  } catch (e) {
    assert.match((e as Error).message, /^injected failure \(.*injected\.bin keeps the 1100 packets before it\)$/);
  } finally {
    fx.undo();
  }
  assert.is(readFeaturesFile(readFileSync(feats)).rows, 1100);
});

// ---------------------------------------------------------------- interface description blocks

test('pcapng: at most MAX_INTERFACES interfaces per section, then a named PcapError at the IDB; a new section starts over', () => {
  const b = new PcapngBuilder().section(true);
  for (let i = 0; i < MAX_INTERFACES; i++) b.interface(LINK.ETHERNET, 0);
  b.epb(MAX_INTERFACES - 1, T0, { data: frame(0) });
  b.section(false).interface(LINK.ETHERNET, 0).epb(0, T0, { data: frame(1) });
  const ok = readAll(b.bytes());
  assert.is(ok.error, undefined, String(ok.error));
  assert.equal(ok.packets.map((p) => p.interfaceId), [MAX_INTERFACES - 1, 0]);

  const over = new PcapngBuilder().section(true);
  for (let i = 0; i < MAX_INTERFACES; i++) over.interface(LINK.ETHERNET, 0);
  const at = over.bytes().length;
  over.interface(LINK.ETHERNET, 0);
  const { error } = readAll(over.bytes());
  expectPcapError(error, at, new RegExp(`^too many interfaces at byte ${at}: this section already defines ${MAX_INTERFACES}, the limit`));
});

// ---------------------------------------------------------------- convert: limits before work, DAG

function mutatedOnnx(change: (m: onnxProto.onnx.ModelProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(fixtureOnnx);
  change(m);
  return onnx.ModelProto.encode(m).finish();
}

function setMeta(key: string, edit: (value: string) => string): Uint8Array {
  return mutatedOnnx((m) => {
    const p = m.metadataProps!.find((x) => x.key === key)!;
    p.value = edit(p.value!);
  });
}

function editDims(edit: (d: Record<string, unknown>) => void): Uint8Array {
  return setMeta('pce.dims', (v) => {
    const d = JSON.parse(v) as Record<string, unknown>;
    edit(d);
    return JSON.stringify(d);
  });
}

function contractError(bytes: Uint8Array, pattern: RegExp): void {
  const t0 = Date.now();
  try {
    convertOnnx(bytes);
  } catch (e) {
    assert.instance(e, ContractError, String(e));
    assert.match((e as Error).message, pattern);
    // Late validation took 40 s and ran out of heap (window 1e9): a generous bound still tells them apart.
    assert.ok(Date.now() - t0 < 10_000, `failed after ${Date.now() - t0} ms: before any work`);
    return;
  }
  assert.unreachable(`converted a model that should fail with ${pattern}`);
}

test('convert: every metadata dimension beyond the blob format\'s limits fails at once, naming its key', () => {
  contractError(setMeta('pce.window', () => '1000000000'), /^pce\.window is 1000000000, outside 1\.\.256/);
  contractError(setMeta('pce.window', () => String(Limit.A + 1)), /^pce\.window is 257, outside 1\.\.256/);
  contractError(editDims((d) => { d.packet_features = Limit.P + 1; }), /^pce\.dims\.packet_features is 4097, outside 1\.\.4096/);
  contractError(editDims((d) => { d.hidden = Array(Limit.K).fill(16); }), /^pce\.dims\.hidden \(number of layers\) is 8, outside 0\.\.7/);
  contractError(editDims((d) => { d.hidden = [128, Limit.OUT_DIM + 1]; }), /^pce\.dims\.hidden\[1\] is 2049, outside 1\.\.2048/);
  contractError(editDims((d) => { d.embedding = 1e9; }), /^pce\.dims\.embedding is 1000000000, outside 1\.\.2048/);
  contractError(editDims((d) => { d.gnn_width = 128; }), /^pce\.dims\.gnn_width is 128, outside 8\.\.64/);
  contractError(editDims((d) => { d.gnn_width = 24; }), /^pce\.dims\.gnn_width is 24, not a power of two/);
  contractError(editDims((d) => { d.gnn_layers = 9; }), /^pce\.dims\.gnn_layers is 9, outside 1\.\.8/);
  contractError(editDims((d) => { d.ff = 1e6; }), /^pce\.dims\.ff is 1000000, outside 1\.\.4096/);
  contractError(setMeta('pce.classes', () => JSON.stringify(Array.from({ length: 65 }, (_, i) => `c${i}`))), /^pce\.classes \(number of classes\) is 65, outside 2\.\.64/);
  contractError(setMeta('pce.classes', (v) => JSON.stringify([...JSON.parse(v).slice(1), 'x'.repeat(256)])), /^pce\.classes\[3\] is 256 bytes of UTF-8/);
  contractError(setMeta('pce.missions', (v) => {
    const ms = JSON.parse(v) as unknown[];
    return JSON.stringify(Array.from({ length: 17 }, (_, i) => ms[i % ms.length]));
  }), /^pce\.missions \(number of missions\) is 17, outside 1\.\.16/);
  contractError(setMeta('pce.missions', (v) => {
    const ms = JSON.parse(v) as { name: string }[];
    ms[2]!.name = 'é'.repeat(128);
    return JSON.stringify(ms);
  }), /^pce\.missions\[2\]\.name is 256 bytes of UTF-8/);
  contractError(setMeta('pce.missions', (v) => {
    const ms = JSON.parse(v) as { concepts: { name: string; level: number }[] }[];
    ms[1]!.concepts = Array.from({ length: Limit.NODES_MAX - 1 }, (_, i) => ({ name: `k${i}`, level: 1 }));
    return JSON.stringify(ms);
  }), /^pce\.missions\[1\]\.concepts \(number of concepts\) is 1023, outside 1\.\.1022/);
  contractError(mutatedOnnx((m) => {
    const meta = (key: string) => m.metadataProps!.find((x) => x.key === key)!;
    meta('pce.dims').value = JSON.stringify({ ...JSON.parse(meta('pce.dims').value!), gnn_width: 64 });
    meta('pce.missions').value = JSON.stringify(Array(9).fill(JSON.parse(meta('pce.missions').value!)[0]));
  }), /^pce\.missions × pce\.dims\.gnn_width \(frame width D\) is 576, outside 1\.\.512/);
  contractError(setMeta('pce.feature_version', () => String(2 ** 32)), /^pce\.feature_version is 4294967296, outside 0\.\.4294967295/);
});

test('convert: a graph that is cyclic or out of topological order is refused, naming the node', () => {
  assert.not.throws(() => loadContractModel(fixtureOnnx));
  // Node 3 reads what node 7 writes, and node 7 (through what follows) depends on node 3: a cycle.
  contractError(mutatedOnnx((m) => {
    const nodes = m.graph!.node!;
    const i = nodes.findIndex((n, k) => k > 3 && (n.output ?? []).length > 0 && (n.input ?? []).length > 0);
    nodes[3]!.input = [...nodes[3]!.input!.slice(0, -1), nodes[i]!.output![0]!];
  }), /^node 3 \(.*\) reads .*, which no graph input, initializer or earlier node produces: the graph has a cycle or is not in topological order/);
  // The same nodes, last first: no cycle, but not in topological order.
  contractError(mutatedOnnx((m) => { m.graph!.node!.reverse(); }), /^node 0 \(.*\) reads .* not in topological order/);
  // Two producers of one value.
  contractError(mutatedOnnx((m) => {
    const nodes = m.graph!.node!;
    nodes[4]!.output = [nodes[2]!.output![0]!];
  }), /^node 4 \(.*\) writes .*, which is already defined/);
});

// ---------------------------------------------------------------- EPIPE and ENOSPC

interface Spawned { code: number | null; stderr: string }

/** Runs packetclip with its stdout a pipe closed before it writes (EPIPE), ignored, or the file descriptor `stdout`. */
function spawnCli(args: string[], stdout: 'closed-pipe' | 'ignore' | number): Promise<Spawned> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/packetclip.js'), ...args], {
      cwd: repoRoot, stdio: ['ignore', stdout === 'closed-pipe' ? 'pipe' : stdout, 'pipe'],
    });
    child.stdout?.destroy(); // the reader goes away at once, as `| head -1` does after its line
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stderr }));
  });
}

const capturePath = join(dir, 'write-errors.pcapng');
await writeFile(capturePath, pcapng(3000).bytes); // ~400 KB of run lines, ~1 MB of features

const WRITERS: { cmd: string; args: string[]; stdout: boolean; file: boolean }[] = [
  { cmd: 'run', args: ['run', '--model', model, capturePath], stdout: true, file: true },
  { cmd: 'features', args: ['features', capturePath], stdout: false, file: true },
  { cmd: 'flows', args: ['flows', capturePath, '--csv'], stdout: true, file: true },
  { cmd: 'convert', args: ['convert', fixturePath('fixture.onnx'), '--calibration', fixturePath('fixture.inputs.f32')], stdout: true, file: true },
  { cmd: 'inspect', args: ['inspect', model], stdout: true, file: false },
  { cmd: 'verify', args: ['verify', fixturePath('fixture.onnx'), '--windows', '4'], stdout: true, file: false },
];

const noStack = (r: Spawned, what: string) => assert.not.match(r.stderr, /\n\s+at |node:internal|Unhandled/, `${what}: no stack trace\n${r.stderr}`);

test('EPIPE: every command writing to stdout exits 0 and quietly when the reader goes away', async () => {
  for (const w of WRITERS.filter((x) => x.stdout)) {
    const args = w.cmd === 'convert' ? [...w.args, '-o', join(dir, 'epipe.pclip')] : w.args;
    const r = await spawnCli(args, 'closed-pipe');
    assert.is(r.code, 0, `${w.cmd}: exit status\n${r.stderr}`);
    noStack(r, w.cmd);
    assert.not.match(r.stderr, /EPIPE/, `${w.cmd}: nothing said about the closed pipe`);
  }
});

const devFull = existsSync('/dev/full');

test('ENOSPC: every command that writes fails with one line naming what it could not write, exit 1 (/dev/full)', async () => {
  if (!devFull) return; // not Linux: there is no full device to write to
  for (const w of WRITERS) {
    if (w.file) {
      const r = await spawnCli([...w.args, '-o', '/dev/full'], 'ignore');
      assert.is(r.code, 1, `${w.cmd} -o /dev/full\n${r.stderr}`);
      noStack(r, w.cmd);
      assert.match(r.stderr, new RegExp(`^packetclip: ${w.cmd}: cannot write /dev/full: ENOSPC: no space left on device, write\\n$`, 'm'));
    }
    if (w.stdout && w.cmd !== 'convert') {
      const fd = openSync('/dev/full', 'w');
      const r = await spawnCli(w.args, fd).finally(() => closeSync(fd));
      assert.is(r.code, 1, `${w.cmd} > /dev/full\n${r.stderr}`);
      noStack(r, w.cmd);
      assert.match(r.stderr, new RegExp(`^packetclip: ${w.cmd}: cannot write standard output: ENOSPC`, 'm'));
    }
  }
});

// ---------------------------------------------------------------- orig_len and pcap's FCS bits

test('engine: a wire length above 2^18 gets decode status 10 in both builds; the features are those of a 64 KiB frame', async () => {
  assert.is(PACKET_STATUS[10], 'wire length (orig_len) above 262144 bytes: a damaged record header');
  const builds = [await createFeatureExtractor({ simd: true }), await createFeatureExtractor({ simd: false })];
  const bytes = frame(0);
  for (const [orig, status, twin] of [[2 ** 18, 0, 2 ** 18], [2 ** 18 + 1, 10, 65535], [0xffffffff, 10, 65535]] as const) {
    const got = builds.map((fx) => {
      fx.reset();
      const f = fx.extract(bytes, Number(T0), LINK.ETHERNET, orig);
      return { f: Array.from(f), status: fx.status() };
    });
    assert.equal(got[0], got[1], `orig_len ${orig}: SIMD == scalar`);
    assert.is(got[0]!.status, status, `orig_len ${orig}`);
    builds[0]!.reset();
    assert.equal(got[0]!.f, Array.from(builds[0]!.extract(bytes, Number(T0), LINK.ETHERNET, twin)), `orig_len ${orig}: features`);
  }
  // `run` says so on the packet's line.
  const capture = classicPcap({ littleEndian: true, nanos: false, linkType: LINK.ETHERNET },
    [{ data: bytes, sec: 1, frac: 0 }, { data: bytes, sec: 2, frac: 0, origLen: 0xffffffff }]);
  const path = join(dir, 'orig.pcap');
  await writeFile(path, capture.bytes);
  const out = new TextSink();
  const r = await runCapture(path, out, { model });
  assert.is(r.decodeErrors, 1);
  const lines = out.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal([lines[0]!.status, lines[1]!.status, lines[1]!.error], [undefined, 10, PACKET_STATUS[10]]);
});

test('classic pcap: FCS bits above the 16-bit link type never reach the engine (same lines as without them)', async () => {
  const packets = Array.from({ length: 20 }, (_, k) => ({ data: frame(k), sec: 1 + k, frac: 0 }));
  const texts: string[] = [];
  // 0x14000001: Ethernet, P bit (26) set, FCS length 1 (16-bit words) in bits 28..31 (draft-ietf-opsawg-pcap).
  for (const linkType of [LINK.ETHERNET, 0x14000001, 0xfffe0001]) {
    const path = join(dir, `fcs-${linkType}.pcap`);
    await writeFile(path, classicPcap({ littleEndian: false, nanos: false, linkType }, packets).bytes);
    assert.equal(readAll(readFileSync(path)).packets.map((p) => p.linkType), Array(20).fill(LINK.ETHERNET));
    const out = new TextSink();
    await runCapture(path, out, { model });
    texts.push(out.text);
  }
  assert.is(texts[1], texts[0]);
  assert.is(texts[2], texts[0]);
});

test.run();
