// Tests for src/flows: hand-checked golden flows from captures synthesized here (frames built
// byte by byte from the RFCs, written into pcaps by test/fixtures/pcap/synthesize.ts), the
// decoder on malformed headers, a fuzz of mutated frames, the CSV writer, and two real captures
// from ../shared/realpcaps checked against figures tshark reported.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodePacket,
  FLOWS_CSV_COLUMNS,
  FLOWS_CSV_MAGIC,
  FlowTable,
  flowsOf,
  formatAddress,
  formatFlowsCsv,
  MAX_IPV6_EXTENSION_HEADERS,
  MAX_REASON_KEYS,
  OTHER_REASON,
  UNFLOWED,
  writeFlowsCsv,
  type FlowCounters,
  type FlowPacket,
  type FlowRecord,
  type FlowsOptions,
  type IpPacketSummary,
} from '../src/flows/index.js';
import { parseCaptureBytes, PcapError } from '../src/pcap/index.js';
import { classicPcap, lcg, randomBytes } from './fixtures/pcap/synthesize.js';
import { realpcaps } from './helpers/cli.js';
import { requires } from './helpers/requires.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)); // this file runs from dist/test/
const realDir = realpcaps.path;
const withReal = requires(test, realpcaps);

// ---------------------------------------------------------------- frames, from the RFCs

function v4(text: string): number[] {
  return text.split('.').map(Number);
}

/** "2001:db8::1" -> 16 bytes; enough of RFC 4291 text form for these tests. */
function v6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const zeros = (n: number) => Array<number>(n).fill(0);

/** IPv4 header (RFC 791) + payload. `ihl` in 32-bit words; options are zero bytes. */
function ipv4(protocol: number, src: string, dst: string, payload: number[], o: { id?: number; mf?: boolean; offset?: number; ihl?: number; totalLength?: number } = {}): number[] {
  const ihl = o.ihl ?? 5;
  const headerLength = Math.max(ihl, 5) * 4;
  const flags = (o.mf === true ? 0x2000 : 0) | ((o.offset ?? 0) / 8);
  return [
    0x40 | ihl, 0, ...u16(o.totalLength ?? headerLength + payload.length), ...u16(o.id ?? 0), ...u16(flags),
    64, protocol, 0, 0, ...v4(src), ...v4(dst), ...zeros(headerLength - 20), ...payload,
  ];
}

/** IPv6 header (RFC 8200) + payload (extension headers included); payload length from it. */
function ipv6(next: number, src: string, dst: string, payload: number[]): number[] {
  return [0x60, 0, 0, 0, ...u16(payload.length), next, 64, ...v6(src), ...v6(dst), ...payload];
}

/** Hop-by-hop, routing or destination options header of `octets8` * 8 bytes (zero options: Pad). */
const extension = (next: number, octets8: number) => [next, octets8 - 1, ...zeros(octets8 * 8 - 2)];
/** IPv6 fragment header: offset in bytes (a multiple of 8), M flag, 32-bit identification. */
const fragmentHeader = (next: number, offset: number, more: boolean, id: number) => [next, 0, ...u16(offset | (more ? 1 : 0)), ...u16(id >>> 16), ...u16(id & 0xffff)];
/** Authentication header (RFC 4302): length field in 4-octet units minus 2. */
const authHeader = (next: number, units: number) => [next, units, ...zeros((units + 2) * 4 - 2)];

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80;

/** TCP header (RFC 9293) of `dataOffset` words + `payload` zero bytes. */
function tcp(sport: number, dport: number, flags: number, o: { window?: number; payload?: number; dataOffset?: number } = {}): number[] {
  const words = o.dataOffset ?? 5;
  return [...u16(sport), ...u16(dport), 0, 0, 0, 1, 0, 0, 0, 1, words << 4, flags, ...u16(o.window ?? 0), 0, 0, 0, 0, ...zeros(Math.max(words, 5) * 4 - 20), ...zeros(o.payload ?? 0)];
}

const udp = (sport: number, dport: number, payload: number) => [...u16(sport), ...u16(dport), ...u16(8 + payload), 0, 0, ...zeros(payload)];
const icmp = (type: number, code: number, id: number, seq: number, payload: number) => [type, code, 0, 0, ...u16(id), ...u16(seq), ...zeros(payload)];

const ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_ARP = 0x0806;
const ether = (type: number, payload: number[]) => [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, ...u16(type), ...payload];
const eth4 = (ip: number[]) => Uint8Array.from(ether(ETH_IPV4, ip));
const eth6 = (ip: number[]) => Uint8Array.from(ether(ETH_IPV6, ip));

// ---------------------------------------------------------------- running captures

const T0 = 1_700_000_000_000_000; // µs: 2023-11-14T22:13:20Z

interface Timed {
  readonly t: number; // µs after T0 (may be negative)
  readonly frame: Uint8Array;
}

/** A classic pcap (µs timestamps) holding `frames`. */
function capture(frames: readonly Timed[], linkType = 1): Uint8Array {
  const records = frames.map(({ t, frame }) => ({ sec: Math.floor((T0 + t) / 1e6), frac: (T0 + t) % 1e6, data: frame }));
  return classicPcap({ littleEndian: true, nanos: false, linkType }, records).bytes;
}

interface Run {
  records: FlowRecord[]; // in order of emission
  counters: FlowCounters;
  flowOfPacket: number[];
}

/** Writes the frames into a pcap, reads it back and runs flowsOf over it. */
async function run(frames: readonly Timed[], options: FlowsOptions = {}, linkType = 1): Promise<Run> {
  const flowOfPacket: number[] = [];
  const it = flowsOf(parseCaptureBytes(capture(frames, linkType)), { ...options, onPacket: (i, id) => (flowOfPacket[i] = id) });
  const records: FlowRecord[] = [];
  for (let step = await it.next(); ; step = await it.next()) {
    if (step.done === true) return { records, counters: step.value, flowOfPacket };
    records.push(step.value);
  }
}

type Cells = Record<string, string | number>;

/** A record as its CSV cells, keyed by column name. */
function cells(r: FlowRecord): Record<string, string> {
  const row = formatFlowsCsv([r]).split('\n')[2]!.split(',');
  return Object.fromEntries(FLOWS_CSV_COLUMNS.map((c, i) => [c.name, row[i]!]));
}

/** Compares the columns `expected` names ('' = empty cell); `all` demands every column be named. */
function expectCells(r: FlowRecord | undefined, expected: Cells, all = false): void {
  assert.ok(r !== undefined, 'flow missing');
  const actual = cells(r);
  if (all) assert.equal(Object.keys(expected), Object.keys(actual), 'expected row names every column, in order');
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]));
  assert.equal(picked, Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, String(v)])), `flow ${r.flowId}`);
}

const byId = (records: FlowRecord[]) => [...records].sort((a, b) => a.flowId - b.flowId);

// ---------------------------------------------------------------- golden 1: TCP handshake, data, FIN both ways

const C = '10.0.0.1', S = '10.0.0.2';
const c2s = (flags: number, o: Parameters<typeof tcp>[3] = {}) => eth4(ipv4(6, C, S, tcp(40000, 80, flags, o)));
const s2c = (flags: number, o: Parameters<typeof tcp>[3] = {}) => eth4(ipv4(6, S, C, tcp(80, 40000, flags, o)));

// No TCP options, so every IP length is 40 + payload.
const TCP_SESSION: Timed[] = [
  { t: 0, frame: c2s(SYN | ECE | CWR, { window: 64240 }) }, //       0 fwd  40  ECN-setup SYN
  { t: 1000, frame: s2c(SYN | ACK | ECE, { window: 65160 }) }, //     1 bwd  40
  { t: 1500, frame: c2s(ACK, { window: 502 }) }, //                   2 fwd  40
  { t: 2000, frame: c2s(PSH | ACK | URG, { window: 502, payload: 100 }) }, // 3 fwd 140
  { t: 5000, frame: s2c(ACK, { window: 510 }) }, //                   4 bwd  40
  { t: 6000, frame: s2c(PSH | ACK, { window: 510, payload: 300 }) }, // 5 bwd 340
  { t: 6500, frame: c2s(ACK, { window: 502 }) }, //                   6 fwd  40
  { t: 10000, frame: c2s(FIN | ACK, { window: 502 }) }, //            7 fwd  40  first FIN
  { t: 11000, frame: s2c(FIN | ACK, { window: 510 }) }, //            8 bwd  40  second FIN
  { t: 12000, frame: c2s(ACK, { window: 502 }) }, //                  9 fwd  40  acknowledges it: flow ends
  { t: 13000, frame: c2s(ACK, { window: 501 }) }, //                 10 a stray ACK after the close: a new flow
];

const TCP_SESSION_FLOW: Cells = {
  flow_id: 0, first_packet: 0, last_packet: 9, start_us: T0, duration_us: 12000, end_reason: 'fin',
  ip_version: 4, protocol: 6, src_addr: C, src_port: 40000, dst_addr: S, dst_port: 80,
  fwd_packets: 6, bwd_packets: 4,
  fwd_bytes: 340, bwd_bytes: 460, // 5*40 + 140; 3*40 + 340
  fwd_payload_bytes: 100, bwd_payload_bytes: 300,
  // fwd lengths 40,40,140,40,40,40: mean 340/6; variance (5*(50/3)^2 + (250/3)^2)/6 = 75000/54
  fwd_len_min: 40, fwd_len_max: 140, fwd_len_mean: 56.667, fwd_len_std: 37.268,
  // bwd lengths 40,40,340,40: mean 115; deviations -75,-75,225,-75, variance 67500/4 = 16875
  bwd_len_min: 40, bwd_len_max: 340, bwd_len_mean: 115, bwd_len_std: 129.904,
  // gaps 1000,500,500,3000,1000,500,3500,1000,1000: sum 12000, sum of squares 26e6,
  // variance 26e6/9 - (12000/9)^2 = 10e6/9
  iat_mean_us: 1333.333, iat_std_us: 1054.093, iat_min_us: 500, iat_max_us: 3500,
  fwd_iat_mean_us: 2400, // fwd at 0,1500,2000,6500,10000,12000: 12000/5
  bwd_iat_mean_us: 3333.333, // bwd at 1000,5000,6000,11000: 10000/3
  fin_count: 2, syn_count: 2, rst_count: 0, psh_count: 2, ack_count: 9, urg_count: 1, ece_count: 2, cwr_count: 1,
  fwd_init_win: 64240, bwd_init_win: 65160,
  packets_per_s: 833.333, bytes_per_s: 66666.667, // 10 / 0.012 s, 800 / 0.012 s
};

const STRAY_ACK_FLOW: Cells = {
  flow_id: 1, first_packet: 10, last_packet: 10, start_us: T0 + 13000, duration_us: 0, end_reason: 'end',
  ip_version: 4, protocol: 6, src_addr: C, src_port: 40000, dst_addr: S, dst_port: 80,
  fwd_packets: 1, bwd_packets: 0, fwd_bytes: 40, bwd_bytes: 0, fwd_payload_bytes: 0, bwd_payload_bytes: 0,
  fwd_len_min: 40, fwd_len_max: 40, fwd_len_mean: 40, fwd_len_std: 0,
  bwd_len_min: '', bwd_len_max: '', bwd_len_mean: '', bwd_len_std: '', // no backward packet: undefined
  iat_mean_us: '', iat_std_us: '', iat_min_us: '', iat_max_us: '', fwd_iat_mean_us: '', bwd_iat_mean_us: '',
  fin_count: 0, syn_count: 0, rst_count: 0, psh_count: 0, ack_count: 1, urg_count: 0, ece_count: 0, cwr_count: 0,
  fwd_init_win: 501, bwd_init_win: '',
  packets_per_s: '', bytes_per_s: '', // duration 0
};

test('golden TCP session: handshake, data both ways, FIN both ways, final ACK ends the flow', async () => {
  const { records, counters, flowOfPacket } = await run(TCP_SESSION);
  assert.is(records.length, 2);
  expectCells(records[0], TCP_SESSION_FLOW, true);
  expectCells(records[1], STRAY_ACK_FLOW, true);
  assert.equal(flowOfPacket, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal({ ...counters, unflowedReasons: [...counters.unflowedReasons] }, {
    packets: 11, flowed: 11, nonIp: 0, undecodable: 0, unflowedReasons: [], flows: 2,
    ended: { fin: 1, rst: 0, idle: 0, evicted: 0, end: 1 }, orphanFragments: 0, outOfOrder: 0,
  });
});

test('the same session over raw IP, Linux cooked v1/v2 and a VLAN tag gives the same rows (lengths are IP lengths)', async () => {
  const ipOnly = TCP_SESSION.map(({ t, frame }) => ({ t, frame: frame.subarray(14) }));
  const sll = ipOnly.map(({ t, frame }) => ({ t, frame: Uint8Array.from([0, 0, 0, 1, 0, 6, ...zeros(8), ...u16(ETH_IPV4), ...frame]) }));
  const sll2 = ipOnly.map(({ t, frame }) => ({ t, frame: Uint8Array.from([...u16(ETH_IPV4), 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, ...zeros(8), ...frame]) }));
  const vlan = ipOnly.map(({ t, frame }) => ({ t, frame: Uint8Array.from([...zeros(12), 0x81, 0x00, 0, 42, ...u16(ETH_IPV4), ...frame]) }));
  for (const [name, frames, linkType] of [['raw', ipOnly, 101], ['SLL', sll, 113], ['SLL2', sll2, 276], ['VLAN', vlan, 1]] as const) {
    const { records } = await run(frames, {}, linkType);
    assert.is(records.length, 2, name);
    expectCells(records[0], TCP_SESSION_FLOW, true);
    expectCells(records[1], STRAY_ACK_FLOW, true);
  }
});

test('TCP close: RST ends the flow at once; a half close ends on the ACK of the second FIN', async () => {
  const scanner = (flags: number) => eth4(ipv4(6, '10.9.9.9', S, tcp(55555, 22, flags)));
  const victim = (flags: number) => eth4(ipv4(6, S, '10.9.9.9', tcp(22, 55555, flags)));
  const rst = await run([
    { t: 0, frame: scanner(SYN) },
    { t: 100, frame: victim(RST | ACK) }, // closed port
    { t: 1_000_000, frame: scanner(SYN) }, // a retry within the idle timeout: a new flow
  ]);
  assert.equal(rst.records.map((r) => [r.flowId, r.endReason, r.fwd.packets, r.bwd.packets]), [[0, 'rst', 1, 1], [1, 'end', 1, 0]]);
  expectCells(rst.records[0], { src_addr: '10.9.9.9', dst_port: 22, syn_count: 1, rst_count: 1, ack_count: 1, duration_us: 100 });

  const half = await run([
    { t: 0, frame: c2s(FIN | ACK) }, //     client closes its side
    { t: 10, frame: s2c(ACK) }, //           server acknowledges, keeps sending
    { t: 20, frame: s2c(PSH | ACK, { payload: 10 }) },
    { t: 30, frame: c2s(ACK) }, //           one FIN so far: the flow goes on
    { t: 40, frame: s2c(FIN | ACK) }, //     second FIN
    { t: 50, frame: s2c(FIN | ACK) }, //     retransmitted by the same side: not the final ACK
    { t: 60, frame: c2s(ACK) }, //           final ACK
  ]);
  assert.equal(half.records.map((r) => [r.endReason, r.lastPacket, r.fwd.packets, r.bwd.packets, r.tcpFlags.fin]), [['fin', 6, 3, 4, 3]]);
});

// ---------------------------------------------------------------- UDP, ICMP

test('golden UDP request/response', async () => {
  const { records } = await run([
    { t: 0, frame: eth4(ipv4(17, '192.168.1.10', '192.168.1.1', udp(53000, 53, 30))) }, // IP 20 + UDP 8 + 30 = 58
    { t: 250, frame: eth4(ipv4(17, '192.168.1.1', '192.168.1.10', udp(53, 53000, 90))) }, // 118
  ]);
  expectCells(records[0], {
    flow_id: 0, first_packet: 0, last_packet: 1, start_us: T0, duration_us: 250, end_reason: 'end',
    ip_version: 4, protocol: 17, src_addr: '192.168.1.10', src_port: 53000, dst_addr: '192.168.1.1', dst_port: 53,
    fwd_packets: 1, bwd_packets: 1, fwd_bytes: 58, bwd_bytes: 118, fwd_payload_bytes: 30, bwd_payload_bytes: 90,
    fwd_len_min: 58, fwd_len_max: 58, fwd_len_mean: 58, fwd_len_std: 0,
    bwd_len_min: 118, bwd_len_max: 118, bwd_len_mean: 118, bwd_len_std: 0,
    iat_mean_us: 250, iat_std_us: 0, iat_min_us: 250, iat_max_us: 250, fwd_iat_mean_us: '', bwd_iat_mean_us: '',
    fin_count: 0, syn_count: 0, rst_count: 0, psh_count: 0, ack_count: 0, urg_count: 0, ece_count: 0, cwr_count: 0,
    fwd_init_win: '', bwd_init_win: '',
    packets_per_s: 8000, bytes_per_s: 704000, // 2 / 0.00025 s; 176 / 0.00025 s
  }, true);
});

test('a host talking to itself: equal addresses, so the ports order the endpoints', async () => {
  const { records, flowOfPacket } = await run([
    { t: 0, frame: eth4(ipv4(17, '127.0.0.1', '127.0.0.1', udp(6000, 5000, 1))) },
    { t: 10, frame: eth4(ipv4(17, '127.0.0.1', '127.0.0.1', udp(5000, 6000, 2))) },
    { t: 20, frame: eth4(ipv4(17, '127.0.0.1', '127.0.0.1', udp(7000, 7000, 3))) }, // both endpoints equal: always forward
    { t: 30, frame: eth4(ipv4(17, '127.0.0.1', '127.0.0.1', udp(7000, 7000, 4))) },
  ]);
  assert.equal(flowOfPacket, [0, 0, 1, 1]);
  expectCells(records[0], { src_port: 6000, dst_port: 5000, fwd_packets: 1, bwd_packets: 1, fwd_payload_bytes: 1, bwd_payload_bytes: 2 });
  expectCells(records[1], { src_port: 7000, dst_port: 7000, fwd_packets: 2, bwd_packets: 0 });
});

test('golden ICMP: an echo exchange is one flow per identifier; errors are keyed by type and code', async () => {
  const A = '10.0.0.1', B = '10.0.0.2';
  const { records } = await run([
    { t: 0, frame: eth4(ipv4(1, A, B, icmp(8, 0, 0x1234, 1, 56))) }, //              echo request, IP 20 + 8 + 56 = 84
    { t: 500, frame: eth4(ipv4(1, B, A, icmp(0, 0, 0x1234, 1, 56))) }, //            its reply
    { t: 1_000_000, frame: eth4(ipv4(1, A, B, icmp(8, 0, 0x1234, 2, 56))) },
    { t: 1_000_500, frame: eth4(ipv4(1, B, A, icmp(0, 0, 0x1234, 2, 56))) },
    { t: 2_000_000, frame: eth4(ipv4(1, A, B, icmp(8, 0, 0x9999, 1, 56))) }, //      another ping process
    { t: 3_000_000, frame: eth4(ipv4(1, B, A, icmp(3, 3, 0, 0, 28))) }, //           port unreachable, IP 56
    { t: 3_000_100, frame: eth4(ipv4(1, A, B, icmp(3, 3, 0, 0, 28))) }, //           the same type/code the other way
    { t: 3_000_200, frame: eth4(ipv4(1, A, B, icmp(11, 0, 0, 0, 28))) }, //          time exceeded: another flow
  ]);
  const [echo, other, unreachable, exceeded] = byId(records);
  expectCells(echo, {
    flow_id: 0, first_packet: 0, last_packet: 3, start_us: T0, duration_us: 1_000_500, end_reason: 'end',
    ip_version: 4, protocol: 1, src_addr: A, src_port: 8, dst_addr: B, dst_port: 0, // type and code of the first packet
    fwd_packets: 2, bwd_packets: 2, fwd_bytes: 168, bwd_bytes: 168, fwd_payload_bytes: 112, bwd_payload_bytes: 112,
    fwd_len_min: 84, fwd_len_max: 84, fwd_len_mean: 84, fwd_len_std: 0,
    bwd_len_min: 84, bwd_len_max: 84, bwd_len_mean: 84, bwd_len_std: 0,
    // gaps 500, 999500, 500: mean 333500, deviations 333000 * (-1, 2, -1), std 333000 * sqrt(2)
    iat_mean_us: 333500, iat_std_us: 470933.116, iat_min_us: 500, iat_max_us: 999500,
    fwd_iat_mean_us: 1_000_000, bwd_iat_mean_us: 1_000_000,
    fin_count: 0, syn_count: 0, rst_count: 0, psh_count: 0, ack_count: 0, urg_count: 0, ece_count: 0, cwr_count: 0,
    fwd_init_win: '', bwd_init_win: '',
    packets_per_s: 3.998, bytes_per_s: 335.832, // 4 / 1.0005 s, 336 / 1.0005 s
  }, true);
  expectCells(other, { first_packet: 4, src_port: 8, dst_port: 0, fwd_packets: 1, bwd_packets: 0 });
  expectCells(unreachable, { first_packet: 5, last_packet: 6, src_addr: B, src_port: 3, dst_port: 3, fwd_packets: 1, bwd_packets: 1, fwd_bytes: 56, fwd_payload_bytes: 28 });
  expectCells(exceeded, { first_packet: 7, src_addr: A, src_port: 11, dst_port: 0 });
  assert.is(records.length, 4);
});

// ---------------------------------------------------------------- IPv6

test('golden IPv6: extension header chains (hop-by-hop, routing, destination options, AH), ESP, ICMPv6', async () => {
  const X = '2001:db8::1', Y = '2001:db8::2';
  // hop-by-hop (8) -> routing (24) -> destination options (8) -> TCP: IP length 40 + 40 + 20
  const chain = [...extension(43, 1), ...extension(60, 3), ...extension(6, 1), ...tcp(50000, 443, SYN, { window: 1000 })];
  const hops = (n: number) => Array.from({ length: n }, (_, i) => extension(i === n - 1 ? 17 : 0, 1)).flat();
  const { records, counters, flowOfPacket } = await run([
    { t: 0, frame: eth6(ipv6(0, X, Y, chain)) },
    { t: 100, frame: eth6(ipv6(6, Y, X, tcp(443, 50000, SYN | ACK, { window: 2000 }))) }, // no extension headers
    { t: 200, frame: eth6(ipv6(51, X, Y, [...authHeader(17, 4), ...udp(7000, 7001, 10)])) }, // AH is 24 bytes: IP 40 + 24 + 18
    { t: 300, frame: eth6(ipv6(50, X, Y, zeros(30))) }, // ESP: opaque, keyed by addresses
    { t: 400, frame: eth6(ipv6(58, X, Y, icmp(128, 0, 7, 1, 16))) }, // echo request
    { t: 500, frame: eth6(ipv6(58, Y, X, icmp(129, 0, 7, 1, 16))) }, // echo reply
    { t: 600, frame: eth6(ipv6(0, X, Y, [...hops(MAX_IPV6_EXTENSION_HEADERS), ...udp(7002, 7003, 0)])) }, // at the limit: decoded
    { t: 700, frame: eth6(ipv6(0, X, Y, [...hops(MAX_IPV6_EXTENSION_HEADERS + 1), ...udp(7002, 7003, 0)])) }, // over it
  ]);
  const [tcpFlow, ah, esp, ping, longChain] = byId(records);
  expectCells(tcpFlow, {
    ip_version: 6, protocol: 6, src_addr: X, src_port: 50000, dst_addr: Y, dst_port: 443, fwd_packets: 1, bwd_packets: 1,
    fwd_bytes: 100, bwd_bytes: 60, fwd_payload_bytes: 0, syn_count: 2, ack_count: 1, fwd_init_win: 1000, bwd_init_win: 2000,
  });
  expectCells(ah, { protocol: 17, src_port: 7000, dst_port: 7001, fwd_bytes: 82, fwd_payload_bytes: 10 });
  expectCells(esp, { protocol: 50, src_port: 0, dst_port: 0, fwd_bytes: 70, fwd_payload_bytes: 30 });
  expectCells(ping, { protocol: 58, src_port: 128, dst_port: 0, fwd_packets: 1, bwd_packets: 1, fwd_bytes: 64, bwd_payload_bytes: 16 });
  expectCells(longChain, { protocol: 17, src_port: 7002, fwd_bytes: 40 + 16 * 8 + 8, fwd_payload_bytes: 0 });
  assert.is(records.length, 5);
  assert.equal(flowOfPacket, [0, 0, 1, 2, 3, 3, 4, -1]);
  assert.equal([...counters.unflowedReasons], [[UNFLOWED.ipv6TooManyExtensions, 1]]);
});

test('IPv6 addresses are written as RFC 5952 text', () => {
  const cases: [string, string][] = [
    ['2001:db8::1', '2001:db8::1'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run is shortened
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // of equal runs, the first
    ['fe80::abcd:ef01', 'fe80::abcd:ef01'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'], // IPv4-mapped keeps the dotted tail
  ];
  for (const [input, text] of cases) assert.is(formatAddress(Uint8Array.from(v6(input))), text, input);
  assert.is(formatAddress(Uint8Array.of(192, 0, 2, 255)), '192.0.2.255');
});

// ---------------------------------------------------------------- fragments

test('fragments: later fragments join their first fragment\'s flow; orphans are flowed without ports', async () => {
  const A = '10.0.0.1', B = '10.0.0.2';
  // One UDP datagram of 8 + 3000 bytes in three IPv4 fragments of 1480, 1480 and 48 bytes.
  const datagram = udp(5000, 6000, 3000);
  const frag = (offset: number, length: number, mf: boolean, id = 0x1111) =>
    eth4(ipv4(17, A, B, datagram.slice(offset, offset + length), { id, mf, offset }));
  const X = '2001:db8::a', Y = '2001:db8::b';
  const v6datagram = udp(5353, 5353, 1324); // 1332 bytes: fragments of 1232 and 100
  const { records, counters, flowOfPacket } = await run([
    { t: 0, frame: frag(0, 1480, true) }, //       IP 1500, UDP header + 1472 payload
    { t: 10, frame: frag(1480, 1480, true) }, //   IP 1500, all payload
    { t: 20, frame: frag(2960, 48, false) }, //    IP 68
    { t: 1000, frame: eth4(ipv4(17, B, A, udp(6000, 5000, 20))) }, // unfragmented reply, IP 48
    { t: 2000, frame: eth4(ipv4(17, A, B, zeros(100), { id: 0x2222, offset: 1480 })) }, // first fragment never seen
    { t: 3000, frame: eth6(ipv6(44, X, Y, [...fragmentHeader(17, 0, true, 0xdeadbeef), ...v6datagram.slice(0, 1232)])) },
    { t: 3010, frame: eth6(ipv6(44, X, Y, [...fragmentHeader(17, 1232, false, 0xdeadbeef), ...v6datagram.slice(1232)])) },
    { t: 4000, frame: eth4(ipv4(6, A, B, zeros(8), { id: 0x3333, mf: true })) }, // first fragment too short for TCP's header
    { t: 31_000_011, frame: frag(1480, 1480, true) }, // past the 30 s reassembly timeout: an orphan, joins the portless flow
  ]);
  const [udp4, orphan, udp6] = byId(records);
  expectCells(udp4, {
    first_packet: 0, last_packet: 3, protocol: 17, src_port: 5000, dst_port: 6000, fwd_packets: 3, bwd_packets: 1,
    fwd_bytes: 1500 + 1500 + 68, bwd_bytes: 48, fwd_payload_bytes: 3000, bwd_payload_bytes: 20,
  });
  expectCells(orphan, { first_packet: 4, last_packet: 8, protocol: 17, src_port: 0, dst_port: 0, fwd_packets: 2, fwd_bytes: 120 + 1500, fwd_payload_bytes: 100 + 1480 });
  expectCells(udp6, { ip_version: 6, src_addr: X, src_port: 5353, dst_port: 5353, fwd_packets: 2, fwd_bytes: 1280 + 148, fwd_payload_bytes: 1324 });
  assert.is(records.length, 3);
  assert.equal(flowOfPacket, [0, 0, 0, 0, 1, 2, 2, -1, 1]);
  assert.is(counters.orphanFragments, 2);
  assert.equal([...counters.unflowedReasons], [[UNFLOWED.transportOverrun, 1]]);
});

// ---------------------------------------------------------------- timeouts, clocks, eviction

const udpA = eth4(ipv4(17, '1.1.1.1', '2.2.2.2', udp(1000, 2000, 0)));
const udpB = eth4(ipv4(17, '3.3.3.3', '4.4.4.4', udp(3000, 4000, 0)));
const udpC = eth4(ipv4(17, '5.5.5.5', '6.6.6.6', udp(5000, 6000, 0)));
const SECOND = 1_000_000;

test('idle timeout: a gap over 120 s splits a flow, exactly 120 s does not; idle flows end as time passes', async () => {
  const frames: Timed[] = [
    { t: 0, frame: udpA },
    { t: 50 * SECOND, frame: udpB },
    { t: 100 * SECOND, frame: udpA },
    { t: 220 * SECOND + 1, frame: udpA }, // 120 s + 1 µs after the previous A: a new flow
    { t: 340 * SECOND + 1, frame: udpA }, // exactly 120 s: the same flow
  ];
  const { records, flowOfPacket } = await run(frames);
  // B (idle since 50 s) and A end when the packet at 220 s moves the clock, least recently active first.
  assert.equal(records.map((r) => [r.flowId, r.endReason, r.fwd.packets]), [[1, 'idle', 1], [0, 'idle', 2], [2, 'end', 2]]);
  assert.equal(flowOfPacket, [0, 1, 0, 2, 2]);
  expectCells(records[2], { start_us: T0 + 220 * SECOND + 1, duration_us: 120 * SECOND, iat_max_us: 120 * SECOND });

  const long = await run(frames, { idleTimeoutSeconds: 1000 });
  assert.equal(long.records.map((r) => [r.flowId, r.fwd.packets]), [[0, 4], [1, 1]]);
  const zero = await run([{ t: 0, frame: udpA }, { t: 0, frame: udpA }, { t: 1, frame: udpA }], { idleTimeoutSeconds: 0 });
  assert.equal(zero.flowOfPacket, [0, 0, 1]); // equal timestamps are no gap
});

test('clocks that jump: back by a year (merged captures) splits; a packet 1 ms early joins with a zero gap', async () => {
  const YEAR = 365 * 86400 * SECOND;
  const { records, counters, flowOfPacket } = await run([
    { t: 0, frame: udpA },
    { t: SECOND, frame: udpA },
    { t: -YEAR, frame: udpA }, // a second capture, a year older, merged after the first
    { t: -YEAR + 5000, frame: udpA },
    { t: -YEAR + 4000, frame: udpA }, // out of order by 1 ms
  ]);
  assert.equal(flowOfPacket, [0, 0, 1, 1, 1]);
  assert.equal(records.map((r) => [r.flowId, r.endReason]), [[0, 'idle'], [1, 'end']]);
  expectCells(records[1], { start_us: T0 - YEAR, duration_us: 5000, fwd_packets: 3, iat_min_us: 0, iat_max_us: 5000, iat_mean_us: 2500 });
  assert.is(counters.outOfOrder, 1);
});

test('bounded memory: beyond maxFlows the least recently active flow is evicted and counted', async () => {
  const { records, counters, flowOfPacket } = await run(
    [{ t: 0, frame: udpA }, { t: 1, frame: udpB }, { t: 2, frame: udpA }, { t: 3, frame: udpC }, { t: 4, frame: udpB }],
    { maxFlows: 2 },
  );
  assert.equal(flowOfPacket, [0, 1, 0, 2, 3]);
  assert.equal(records.map((r) => [r.flowId, r.endReason]), [[1, 'evicted'], [0, 'evicted'], [2, 'end'], [3, 'end']]);
  assert.is(counters.ended.evicted, 2);
  assert.throws(() => new FlowTable(() => {}, { maxFlows: 0 }), /maxFlows/);
  assert.throws(() => new FlowTable(() => {}, { idleTimeoutSeconds: -1 }), /idleTimeoutSeconds/);
  assert.throws(() => new FlowTable(() => {}, { idleTimeoutSeconds: Infinity }), /idleTimeoutSeconds/);
});

// ---------------------------------------------------------------- malformed packets

test('malformed and non-IP frames in the middle of a session are counted and leave the flow untouched', async () => {
  const garbage: Timed[] = [
    { t: 2500, frame: c2s(ACK).subarray(0, 14 + 10) }, //                       IPv4 header cut off
    { t: 2500, frame: eth4(ipv4(6, C, S, tcp(40000, 80, ACK), { ihl: 3 })) }, // IHL 3
    { t: 2500, frame: eth4(ipv4(6, C, S, tcp(40000, 80, ACK, { dataOffset: 2 }))) }, // TCP data offset 2
    { t: 2500, frame: Uint8Array.from(ether(ETH_ARP, zeros(28))) }, //          ARP
    { t: 2500, frame: Uint8Array.of(1, 2, 3, 4, 5) }, //                         shorter than Ethernet's header
  ];
  const frames = [...TCP_SESSION.slice(0, 4), ...garbage, ...TCP_SESSION.slice(4)];
  const { records, counters, flowOfPacket } = await run(frames);
  expectCells(records[0], { ...TCP_SESSION_FLOW, last_packet: 14 }, true);
  expectCells(records[1], { ...STRAY_ACK_FLOW, first_packet: 15, last_packet: 15 }, true);
  assert.equal(flowOfPacket, [0, 0, 0, 0, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 1]);
  assert.is(counters.undecodable, 4);
  assert.is(counters.nonIp, 1);
  assert.equal(Object.fromEntries(counters.unflowedReasons), {
    [UNFLOWED.ipv4Truncated]: 1,
    [UNFLOWED.ipv4BadIhl]: 1,
    [UNFLOWED.tcpBadDataOffset]: 1,
    [UNFLOWED.nonIp]: 1,
    'link layer: Ethernet frame of 5 bytes is shorter than its 14-byte header': 1,
  });
});

test('decodePacket: every reason, and lengths when headers lie or are snapped', () => {
  const reason = (frame: number[] | Uint8Array, linkType = 1, origLen = frame.length) => {
    const s = decodePacket(linkType, Uint8Array.from(frame), origLen);
    return s.kind === 'ip' ? 'ip' : s.reason;
  };
  const tcp4 = ipv4(6, C, S, tcp(1, 2, SYN));
  assert.is(reason(ether(ETH_IPV4, tcp4.slice(0, 19))), UNFLOWED.ipv4Truncated);
  assert.is(reason(ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, SYN), { ihl: 15 }).slice(0, 40))), UNFLOWED.ipv4Truncated); // options cut
  assert.is(reason(ether(ETH_IPV4, [0x60, ...tcp4.slice(1)])), UNFLOWED.versionMismatch);
  assert.is(reason(ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, SYN), { totalLength: 19 }))), UNFLOWED.ipv4BadTotalLength);
  assert.is(reason(ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, SYN), { totalLength: 39 }))), UNFLOWED.transportOverrun);
  assert.is(reason(ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, SYN, { dataOffset: 6 }), { totalLength: 40 }))), UNFLOWED.transportOverrun); // 24-byte header, 20-byte segment
  assert.is(reason(ether(ETH_IPV4, tcp4.slice(0, 39))), UNFLOWED.transportTruncated); // snapped inside the TCP header
  assert.is(reason(ether(ETH_IPV4, ipv4(17, C, S, udp(1, 2, 0).slice(0, 7)))), UNFLOWED.transportOverrun);
  assert.is(reason(ether(ETH_IPV4, ipv4(1, C, S, [8, 0, 0, 0]))), UNFLOWED.transportOverrun);
  assert.is(reason(ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, SYN, { dataOffset: 6 })).slice(0, 40))), 'ip'); // options snapped: fine
  assert.is(reason(ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, SYN, { dataOffset: 15 })).slice(0, 60))), 'ip');
  const X = '2001:db8::1', Y = '2001:db8::2';
  assert.is(reason(ether(ETH_IPV6, ipv6(17, X, Y, udp(1, 2, 0)).slice(0, 39))), UNFLOWED.ipv6Truncated);
  assert.is(reason(ether(ETH_IPV6, ipv6(0, X, Y, extension(17, 2)).slice(0, 40 + 15))), UNFLOWED.ipv6ExtensionTruncated);
  assert.is(reason(ether(ETH_IPV6, ipv6(0, X, Y, [17]).slice(0, 41))), UNFLOWED.ipv6ExtensionTruncated); // length byte missing
  const overrun = ipv6(0, X, Y, extension(17, 2));
  overrun[5] = 8; // payload length 8, hop-by-hop header 16
  assert.is(reason(ether(ETH_IPV6, overrun)), UNFLOWED.ipv6ExtensionOverrun);
  assert.is(reason(ether(ETH_IPV6, [0x40, ...ipv6(17, X, Y, udp(1, 2, 0)).slice(1)])), UNFLOWED.versionMismatch);
  assert.is(reason(ether(ETH_ARP, zeros(28))), UNFLOWED.nonIp);
  assert.is(reason([0x45], 105), 'link layer: unsupported link type 105 (LINKTYPE_105)');

  const ip = (frame: number[], linkType = 1, origLen = frame.length) => decodePacket(linkType, Uint8Array.from(frame), origLen) as IpPacketSummary;
  // Segmentation offload: total length 0, the frame's wire length stands in.
  const tso = ipv4(6, C, S, tcp(1, 2, ACK, { payload: 1000 }), { totalLength: 0 });
  assert.equal([ip(ether(ETH_IPV4, tso)).ipLength, ip(ether(ETH_IPV4, tso)).payloadLength], [1040, 1000]);
  // Both: the length on the wire (origLen) stands in, not the captured length.
  assert.is(ip(ether(ETH_IPV4, tso).slice(0, 54), 1, 1054).ipLength, 1040);
  // Snapped to 54 bytes: lengths still come from the header.
  const snapped = ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, ACK, { payload: 1000 })));
  assert.equal([ip(snapped.slice(0, 54), 1, snapped.length).ipLength, ip(snapped.slice(0, 54), 1, snapped.length).payloadLength], [1040, 1000]);
  // Ethernet padding beyond the IP total length is not counted.
  assert.is(ip([...ether(ETH_IPV4, ipv4(6, C, S, tcp(1, 2, ACK))), ...zeros(6)]).ipLength, 40);
  // IPv4 options move the transport header.
  const opts = ip(ether(ETH_IPV4, ipv4(17, C, S, udp(7, 9, 4), { ihl: 7 })));
  assert.equal([opts.srcPort, opts.dstPort, opts.ipLength, opts.payloadLength], [7, 9, 40, 4]);
  // IPv6 jumbogram / offload: payload length 0.
  const jumbo = ip([...ether(ETH_IPV6, ipv6(17, X, Y, udp(1, 2, 100)))].map((b, i) => (i === 14 + 4 || i === 14 + 5 ? 0 : b)));
  assert.equal([jumbo.ipLength, jumbo.payloadLength], [148, 100]);
  // An atomic IPv6 fragment (offset 0, M clear) is a whole packet.
  const atomic = ip(ether(ETH_IPV6, ipv6(44, X, Y, [...fragmentHeader(17, 0, false, 5), ...udp(1, 2, 0)])));
  assert.equal([atomic.transport, atomic.fragmentId, atomic.srcPort], ['ports', -1, 1]);
});

// ---------------------------------------------------------------- fuzz

test('fuzz: 20,000 random and mutated frames on every link type never throw, and the counters add up', () => {
  const rand = lcg(77);
  const seeds: Uint8Array[] = [
    ...TCP_SESSION.map((f) => f.frame),
    udpA,
    // routing -> fragment (first) -> destination options -> AH -> TCP
    eth6(ipv6(43, '2001:db8::1', '2001:db8::2', [...extension(44, 1), ...fragmentHeader(60, 0, true, 9), ...extension(51, 1), ...authHeader(6, 1), ...tcp(1, 2, SYN)])),
    eth6(ipv6(44, '2001:db8::1', '2001:db8::2', [...fragmentHeader(17, 16, false, 9), ...zeros(20)])),
    eth4(ipv4(1, C, S, icmp(8, 0, 1, 1, 8), { id: 5, mf: true })),
    eth4(ipv4(47, C, S, zeros(24))),
  ];
  const linkTypes = [1, 1, 1, 101, 113, 276, 0, 108, 228, 229, 12, 7];
  let sumOfFlowPackets = 0;
  let emitted = 0;
  const table = new FlowTable((r) => {
    emitted += 1;
    sumOfFlowPackets += r.fwd.packets + r.bwd.packets;
    assert.ok(r.durationMicros >= 0 && r.fwd.packets + r.bwd.packets >= 1 && (r.iat === null || r.iat.min >= 0), `flow ${r.flowId}`);
    assert.is(formatFlowsCsv([r]).split('\n')[2]!.split(',').length, FLOWS_CSV_COLUMNS.length);
  }, { maxFlows: 64, idleTimeoutSeconds: 5 });
  let micros = T0;
  let flowed = 0;
  for (let i = 0; i < 20_000; i++) {
    let frame: Uint8Array;
    const mode = rand() % 4;
    if (mode === 0) {
      frame = randomBytes(rand, rand() % 120);
    } else {
      frame = seeds[rand() % seeds.length]!.slice();
      const flips = 1 + (rand() % 4);
      // Mostly in the headers, where the decoder makes decisions.
      for (let k = 0; k < flips && frame.length > 0; k++) frame[rand() % Math.min(frame.length, 96)] = rand() >>> 24;
      if (mode === 1) frame = frame.subarray(0, rand() % (frame.length + 1));
    }
    micros += rand() % 400 === 0 ? (rand() % 20) * SECOND - 10 * SECOND : rand() % 1000;
    const packet: FlowPacket = { index: i, tsMicros: micros, linkType: linkTypes[rand() % linkTypes.length]!, data: frame, origLen: rand() % 2 === 0 ? frame.length : rand() % 70000 };
    if (table.add(packet) >= 0) flowed += 1;
  }
  table.flush();
  const c = table.counters;
  assert.is(c.packets, 20_000);
  assert.is(c.flowed + c.nonIp + c.undecodable, c.packets);
  assert.is(c.flowed, flowed);
  assert.is(sumOfFlowPackets, flowed);
  assert.is(emitted, c.flows);
  assert.is(Object.values(c.ended).reduce((a, b) => a + b, 0), c.flows);
  assert.is(table.liveFlows, 0);
  assert.ok(c.unflowedReasons.size <= MAX_REASON_KEYS + 1 && c.unflowedReasons.has(OTHER_REASON), 'reason keys are capped');
  assert.ok(c.flowed > 2000 && c.undecodable > 2000 && c.ended.evicted > 0 && c.ended.idle > 0, JSON.stringify({ ...c, unflowedReasons: c.unflowedReasons.size }));
});

// ---------------------------------------------------------------- CSV file and docs

test('writeFlowsCsv: version line, header, one row per flow; streams to a Writable without ending it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flows-'));
  try {
    const pcap = join(dir, 'session.pcap');
    await writeFile(pcap, capture(TCP_SESSION));
    const csv = join(dir, 'flows.csv');
    const counters = await writeFlowsCsv(pcap, csv, { idleTimeoutSeconds: 60 });
    assert.is(counters.flows, 2);
    const text = readFileSync(csv, 'utf8');
    const lines = text.split('\n');
    assert.is(lines[0], FLOWS_CSV_MAGIC);
    assert.is(lines[0], '# packetclip-flows v1');
    assert.is(lines[1], FLOWS_CSV_COLUMNS.map((c) => c.name).join(','));
    assert.is(lines.length, 5); // magic, header, 2 rows, and the empty string after the last newline
    const { records } = await run(TCP_SESSION);
    assert.is(text, formatFlowsCsv(records));
    assert.is(lines[2], Object.values(TCP_SESSION_FLOW).join(','));

    let streamed = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((streamed += String(chunk)), done()) });
    await writeFlowsCsv(pcap, sink);
    assert.is(streamed, text);
    assert.not.ok(sink.writableEnded, 'a caller-owned stream stays open');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFlowsCsv: a truncated capture still gets the flows read so far, then the PcapError; a missing one or a bad option writes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flows-'));
  try {
    const pcap = join(dir, 'cut.pcap');
    const whole = capture(TCP_SESSION);
    await writeFile(pcap, whole.subarray(0, whole.length - 10)); // cuts the last record
    const csv = join(dir, 'flows.csv');
    const packets: number[] = [];
    let error: unknown = null;
    await writeFlowsCsv(pcap, csv, { onPacket: (i, id) => packets.push(i, id) }).catch((e: unknown) => (error = e));
    assert.instance(error, PcapError);
    assert.match(String(error), /truncated packet record/);
    const rows = readFileSync(csv, 'utf8').split('\n').slice(2, -1);
    assert.is(rows.length, 1);
    assert.is(rows[0], Object.values(TCP_SESSION_FLOW).join(','));
    assert.is(packets.length, 2 * 10);

    const missing = join(dir, 'none.pcap');
    const out = join(dir, 'never.csv');
    await writeFlowsCsv(missing, out).then(
      () => assert.unreachable('should reject'),
      (e: unknown) => assert.match(String(e), /ENOENT/),
    );
    assert.not.ok(existsSync(out));
    await writeFlowsCsv(pcap, out, { idleTimeoutSeconds: Number('soon') }).then(
      () => assert.unreachable('should reject'),
      (e: unknown) => assert.match(String(e), /RangeError: idleTimeoutSeconds must be a finite number >= 0, got NaN/),
    );
    assert.not.ok(existsSync(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('docs/flows-format.md lists exactly the columns the writer writes, in order', () => {
  const doc = readFileSync(join(repoRoot, 'docs/flows-format.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| (\d+) \| `([a-z_0-9]+)` \|/gm)];
  assert.equal(documented.map((m) => m[2]), FLOWS_CSV_COLUMNS.map((c) => c.name));
  assert.equal(documented.map((m) => Number(m[1])), FLOWS_CSV_COLUMNS.map((_, i) => i));
  assert.ok(doc.includes(FLOWS_CSV_MAGIC));
});

// ---------------------------------------------------------------- real captures

function realCapture(relative: string): string {
  const path = join(realDir, relative);
  if (!existsSync(path)) throw new Error(`missing real capture ${path}: the flows test needs ../shared/realpcaps next to the repository`);
  return path;
}

async function realFlows(path: string): Promise<Run> {
  const flowOfPacket: number[] = [];
  const records: FlowRecord[] = [];
  const counters = await writeFlowsCsv(path, new Writable({ write: (_c, _e, done) => done() }), {
    onPacket: (i, id) => (flowOfPacket[i] = id),
  });
  const it = flowsOf(parseCaptureBytes(readFileSync(path)));
  for await (const r of it) records.push(r);
  return { records, counters, flowOfPacket };
}

withReal('real capture tcp_handshake.pcapng matches tshark', async () => {
  // Figures from tshark 4.x on chrissanders+packets/tcp_handshake.pcapng:
  //   tshark -r FILE -q -z conv,tcp
  //     172.16.16.128:2826 <-> 212.58.226.142:80   <- 1 frame 66 bytes, -> 2 frames 120 bytes, duration 0.1328
  //   tshark -r FILE -T fields -e frame.time_epoch -e ip.src -e ip.len -e tcp.len -e tcp.window_size_value -e tcp.flags.str
  //     1262893114.341715  172.16.16.128   52  0  8192  SYN
  //     1262893114.474342  212.58.226.142  52  0  5840  SYN, ACK
  //     1262893114.474483  172.16.16.128   40  0  4218  ACK
  // Our bytes are IP lengths: conv's frame bytes less 14 bytes of Ethernet per frame (120 - 28 = 92, 66 - 14 = 52).
  const { records, counters, flowOfPacket } = await realFlows(realCapture('chrissanders+packets/tcp_handshake.pcapng'));
  assert.is(records.length, 1);
  expectCells(records[0], {
    flow_id: 0, first_packet: 0, last_packet: 2, start_us: 1262893114341715, duration_us: 132768, end_reason: 'end',
    ip_version: 4, protocol: 6, src_addr: '172.16.16.128', src_port: 2826, dst_addr: '212.58.226.142', dst_port: 80,
    fwd_packets: 2, bwd_packets: 1, fwd_bytes: 92, bwd_bytes: 52, fwd_payload_bytes: 0, bwd_payload_bytes: 0,
    fwd_len_min: 40, fwd_len_max: 52, fwd_len_mean: 46, fwd_len_std: 6,
    bwd_len_min: 52, bwd_len_max: 52, bwd_len_mean: 52, bwd_len_std: 0,
    // gaps .474342 - .341715 = 132627 µs and .474483 - .474342 = 141 µs
    iat_mean_us: 66384, iat_std_us: 66243, iat_min_us: 141, iat_max_us: 132627,
    fwd_iat_mean_us: 132768, bwd_iat_mean_us: '',
    fin_count: 0, syn_count: 2, rst_count: 0, psh_count: 0, ack_count: 2, urg_count: 0, ece_count: 0, cwr_count: 0,
    fwd_init_win: 8192, bwd_init_win: 5840,
    packets_per_s: 22.596, bytes_per_s: 1084.599, // 3 / 0.132768 s, 144 / 0.132768 s
  }, true);
  assert.equal(flowOfPacket, [0, 0, 0]);
  assert.is(counters.flowed, 3);
});

withReal('real capture http_google.pcapng matches tshark', async () => {
  // tshark -r FILE -q -z conv,tcp: 172.16.16.128:1606 <-> 74.125.95.104:80, <- 7 frames 5253 bytes,
  //   -> 5 frames 909 bytes, duration 0.1344 (the only conversation; no UDP).
  // tshark -r FILE -T fields -e ip.src -e ip.len -e tcp.len | awk '{n[$1]++; b[$1]+=$2; p[$1]+=$3} END {...}':
  //   172.16.16.128  5 packets, ip.len 839, tcp.len 627;  74.125.95.104  7 packets, ip.len 5149, tcp.len 4857
  // (5253 frame bytes - 7 * 14 = 5155, not 5149: one 54-byte frame was padded to Ethernet's 60 minimum.)
  // First windows 8192 and 5720; SYN 2, PSH 3, ACK 11; first packet 1265678319.618072, last .752467.
  const { records } = await realFlows(realCapture('chrissanders+packets/http_google.pcapng'));
  assert.is(records.length, 1);
  expectCells(records[0], {
    start_us: 1265678319618072, duration_us: 134395, src_addr: '172.16.16.128', src_port: 1606, dst_addr: '74.125.95.104', dst_port: 80,
    fwd_packets: 5, bwd_packets: 7, fwd_bytes: 839, bwd_bytes: 5149, fwd_payload_bytes: 627, bwd_payload_bytes: 4857,
    fwd_len_min: 40, fwd_len_max: 667, bwd_len_min: 40, bwd_len_max: 1446,
    syn_count: 2, psh_count: 3, ack_count: 11, fin_count: 0, fwd_init_win: 8192, bwd_init_win: 5720,
  });
});

withReal('every real capture goes through without an error, and its packets are all accounted for', async () => {
  const files = ['Kihy+pcap_data', 'chrissanders+packets', 'doup123+attacker', 'lucaderi+sgr'].flatMap((d) =>
    readdirSyncSorted(join(realDir, d)).map((f) => `${d}/${f}`),
  );
  assert.ok(files.length >= 30, `only ${files.length} captures in ${realDir}`);
  for (const file of files) {
    const { records, counters, flowOfPacket } = await realFlows(realCapture(file));
    assert.is(counters.flowed + counters.nonIp + counters.undecodable, counters.packets, file);
    assert.is(flowOfPacket.length, counters.packets, file);
    assert.is(records.length, counters.flows, file);
    assert.is(records.reduce((n, r) => n + r.fwd.packets + r.bwd.packets, 0), counters.flowed, file);
  }
});

function readdirSyncSorted(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`missing ${dir}: the flows test needs ../shared/realpcaps next to the repository`);
  return readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
}

test.run();
