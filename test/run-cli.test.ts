// `packetclip run` (docs/run-format.md): every real capture in ../shared/realpcaps gives one line per
// packet without error; a truncated capture keeps the packets before the fault and ends with an
// error line naming its offset (exit 1); the line format; --explain; the default model note.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { convertOnnx } from '../src/convert/convert.js';
import { readFileSync } from 'node:fs';
import { formatSeconds, runCapture, SHIPPED_MODEL_PATH } from '../src/run/index.js';
import { fixturePath } from './support/fixture.js';
import { ETH, ether, ipv4, LINK, tcp, TCP_FLAGS, udp } from './helpers/frames.js';
import { packetclip, realCaptures, realpcaps, TextSink } from './helpers/cli.js';
import { requires } from './helpers/requires.js';
import { classicPcap } from './fixtures/pcap/synthesize.js';

const dir = await mkdtemp(join(tmpdir(), 'pce-run-'));
const model = join(dir, 'fixture.pclip');
await writeFile(model, convertOnnx(readFileSync(fixturePath('fixture.onnx')), { calibration: readFileSync(fixturePath('fixture.inputs.f32')) }).blob);
const CLASSES = ['Benign', 'DoS', 'Reconnaissance', 'Brute Force'];

interface Line { i?: number; ts?: number; label?: string; probs?: Record<string, number>; error?: string; status?: number; offset?: number; packets?: number; concepts?: { mission: string; concept: string; delta: number }[] }

function parseLines(text: string): Line[] {
  assert.ok(text.endsWith('\n'), 'output ends with a newline');
  return text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Line);
}

function checkDecision(l: Line, i: number, what: string): void {
  assert.is(l.i, i, `${what}: line ${i} index`);
  assert.type(l.ts, 'number');
  assert.ok(CLASSES.includes(l.label!), `${what}: label ${l.label}`);
  assert.equal(Object.keys(l.probs!), CLASSES, `${what}: probs keys are the model's classes in order`);
  const sum = Object.values(l.probs!).reduce((a, b) => a + b, 0);
  assert.ok(sum > 0.99 && sum <= 1.00001, `${what}: probabilities sum to ${sum}`);
  const best = CLASSES.reduce((a, c) => (l.probs![c]! > l.probs![a]! ? c : a));
  assert.is(l.probs![l.label!], l.probs![best], `${what}: the label has the largest probability`);
}

requires(test, realpcaps)('run: every capture in ../shared/realpcaps, one line per packet, no error, SIMD == scalar', async () => {
  const table = realCaptures();
  assert.ok(table.length >= 30, `${table.length} captures listed`);
  let total = 0;
  for (const { file, path, packets } of table) {
    const simd = new TextSink(), scalar = new TextSink();
    const t0 = Date.now();
    const r = await runCapture(path, simd, { model });
    const ms = Date.now() - t0;
    await runCapture(path, scalar, { model, simd: false });
    assert.is(r.captureError, undefined, `${file}: ${r.captureError?.message}`);
    assert.is(r.packets, packets, `${file}: packets`);
    const lines = parseLines(simd.text);
    assert.is(lines.length, packets, `${file}: one line per packet`);
    lines.forEach((l, i) => checkDecision(l, i, file));
    assert.is(simd.text, scalar.text, `${file}: the SIMD and scalar builds write the same lines`);
    const errors = lines.filter((l) => l.error !== undefined).length;
    console.log(`  ${file}\t${packets} packets\t${ms} ms\t${errors} decode errors`);
    total += packets;
  }
  console.log(`  total ${total} packets`);
});

// ---------------------------------------------------------------- a synthesized capture, cut

const T0 = 1_700_000_000; // s
function frames(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, k) => Uint8Array.from(k % 3 === 2
    ? ether(ETH.IPV4, ipv4(17, '10.0.0.3', '10.0.0.4', udp(5000 + k, 53, [1, 2, 3])))
    : ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 1 + k, TCP_FLAGS.SYN)))));
}
const capture = classicPcap({ littleEndian: true, nanos: false, linkType: LINK.ETHERNET },
  frames(10).map((data, k) => ({ data, sec: T0 + k, frac: 250_000 + k })));

test('run: a truncated capture keeps the packets before the fault, then an error line with the offset, exit 1', async () => {
  const cutAt = capture.offsets[7]! + 16 + 5; // inside packet 7's data
  const path = join(dir, 'cut.pcap');
  await writeFile(path, capture.bytes.subarray(0, cutAt));
  const r = await packetclip(['run', '--model', model, path]);
  assert.is(r.code, 1, r.stderr);
  const lines = parseLines(r.stdout);
  assert.is(lines.length, 8);
  lines.slice(0, 7).forEach((l, i) => checkDecision(l, i, 'cut'));
  assert.equal(lines[7], {
    error: `truncated packet record at byte ${capture.offsets[7]}: header says 54 bytes, 5 remain`, offset: capture.offsets[7], packets: 7,
  });
  assert.match(r.stderr, new RegExp(`byte ${capture.offsets[7]}.*the 7 packets before it were classified`));
  assert.is(lines[3]!.ts, T0 + 3 + 0.250003, 'ts in seconds');
  assert.match(r.stdout.split('\n')[3]!, /"ts":1700000003\.250003,/);
});

test('run: a frame that does not decode gets "error" and is still classified; --explain adds concepts', async () => {
  const bad = [Uint8Array.from([1, 2, 3]), ...frames(4), new Uint8Array(0)];
  const path = join(dir, 'bad.pcap');
  await writeFile(path, classicPcap({ littleEndian: false, nanos: true, linkType: LINK.ETHERNET }, bad.map((data, k) => ({ data, sec: T0, frac: k * 1000 }))).bytes);
  const out = new TextSink();
  const r = await runCapture(path, out, { model, explain: true });
  assert.equal([r.packets, r.decodeErrors], [6, 2]);
  const lines = parseLines(out.text);
  assert.equal([lines[0]!.status, lines[0]!.error], [3, 'frame shorter than its link-layer header']);
  assert.equal([lines[5]!.status, lines[5]!.error], [1, 'empty frame (0 captured bytes)']);
  lines.forEach((l, i) => checkDecision(l, i, 'bad'));
  for (const l of lines) {
    if (l.label === 'Benign') assert.is(l.concepts, undefined);
    else {
      assert.ok(Array.isArray(l.concepts) && l.concepts.length <= 3);
      for (const c of l.concepts!) assert.ok(c.mission === l.label && c.delta > 0, JSON.stringify(c));
      const d = l.concepts!.map((c) => c.delta);
      assert.equal(d, [...d].sort((a, b) => b - a), 'largest delta first');
    }
  }
});

test('run: the real command with the default model says which one on stderr; bad options fail', async () => {
  const path = join(dir, 'ok.pcap');
  await writeFile(path, capture.bytes);
  const r = await packetclip(['run', path, '--format', 'jsonl']);
  assert.is(r.code, 0, r.stderr);
  assert.is(parseLines(r.stdout).length, 10);
  assert.match(r.stderr, /packetclip-edge\.pclip \(the shipped model\)/);
  const f = await packetclip(['run', path, '--format', 'csv']);
  assert.is(f.code, 2, 'a usage error (#12)');
  assert.match(f.stderr, /unknown --format "csv"/);
  const o = join(dir, 'out.jsonl');
  assert.is((await packetclip(['run', '--model', SHIPPED_MODEL_PATH, path, '-o', o])).code, 0);
  assert.is(readFileSync(o, 'utf8'), r.stdout, 'the default model is the shipped blob; -o writes the same lines');
});

test('formatSeconds: exact microseconds, negative times', () => {
  assert.is(formatSeconds(1_700_000_000_000_001), '1700000000.000001');
  assert.is(formatSeconds(0), '0.000000');
  assert.is(formatSeconds(-1_500_000), '-1.500000');
  assert.is(formatSeconds(2 ** 53 - 1), '9007199254.740991');
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test.run();
