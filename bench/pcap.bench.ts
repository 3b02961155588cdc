// Throughput of the capture reader: synthesizes a 200k-packet classic pcap and pcapng in the
// temp directory (IMIX sizes 64/594/1518 in 7:4:1), reads each with the streaming file reader
// and the in-memory parser, and prints one JSON line per (format, reader) with the median of
// 5 runs. Usage: node dist/bench/pcap.bench.js [packets]
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaptureBytes, readCaptureFile, type Packet } from '../src/pcap/index.js';
import { classicPcap, lcg, PcapngBuilder, randomBytes } from '../test/fixtures/pcap/synthesize.js';

const PACKETS = Number(process.argv[2] ?? 200_000);
const RUNS = 5;
const IMIX = [64, 64, 64, 64, 64, 64, 64, 594, 594, 594, 594, 1518];

/** Frames share one random buffer: content does not matter to the reader, only sizes do. */
function frames(count: number): Uint8Array[] {
  const next = lcg(1);
  const pool = randomBytes(next, 1518);
  return Array.from({ length: count }, () => pool.subarray(0, IMIX[next() % IMIX.length]));
}

function synthesize(format: 'pcap' | 'pcapng', data: Uint8Array[]): Uint8Array {
  if (format === 'pcap') {
    return classicPcap({ littleEndian: true, nanos: false, linkType: 1 }, data.map((d, i) => ({ sec: 1_700_000_000 + (i >> 10), frac: i % 1_000_000, data: d }))).bytes;
  }
  const b = new PcapngBuilder().section(true).interface(1, 0, { tsresol: 9 });
  data.forEach((d, i) => b.epb(0, 1_700_000_000_000_000_000n + BigInt(i) * 1000n, { data: d }));
  return b.bytes();
}

/** Consumes packets the way a caller would (touching the fields) and returns the count. */
async function drain(packets: AsyncIterable<Packet> | Iterable<Packet>): Promise<number> {
  let count = 0;
  let check = 0;
  for await (const p of packets) {
    count += 1;
    check += p.capLen + (p.tsMicros % 7);
  }
  if (check < 0) throw new Error('unreachable');
  return count;
}

async function measure(name: string, format: string, bytes: number, read: () => AsyncIterable<Packet> | Iterable<Packet>): Promise<void> {
  const secs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    const count = await drain(read());
    secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (count !== PACKETS) throw new Error(`${name} ${format}: read ${count} of ${PACKETS} packets`);
  }
  const median = secs.sort((a, b) => a - b)[RUNS >> 1]!;
  const line = {
    bench: 'pcap',
    reader: name,
    format,
    packets: PACKETS,
    bytes,
    seconds: Number(median.toFixed(4)),
    packetsPerSec: Math.round(PACKETS / median),
    mbPerSec: Number((bytes / 1e6 / median).toFixed(1)),
    node: process.version,
  };
  console.log(JSON.stringify(line));
}

const dir = await mkdtemp(join(tmpdir(), 'pcap-bench-'));
try {
  const data = frames(PACKETS);
  for (const format of ['pcap', 'pcapng'] as const) {
    const path = join(dir, `bench.${format}`);
    const bytes = synthesize(format, data);
    await writeFile(path, bytes);
    await measure('readCaptureFile', format, bytes.length, () => readCaptureFile(path));
    const inMemory = readFileSync(path);
    await measure('parseCaptureBytes', format, bytes.length, () => parseCaptureBytes(inMemory));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
