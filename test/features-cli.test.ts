// `packetclip features` (docs/features-file.md): the file read back with the documented layout
// (and by numpy when the python3 on PATH has it), rows equal to the engine's features, a cut
// capture, and the label manifest (docs/labels-format.md) validated against the capture.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createFeatureExtractor, parseLabelsManifest, readFeaturesFile, writeFeatures } from '../src/features/index.js';
import { parseCaptureBytes } from '../src/pcap/index.js';
import { arp, ETH, ether, ipv4, ipv6, LINK, padEthernet, tcp, TCP_FLAGS, udp } from './helpers/frames.js';
import { packetclip, realCaptures, realpcaps } from './helpers/cli.js';
import { pythonModule, requires } from './helpers/requires.js';
import { classicPcap } from './fixtures/pcap/synthesize.js';

const dir = await mkdtemp(join(tmpdir(), 'pce-features-'));
const T0 = 1_700_000_000;

const FRAMES = [
  ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 22, TCP_FLAGS.SYN))),
  ether(ETH.IPV4, ipv4(6, '10.0.0.2', '10.0.0.1', tcp(22, 40000, TCP_FLAGS.SYN | TCP_FLAGS.ACK))),
  padEthernet(ether(ETH.ARP, arp('10.0.0.1', '10.0.0.9'))),
  ether(ETH.IPV6, ipv6(17, '2001:db8::1', '2001:db8::2', udp(5000, 53, [1, 2, 3, 4]))),
  [1, 2, 3],
].map((f) => Uint8Array.from(f));
const capture = classicPcap({ littleEndian: true, nanos: false, linkType: LINK.ETHERNET },
  FRAMES.map((data, k) => ({ data, sec: T0, frac: 1000 * k })));
const capturePath = join(dir, 'capture.pcap');
await writeFile(capturePath, capture.bytes);

const MANIFEST_ROWS = [
  '0\tPort Scan\tReconnaissance\tportscan-sS-T4\tattacker\t5',
  '1\tPort Scan\tReconnaissance\tportscan-sS-T4\tvictim\t5',
  '2\tBenign\tBenign\tbenign\tbenign\t0',
  '3\tBenign\tBenign\tbenign\tbenign\t0',
  '4\tBenign\tBenign\tbenign\tbenign\t0',
];
const manifest = (rows = MANIFEST_ROWS, head = `#packetclip-labels\tversion=1\tcapture=capture.pcap\tpackets=${rows.length}`) =>
  [head, 'index\tfine\tcoarse\tscenario\trole\trun', ...rows].join('\n') + '\n';

/** The rows the engine gives for the capture, packet by packet. */
async function expectedRows(bytes: Uint8Array): Promise<number[][]> {
  const fx = await createFeatureExtractor({ simd: false });
  return [...parseCaptureBytes(bytes)].map((p) => Array.from(fx.extract(p.data, p.tsMicros, p.linkType, p.origLen)));
}

test('features: the file has the documented header and one row per packet, equal to the engine\'s features', async () => {
  const out = join(dir, 'feats.bin');
  const r = await packetclip(['features', capturePath, '-o', out]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote .*feats\.bin: 5 rows × 128 features \(version 1\); 1 × frame shorter than its link-layer header/);
  const bytes = new Uint8Array(readFileSync(out));
  // The layout by hand, as docs/features-file.md states it: 16 little-endian u32 words, then rows.
  const w = new DataView(bytes.buffer, bytes.byteOffset, 64);
  assert.equal(Array.from(bytes.subarray(0, 4)), [0x50, 0x43, 0x46, 0x54], 'magic "PCFT"');
  assert.equal([1, 2, 3, 4, 5].map((k) => w.getUint32(4 * k, true)), [1, 1, 128, 5, 64], 'version, feature version, width, rows, offset');
  for (let k = 6; k < 16; k++) assert.is(w.getUint32(4 * k, true), 0, `reserved word ${k}`);
  assert.is(bytes.length, 64 + 5 * 128);
  const want = await expectedRows(capture.bytes);
  for (let i = 0; i < 5; i++) assert.equal(Array.from(bytes.subarray(64 + 128 * i, 64 + 128 * (i + 1))), want[i], `row ${i}`);
  const f = readFeaturesFile(bytes);
  assert.equal([f.featureVersion, f.width, f.rows, f.data.length], [1, 128, 5, 640]);
  assert.equal([f.data[0], f.data[128 * 2], f.data[128 * 3]], [128, 64, 192], 'IPv4, ARP, IPv6 rows');
});

const numpy = pythonModule('numpy'); // Debian's python3-numpy, for /usr/bin/python3 (README, "The PyTorch side")
requires(test, numpy)('features: numpy reads the file with the 3 lines of docs/features-file.md', async () => {
  const out = join(dir, 'np.bin');
  await writeFeatures(capturePath, out);
  const doc = readFileSync(new URL('../../docs/features-file.md', import.meta.url), 'utf8');
  const snippet = /```python\n(import numpy[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(snippet, 'the numpy snippet is in the spec');
  const py = `${snippet.replace('"feats.bin"', JSON.stringify(out))}\nprint(int(magic), int(version), int(feature_version), X.shape, X.dtype, int(X[2, 0]), int(X[3, 0]))`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), `${0x54464350} 1 1 (5, 128) uint8 64 192`);
});

test('features: a truncated capture keeps the rows before the fault, the header says how many, exit 1', async () => {
  const cut = join(dir, 'cut.pcap');
  await writeFile(cut, capture.bytes.subarray(0, capture.offsets[3]! + 10));
  const out = join(dir, 'cut.bin');
  const r = await packetclip(['features', cut, '-o', out]);
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`truncated packet record header at byte ${capture.offsets[3]}.*keeps the 3 packets before it`));
  const f = readFeaturesFile(new Uint8Array(readFileSync(out)));
  assert.is(f.rows, 3);
  assert.equal(Array.from(f.data), (await expectedRows(capture.bytes)).slice(0, 3).flat());
});

test('features --labels: validated, written beside the features as the same format, row i = packet i', async () => {
  const labels = join(dir, 'capture.labels.tsv');
  await writeFile(labels, manifest());
  const out = join(dir, 'lab.bin');
  const r = await packetclip(['features', capturePath, '-o', out, '--labels', labels]);
  assert.is(r.code, 0, r.stderr);
  const written = join(dir, 'lab.labels.tsv');
  assert.ok(existsSync(written));
  const text = readFileSync(written, 'utf8');
  assert.is(text.split('\n')[0], '#packetclip-labels\tversion=1\tcapture=capture.pcap\tpackets=5\tfeatures=lab.bin');
  const m = parseLabelsManifest(text, written);
  assert.equal(m.rows.map((x) => x.coarse), ['Reconnaissance', 'Reconnaissance', 'Benign', 'Benign', 'Benign']);
  const other = join(dir, 'elsewhere.tsv');
  assert.is((await packetclip(['features', capturePath, '-o', join(dir, 'x.feat'), '--labels', labels, '--labels-out', other])).code, 0);
  assert.ok(existsSync(other));
});

test('features --labels: every mismatch is a clear error naming the file and line; no labels file then', async () => {
  const cases: [string, string, RegExp][] = [
    ['count', manifest(MANIFEST_ROWS.slice(0, 4)), /labels 4 packets, but .*capture\.pcap has 5: they do not belong together/],
    ['declared', manifest(MANIFEST_ROWS, '#packetclip-labels\tversion=1\tcapture=c.pcap\tpackets=6'), /line 1: packets=6 but the file has 5 rows/],
    ['version', manifest(MANIFEST_ROWS, '#packetclip-labels\tversion=2\tcapture=c.pcap\tpackets=5'), /line 1: version 2, this reader implements version 1/],
    ['magic', manifest(MANIFEST_ROWS, 'index\tfine'), /line 1: expected the version line to start with "#packetclip-labels"/],
    ['order', manifest([MANIFEST_ROWS[1]!, MANIFEST_ROWS[0]!, ...MANIFEST_ROWS.slice(2)]), /line 3: index "1", expected 0/],
    ['fine', manifest([MANIFEST_ROWS[0]!.replace('Port Scan', 'Port scan'), ...MANIFEST_ROWS.slice(1)]), /line 3: unknown fine class "Port scan"/],
    ['coarse', manifest([MANIFEST_ROWS[0]!.replace('Reconnaissance', 'DoS'), ...MANIFEST_ROWS.slice(1)]), /line 3: coarse class "DoS" does not match fine class "Port Scan"/],
    ['fields', manifest([...MANIFEST_ROWS.slice(0, 4), '4\tBenign\tBenign\tbenign\tbenign']), /line 7: 5 fields, expected 6/],
    ['role', manifest([...MANIFEST_ROWS.slice(0, 4), '4\tBenign\tBenign\tbenign\tbystander\t0']), /line 7: role "bystander"/],
  ];
  for (const [name, text, error] of cases) {
    const labels = join(dir, `bad-${name}.tsv`);
    await writeFile(labels, text);
    const out = join(dir, `bad-${name}.bin`);
    const r = await packetclip(['features', capturePath, '-o', out, '--labels', labels]);
    assert.is(r.code, 1, name);
    assert.match(r.stderr, error, `${name}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`bad-${name}\\.tsv`), `${name}: names the manifest`);
    assert.not.ok(existsSync(join(dir, `bad-${name}.labels.tsv`)), `${name}: no labels written`);
  }
  assert.is((await packetclip(['features', capturePath])).code, 1, '-o is required');
});

requires(test, realpcaps)('features over a real capture equals run\'s view of it: every packet a row', async () => {
  const { path, packets } = realCaptures().find((c) => c.file.endsWith('synscan.pcapng'))!;
  const out = join(dir, 'syn.bin');
  const r = await writeFeatures(path, out);
  assert.is(r.rows, packets);
  const f = readFeaturesFile(new Uint8Array(readFileSync(out)));
  assert.is(f.rows, packets);
  let syns = 0;
  for (let i = 0; i < f.rows; i++) if (f.data[128 * i + 6] === TCP_FLAGS.SYN) syns++;
  assert.ok(syns > 900, `a SYN scan: ${syns} pure SYN rows`);
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test.run();
