// Throughput of the flow statistics: synthesizes a 200k-packet Ethernet pcap (20,000 concurrent
// conversations, 90% TCP and 10% UDP, 1 in 8 over IPv6, IMIX payloads 0/530/1460 in 7:4:1, one
// packet per ms), then measures FlowTable.add over the in-memory parser (decode + flow table)
// and writeFlowsCsv end to end (file reader + flows + CSV). Prints one JSON line per case with
// the median of 5 runs. Usage: node dist/bench/flows.bench.js [packets]
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FlowTable, writeFlowsCsv } from '../src/flows/index.js';
import { parseCaptureBytes } from '../src/pcap/index.js';
import { classicPcap, lcg } from '../test/fixtures/pcap/synthesize.js';

const PACKETS = Number(process.argv[2] ?? 200_000);
const CONVERSATIONS = 20_000;
const RUNS = 5;
const PAYLOADS = [0, 0, 0, 0, 0, 0, 0, 530, 530, 530, 530, 1460];

/**
 * One frame of conversation `c`: fields are patched into a zeroed buffer at their RFC offsets.
 * Payload bytes stay zero; only header fields matter to the flow table.
 */
function frame(c: number, reply: boolean, payload: number, flags: number): Uint8Array {
  const v6 = c % 8 === 0;
  const udp = c % 10 === 3;
  const l3 = v6 ? 40 : 20;
  const l4 = udp ? 8 : 20;
  const bytes = new Uint8Array(14 + l3 + l4 + payload);
  const d = new DataView(bytes.buffer);
  d.setUint16(12, v6 ? 0x86dd : 0x0800);
  const client = [10, c >> 16, (c >> 8) & 0xff, c & 0xff];
  const server = [192, 0, 2, c % 200];
  const [src, dst] = reply ? [server, client] : [client, server];
  if (v6) {
    d.setUint8(14, 0x60);
    d.setUint16(18, l4 + payload);
    d.setUint8(20, udp ? 17 : 6);
    bytes.set([0x20, 0x01, 0x0d, 0xb8, ...src], 22 + 8);
    bytes.set([0x20, 0x01, 0x0d, 0xb8, ...dst], 38 + 8);
  } else {
    d.setUint8(14, 0x45);
    d.setUint16(16, l3 + l4 + payload);
    d.setUint8(22, 64);
    d.setUint8(23, udp ? 17 : 6);
    bytes.set(src, 26);
    bytes.set(dst, 30);
  }
  const t = 14 + l3;
  const clientPort = 1024 + (c % 60000);
  const serverPort = udp ? 53 : 443;
  d.setUint16(t, reply ? serverPort : clientPort);
  d.setUint16(t + 2, reply ? clientPort : serverPort);
  if (udp) d.setUint16(t + 4, 8 + payload);
  else {
    d.setUint8(t + 12, 5 << 4);
    d.setUint8(t + 13, flags);
    d.setUint16(t + 14, 64240);
  }
  return bytes;
}

function synthesize(): Uint8Array {
  const next = lcg(7);
  const seen = new Uint8Array(CONVERSATIONS);
  const records = [];
  for (let i = 0; i < PACKETS; i++) {
    const c = next() % CONVERSATIONS;
    const flags = seen[c] === 0 ? 0x02 : 0x18; // SYN first, then PSH+ACK
    seen[c] = 1;
    const micros = 1_700_000_000_000_000 + i * 1000;
    records.push({ sec: Math.floor(micros / 1e6), frac: micros % 1e6, data: frame(c, next() % 2 === 1, PAYLOADS[next() % PAYLOADS.length]!, flags) });
  }
  return classicPcap({ littleEndian: true, nanos: false, linkType: 1 }, records).bytes;
}

async function measure(name: string, bytes: number, once: () => Promise<number> | number): Promise<void> {
  const secs: number[] = [];
  let flows = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    flows = await once();
    secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const median = secs.sort((a, b) => a - b)[RUNS >> 1]!;
  const line = {
    bench: 'flows',
    path: name,
    packets: PACKETS,
    flows,
    bytes,
    seconds: Number(median.toFixed(4)),
    packetsPerSec: Math.round(PACKETS / median),
    node: process.version,
  };
  console.log(JSON.stringify(line));
}

const dir = await mkdtemp(join(tmpdir(), 'flows-bench-'));
try {
  const path = join(dir, 'bench.pcap');
  const pcap = synthesize();
  await writeFile(path, pcap);
  const inMemory = readFileSync(path);
  await measure('FlowTable.add(parseCaptureBytes)', pcap.length, () => {
    let flows = 0;
    const table = new FlowTable(() => (flows += 1));
    for (const p of parseCaptureBytes(inMemory)) table.add(p);
    table.flush();
    return flows;
  });
  const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  await measure('writeFlowsCsv(file)', pcap.length, async () => (await writeFlowsCsv(path, discard())).flows);
} finally {
  await rm(dir, { recursive: true, force: true });
}
