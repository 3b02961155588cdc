// Tests for tools/dataset/packet-table: a golden table of a synthesized capture (every status,
// every column), flow ids equal to FlowTable's onPacket mapping and joinable with the flows CSV,
// one row per packet, and a corrupt capture (rows before the fault, then exit 1).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flowsOf, type FlowPacket } from '../src/flows/index.js';
import { parseCaptureBytes, readCaptureFile } from '../src/pcap/index.js';
import { PACKET_TABLE_COLUMNS, PACKET_TABLE_MAGIC, packetRows } from '../tools/dataset/packet-table.js';
import { classicPcap } from './fixtures/pcap/synthesize.js';
import { repoRoot } from './helpers/cli.js';
import { arp, ETH, ether, icmp, ipv4, ipv6, LINK, padEthernet, tcp, TCP_FLAGS, udp } from './helpers/frames.js';

const TOOL = join(repoRoot, 'dist/tools/dataset/packet-table.js');
const LAB_CAPTURE = join(repoRoot, 'data/test/seed3/capture.pcap');

const { SYN, ACK } = TCP_FLAGS;
const frames: number[][] = [
  ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN))), // opens flow 0
  padEthernet(ether(ETH.ARP, arp('10.0.0.2', '10.0.0.1'))), // no flow, addresses from the ARP body
  ether(ETH.IPV4, ipv4(6, '10.0.0.2', '10.0.0.1', tcp(80, 40000, SYN | ACK))), // reply joins flow 0
  ether(ETH.IPV4, ipv4(17, '10.0.0.1', '10.0.0.53', udp(5353, 53, [1, 2, 3]))), // flow 1
  ether(ETH.LLDP, [2, 7, 4, 0, 0, 0, 0, 0, 1]), // not IP, not ARP
  ether(ETH.IPV4, [0x45, 0, 0]), // IPv4 header cut off
  ether(ETH.IPV4, ipv4(1, '10.0.0.1', '10.0.0.9', icmp(8, 0, 0x00010001, [9, 9]))), // flow 2; ICMP has no ports
  ether(ETH.IPV6, ipv6(17, '2001:db8::1', 'fe80::2', udp(1000, 2000, []))), // flow 3
];

const GOLDEN = [
  `${PACKET_TABLE_MAGIC}\tversion=1\tcapture=golden.pcap\tpackets=8`,
  PACKET_TABLE_COLUMNS.join('\t'),
  // index ts_us flow_id ipv proto src dst sport dport ip_len flags status
  '0\t1700000000000000\t0\t4\t6\t10.0.0.1\t10.0.0.2\t40000\t80\t40\t2\tip', // 20 IP + 20 TCP
  '1\t1700000000000001\t-1\t\t\t10.0.0.2\t10.0.0.1\t\t\t\t\tarp',
  '2\t1700000000000002\t0\t4\t6\t10.0.0.2\t10.0.0.1\t80\t40000\t40\t18\tip', // SYN|ACK = 0x12
  '3\t1700000000000003\t1\t4\t17\t10.0.0.1\t10.0.0.53\t5353\t53\t31\t\tip', // 20 + 8 + 3
  '4\t1700000000000004\t-1\t\t\t\t\t\t\t\t\tnon-ip',
  '5\t1700000000000005\t-1\t\t\t\t\t\t\t\t\tundecodable',
  '6\t1700000000000006\t2\t4\t1\t10.0.0.1\t10.0.0.9\t\t\t30\t\tip', // 20 + 8 + 2
  '7\t1700000000000007\t3\t6\t17\t2001:db8::1\tfe80::2\t1000\t2000\t48\t\tip', // 40 + 8
].join('\n') + '\n';

function goldenCapture(): Uint8Array {
  const packets = frames.map((f, i) => ({ data: Uint8Array.from(f), sec: 1_700_000_000, frac: i }));
  return classicPcap({ littleEndian: true, nanos: false, linkType: LINK.ETHERNET }, packets).bytes;
}

/** Runs the CLI on `bytes` written as `name`; returns its exit code, stderr and output file. */
function runTool(bytes: Uint8Array, name: string): { code: number | null; stderr: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'packet-table-'));
  try {
    const capture = join(dir, name);
    writeFileSync(capture, bytes);
    const r = spawnSync(process.execPath, [TOOL, capture, '-o', join(dir, 'packets.tsv')], { encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr, out: readFileSync(join(dir, 'packets.tsv'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Data rows of a table as arrays of cells. */
const rowsOf = (text: string): string[][] => text.trimEnd().split('\n').slice(2).map((l) => l.split('\t'));

test('golden table: every status and column', () => {
  const r = runTool(goldenCapture(), 'golden.pcap');
  assert.is(r.code, 0, r.stderr);
  assert.fixture(r.out, GOLDEN);
});

test('flow ids equal FlowTable onPacket mapping; one row per packet (golden and lab capture)', async () => {
  const expectIds = async (packets: () => AsyncIterable<FlowPacket> | Iterable<FlowPacket>) => {
    const mapping: number[] = [];
    for await (const _ of flowsOf(packets(), { onPacket: (i, id) => (mapping[i] = id) }));
    const rows: number[] = [];
    for await (const row of packetRows(packets())) {
      assert.is(row.index, rows.length);
      rows.push(row.flowId);
    }
    assert.equal(rows, mapping);
    return rows.length;
  };
  const bytes = goldenCapture();
  assert.is(await expectIds(() => parseCaptureBytes(bytes)), frames.length);
  const lab = await expectIds(() => readCaptureFile(LAB_CAPTURE));
  assert.ok(lab > 10_000, `lab capture has ${lab} packets`);
});

test('flow ids join with `packetclip flows` flow_id and first_packet', () => {
  const flowsCsv = spawnSync(process.execPath, [join(repoRoot, 'bin/packetclip.js'), 'flows', LAB_CAPTURE, '--csv'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.is(flowsCsv.status, 0, flowsCsv.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'packet-table-'));
  try {
    const out = join(dir, 'p.tsv');
    const r = spawnSync(process.execPath, [TOOL, LAB_CAPTURE, '-o', out], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    const rows = rowsOf(text);
    assert.ok(text.startsWith(`${PACKET_TABLE_MAGIC}\tversion=1\tcapture=capture.pcap\tpackets=${rows.length}\n`));
    const [header, ...flowLines] = flowsCsv.stdout.trimEnd().split('\n').slice(1);
    const col = header!.split(',');
    const [idAt, firstAt, lastAt] = ['flow_id', 'first_packet', 'last_packet'].map((c) => col.indexOf(c));
    for (const line of flowLines) {
      const cells = line.split(',');
      assert.is(rows[Number(cells[firstAt!])]![2], cells[idAt!]);
      assert.is(rows[Number(cells[lastAt!])]![2], cells[idAt!]);
    }
    const flowIds = new Set(rows.map((r) => r[2]).filter((id) => id !== '-1'));
    assert.is(flowIds.size, flowLines.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupt capture: rows before the fault, then exit 1 with the reader message', () => {
  const bytes = goldenCapture();
  const cut = bytes.subarray(0, bytes.length - 10); // the last record loses 10 bytes
  const r = runTool(cut, 'cut.pcap');
  assert.is(r.code, 1);
  assert.match(r.stderr, /packet-table: truncated .* at byte \d+/);
  const lines = GOLDEN.split('\n');
  const expected = [`${PACKET_TABLE_MAGIC}\tversion=1\tcapture=cut.pcap\tpackets=7`, ...lines.slice(1, 9)].join('\n') + '\n';
  assert.fixture(r.out, expected);
});

test.run();
