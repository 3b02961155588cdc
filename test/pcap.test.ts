// Tests for src/pcap: every format variant synthesized here (test/fixtures/pcap/synthesize.ts),
// hostile inputs (truncation at every byte, random mutations in a watchdog worker), streaming
// equivalence, the link-layer helper, and the public captures in ../shared/realpcaps against
// the counts capinfos reported (test/fixtures/realpcaps-counts.tsv).
import { once } from 'node:events';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  detectCaptureFormat,
  locateNetworkLayer,
  MAX_BUFFERED_BLOCK,
  MAX_CAPLEN,
  parseCaptureBytes,
  PcapError,
  readCaptureBatches,
  readCaptureFile,
  readCaptureStream,
  type NetworkLayer,
  type Packet,
} from '../src/pcap/index.js';
import { resolutionFromOption, splitTimestamp, type SecNsec } from '../src/pcap/timestamp.js';
import { chunkedStream, collectAsync, collectBytes, comparable, summarize, type Outcome, type PacketSummary } from './fixtures/pcap/collect.js';
import { classicPcap, lcg, PcapngBuilder, randomBytes } from './fixtures/pcap/synthesize.js';
import { realpcaps } from './helpers/cli.js';
import { requires } from './helpers/requires.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)); // this file runs from dist/test/
const rand = lcg(20240611);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The fields a test expects of one packet; data and offsets come from the synthesizer. */
type Expected = Omit<PacketSummary, 'tsNanos' | 'data' | 'tsMicros'> & { data: Uint8Array };

function expectPackets(actual: PacketSummary[], expected: Expected[]): void {
  assert.is(actual.length, expected.length, 'packet count');
  expected.forEach((e, i) => {
    const nanos = BigInt(e.tsSec) * 1_000_000_000n + BigInt(e.tsNsec);
    const want: PacketSummary = { ...e, data: hex(e.data), tsNanos: nanos.toString(), tsMicros: Number(nanos / 1000n) };
    assert.equal(actual[i], want, `packet ${i}`);
  });
}

function expectPcapError(outcome: Outcome, pattern: RegExp, packetsBefore: number): PcapError {
  const e = outcome.error;
  if (!(e instanceof PcapError)) {
    const message = `expected PcapError matching ${pattern}, got ${String(e)}`;
    throw new assert.Assertion({ message, operator: 'instance', actual: e, expects: PcapError });
  }
  assert.match(e.message, pattern);
  assert.is(outcome.packets.length, packetsBefore, 'packets before the fault');
  return e;
}

function patchU32(bytes: Uint8Array, at: number, value: number, le: boolean): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, value, le);
  return out;
}

// ---------------------------------------------------------------- classic pcap

const CLASSIC_RECORDS = [
  { sec: 1_700_000_000, usec: 123_456, nsec: 123_456_789, data: randomBytes(rand, 60), origLen: 60 },
  { sec: 1_700_000_001, usec: 999_999, nsec: 999_999_999, data: randomBytes(rand, 1514), origLen: 1514 },
  { sec: 0, usec: 0, nsec: 0, data: new Uint8Array(0), origLen: 1500 }, // snapped to nothing
  { sec: 0xffffffff, usec: 1, nsec: 1, data: randomBytes(rand, 97), origLen: 9000 }, // u32 max seconds
];

for (const littleEndian of [true, false]) {
  for (const nanos of [false, true]) {
    test(`classic pcap ${littleEndian ? 'LE' : 'BE'} ${nanos ? 'ns' : 'us'}: every field`, () => {
      const linkType = nanos ? 113 : 228;
      const records = CLASSIC_RECORDS.map((r) => ({ sec: r.sec, frac: nanos ? r.nsec : r.usec, data: r.data, origLen: r.origLen }));
      const { bytes, offsets } = classicPcap({ littleEndian, nanos, linkType }, records);
      const outcome = collectBytes(bytes);
      assert.is(outcome.error, null);
      expectPackets(
        outcome.packets,
        CLASSIC_RECORDS.map((r, i) => ({
          index: i,
          tsSec: r.sec,
          tsNsec: nanos ? r.nsec : r.usec * 1000,
          linkType,
          capLen: r.data.length,
          origLen: r.origLen,
          data: r.data,
          fileOffset: offsets[i]!,
          interfaceId: 0,
        })),
      );
      assert.is(offsets[0], 24);
      assert.is(detectCaptureFormat(bytes), 'pcap');
    });
  }
}

test('classic pcap: tsMicros and tsNanos of a hand-checked record', () => {
  const { bytes } = classicPcap({ littleEndian: true, nanos: true, linkType: 1 }, [{ sec: 1_700_000_000, frac: 123_456_789, data: new Uint8Array(1) }]);
  const [p] = [...parseCaptureBytes(bytes)];
  assert.is(p!.tsMicros, 1_700_000_000_123_456); // 789 ns rounded toward -inf
  assert.is(p!.tsNanos, 1_700_000_000_123_456_789n);
});

test('classic pcap: a fraction of one second or more carries into the seconds', () => {
  const { bytes } = classicPcap({ littleEndian: true, nanos: false, linkType: 1 }, [{ sec: 10, frac: 2_500_000, data: new Uint8Array(4) }]);
  const [p] = collectBytes(bytes).packets;
  assert.is(p!.tsSec, 12);
  assert.is(p!.tsNsec, 500_000_000);
});

test('classic pcap: FCS bits above the 16-bit link type are masked off', () => {
  const { bytes } = classicPcap({ littleEndian: false, nanos: false, linkType: 0x10000001 }, [{ sec: 1, frac: 0, data: new Uint8Array(14) }]);
  assert.is(collectBytes(bytes).packets[0]!.linkType, 1);
});

test('classic pcap: a MAX_CAPLEN packet is accepted, one byte more is an error', () => {
  const big = new Uint8Array(MAX_CAPLEN);
  const ok = classicPcap({ littleEndian: true, nanos: false, linkType: 1 }, [{ sec: 1, frac: 0, data: big }]);
  assert.is(collectBytes(ok.bytes).packets[0]!.capLen, MAX_CAPLEN);
  const tooBig = patchU32(ok.bytes, 24 + 8, MAX_CAPLEN + 1, true);
  expectPcapError(collectBytes(tooBig), /^absurd captured length in packet record at byte 24: 262145 bytes exceeds the 262144-byte limit$/, 0);
});

// ---------------------------------------------------------------- pcapng

/** Two sections in opposite byte orders, six interfaces, every packet block kind, skipped blocks. */
function mixedPcapng() {
  const d = [60, 1, 2, 3, 1514, 0, 40, 41, 96, 96].map((n) => randomBytes(rand, n));
  const b = new PcapngBuilder()
    .section(true)
    .interface(1, 0, { name: 'eth0' }) // default resolution: microseconds
    .interface(101, 65535, { tsresol: 9 }) // nanoseconds
    .interface(113, 262144, { tsresol: 0x80 | 20 }) // 2^-20 s
    .interface(276, 0, { tsresol: 3, tsoffset: 1_600_000_000n }) // ms, plus an offset
    .other(4, randomBytes(rand, 12)) // NRB
    .epb(0, 1_700_000_000_123_456n, { data: d[0]!, origLen: 1514 })
    .epb(1, 1_700_000_000_987_654_321n, { data: d[1]! })
    .other(5, randomBytes(rand, 20)) // ISB
    .epb(2, (1_700_000_001n << 20n) + 524_288n, { data: d[2]! }) // + 0.5 s
    .epb(3, 12_345n, { data: d[3]! })
    .other(0x00000bad, randomBytes(rand, 5)) // custom block
    .pb(0, 1_700_000_002_000_001n, { data: d[4]! })
    .other(10, randomBytes(rand, 16)) // DSB
    .epb(1, 5n, { data: d[5]! }, 'an EPB option the reader must pass over')
    .spb({ data: d[6]! })
    .section(false)
    .interface(0, 96, { tsresol: 4 }) // NULL, 10^-4 s
    .interface(229, 0, { tsresol: 0x80 | 30 }) // IPv6, 2^-30 s
    .epb(1, (1_700_000_003n << 30n) + 3n, { data: d[7]! }) // 3 / 2^30 s = 2.79 ns
    .epb(0, 17_000_000_045_678n, { data: d[8]! })
    .spb({ data: d[9]!, origLen: 200 }) // captured length = snaplen 96
    .other(0x40000bad, new Uint8Array(0));
  const at = b.packetOffsets;
  const p = (i: number, interfaceId: number, linkType: number, tsSec: number, tsNsec: number, origLen = d[i]!.length): Expected => ({
    index: i,
    tsSec,
    tsNsec,
    linkType,
    capLen: d[i]!.length,
    origLen,
    data: d[i]!,
    fileOffset: at[i]!,
    interfaceId,
  });
  const expected = [
    p(0, 0, 1, 1_700_000_000, 123_456_000, 1514),
    p(1, 1, 101, 1_700_000_000, 987_654_321),
    p(2, 2, 113, 1_700_000_001, 500_000_000),
    p(3, 3, 276, 1_600_000_012, 345_000_000),
    p(4, 0, 1, 1_700_000_002, 1000),
    p(5, 1, 101, 0, 5),
    p(6, 0, 1, 0, 5), // SPB: previous packet's timestamp, interface 0
    p(7, 1, 229, 1_700_000_003, 2), // second section renumbers interfaces
    p(8, 0, 0, 1_700_000_004, 567_800_000),
    p(9, 0, 0, 1_700_000_004, 567_800_000, 200),
  ];
  return { builder: b, bytes: b.bytes(), expected };
}

test('pcapng: two sections in both byte orders, tsresol 10^-k and 2^-k, tsoffset, EPB/PB/SPB, skipped blocks', () => {
  const { bytes, expected } = mixedPcapng();
  const outcome = collectBytes(bytes);
  assert.is(outcome.error, null);
  expectPackets(outcome.packets, expected);
  assert.is(detectCaptureFormat(bytes), 'pcapng');
});

test('pcapng: a big-endian first section', () => {
  const data = randomBytes(rand, 33);
  const b = new PcapngBuilder().section(false).interface(1, 0).epb(0, 1_000_001n, { data });
  expectPackets(collectBytes(b.bytes()).packets, [
    { index: 0, tsSec: 1, tsNsec: 1000, linkType: 1, capLen: 33, origLen: 33, data, fileOffset: b.packetOffsets[0]!, interfaceId: 0 },
  ]);
});

test('timestamp: the exact double long division equals the BigInt definition', () => {
  const out: SecNsec = { sec: 0, nsec: 0 };
  const highs = [0, 1, 0x3b9ac9ff, 0x17979cfe, 0x1fffff, 0x7fffffff, 0xffffffff];
  const tsresols = [0, 1, 3, 6, 7, 9, 10, 12, 0x80, 0x80 | 10, 0x80 | 20, 0x80 | 32, 0x80 | 63];
  let checked = 0;
  for (const tsresol of tsresols) {
    const res = resolutionFromOption(tsresol);
    for (let i = 0; i < 400; i++) {
      const hi = i < highs.length ? highs[i]! : i % 3 === 0 ? rand() >>> 8 : rand();
      const lo = i % 5 === 0 ? 0xffffffff : rand();
      splitTimestamp(hi, lo, res, out);
      const units = (BigInt(hi) << 32n) | BigInt(lo);
      const sec = units / res.unitsPerSec;
      const nsec = ((units % res.unitsPerSec) * 1_000_000_000n) / res.unitsPerSec;
      if (sec <= BigInt(Number.MAX_SAFE_INTEGER)) assert.is(out.sec, Number(sec), `sec of ${units} at tsresol ${tsresol}`);
      assert.is(out.nsec, Number(nsec), `nsec of ${units} at tsresol ${tsresol}`);
      checked += 1;
    }
  }
  assert.is(checked, tsresols.length * 400);
});

// ---------------------------------------------------------------- errors

test('errors: empty file, short file, bad magic naming its bytes, unsupported versions', () => {
  expectPcapError(collectBytes(new Uint8Array(0)), /^empty file at byte 0: /, 0);
  expectPcapError(collectBytes(Uint8Array.of(0xd4, 0xc3)), /^truncated file header at byte 0: need 4 bytes for the magic number, 2 remain$/, 0);
  const gif = new TextEncoder().encode('GIF89a, not a capture at all');
  expectPcapError(collectBytes(gif), /^bad magic 0x47494638 at byte 0: found bytes 47 49 46 38; /, 0);
  const classic = classicPcap({ littleEndian: true, nanos: false, linkType: 1, major: 1 }, []);
  expectPcapError(collectBytes(classic.bytes), /^unsupported pcap version at byte 0: 1\.4, expected 2\.x$/, 0);
  expectPcapError(collectBytes(classic.bytes.subarray(0, 20)), /^truncated pcap file header at byte 0: need 24 bytes, 20 remain$/, 0);
  const ng = new PcapngBuilder().section(true, 2).bytes();
  expectPcapError(collectBytes(ng), /^unsupported pcapng version at byte 0: 2\.0, expected 1\.x$/, 0);
});

test('errors: classic records cut short or with absurd lengths keep the packets before them', () => {
  const records = [1, 2, 3].map((i) => ({ sec: i, frac: 0, data: randomBytes(rand, 1514) }));
  const { bytes, offsets } = classicPcap({ littleEndian: true, nanos: false, linkType: 1, snapLen: 1514 }, records);
  const cut = bytes.subarray(0, offsets[2]! + 16 + 200);
  const e = expectPcapError(collectBytes(cut), /^truncated packet record at byte 3084: header says 1514 bytes, 200 remain$/, 2);
  assert.is(e.offset, offsets[2]);
  expectPcapError(collectBytes(bytes.subarray(0, offsets[1]! + 5)), /^truncated packet record header at byte 1554: need 16 bytes, 5 remain$/, 1);
  // capLen within snaplen + slack is tolerated (TSO frames under a nominal snaplen); beyond, damage.
  const slack = patchU32(bytes, offsets[1]! + 8, 1514 + 65536 + 1, true);
  expectPcapError(collectBytes(slack), /^absurd captured length in packet record at byte 1554: 67051 bytes exceeds snaplen 1514 by more than 65536$/, 1);
});

test('errors: pcapng block faults name the block and its offset', () => {
  const b = new PcapngBuilder().section(true).interface(1, 0).epb(0, 1n, { data: randomBytes(rand, 20) });
  b.other(4, new Uint8Array(8)).epb(0, 2n, { data: randomBytes(rand, 20) });
  const bytes = b.bytes();
  const [epb0, epb1] = b.packetOffsets as [number, number];
  const nrb = b.blockEnds[2]!;
  const cases: [Uint8Array, RegExp, number][] = [
    [patchU32(bytes, nrb + 4, 3, true), new RegExp(`^bad block length 3 at byte ${nrb}: block of type 0x00000004 needs a multiple of 4 and at least 12$`), 1],
    [patchU32(bytes, epb1 + 4, 28, true), new RegExp(`^bad block length 28 at byte ${epb1}: enhanced packet block needs at least 32 bytes$`), 1],
    [patchU32(bytes, epb1 + 4, MAX_BUFFERED_BLOCK + 4, true), new RegExp(`^bad block length ${MAX_BUFFERED_BLOCK + 4} at byte ${epb1}: enhanced packet block exceeds`), 1],
    [patchU32(bytes, nrb + 16, 24, true), new RegExp(`^block length mismatch in block of type 0x00000004 at byte ${nrb}: leading length 20, trailing length 24$`), 1],
    [patchU32(bytes, epb1 + 48, 44, true), new RegExp(`^block length mismatch in enhanced packet block at byte ${epb1}: leading length 52, trailing length 44$`), 1],
    [patchU32(bytes, epb1 + 8, 7, true), new RegExp(`^unknown interface 7 in enhanced packet block at byte ${epb1}: the section defines 1 interface\\(s\\)$`), 1],
    [patchU32(bytes, epb0 + 20, 24, true), new RegExp(`^bad captured length in enhanced packet block at byte ${epb0}: 24 bytes do not fit in the 20 the block holds$`), 0],
    [patchU32(bytes, 8, 0x01020304, true), /^bad byte-order magic in section header block at byte 0: found bytes 04 03 02 01, /, 0],
    [patchU32(bytes, nrb + 4, 0x7ffffffc, true), new RegExp(`^truncated block of type 0x00000004 at byte ${nrb}: header says 2147483644 bytes, ${bytes.length - nrb} remain$`), 1],
  ];
  for (const [input, pattern, before] of cases) expectPcapError(collectBytes(input), pattern, before);
});

test('errors: pcapng interface options and SPB without interface', () => {
  const b = new PcapngBuilder().section(true).interface(1, 0, { tsresol: 9 });
  const idb = b.blockEnds[0]!;
  const bad = patchU32(b.bytes(), idb + 16, (200 << 16) | 9, true); // if_tsresol claiming 200 bytes
  expectPcapError(collectBytes(bad), new RegExp(`^bad option length in interface description block at byte ${idb}: option 9 at byte ${idb + 16} claims 200 bytes`), 0);
  const spb = new PcapngBuilder().section(true).spb({ data: new Uint8Array(4) });
  expectPcapError(collectBytes(spb.bytes()), /^unknown interface 0 in simple packet block at byte \d+: the section defines 0 interface\(s\)$/, 0);
});

// ---------------------------------------------------------------- truncation everywhere

/**
 * Cuts `bytes` at every position. A cut on a unit boundary (`cleanEnds`) must read cleanly;
 * any other cut must yield exactly the packets that end before it, then a "truncated ..."
 * PcapError at the start of the unit the cut falls in.
 */
function truncateEverywhere(bytes: Uint8Array, cleanEnds: number[], packetEnds: number[]): number {
  const unitStarts = [0, ...cleanEnds];
  for (let cut = 0; cut < bytes.length; cut++) {
    const outcome = collectBytes(bytes.subarray(0, cut));
    const before = packetEnds.filter((end) => end <= cut).length;
    if (cleanEnds.includes(cut)) {
      assert.is(outcome.error, null, `cut ${cut} is clean`);
      assert.is(outcome.packets.length, before);
      continue;
    }
    const e = expectPcapError(outcome, cut === 0 ? /^empty file at byte 0: / : /^truncated .* at byte \d+: .* \d+ remain$/, before);
    const unit = unitStarts.filter((s) => s <= cut).pop();
    assert.is(e.offset, cut === 0 ? 0 : unit, `offset for cut ${cut}: ${e.message}`);
  }
  return bytes.length;
}

test('truncation at every byte position: classic pcap', () => {
  const records = [60, 0, 7, 1514, 3].map((n, i) => ({ sec: i, frac: i, data: randomBytes(rand, n) }));
  for (const littleEndian of [true, false]) {
    const { bytes, offsets } = classicPcap({ littleEndian, nanos: !littleEndian, linkType: 1 }, records);
    const ends = [...offsets.slice(1), bytes.length];
    assert.ok(truncateEverywhere(bytes, [24, ...ends], ends) > 1600);
  }
});

test('truncation at every byte position: pcapng', () => {
  const { builder, bytes } = mixedPcapng();
  const ends = builder.blockEnds;
  const packetEnds = builder.packetOffsets.map((o) => ends.find((e) => e > o)!);
  assert.ok(truncateEverywhere(bytes, ends, packetEnds) > 2000);
});

// ---------------------------------------------------------------- fuzzing (watchdog worker)

test('fuzz: 3000 mutated captures give only PcapError, in memory and streamed alike, and never hang', async () => {
  const bases = [
    mixedPcapng().bytes,
    classicPcap({ littleEndian: true, nanos: false, linkType: 1 }, [60, 1, 300].map((n) => ({ sec: n, frac: n, data: randomBytes(rand, n) }))).bytes,
    classicPcap({ littleEndian: false, nanos: true, linkType: 101 }, [40, 80].map((n) => ({ sec: n, frac: n, data: randomBytes(rand, n) }))).bytes,
    new PcapngBuilder().section(false).interface(1, 128).spb({ data: randomBytes(rand, 64), origLen: 1000 }).other(5, new Uint8Array(8)).bytes(),
  ];
  const worker = new Worker(new URL('./fixtures/pcap/fuzz-worker.js', import.meta.url), { workerData: { bases, seed: 7, iterations: 3000 } });
  const watchdog = setTimeout(() => void worker.terminate(), 120_000);
  try {
    const [result] = (await Promise.race([once(worker, 'message'), once(worker, 'exit').then(() => [null])])) as [
      { runs: number; withError: number; failures: string[] } | null,
    ];
    assert.ok(result !== null, 'fuzz worker hung (killed after 120 s) or died');
    assert.equal(result!.failures, []);
    assert.is(result!.runs, 3000);
    assert.ok(result!.withError > 1000, `mutations should mostly break files (${result!.withError})`);
  } finally {
    clearTimeout(watchdog);
    await worker.terminate();
  }
});

// ---------------------------------------------------------------- streaming

test('streaming: a file read 7 bytes at a time, by default and as a Readable equals the in-memory parse', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcap-test-'));
  try {
    const classic = classicPcap({ littleEndian: false, nanos: true, linkType: 1 }, [1, 70, 1514, 0].map((n) => ({ sec: n, frac: n, data: randomBytes(rand, n) })));
    for (const [name, bytes] of [['mixed.pcapng', mixedPcapng().bytes], ['be-ns.pcap', classic.bytes]] as const) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const want = comparable(collectBytes(bytes));
      assert.is(want.error, null);
      assert.equal(comparable(await collectAsync(readCaptureFile(path, { chunkSize: 7 }))), want, `${name} in 7-byte reads`);
      assert.equal(comparable(await collectAsync(readCaptureFile(path))), want, `${name} in 1 MiB reads`);
      assert.equal(comparable(await collectAsync(readCaptureStream(createReadStream(path, { highWaterMark: 7 })))), want, `${name} as a Readable`);
      // Cut inside the last packet: same packets, same error, whichever reader.
      const cutPath = join(dir, `cut-${name}`);
      await writeFile(cutPath, bytes.subarray(0, bytes.length - 6));
      const cutWant = comparable(collectBytes(bytes.subarray(0, bytes.length - 6)));
      assert.ok(cutWant.error?.startsWith('PcapError: truncated'), String(cutWant.error));
      assert.equal(comparable(await collectAsync(readCaptureFile(cutPath, { chunkSize: 7 }))), cutWant, `cut ${name}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('streaming: packets bigger than the read size grow the buffer; streamed data are owned copies', async () => {
  const big = randomBytes(rand, 200_000);
  const b = new PcapngBuilder().section(true).interface(1, 0).epb(0, 1n, { data: big }).other(4, new Uint8Array(100_000)).epb(0, 2n, { data: big.subarray(0, 10) });
  const bytes = b.bytes();
  const packets = [];
  for await (const p of readCaptureStream(chunkedStream(bytes, 4096), { chunkSize: 4096 })) packets.push(p);
  assert.is(packets.length, 2);
  assert.is(hex(packets[0]!.data), hex(big));
  assert.is(hex(packets[1]!.data), hex(big.subarray(0, 10)));
  assert.is.not(packets[0]!.data.buffer, packets[1]!.data.buffer);
});

/** readCaptureBatches' outcome, each packet summarized before the next batch (its data is a view until then), and the batch sizes. */
async function collectBatches(batches: AsyncIterable<readonly Packet[]>): Promise<{ outcome: Outcome; sizes: number[] }> {
  const outcome: Outcome = { packets: [], error: null };
  const sizes: number[] = [];
  try {
    for await (const batch of batches) {
      sizes.push(batch.length);
      outcome.packets.push(...batch.map(summarize));
    }
  } catch (error) {
    outcome.error = error;
  }
  return { outcome, sizes };
}

test('streaming: batches of views equal the in-memory parse, 256 packets at most, a fault after the packets before it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcap-test-'));
  try {
    const classic = classicPcap({ littleEndian: true, nanos: false, linkType: 1 }, Array.from({ length: 600 }, (_, n) => ({ sec: n, frac: n, data: randomBytes(rand, n % 90) })));
    const path = join(dir, 'many.pcap');
    await writeFile(path, classic.bytes);
    const want = comparable(collectBytes(classic.bytes));
    const whole = await collectBatches(readCaptureBatches(path));
    assert.equal(comparable(whole.outcome), want);
    assert.equal(whole.sizes, [256, 256, 88]);
    const small = await collectBatches(readCaptureBatches(path, { chunkSize: 7 }));
    assert.equal(comparable(small.outcome), want, 'in 7-byte reads: one batch per packet whose bytes came in');
    assert.ok(small.sizes.every((n) => n <= 256));
    const streamed = await collectBatches(readCaptureBatches(createReadStream(path, { highWaterMark: 1000 })));
    assert.equal(comparable(streamed.outcome), want, 'as a Readable');
    const cut = classic.bytes.subarray(0, classic.bytes.length - 6);
    const cutWant = comparable(collectBytes(cut));
    assert.ok(cutWant.error?.startsWith('PcapError: truncated'), String(cutWant.error));
    assert.equal(comparable((await collectBatches(readCaptureBatches(chunkedStream(cut, 4096)))).outcome), cutWant, 'cut');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('streaming: empty input is a PcapError; a missing file is an I/O error from the iterator', async () => {
  expectPcapError(await collectAsync(readCaptureStream(chunkedStream(new Uint8Array(0), 7))), /^empty file at byte 0: /, 0);
  const missing = await collectAsync(readCaptureFile(join(tmpdir(), 'no-such-dir-pcap', 'x.pcap')));
  assert.not.instance(missing.error, PcapError);
  assert.match(String(missing.error), /ENOENT/);
});

test('streaming: breaking out of the loop releases the stream', async () => {
  const stream = chunkedStream(mixedPcapng().bytes, 64);
  for await (const p of readCaptureStream(stream)) {
    assert.is(p.index, 0);
    break;
  }
  assert.ok(stream.destroyed);
});

// ---------------------------------------------------------------- locateNetworkLayer

const ipv4 = Uint8Array.of(0x45, 0, 0, 20);
const ipv6 = Uint8Array.of(0x60, 0, 0, 0);
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const mac12 = new Array<number>(12).fill(0xaa);
const found = (offset: number, etherType: number, ipVersion: 0 | 4 | 6, vlanTags = 0): NetworkLayer => ({ ok: true, offset, etherType, ipVersion, vlanTags });

test('locateNetworkLayer: every supported link type, VLAN stacks, SNAP, loopback byte orders', () => {
  const sll = (proto: number[]) => [0, 0, 0, 1, 0, 6, ...new Array<number>(8).fill(0), ...proto];
  const sll2 = (proto: number[]) => [...proto, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, ...new Array<number>(8).fill(0)];
  const cases: [string, number, Uint8Array, NetworkLayer][] = [
    ['Ethernet IPv4', 1, cat(mac12, [0x08, 0x00], ipv4), found(14, 0x0800, 4)],
    ['Ethernet IPv6', 1, cat(mac12, [0x86, 0xdd], ipv6), found(14, 0x86dd, 6)],
    ['Ethernet ARP', 1, cat(mac12, [0x08, 0x06], [0, 1]), found(14, 0x0806, 0)],
    ['Ethernet header only', 1, cat(mac12, [0x08, 0x00]), found(14, 0x0800, 4)],
    ['802.1Q', 1, cat(mac12, [0x81, 0x00, 0x00, 0x05, 0x08, 0x00], ipv4), found(18, 0x0800, 4, 1)],
    ['QinQ 88a8 + 8100', 1, cat(mac12, [0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x86, 0xdd], ipv6), found(22, 0x86dd, 6, 2)],
    ['old QinQ 9100', 1, cat(mac12, [0x91, 0x00, 0, 1, 0x08, 0x00], ipv4), found(18, 0x0800, 4, 1)],
    ['LLC/SNAP', 1, cat(mac12, [0x00, 0x30, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00], ipv4), found(22, 0x0800, 4)],
    ['SLL', 113, cat(sll([0x08, 0x00]), ipv4), found(16, 0x0800, 4)],
    ['SLL with VLAN', 113, cat(sll([0x81, 0x00, 0, 7, 0x86, 0xdd]), ipv6), found(20, 0x86dd, 6, 1)],
    ['SLL2', 276, cat(sll2([0x86, 0xdd]), ipv6), found(20, 0x86dd, 6)],
    ['raw 101 v4', 101, ipv4, found(0, 0x0800, 4)],
    ['raw 101 v6', 101, ipv6, found(0, 0x86dd, 6)],
    ['raw 12', 12, ipv4, found(0, 0x0800, 4)],
    ['raw 14', 14, ipv6, found(0, 0x86dd, 6)],
    ['IPv4 228', 228, ipv4, found(0, 0x0800, 4)],
    ['IPv6 229', 229, ipv6, found(0, 0x86dd, 6)],
    ['NULL little-endian AF_INET', 0, cat([2, 0, 0, 0], ipv4), found(4, 0x0800, 4)],
    ['NULL big-endian AF_INET', 0, cat([0, 0, 0, 2], ipv4), found(4, 0x0800, 4)],
    ['NULL AF_INET6 macOS', 0, cat([30, 0, 0, 0], ipv6), found(4, 0x86dd, 6)],
    ['NULL AF_INET6 FreeBSD BE', 0, cat([0, 0, 0, 28], ipv6), found(4, 0x86dd, 6)],
    ['LOOP AF_INET6 OpenBSD', 108, cat([0, 0, 0, 24], ipv6), found(4, 0x86dd, 6)],
  ];
  for (const [name, linkType, frame, want] of cases) assert.equal(locateNetworkLayer(linkType, frame), want, name);
});

test('locateNetworkLayer: short, undecodable and unsupported frames say why', () => {
  const cases: [number, Uint8Array, RegExp][] = [
    [1, new Uint8Array(9), /^Ethernet frame of 9 bytes is shorter than its 14-byte header$/],
    [1, cat(mac12, [0x81, 0x00, 0, 1]), /^VLAN tag cut off at byte 14$/],
    [1, cat(mac12, [0x00, 0x26, 0x42, 0x42, 0x03]), /^no EtherType: type field 0x0026 /],
    [113, new Uint8Array(15), /SLL\) frame of 15 bytes/],
    [276, new Uint8Array(19), /SLL2\) frame of 19 bytes/],
    [101, new Uint8Array(0), /^empty RAW frame$/],
    [101, Uint8Array.of(0x50), /^IP version nibble 5 in RAW frame$/],
    [228, new Uint8Array(0), /^empty raw IPv4 frame$/],
    [0, Uint8Array.of(7, 0, 0, 0, 0x45), /^loopback address family 7 /],
    [0, Uint8Array.of(2, 0), /^NULL loopback frame of 2 bytes/],
    [105, new Uint8Array(40), /^unsupported link type 105 \(LINKTYPE_105\)$/],
  ];
  for (const [linkType, frame, reason] of cases) {
    const r = locateNetworkLayer(linkType, frame);
    assert.ok(!r.ok, `link type ${linkType} should not decode`);
    if (!r.ok) assert.match(r.reason, reason);
  }
});

test('locateNetworkLayer: 50,000 random frames never throw and stay in bounds', () => {
  const linkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999, -1, 1.5];
  let decoded = 0;
  for (let i = 0; i < 50_000; i++) {
    const frame = randomBytes(rand, rand() % 48);
    // Bias toward tag-shaped bytes so the VLAN and SNAP paths see garbage too.
    if (frame.length > 13 && i % 2 === 0) frame.set([0x81, 0x00], 12);
    const r = locateNetworkLayer(linkTypes[i % linkTypes.length]!, frame);
    if (r.ok) {
      decoded += 1;
      assert.ok(r.offset >= 0 && r.offset <= frame.length, `offset ${r.offset} of ${frame.length}`);
    }
  }
  assert.ok(decoded > 1000);
});

// ---------------------------------------------------------------- real captures

const realDir = realpcaps.path;

function listCaptures(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return listCaptures(p);
      return name === 'README.md' || name === 'MANIFEST.tsv' ? [] : [p];
    });
}

requires(test, realpcaps)('real captures: every file in ../shared/realpcaps parses fully with the capinfos packet count', async () => {
  const table = readFileSync(join(repoRoot, 'test/fixtures/realpcaps-counts.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('path\t'))
    .map((line) => line.split('\t') as [string, string, string, string]);
  const onDisk = listCaptures(realDir).map((p) => relative(realDir, p));
  assert.equal(onDisk, table.map((row) => row[0]), 'files on disk vs test/fixtures/realpcaps-counts.tsv');
  let total = 0;
  for (const [file, packets, linkType, format] of table) {
    const path = join(realDir, file);
    const streamed = await collectAsync(readCaptureFile(path));
    assert.is(streamed.error, null, `${file}: ${String(streamed.error)}`);
    assert.is(streamed.packets.length, Number(packets), `${file}: packet count`);
    assert.equal([...new Set(streamed.packets.map((p) => p.linkType))], [Number(linkType)], `${file}: link types`);
    const bytes = readFileSync(path);
    assert.is(detectCaptureFormat(bytes), format, `${file}: format`);
    assert.equal(comparable(collectBytes(bytes)), comparable(streamed), `${file}: in-memory parse`);
    for (const p of parseCaptureBytes(bytes)) locateNetworkLayer(p.linkType, p.data); // must not throw
    total += streamed.packets.length;
  }
  assert.is(total, table.reduce((sum, row) => sum + Number(row[1]), 0));
  assert.ok(table.length >= 30, `only ${table.length} captures listed`);
});

test('summaries round-trip every Packet field (guards the comparisons above)', () => {
  const { bytes } = classicPcap({ littleEndian: true, nanos: true, linkType: 1 }, [{ sec: 3, frac: 4, data: Uint8Array.of(9) }]);
  const [p] = [...parseCaptureBytes(bytes)];
  assert.equal(Object.keys(summarize(p!)).sort(), ['capLen', 'data', 'fileOffset', 'index', 'interfaceId', 'linkType', 'origLen', 'tsMicros', 'tsNanos', 'tsNsec', 'tsSec']);
});

test.run();
