// The engine's packet metadata (docs/engine-abi.md, "Packet metadata") and the location fields of
// `run --format jsonl` version 2 (docs/run-format.md): both builds give the same record; the flow
// id is the documented FNV-1a of the direction-independent 5-tuple; address text is RFC 5952 and
// agrees with glibc's inet_ntop wherever glibc follows RFC 5952; undecodable frames say
// "decoded":false and keep their verdict; pce-sense writes the same bytes as Node on a capture
// with IPv6, ARP, an unknown link type and truncated frames.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadEngine, type Engine, type PacketMeta } from '../src/engine.js';
import { formatAddress } from '../src/flows/index.js';
import { parseCaptureBytes, type Packet } from '../src/pcap/index.js';
import { arp, ETH, ether, fragment6, icmp, ipv4, ipv6, LINK, tcp, TCP_FLAGS, udp, v4, v6 } from './helpers/frames.js';
import { packetclip, repoRoot } from './helpers/cli.js';
import { command, requires } from './helpers/requires.js';
import { PcapngBuilder } from './fixtures/pcap/synthesize.js';
import { scratchDir } from './helpers/scratch.js';

const dir = scratchDir('pce-meta-');
const model = readFileSync(join(repoRoot, 'models/packetclip-edge.pclip'));
const lab = join(repoRoot, 'data/test/seed3/capture.pcap');
const LINK_USER0 = 147; // a link type the engine does not decode

/** Addresses whose RFC 5952 text is checked by hand (the IPv4-compatible one is written in hex). */
const V6_TEXT: [string, string][] = [
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // two equal runs: the first is shortened
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
  ['0:0:0:0:0:0:0:0', '::'],
  ['0:0:0:0:0:0:0:1', '::1'],
  ['1:0:0:0:0:0:0:0', '1::'],
  ['ff02:0:0:0:0:1:ff00:1', 'ff02::1:ff00:1'],
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longer run wins
  ['0:0:0:0:0:ffff:c000:201', '::ffff:192.0.2.1'], // IPv4-mapped: dotted tail
  ['0:0:0:0:0:0:102:304', '::102:304'], // IPv4-compatible (deprecated): hex, unlike glibc
];

const bytes = (a: number[]): Uint8Array => Uint8Array.from(a);

/** The capture: interface 0 Ethernet, 1 an unknown link type. */
function capture(): Uint8Array {
  const b = new PcapngBuilder().section(true).interface(LINK.ETHERNET, 0).interface(LINK_USER0, 0);
  let t = 1_700_000_000_000_000n;
  const add = (iface: number, frame: number[], origLen?: number) => b.epb(iface, (t += 1000n), { data: bytes(frame), origLen });
  const syn = tcp(40000, 80, TCP_FLAGS.SYN);
  add(0, ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', syn)));
  add(0, ether(ETH.IPV4, ipv4(6, '10.0.0.2', '10.0.0.1', tcp(80, 40000, TCP_FLAGS.SYN | TCP_FLAGS.ACK))));
  add(0, ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(40001, 80, TCP_FLAGS.SYN))));
  add(0, ether(ETH.IPV4, ipv4(17, '192.168.1.5', '192.168.1.1', udp(5353, 53, [1, 2, 3]))));
  add(0, ether(ETH.IPV4, ipv4(1, '192.168.1.5', '8.8.8.8', icmp(8, 0, 0x10001, [0, 0]))));
  add(0, ether(ETH.ARP, arp('192.168.1.5', '192.168.1.1')));
  for (const [i, [addr]] of V6_TEXT.entries()) {
    add(0, ether(ETH.IPV6, ipv6(6, addr, '2001:db8::99', tcp(50000 + i, 443, TCP_FLAGS.SYN))));
  }
  add(0, ether(ETH.IPV6, ipv6(44, 'fe80::1', 'fe80::2', [...fragment6(17, 8, false, 7), ...udp(1, 2, [])]))); // fragment: no ports
  add(0, ether(ETH.IPV6, ipv6(58, 'fe80::1', 'ff02::1', icmp(135, 0, 0, []))));
  add(1, [1, 2, 3, 4, 5, 6, 7, 8]); // unknown link type
  add(0, ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', syn)).slice(0, 14 + 12)); // ends inside the IPv4 header
  add(0, ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', syn)).slice(0, 14 + 20 + 10), 74); // ends inside TCP: ports, status 8
  return b.bytes();
}

const capturePath = join(dir, 'meta.pcapng');
writeFileSync(capturePath, capture());

async function metas(engine: Engine, packets: Iterable<Packet>): Promise<(PacketMeta | undefined)[]> {
  const out: (PacketMeta | undefined)[] = [];
  for (const p of packets) {
    engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
    out.push(engine.packetMeta());
  }
  return out;
}

/** The documented flow id, computed independently with BigInt (docs/engine-abi.md). */
function referenceFlowId(version: number, proto: number, src: number[], sp: number, dst: number[], dp: number): number {
  const cmp = src.findIndex((x, i) => x !== dst[i]);
  const srcLower = cmp < 0 ? sp <= dp : src[cmp]! < dst[cmp]!;
  const [a, pa, b, pb] = srcLower ? [src, sp, dst, dp] : [dst, dp, src, sp];
  let h = 0xcbf29ce484222325n;
  for (const x of [version, proto, ...a, pa >> 8, pa & 255, ...b, pb >> 8, pb & 255]) {
    h = ((h ^ BigInt(x)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  const id = Number(h & ((1n << 53n) - 1n));
  return id === 0 ? 1 : id;
}

test('both builds give the same packet metadata (synthetic capture and the first 5,000 lab packets)', async () => {
  const simd = await loadEngine(model, { simd: true });
  const scalar = await loadEngine(model, { simd: false });
  const lab5k = [...parseCaptureBytes(readFileSync(lab))].slice(0, 5000);
  for (const packets of [[...parseCaptureBytes(readFileSync(capturePath))], lab5k]) {
    simd.reset();
    scalar.reset();
    assert.equal(await metas(simd, packets), await metas(scalar, packets));
  }
  const located = (await metas(simd, lab5k)).filter((m) => m !== undefined).length;
  assert.ok(located > 4000, `${located} of 5000 lab packets located`);
});

test('flow id: the documented hash, the same both ways, another for another port; no record without addresses', async () => {
  const engine = await loadEngine(model);
  const m = await metas(engine, parseCaptureBytes(readFileSync(capturePath)));
  const [syn, synAck, otherPort, dns, ping, arpMeta] = m;
  assert.equal(syn, { ipVersion: 4, protocol: 6, srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', srcPort: 40000, dstPort: 80, tcpFlags: TCP_FLAGS.SYN, flowId: syn!.flowId });
  assert.is(syn!.flowId, referenceFlowId(4, 6, v4('10.0.0.1'), 40000, v4('10.0.0.2'), 80));
  assert.is(synAck!.flowId, syn!.flowId);
  assert.is.not(otherPort!.flowId, syn!.flowId);
  assert.is(dns!.flowId, referenceFlowId(4, 17, v4('192.168.1.5'), 5353, v4('192.168.1.1'), 53));
  assert.is(ping!.srcPort, undefined);
  assert.is(ping!.flowId, referenceFlowId(4, 1, v4('192.168.1.5'), 0, v4('8.8.8.8'), 0));
  assert.is(arpMeta, undefined);
  for (const [i, [addr, text]] of V6_TEXT.entries()) {
    const x = m[6 + i]!;
    assert.is(x.srcAddr, text);
    assert.is(x.dstAddr, '2001:db8::99');
    assert.is(x.flowId, referenceFlowId(6, 6, v6(addr), 50000 + i, v6('2001:db8::99'), 443));
  }
  const [frag, nd, unknownLink, shortIp, shortTcp] = m.slice(6 + V6_TEXT.length);
  assert.is(frag!.protocol, 17); // the fragment header's next header
  assert.is(frag!.srcPort, undefined);
  assert.is(nd!.protocol, 58);
  assert.is(unknownLink, undefined);
  assert.is(shortIp, undefined);
  assert.is(shortTcp!.srcPort, 40000);
  assert.is(shortTcp!.tcpFlags, undefined); // the flags byte was not captured
});

test('run --format jsonl: location fields, "decoded":false on undecodable frames with the verdict kept', async () => {
  const r = await packetclip(['run', capturePath]);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(Object.keys(lines[0]!), ['i', 'ts', 'flow_id', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'label', 'probs', 'decoded']);
  assert.is(lines[0]!.flow_id, lines[1]!.flow_id);
  assert.is(lines[4]!.proto, 'ICMP');
  assert.equal(Object.keys(lines[5]!), ['i', 'ts', 'label', 'probs', 'decoded']); // ARP
  const n = 6 + V6_TEXT.length;
  assert.is(lines[n + 1]!.proto, 'IPv6-ICMP');
  for (const [k, status] of [[n + 2, 2], [n + 3, 5], [n + 4, 8]] as const) {
    assert.is(lines[k]!.decoded, false);
    assert.is(lines[k]!.status, status);
    assert.type(lines[k]!.label, 'string');
  }
  assert.is(lines[n + 2]!.error, 'unsupported link type');
  assert.is(lines[n + 4]!.src_port, 40000);
  assert.ok(lines.slice(0, n + 2).every((l) => l.decoded === true));
});

requires(test, command('gcc'))('IPv6 text equals glibc inet_ntop except for IPv4-compatible addresses (RFC 5952 vs glibc)', () => {
  const src = join(dir, 'ntop.c');
  writeFileSync(src, `#include <arpa/inet.h>
#include <stdio.h>
int main(void) {
  unsigned a[16]; unsigned char b[16]; char t[64];
  while (scanf("%2x%2x%2x%2x%2x%2x%2x%2x%2x%2x%2x%2x%2x%2x%2x%2x", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &a[7],
               &a[8], &a[9], &a[10], &a[11], &a[12], &a[13], &a[14], &a[15]) == 16) {
    for (int i = 0; i < 16; i++) b[i] = (unsigned char)a[i];
    puts(inet_ntop(AF_INET6, b, t, sizeof t));
  }
  return 0;
}
`);
  const bin = join(dir, 'ntop');
  const cc = spawnSync('gcc', ['-O1', '-o', bin, src], { encoding: 'utf8' });
  assert.is(cc.status, 0, cc.stderr);
  // Addresses made of zero runs of every length and position, plus the hand-checked ones.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  const addrs: Uint8Array[] = V6_TEXT.map(([a]) => bytes(v6(a)));
  for (let i = 0; i < 3000; i++) {
    const a = new Uint8Array(16);
    for (let g = 0; g < 8; g++) {
      const r = next() % 4;
      const word = r === 0 ? next() : r === 1 ? next() & 0xff : 0;
      a[2 * g] = word >> 8;
      a[2 * g + 1] = word & 0xff;
    }
    addrs.push(a);
  }
  const hex = addrs.map((a) => Buffer.from(a).toString('hex')).join('\n') + '\n';
  const glibc = spawnSync(bin, [], { input: hex, encoding: 'utf8' }).stdout.trim().split('\n');
  assert.is(glibc.length, addrs.length);
  let compared = 0;
  for (const [i, a] of addrs.entries()) {
    const compatible = a.subarray(0, 12).every((x) => x === 0) && (a[12]! | a[13]!) !== 0;
    if (compatible) {
      assert.ok(!formatAddress(a).includes('.'), formatAddress(a)); // RFC 5952: only IPv4-mapped keeps a dotted tail
      continue;
    }
    assert.is(formatAddress(a), glibc[i], `address ${Buffer.from(a).toString('hex')}`);
    compared++;
  }
  assert.ok(compared > 2900);
});

requires(test, command('make'), command('gcc'))('pce-sense -r writes the bytes of packetclip run on IPv6, ARP, unknown link and truncated frames', async () => {
  const mk = spawnSync('make', ['-s', '-C', join(repoRoot, 'firmware'), '-j2'], { encoding: 'utf8' });
  assert.is(mk.status, 0, mk.stdout + mk.stderr);
  const node = await packetclip(['run', capturePath, '--format', 'jsonl']);
  assert.is(node.code, 0, node.stderr);
  for (const flags of [[], ['--scalar']]) {
    const c = spawnSync(join(repoRoot, 'firmware/build/x86_64/pce-sense'), ['-r', capturePath, ...flags], { encoding: 'utf8' });
    assert.is(c.status, 0, c.stderr);
    assert.is(c.stdout, node.stdout);
  }
});

test.run();
