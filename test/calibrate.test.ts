// `packetclip calibrate` (docs/alerts-format.md, "Thresholds file"): on a benign-only capture made
// from a lab training capture (the packets of its benign-only hosts: never an attacker nor a
// target of any run, tools/alerts/lab-match.ts), it writes a versioned thresholds file that
// `run --config` reads, whose thresholds let at most the target share of that capture's packets
// count for each attack class, and whose comment gives the alerts `run` then raises. A bad --rate
// is one line and no file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkClasses, parseThresholds, Q15_ONE, THRESHOLDS_MAGIC, THRESHOLDS_VERSION } from '../src/alerts/index.js';
import { parseCaptureBytes } from '../src/pcap/index.js';
import { readLabRuns } from '../tools/alerts/lab-match.js';
import { packetclip, repoRoot } from './helpers/cli.js';
import { scratchDir } from './helpers/scratch.js';

const dir = scratchDir('pce-calibrate-');
const seed = join(repoRoot, 'data/train/seed1');
const RATE = 0.01;

/** The packets of the capture whose source or destination is a benign-only host, as a classic pcap. */
function benignCapture(): { path: string; packets: number } {
  const bytes = readFileSync(join(seed, 'capture.pcap'));
  assert.is(bytes.readUInt32LE(0), 0xa1b2c3d4, 'a classic little-endian pcap');
  const { benignHosts } = readLabRuns(seed);
  assert.ok(benignHosts.size >= 1);
  const all = [...parseCaptureBytes(bytes)];
  const keep: Uint8Array[] = [bytes.subarray(0, 24)];
  const ip = (data: Uint8Array, at: number): string => `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
  for (const [k, p] of all.entries()) {
    const d = p.data;
    if (p.linkType !== 1 || d.length < 34 || d[12] !== 0x08 || d[13] !== 0x00) continue; // IPv4 over Ethernet
    if (!benignHosts.has(ip(d, 26)) && !benignHosts.has(ip(d, 30))) continue;
    keep.push(bytes.subarray(p.fileOffset, k + 1 < all.length ? all[k + 1]!.fileOffset : bytes.length));
  }
  const path = join(dir, 'benign.pcap');
  writeFileSync(path, Buffer.concat(keep));
  return { path, packets: keep.length - 1 };
}

test('calibrate on benign-only traffic: a versioned file run --config reads, at most the target share counting per class', async () => {
  const benign = benignCapture();
  assert.ok(benign.packets > 5000, `${benign.packets} packets of benign-only hosts`);
  const out = join(dir, 'benign.thresholds');
  const c = await packetclip(['calibrate', benign.path, '--rate', String(RATE), '-o', out]);
  assert.is(c.code, 0, c.stderr);
  const text = readFileSync(out, 'utf8');
  assert.is(text.split('\n')[0], `${THRESHOLDS_MAGIC}\tversion=${THRESHOLDS_VERSION}`);
  const t = parseThresholds(text, out);
  const run = await packetclip(['run', benign.path, '--config', out]);
  assert.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { probs: Record<string, number>; decoded: boolean });
  assert.is(lines.length, benign.packets);
  const classes = Object.keys(lines[0]!.probs);
  checkClasses(t, classes, out);
  const decoded = lines.filter((l) => l.decoded);
  for (const [cls, q] of t.classQ15) {
    // probs are Q15 / 32768 rounded to 6 decimals: x 32768 and rounded, the engine's integer again
    const counting = decoded.filter((l) => Math.round(l.probs[cls]! * Q15_ONE) >= q).length;
    assert.ok(counting <= RATE * decoded.length, `${cls}: ${counting} of ${decoded.length} packets reach ${q}`);
  }
  const promised = Number(/alerts on the calibration capture with these thresholds: (\d+)/.exec(text)![1]);
  const eve = await packetclip(['run', benign.path, '--config', out, '--format', 'eve']);
  assert.is(eve.code, 0, eve.stderr);
  assert.is(eve.stdout.split('\n').filter(Boolean).length, promised, 'the comment states the alerts run raises');
});

test('calibrate: a --rate outside (0, 1) is a usage error (exit 2) in one line naming it, and no file', async () => {
  const out = join(dir, 'never.thresholds');
  const r = await packetclip(['calibrate', join(seed, 'capture.pcap'), '--rate', '2', '-o', out]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--rate must be a fraction between 0 and 1, got 2/);
  assert.is(r.stderr.trim().split('\n').filter((l) => !l.includes('model')).length, 1, r.stderr);
  assert.not.ok(existsSync(out));
});

test.run();
