// Packet features inside the engine (docs/features.md): golden vectors for crafted frames, worked
// out by hand from the spec (each LG value is derived in a comment: LOG2(y) = 256·e + FRAC[m]),
// the per-source state over a crafted sequence, the LOG2/LG primitives against a BigInt model of
// the spec, SIMD == scalar, reset, and the refusal of blobs that do not take packet input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeBlob } from '../src/blob/writer.js';
import { ENGINE_ERRORS, engineMessage, instantiateEngine, loadEngine } from '../src/engine.js';
import { createFeatureExtractor, PACKET_STATUS, type FeatureExtractor } from '../src/features/index.js';
import {
  arp, ETH, ether, extension, fill, fragment6, icmp, ipv4, ipv6, LINK, loopback, padEthernet, seq, sll, sll2, tcp,
  TCP_FLAGS, udp, zeros, type Bytes,
} from './helpers/frames.js';
import { DEFAULT_DIMS, randomBlob } from './helpers/random-blob.js';
import { Lcg } from './helpers/rng.js';

const { SYN, ACK, RST } = TCP_FLAGS;
const T0 = 1_700_000_000_000_000; // µs
const { PCE_ERR_FEATURE_VERSION, PCE_ERR_FEATURE_WIDTH, PCE_ERR_PACKET_LENGTH, PCE_ERR_NOT_INITIALISED } = ENGINE_ERRORS;

const builds = { simd: await createFeatureExtractor({ simd: true }), scalar: await createFeatureExtractor({ simd: false }) };

/** Feeds one frame to both builds; they must agree byte for byte and on the status. */
function feed(frame: Bytes | Uint8Array, t: number, link: number = LINK.ETHERNET, origLen?: number): { f: Uint8Array; status: number } {
  const bytes = frame instanceof Uint8Array ? frame : Uint8Array.from(frame);
  const a = builds.simd.extract(bytes, T0 + t, link, origLen);
  const b = builds.scalar.extract(bytes, T0 + t, link, origLen);
  assert.equal(Array.from(a), Array.from(b), 'SIMD and scalar builds give different features');
  assert.is(builds.simd.status(), builds.scalar.status());
  return { f: a, status: builds.simd.status() };
}

function resetAll(): void {
  builds.simd.reset();
  builds.scalar.reset();
}

/** The whole vector: `spec` gives index -> value or index -> run of values; every other feature is 0. */
function expectVector(actual: Uint8Array, spec: Record<number, number | Bytes>, what: string): void {
  const want = new Array<number>(128).fill(0);
  for (const [k, v] of Object.entries(spec)) {
    if (typeof v === 'number') want[Number(k)] = v;
    else v.forEach((x, i) => (want[Number(k) + i] = x));
  }
  const diff = want.flatMap((w, i) => (w === actual[i] ? [] : [`[${i}] want ${w} got ${actual[i]}`]));
  assert.ok(diff.length === 0, `${what}: ${diff.join(', ')}`);
}

// Per-address features of the first packet from a new source to a new destination, new flow:
// 16, 17, 19 = 255 (none), 18 as given, 20 = 255 (e starts at 255·256), 21 = 32 per distinct port,
// 22 = 32 (one host), 23 = 32 per pure SYN, 24 = 32 (one source).
const fresh = (gapAny: number, ports: number, syns: number) => ({ 16: 255, 17: 255, 18: gapAny, 19: 255, 20: 255, 21: 32 * ports, 22: 32, 23: 32 * syns, 24: 32 });

// ---------------------------------------------------------------- golden vectors

test('golden: TCP SYN over Ethernet with an 802.1Q tag, IPv4 with DF, MSS option', () => {
  resetAll();
  const frame = ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN, { window: 64240, options: [2, 4, 5, 0xb4] }), { df: true, id: 0x1234 }),
    [{ tpid: ETH.VLAN, tci: 0x0064 }]);
  assert.is(frame.length, 62); // 14 + 4 + 20 + 24
  const { f, status } = feed(frame, 0);
  assert.is(status, 0);
  expectVector(f, {
    0: 128, 1: 6,
    2: 96, //  LG(62, 16): LOG2(63) = 1280 + FRAC[62] = 1530; (16·1530 + 128) >> 8 = 96
    3: 74, //  LG(44 - 20 = 24): LOG2(25) = 1024 + FRAC[36] = 1189; (19024 + 128) >> 8 = 74
    4: 0, //   no payload
    5: 64, 6: SYN,
    7: 255, // LG(64240): LOG2(64241) = 3840 + FRAC[61] = 4087; (65392 + 128) >> 8 = 255
    8: 24, 9: 2 | 64, // DF, TCP options
    10: 0, 11: 80, 12: 128, 13: 64, // 40000 registered, 80 well-known
    ...fresh(255, 1, 1),
    // TCP: sport, seq, ack, checksum zeroed; dport 80, offset 6 << 4, SYN, window fa f0, urgent 0
    32: [0, 0, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, SYN, 0xfa, 0xf0, 0, 0, 0, 0],
    // IPv4: 45, tos, total length 44, id zeroed, DF, TTL 64, proto 6, checksum zeroed
    52: [0x45, 0, 0, 44, 0, 0, 0x40, 0, 64, 6, 0, 0],
  }, 'VLAN TCP SYN');
});

test('golden: UDP (DNS) over Linux cooked v2, payload copied', () => {
  resetAll();
  feed(ether(ETH.IPV4, ipv4(17, '10.9.9.9', '10.9.9.8', udp(1, 2, []))), 0); // an earlier packet: feature 18 = LG(1000, 8)
  const frame = sll2(ETH.IPV4, ipv4(17, '192.168.1.10', '192.168.1.1', udp(53000, 53, seq(30)), { ttl: 128 }));
  assert.is(frame.length, 78); // 20 + 20 + 8 + 30
  const { f, status } = feed(frame, 1000, LINK.SLL2);
  assert.is(status, 0);
  expectVector(f, {
    0: 128, 1: 17,
    2: 101, // LG(78): LOG2(79) = 1536 + FRAC[15] = 1614; (25824 + 128) >> 8 = 101
    3: 85, //  LG(38): LOG2(39) = 1280 + FRAC[14] = 1353; (21648 + 128) >> 8 = 85
    4: 79, //  LG(30): LOG2(31) = 1024 + FRAC[60] = 1268; (20288 + 128) >> 8 = 79
    5: 128, 8: 8, 10: 0, 11: 53, 12: 192, 13: 64, // 53000 ephemeral
    ...fresh(80, 1, 0), // LG(1000, 8): LOG2(1001) = 2304 + FRAC[61] = 2551; (20408 + 128) >> 8 = 80
    32: [0, 0, 0, 53, 0, 38, 0, 0], // sport and checksum zeroed, length 38
    52: [0x45, 0, 0, 58, 0, 0, 0, 0, 128, 17, 0, 0],
    64: seq(30),
  }, 'SLL2 UDP');
});

test('golden: ICMP echo over raw IPv4, from a source already seen (state carries over)', () => {
  resetAll();
  feed(ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN))), 0);
  feed(ether(ETH.IPV4, ipv4(17, '10.0.0.5', '10.0.0.6', udp(1, 2, []))), 1000);
  const { f, status } = feed(ipv4(1, '10.0.0.1', '10.0.0.2', icmp(8, 0, 0x01020007, fill(16, 0xaa))), 3000, LINK.IPV4);
  assert.is(status, 0);
  expectVector(f, {
    0: 128, 1: 1,
    2: 88, //  LG(44): LOG2(45) = 1280 + FRAC[26] = 1406; (22496 + 128) >> 8 = 88
    3: 74, //  LG(24)
    4: 65, //  LG(16): LOG2(17) = 1024 + FRAC[4] = 1046; (16736 + 128) >> 8 = 65
    5: 64, 8: 8, 14: 8, 15: 0,
    16: 92, // 3000 µs since 10.0.0.1's SYN: LOG2(3001) = 2816 + FRAC[29] = 2954; (23632 + 128) >> 8 = 92
    17: 255, // (1, 10.0.0.1:0, 10.0.0.2:0) is a new flow
    18: 88, // 2000 µs since the UDP packet: LOG2(2001) = 2560 + FRAC[61] = 2807; (22456 + 128) >> 8 = 88
    19: 92, // 3000 µs since the last packet to 10.0.0.2
    20: 234, // e = 65280 + ((92·256 - 65280) >> 3) = 65280 - 5216 = 60064; >> 8 = 234
    21: 32, // ports ring still [80]: ICMP adds none
    22: 32, 23: 32, 24: 32, // one destination; the SYN of the earlier packet; one source
    32: [8, 0, 0, 0, 0, 0, 0, 0], // checksum, identifier, sequence zeroed
    52: [0x45, 0, 0, 44, 0, 0, 0, 0, 64, 1, 0, 0],
    64: fill(16, 0xaa),
  }, 'raw ICMP echo');
});

test('golden: IPv6 with hop-by-hop and destination options, TCP ACK with payload', () => {
  resetAll();
  feed(ether(ETH.IPV4, ipv4(17, '10.0.0.5', '10.0.0.6', udp(1, 2, []))), 3000);
  const l4 = tcp(50000, 443, ACK, { window: 501, payload: seq(10, 0x41) });
  const frame = ether(ETH.IPV6, ipv6(0, '2001:db8::1', '2001:db8::2', [...extension(60, 1), ...extension(6, 2), ...l4],
    { hopLimit: 255, trafficClass: 0x12, flowLabel: 0xabcde }));
  assert.is(frame.length, 108); // 14 + 40 + 8 + 16 + 20 + 10
  const { f, status } = feed(frame, 10000);
  assert.is(status, 0);
  expectVector(f, {
    0: 192, 1: 6,
    2: 108, // LG(108): LOG2(109) = 1536 + FRAC[45] = 1733; (27728 + 128) >> 8 = 108
    3: 93, //  LG(54): LOG2(55) = 1280 + FRAC[46] = 1480; (23680 + 128) >> 8 = 93
    4: 55, //  LG(10): LOG2(11) = 768 + FRAC[24] = 886; (14176 + 128) >> 8 = 55
    5: 255, 6: ACK,
    7: 143, // LG(501): LOG2(502) = 2048 + FRAC[61] = 2295; (36720 + 128) >> 8 = 143
    8: 20, 9: 8, // IPv6 extension headers
    10: 1, 11: 187, 12: 192, 13: 64, // 443
    ...fresh(102, 1, 0), // LG(7000, 8): LOG2(7001) = 3072 + FRAC[45] = 3269; (26152 + 128) >> 8 = 102
    32: [0, 0, 1, 187, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, ACK, 1, 245, 0, 0, 0, 0],
    // version 6 | TC 0x12 | flow label 0xabcde: 61 2a bc de -> 61 20 00 00; payload length 54, next 0, hop limit 255
    52: [0x61, 0x20, 0, 0, 0, 54, 0, 255],
    64: seq(10, 0x41),
  }, 'IPv6 extension headers');
});

test('golden: IPv4 fragments (first with MF, second with an offset) in padded Ethernet frames', () => {
  resetAll();
  const first = padEthernet(ether(ETH.IPV4, ipv4(17, '10.1.0.1', '10.1.0.2', udp(5000, 9999, fill(16, 7)), { mf: true, id: 9 })));
  const a = feed(first, 0);
  assert.is(a.status, 0);
  expectVector(a.f, {
    0: 128, 1: 17, 2: 95, // LG(60): LOG2(61) = 1280 + FRAC[58] = 1518; (24288 + 128) >> 8 = 95
    3: 74, // declared payload 24 (udp length field is 24 too, but fragments are measured by IP)
    4: 65, // LG(16)
    5: 64, 8: 8, 9: 1, 10: 39, 11: 15, 12: 128, 13: 128, // MF; 9999 = 0x270f
    ...fresh(255, 1, 0),
    32: [0, 0, 0x27, 0x0f, 0, 24, 0, 0],
    52: [0x45, 0, 0, 44, 0, 0, 0x20, 0, 64, 17, 0, 0],
    64: fill(16, 7), // Ethernet padding after the IP end is not payload
  }, 'first fragment');
  const second = padEthernet(ether(ETH.IPV4, ipv4(17, '10.1.0.1', '10.1.0.2', fill(12, 0x55), { offset: 24, id: 9 })));
  const b = feed(second, 50);
  assert.is(b.status, 0);
  expectVector(b.f, {
    0: 128, 1: 17, 2: 95,
    3: 59, // LG(12): LOG2(13) = 768 + FRAC[40] = 944; (15104 + 128) >> 8 = 59
    5: 64, 9: 4, // offset != 0: no transport header, no payload copy
    16: 45, // LG(50, 8): LOG2(51) = 1280 + FRAC[38] = 1452; (11616 + 128) >> 8 = 45
    17: 255, // ports 0 now: another flow key than the first fragment's
    18: 45, 19: 45,
    20: 228, // 65280 + ((45·256 - 65280) >> 3) = 65280 - 6720 = 58560 -> 228
    21: 32, 22: 32, 23: 0, 24: 32,
    52: [0x45, 0, 0, 32, 0, 0, 0, 3, 64, 17, 0, 0],
  }, 'second fragment');
});

test('golden: IPv6 fragment header (first fragment): no transport, feature 1 from the fragment header', () => {
  resetAll();
  const frame = ether(ETH.IPV6, ipv6(44, 'fe80::1', 'fe80::2', [...fragment6(17, 0, true, 77), ...udp(1000, 2000, fill(8, 1))]));
  assert.is(frame.length, 78); // 14 + 40 + 8 + 16
  const { f, status } = feed(frame, 0);
  assert.is(status, 0);
  expectVector(f, {
    0: 192, 1: 17, 2: 101, 3: 74, 5: 64, 9: 8 | 4, // LG(78), LG(24); extension headers, fragment
    ...fresh(255, 0, 0),
    52: [0x60, 0, 0, 0, 0, 24, 44, 64],
  }, 'IPv6 fragment');
});

test('golden: ICMP port unreachable quoting a datagram: the quoted addresses are masked', () => {
  resetAll();
  const quoted = ipv4(17, '10.0.0.1', '10.0.0.2', udp(33000, 161, []), { id: 0x4242 }); // 28 bytes
  const { f, status } = feed(ether(ETH.IPV4, ipv4(1, '10.0.0.2', '10.0.0.1', icmp(3, 3, 0, quoted))), 0);
  assert.is(status, 0);
  const masked = [...quoted];
  masked.fill(0, 12, 20);
  expectVector(f, {
    0: 128, 1: 1,
    2: 98, //  LG(70): LOG2(71) = 1536 + FRAC[7] = 1574; (25184 + 128) >> 8 = 98
    3: 83, //  LG(36): LOG2(37) = 1280 + FRAC[10] = 1334; (21344 + 128) >> 8 = 83
    4: 78, //  LG(28): LOG2(29) = 1024 + FRAC[52] = 1244; (19904 + 128) >> 8 = 78
    5: 64, 8: 8, 14: 3, 15: 3,
    ...fresh(255, 0, 0),
    32: [3, 3, 0, 0, 0, 0, 0, 0],
    52: [0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0],
    64: masked, // 45 00 00 1c 42 42 00 00 40 11 be ef | 8 address bytes zeroed | 80 e8 00 a1 00 08 12 34
  }, 'ICMP error');
  assert.equal(masked.slice(4, 6), [0x42, 0x42], 'only the quoted addresses are masked');
});

test('golden: ICMPv6 neighbour solicitation: no payload copied (it carries addresses)', () => {
  resetAll();
  const ns = icmp(135, 0, 0, [...seq(16, 0), 1, 1, 2, 0, 0, 0, 0, 2]); // target address, source link-layer option
  const { f, status } = feed(ether(ETH.IPV6, ipv6(58, 'fe80::1', 'ff02::1:ff00:2', ns, { hopLimit: 255 })), 0);
  assert.is(status, 0);
  expectVector(f, {
    0: 192, 1: 58,
    2: 103, // LG(14 + 40 + 32 = 86): LOG2(87) = 1536 + FRAC[23] = 1649; (26384 + 128) >> 8 = 103
    3: 81, //  LG(32): LOG2(33) = 1280 + FRAC[2] = 1291; (20656 + 128) >> 8 = 81
    4: 74, //  LG(24): the payload still counts, it is just not copied
    5: 255, 8: 8, 14: 135,
    ...fresh(255, 0, 0),
    32: [135, 0, 0, 0, 0, 0, 0, 0],
    52: [0x60, 0, 0, 0, 0, 32, 58, 255],
  }, 'NDP');
});

test('golden: ARP, a non-IP EtherType, a zero-length frame', () => {
  resetAll();
  const a = feed(padEthernet(ether(ETH.ARP, arp('10.0.0.1', '10.0.0.2'))), 0);
  assert.is(a.status, 0);
  expectVector(a.f, { 0: 64, 2: 95, 16: 255, 17: 255, 18: 255, 19: 255 }, 'ARP'); // LG(60) = 95; no address state
  const l = feed(padEthernet(ether(ETH.LLDP, seq(30))), 1000);
  assert.is(l.status, 0, 'a legitimately non-IP frame decodes fine');
  expectVector(l.f, { 0: 0, 2: 95, 16: 255, 17: 255, 18: 80, 19: 255 }, 'LLDP');
  const z = feed([], 2000, LINK.ETHERNET, 60);
  assert.is(z.status, 1);
  assert.is(PACKET_STATUS[z.status], 'empty frame (0 captured bytes)');
  expectVector(z.f, { 2: 95, 16: 255, 17: 255, 18: 80, 19: 255 }, 'zero length, 60 bytes on the wire');
  expectVector(feed([], 3000, LINK.ETHERNET).f, { 16: 255, 17: 255, 18: 80, 19: 255 }, 'zero length');
});

test('golden: truncated TCP header (snap length inside it)', () => {
  resetAll();
  const full = ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN)));
  const cut = full.slice(0, 14 + 20 + 10);
  const { f, status } = feed(cut, 0, LINK.ETHERNET, full.length);
  assert.is(status, 8);
  expectVector(f, {
    0: 128, 1: 6,
    2: 93, //  LG(54) on the wire
    3: 70, //  LG(40 - 20 = 20): LOG2(21) = 1024 + FRAC[20] = 1124; (17984 + 128) >> 8 = 70
    5: 64, 8: 0, // the data offset byte was not captured: 0
    9: 32, // truncated
    10: 0, 11: 80, 12: 128, 13: 64, // the ports were captured
    ...fresh(255, 1, 0), // the flags byte was not: no SYN counted
    32: [0, 0, 0, 80, 0, 0, 0, 0, 0, 0], // 10 captured bytes, masked; the rest 0
    52: [0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0],
  }, 'cut TCP');
});

test('golden: bad IHL (3, and 15 running past the frame)', () => {
  resetAll();
  const low = feed(ether(ETH.IPV4, ipv4(17, '10.0.0.1', '10.0.0.2', udp(1, 2, fill(4, 9)), { ihl: 3 })), 0);
  assert.is(low.status, 6);
  expectVector(low.f, {
    0: 128, 1: 17, 2: 89, // LG(46): LOG2(47) = 1280 + FRAC[30] = 1422; (22752 + 128) >> 8 = 89
    3: 70, // LG(32 - 12 = 20): total length 32, header 4·3
    5: 64,
    ...fresh(255, 0, 0), // addresses are at their places: state is kept; no transport, no ports
    52: [0x43, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0],
  }, 'IHL 3');
  const long = ether(ETH.IPV4, ipv4(17, '10.0.0.3', '10.0.0.4', udp(1, 2, []), { ihl: 15 })).slice(0, 14 + 30);
  const h = feed(long, 10);
  assert.is(h.status, 6);
  expectVector(h.f, {
    0: 128, 1: 17, 2: 88, // LG(44)
    3: 51, // LG(68 - 60 = 8): LOG2(9) = 768 + FRAC[8] = 812; (12992 + 128) >> 8 = 51
    5: 64, 9: 16 | 32, // options, truncated
    16: 255, 17: 255, 18: 28, 19: 255, 20: 255, 22: 32, 24: 32, // 18: LG(10, 8): LOG2(11) = 768 + FRAC[24] = 886; (7088 + 128) >> 8 = 28
    52: [0x4f, 0, 0, 68, 0, 0, 0, 0, 64, 17, 0, 0],
  }, 'IHL 15');
});

test('golden: a 64 KiB datagram; a frame beyond the packet buffer is cut by the host, refused by the raw ABI', async () => {
  resetAll();
  const payload = Array.from({ length: 65507 }, (_, i) => (i * 7) & 0xff);
  const frame = ether(ETH.IPV4, ipv4(17, '10.0.0.1', '10.0.0.2', udp(4000, 4001, payload)));
  assert.is(frame.length, 14 + 65535);
  const { f, status } = feed(frame, 0);
  assert.is(status, 0);
  expectVector(f, {
    0: 128, 1: 17,
    2: 255, 3: 255, 4: 255, // LOG2(65550) = 4096: 256 -> 255; LOG2(65516), LOG2(65508) = 3840 + FRAC[63] = 4093 -> 255
    5: 64, 8: 8, 10: 15, 11: 161, 12: 128, 13: 128,
    ...fresh(255, 1, 0),
    32: [0, 0, 15, 161, 0xff, 0xeb, 0, 0], // UDP length 8 + 65507 = 65515
    52: [0x45, 0, 255, 255, 0, 0, 0, 0, 64, 17, 0, 0],
    64: payload.slice(0, 64),
  }, '64 KiB');
  const x = await instantiateEngine(false);
  const cap = x.pce_packet_capacity();
  assert.is(cap, 2048);
  assert.is(x.pce_extract(cap + 1, 1, 0, 0, cap + 1), -PCE_ERR_PACKET_LENGTH);
  assert.ok(engineMessage(x, PCE_ERR_PACKET_LENGTH).includes('pce_packet_capacity()'));
  const big = new Uint8Array(70000);
  big.set(frame);
  const host = builds.scalar.extract(big, T0 + 5, LINK.ETHERNET);
  assert.is(host[2], 255, 'cut to the buffer; the wire length is kept');
  assert.is(host[9] & 32, 0, 'the IP datagram lies within the part kept: not truncated');
});

test('link layers: SLL, NULL in both byte orders, raw IP, QinQ, too many tags, unsupported, short', () => {
  const ip4 = ipv4(17, '10.0.0.1', '10.0.0.2', udp(1, 2, []));
  const ip6 = ipv6(17, '::1', '::2', udp(1, 2, []));
  const kinds: [string, Bytes, number, number, number][] = [ // name, frame, link, feature 0, status
    ['SLL IPv4', sll(ETH.IPV4, ip4), LINK.SLL, 128, 0],
    ['SLL IPv6', sll(ETH.IPV6, ip6), LINK.SLL, 192, 0],
    ['SLL2 IPv6', sll2(ETH.IPV6, ip6), LINK.SLL2, 192, 0],
    ['SLL short', sll(ETH.IPV4, []).slice(0, 15), LINK.SLL, 0, 3],
    ['NULL little-endian AF_INET', loopback(2, true, ip4), LINK.NULL, 128, 0],
    ['NULL big-endian AF_INET', loopback(2, false, ip4), LINK.NULL, 128, 0],
    ['NULL AF_INET6 (macOS 30)', loopback(30, true, ip6), LINK.NULL, 192, 0],
    ['NULL AF_INET6 (Linux 10, big-endian)', loopback(10, false, ip6), LINK.NULL, 192, 0],
    ['NULL unknown family', loopback(7, true, ip4), LINK.NULL, 0, 0],
    ['raw 101 IPv4', ip4, LINK.RAW, 128, 0],
    ['raw 101 IPv6', ip6, LINK.RAW, 192, 0],
    ['raw 12 IPv4', ip4, 12, 128, 0],
    ['raw 14 IPv6', ip6, 14, 192, 0],
    ['raw version 5', [0x55, ...ip4.slice(1)], LINK.RAW, 0, 4],
    ['raw IPv6 link (229) decides', [0x45, ...ip6.slice(1)], LINK.IPV6, 192, 0],
    ['QinQ: 88a8 then 8100', ether(ETH.IPV4, ip4, [{ tpid: ETH.QINQ, tci: 1 }, { tpid: ETH.VLAN, tci: 2 }]), LINK.ETHERNET, 128, 0],
    ['three tags: non-IP', ether(ETH.IPV4, ip4, [{ tpid: ETH.VLAN, tci: 1 }, { tpid: ETH.VLAN, tci: 2 }, { tpid: ETH.VLAN, tci: 3 }]), LINK.ETHERNET, 0, 0],
    ['VLAN tag cut off', ether(ETH.VLAN, []), LINK.ETHERNET, 0, 3],
    ['Ethernet of 10 bytes', seq(10), LINK.ETHERNET, 0, 3],
    ['unsupported link type 105', ip4, 105, 0, 2],
    ['IPv4 header cut at 12 bytes', ether(ETH.IPV4, ip4.slice(0, 12)), LINK.ETHERNET, 128, 5],
    ['IPv6 header cut at 39 bytes', ether(ETH.IPV6, ip6.slice(0, 39)), LINK.ETHERNET, 192, 5],
  ];
  for (const [name, frame, link, kind, status] of kinds) {
    resetAll();
    const r = feed(frame, 0, link);
    assert.is(r.f[0], kind, `${name}: network kind`);
    assert.is(r.status, status, `${name}: status`);
    if (kind !== 0 && status === 0) assert.is(r.f[11], 2, `${name}: the UDP destination port`);
    if (status === 3 || status === 5) assert.is(r.f[9] & 32, 32, `${name}: truncated`);
    if (status === 5) assert.equal([r.f[16], r.f[20]], [255, 0], `${name}: addresses not captured, no state`);
  }
  resetAll();
  const bad = feed(seq(10), 0, LINK.ETHERNET);
  expectVector(bad.f, { 2: 55, 9: 32, 16: 255, 17: 255, 18: 255, 19: 255 }, 'short Ethernet'); // LG(10) = 55
});

test('IPv6 extension chains: past the frame, nine headers, routing header, a TCP data offset below 5', () => {
  resetAll();
  const past = feed(ether(ETH.IPV6, ipv6(0, '::1', '::2', [6, 2, ...zeros(10)])), 0); // hop-by-hop claims 24 bytes, 12 remain
  assert.is(past.status, 7);
  assert.equal([past.f[1], past.f[9], past.f[8], past.f[32]], [0, 8 | 32, 0, 0], 'stopped at the hop-by-hop header');
  assert.equal([past.f[16], past.f[22]], [255, 32], 'the fixed header is complete: per-address state is kept');
  let chain: Bytes = udp(7, 8, []);
  for (let k = 0; k < 9; k++) chain = [...extension(k === 0 ? 17 : 60, 1), ...chain];
  const nine = feed(ether(ETH.IPV6, ipv6(60, '::1', '::2', chain)), 1);
  assert.equal([nine.status, nine.f[1], nine.f[9], nine.f[11]], [7, 60, 8, 0], 'the 9th header is not walked');
  let eight: Bytes = udp(7, 8, []);
  for (let k = 0; k < 8; k++) eight = [...extension(k === 0 ? 17 : 60, 1), ...eight];
  const ok = feed(ether(ETH.IPV6, ipv6(60, '::1', '::2', eight)), 2);
  assert.equal([ok.status, ok.f[1], ok.f[9], ok.f[11]], [0, 17, 8, 8], 'eight are walked');
  const routing = feed(ether(ETH.IPV6, ipv6(43, '::1', '::2', [...extension(6, 3), ...tcp(1, 22, SYN)])), 3);
  assert.equal([routing.status, routing.f[1], routing.f[8], routing.f[11]], [0, 6, 20, 22]);
  const offset = feed(ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 22, SYN, { dataOffset: 3, payload: seq(8) }))), 4);
  assert.equal([offset.status, offset.f[8], offset.f[4], offset.f[64], offset.f[6]], [9, 12, 0, 0, SYN], 'data offset 3: header read, no payload');
});

test('state: a port scan from one source, the reply in the same flow, a second source, an old timestamp', () => {
  resetAll();
  const S = '10.0.0.9', V = '10.0.0.2';
  // e_k = e_{k-1} + ((256 · f16 - e_{k-1}) >> 3), e_0 = 255 · 256 (docs/features.md, "State")
  let e = 255 * 256;
  for (let k = 0; k < 10; k++) {
    const { f } = feed(ether(ETH.IPV4, ipv4(6, S, V, tcp(40000, 1 + k, SYN))), k * 1000);
    if (k > 0) e += (80 * 256 - e) >> 3;
    const want = {
      16: k === 0 ? 255 : 80, // LG(1000, 8) = 80
      17: 255, // every port is a new flow
      18: k === 0 ? 255 : 80, 19: k === 0 ? 255 : 80,
      20: e >> 8, // k = 1: 65280 - 5600 = 59680 -> 233; k = 2: 59680 - 4900 = 54780 -> 213
      21: Math.min(32 * (k + 1), 255), // distinct ports among the last 8
      22: 32, // one destination
      23: Math.min(32 * (k + 1), 255), // pure SYNs among the last 8 TCP packets
      24: 32, // one source
    };
    assert.equal(Object.fromEntries(Object.keys(want).map((i) => [i, f[Number(i)]])), want, `scan packet ${k}`);
    if (k === 1) assert.is(f[20], 233);
    if (k === 2) assert.is(f[20], 213);
  }
  // 11th: an ACK to port 10 again. Last 8 ports 4..10, 10: 7 distinct; last 8 TCP: 7 SYNs and this ACK.
  const again = feed(ether(ETH.IPV4, ipv4(6, S, V, tcp(40000, 10, ACK))), 10_000);
  assert.equal([again.f[17], again.f[21], again.f[23]], [80, 224, 224], 'same flow as packet 9 (1000 µs), 7 ports, 7 SYNs');
  // The victim's reset comes back 500 µs later: the flow key is direction-free.
  const reply = feed(ether(ETH.IPV4, ipv4(6, V, S, tcp(10, 40000, RST | ACK))), 10_500);
  assert.equal([reply.f[16], reply.f[17], reply.f[19], reply.f[21], reply.f[23], reply.f[24]], [255, 72, 255, 32, 0, 32],
    'new source V; flow gap LG(500, 8) = 72; S never was a destination; one port, no pure SYN, one source to S');
  // A second source to V: fan-in 2.
  const other = feed(ether(ETH.IPV4, ipv4(17, '10.0.0.7', V, udp(5353, 5353, []))), 11_000);
  assert.equal([other.f[16], other.f[19], other.f[24]], [255, 80, 64], 'V last received 1000 µs ago; 2 distinct sources');
  // A timestamp earlier than the previous one counts as a gap of 0.
  const back = feed(ether(ETH.IPV4, ipv4(6, S, V, tcp(40000, 10, ACK))), 5_000);
  assert.equal([back.f[16], back.f[17], back.f[18]], [0, 0, 0]);
});

test('reset clears every table and the clock; both builds agree after it', () => {
  const frame = ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN)));
  resetAll();
  const first = feed(frame, 0).f;
  const second = feed(frame, 1000).f;
  assert.not.equal(Array.from(first), Array.from(second));
  resetAll();
  assert.equal(Array.from(feed(frame, 1000).f), Array.from(first), 'after reset the same packet is new again');
});

// ---------------------------------------------------------------- LOG2 / LG against a BigInt model of the spec

const FRAC = Array.from({ length: 64 }, (_, m) => Math.round(256 * Math.log2(1 + m / 64)));
function log2q8(y: bigint): number {
  const e = y.toString(2).length - 1;
  const m = e >= 6 ? Number((y >> BigInt(e - 6)) & 63n) : Number((y << BigInt(6 - e)) & 63n);
  return 256 * e + FRAC[m]!;
}
const lgRef = (x: bigint, k: number) => Math.min(255, (k * log2q8(x + 1n) + 128) >> 8);

test('LG(x, 16) through feature 2 (the wire length) and LG(gap, 8) through feature 18, edge-heavy', () => {
  assert.equal([FRAC[0], FRAC[1], FRAC[32], FRAC[63]], [0, 6, 150, 253], 'FRAC as printed in docs/features.md');
  const rng = new Lcg(4);
  const sizes = new Set<number>([0, 1, 2, 3, 1500, 65535, 65536, 2 ** 32 - 1]);
  for (let k = 0; k < 32; k++) for (const d of [-2, -1, 0, 1, 2]) if (2 ** k + d >= 0 && 2 ** k + d < 2 ** 32) sizes.add(2 ** k + d);
  for (let i = 0; i < 300; i++) sizes.add(rng.u32());
  for (const x of sizes) {
    const f = feed([], 0, LINK.ETHERNET, x).f; // zero-length frame: feature 2 = LG(orig_len, 16)
    assert.is(f[2], lgRef(BigInt(x), 16), `LG(${x}, 16)`);
    assert.ok(Math.abs(f[2]! - Math.min(255, 16 * Math.log2(1 + x))) <= 1, `LG(${x}, 16) within 1 of 16·log2(1+x)`);
  }
  assert.equal([1, 1500, 65535].map((x) => feed([], 0, LINK.ETHERNET, x).f[2]), [16, 169, 255], 'the spec\'s anchors');
  const gaps = new Set<number>([0, 1, 999, 1000, 1_000_000, 100_000_000, 2 ** 40, 2 ** 52]);
  for (let k = 0; k < 53; k++) for (const d of [-1, 0, 1]) gaps.add(2 ** k + d);
  for (let i = 0; i < 300; i++) gaps.add(rng.int(0, 2 ** 52));
  const base = -(2 ** 52); // a negative i64 timestamp: the hi word is negative
  for (const g of gaps) {
    resetAll();
    feed([], base - T0, LINK.ETHERNET);
    const f = feed([], base - T0 + g, LINK.ETHERNET).f;
    assert.is(f[18], lgRef(BigInt(g), 8), `LG(${g}, 8)`);
  }
  resetAll();
  feed([], 0);
  // gaps of 1 ms, 1 s, 100 s: the spec's anchors
  assert.equal([1000, 1_001_000, 101_001_000].map((t) => feed([], t).f[18]), [80, 159, 213]);
});

// ---------------------------------------------------------------- the model side

test('pushPacket: refused for feature_version != 1 and P != 128, with the engine\'s message; accepted otherwise', async () => {
  const rng = new Lcg(11);
  const frame = Uint8Array.from(ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN))));
  const { model } = randomBlob(rng, { dims: DEFAULT_DIMS });
  const v0 = writeBlob({ ...model, dims: { ...model.dims, featureVersion: 0 } });
  const v2 = writeBlob({ ...model, dims: { ...model.dims, featureVersion: 2 } });
  const narrow = randomBlob(rng, { dims: { ...DEFAULT_DIMS, P: 40, outDims: [128, 128, 24] } }).blob;
  for (const simd of [true, false]) {
    for (const [blob, code] of [[v0, PCE_ERR_FEATURE_VERSION], [v2, PCE_ERR_FEATURE_VERSION], [narrow, PCE_ERR_FEATURE_WIDTH]] as const) {
      const e = await loadEngine(blob, { simd });
      try {
        e.pushPacket(frame, T0, LINK.ETHERNET);
        assert.unreachable('pushPacket must refuse this blob');
      } catch (err) {
        assert.instance(err, Error);
        assert.is((err as { code?: number }).code, code);
        assert.match((err as Error).message, code === PCE_ERR_FEATURE_VERSION ? /feature_version .*is not 1/ : /P is not 128/);
      }
      assert.is(e.packetStatus(), 0, 'a refused packet changes nothing');
      e.pushFeatures(new Float32Array(e.info.dims.P)); // the blob still runs on host features
    }
    const x = await instantiateEngine(simd);
    assert.is(x.pce_push_packet(10, 1, 0, 0, 10), -PCE_ERR_NOT_INITIALISED);
  }
});

test('pushPacket == extract features, then pushQuantized(128 · v), bit for bit, both builds', async () => {
  const rng = new Lcg(12);
  const { blob } = randomBlob(rng, { dims: DEFAULT_DIMS });
  const frames = [
    ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN))),
    ether(ETH.IPV4, ipv4(6, '10.0.0.2', '10.0.0.1', tcp(80, 40000, SYN | ACK))),
    ether(ETH.IPV6, ipv6(17, '2001:db8::1', '2001:db8::2', udp(5000, 53, seq(40)))),
    padEthernet(ether(ETH.ARP, arp('10.0.0.1', '10.0.0.9'))),
    [],
  ];
  const out: Int32Array[][] = [];
  for (const simd of [true, false]) {
    const byPacket = await loadEngine(blob, { simd });
    const byFeatures = await loadEngine(blob, { simd });
    const fx: FeatureExtractor = await createFeatureExtractor({ simd });
    const probs: Int32Array[] = [];
    for (let t = 0; t < 40; t++) {
      const frame = Uint8Array.from(frames[t % frames.length]!);
      const r = byPacket.pushPacket(frame, T0 + t * 977, LINK.ETHERNET);
      const v = fx.extract(frame, T0 + t * 977, LINK.ETHERNET);
      assert.equal(Array.from(byPacket.packetFeatures()), Array.from(v), 'the engine\'s features == the extractor\'s');
      const k = byFeatures.pushQuantized(Int16Array.from(v, (b) => b * 128));
      assert.is(r.index, k, `packet ${t}`);
      assert.equal(Array.from(byPacket.probsQ15()), Array.from(byFeatures.probsQ15()), `packet ${t}: probabilities`);
      probs.push(byPacket.probsQ15());
    }
    byPacket.reset();
    const again = byPacket.pushPacket(Uint8Array.from(frames[0]!), T0, LINK.ETHERNET);
    byFeatures.reset();
    fx.reset();
    assert.is(again.index, byFeatures.pushQuantized(Int16Array.from(fx.extract(Uint8Array.from(frames[0]!), T0, LINK.ETHERNET), (b) => b * 128)), 'reset clears the window and the feature state');
    out.push(probs);
  }
  assert.equal(out[0]!.map((p) => Array.from(p)), out[1]!.map((p) => Array.from(p)), 'SIMD == scalar');
});

test('engine.extractFeatures: features only (no decision), same state as pushPacket, into a caller buffer', async () => {
  const { blob } = randomBlob(new Lcg(13), { dims: DEFAULT_DIMS });
  const e = await loadEngine(blob, { simd: false });
  const fx = await createFeatureExtractor({ simd: true });
  const frame = Uint8Array.from(ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40000, 80, SYN))));
  const out = new Uint8Array(128);
  for (let t = 0; t < 3; t++) {
    const mine = e.extractFeatures(frame, T0 + t * 1000, LINK.ETHERNET, undefined, out);
    assert.is(mine, out, 'written into the buffer given');
    assert.equal(Array.from(mine), Array.from(fx.extract(frame, T0 + t * 1000, LINK.ETHERNET)));
  }
  assert.equal(Array.from(e.probsQ15()), [0, 0, 0, 0], 'no model run: the outputs are still the cleared ones');
  assert.is(e.pushPacket(frame, T0 + 3000, LINK.ETHERNET).probs.length, 4);
  assert.is(e.packetFeatures()[16], 80, 'pushPacket continues the state extractFeatures built (gap 1000 µs)');
});

test.run();
