// Fuzz of the engine's packet decoder (docs/features.md): 120,000 random and mutated frames over
// every link type through pce_push_packet (features, then the model), in the SIMD and the scalar
// build. Nothing may trap; both builds must give the same features, status and decision; the
// invariants of the layout must hold for every packet.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadEngine, type Engine } from '../src/engine.js';
import {
  arp, ETH, ether, extension, fragment6, icmp, ipv4, ipv6, LINK, loopback, sll, sll2, tcp, TCP_FLAGS, udp, type Bytes,
} from './helpers/frames.js';
import { DEFAULT_DIMS, randomBlob } from './helpers/random-blob.js';
import { Lcg } from './helpers/rng.js';

const PACKETS = 120_000;
const LINKS = [LINK.ETHERNET, LINK.ETHERNET, LINK.ETHERNET, LINK.SLL, LINK.SLL2, LINK.RAW, LINK.IPV4, LINK.IPV6, LINK.NULL, 12, 14, 105, 0xffffffff];

/** Valid frames of every kind the decoder knows, to mutate. */
function seeds(rng: Lcg): { frame: Bytes; link: number }[] {
  const a = () => `10.${rng.int(0, 3)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const b = () => `2001:db8::${rng.int(1, 0xffff).toString(16)}`;
  const payload = () => Array.from({ length: rng.int(0, 80) }, () => rng.int(0, 255));
  const l4s = (): [number, Bytes][] => [
    [6, tcp(rng.int(0, 65535), rng.int(0, 65535), rng.int(0, 255), { window: rng.int(0, 65535), options: rng.chance(0.5) ? [2, 4, 5, 0xb4] : [], payload: payload() })],
    [17, udp(rng.int(0, 65535), rng.int(0, 65535), payload())],
    [1, icmp(rng.pick([0, 3, 8, 11]), rng.int(0, 3), rng.u32(), payload())],
    [58, icmp(rng.pick([1, 128, 129, 135, 136, 143]), 0, rng.u32(), payload())],
    [47, payload()],
  ];
  const out: { frame: Bytes; link: number }[] = [];
  for (const [proto, l4] of l4s()) {
    const ip4 = ipv4(proto, a(), a(), l4, { df: rng.chance(0.5), mf: rng.chance(0.2), offset: rng.chance(0.2) ? 8 * rng.int(1, 100) : 0, ihl: rng.pick([5, 5, 6, 15]) });
    const ext = rng.chance(0.5) ? [...extension(proto, rng.int(1, 3))] : [];
    const ip6 = ipv6(ext.length ? rng.pick([0, 43, 60]) : proto, b(), b(), [...ext, ...(rng.chance(0.2) ? fragment6(proto, 0, true, 1) : []), ...l4]);
    out.push({ frame: ether(ETH.IPV4, ip4), link: LINK.ETHERNET });
    out.push({ frame: ether(ETH.IPV6, ip6, [{ tpid: ETH.VLAN, tci: 5 }]), link: LINK.ETHERNET });
    out.push({ frame: sll(ETH.IPV4, ip4), link: LINK.SLL });
    out.push({ frame: sll2(ETH.IPV6, ip6), link: LINK.SLL2 });
    out.push({ frame: ip4, link: LINK.RAW });
    out.push({ frame: ip6, link: LINK.IPV6 });
    out.push({ frame: loopback(rng.pick([2, 30]), rng.chance(0.5), rng.chance(0.5) ? ip4 : ip6), link: LINK.NULL });
  }
  out.push({ frame: ether(ETH.ARP, arp(a(), a())), link: LINK.ETHERNET });
  return out;
}

/** One hostile frame: a seed mutated, or random bytes. */
function hostile(rng: Lcg, pool: { frame: Bytes; link: number }[]): { bytes: Uint8Array; link: number } {
  if (rng.chance(0.1)) {
    const n = rng.chance(0.02) ? rng.int(0, 65664) : rng.int(0, 120);
    return { bytes: Uint8Array.from({ length: n }, () => rng.int(0, 255)), link: rng.pick(LINKS) };
  }
  const seed = rng.pick(pool);
  let f = Uint8Array.from(seed.frame);
  const edits = rng.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const kind = rng.int(0, 5);
    if (f.length === 0) break;
    const at = rng.int(0, f.length - 1);
    if (kind === 0) f[at] = rng.int(0, 255); // one byte
    else if (kind === 1) f[at] = rng.pick([0, 0xff, 0x80, 0x7f, 0x0f, 0xf0]); // a length or flag field at an extreme
    else if (kind === 2) f = f.slice(0, at); // truncate
    else if (kind === 3) f = Uint8Array.from([...f.slice(0, at), ...f.slice(at + rng.int(1, 8))]); // delete
    else if (kind === 4) f = Uint8Array.from([...f.slice(0, at), ...Array.from({ length: rng.int(1, 8) }, () => rng.int(0, 255)), ...f.slice(at)]); // insert
    else f[at] ^= 1 << rng.int(0, 7); // bit flip
  }
  return { bytes: f, link: rng.chance(0.9) ? seed.link : rng.pick(LINKS) };
}

test(`fuzz: ${PACKETS.toLocaleString('en')} random and mutated frames through pce_push_packet, SIMD and scalar, never trap, agree`, async () => {
  const rng = new Lcg(2024);
  const { blob } = randomBlob(rng, { dims: DEFAULT_DIMS });
  const engines: [Engine, Engine] = [await loadEngine(blob, { simd: true }), await loadEngine(blob, { simd: false })];
  let pool = seeds(rng);
  let ts = 1_700_000_000_000_000;
  const statuses = new Map<number, number>();
  const kinds = new Map<number, number>();
  const t0 = Date.now();
  for (let i = 0; i < PACKETS; i++) {
    if (i % 2000 === 0) pool = seeds(rng);
    const { bytes, link } = hostile(rng, pool);
    ts += rng.chance(0.05) ? -rng.int(0, 10_000_000) : rng.int(0, 100_000);
    const orig = rng.chance(0.1) ? rng.u32() : bytes.length;
    const [a, b] = engines.map((e) => e.pushPacket(bytes, ts, link, orig));
    const [fa, fb] = engines.map((e) => e.packetFeatures());
    if (a!.index !== b!.index || fa!.some((v, j) => v !== fb![j])) assert.unreachable(`packet ${i}: builds differ`);
    const s = engines[0].packetStatus();
    if (s !== engines[1].packetStatus()) assert.unreachable(`packet ${i}: statuses differ`);
    if (a!.index < 0 || a!.index >= engines[0].info.classes.length) assert.unreachable(`packet ${i}: class ${a!.index}`);
    if (![0, 64, 128, 192].includes(fa![0]!) || fa!.subarray(25, 32).some((v) => v !== 0) || fa![9]! & 128) assert.unreachable(`packet ${i}: layout invariant broken: ${fa}`);
    if (fa![0] === 0 && (fa![1] !== 0 || fa!.subarray(3, 16).some((v, j) => (j === 6 ? v & ~32 : v) !== 0))) assert.unreachable(`packet ${i}: non-IP with IP features: ${fa}`); // 9 may say truncated
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
    kinds.set(fa![0]!, (kinds.get(fa![0]!) ?? 0) + 1);
    if (i % 20_000 === 19_999) for (const e of engines) e.reset();
  }
  const secs = (Date.now() - t0) / 1000;
  console.log(`  ${PACKETS} frames × 2 builds in ${secs.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}; kinds ${JSON.stringify(Object.fromEntries(kinds))}`);
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) assert.ok((statuses.get(code) ?? 0) > 0, `status ${code} never reached: the fuzz misses a path`);
});

test('TCP flags shape the SYN share in fuzzed traffic too (sanity: the decoder is not all zeros)', async () => {
  const rng = new Lcg(7);
  const { blob } = randomBlob(rng, { dims: DEFAULT_DIMS });
  const e = await loadEngine(blob, { simd: false });
  for (let i = 0; i < 8; i++) e.pushPacket(Uint8Array.from(ether(ETH.IPV4, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1000, i, TCP_FLAGS.SYN)))), 1000 * i, LINK.ETHERNET);
  assert.equal([e.packetFeatures()[21], e.packetFeatures()[23]], [255, 255]);
});

test.run();
