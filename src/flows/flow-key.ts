/**
 * Bidirectional flow keys. Both directions of a conversation must give the same key, so the two
 * endpoints (address, port) are written in a canonical order: the lower one first. Keys are
 * strings of 16-bit char codes (an IPv4 address is 2 chars, an IPv6 one 8), which makes them
 * cheap to build and exact Map keys. Rules: docs/flows-format.md, "Flow key".
 */
import type { IpPacketSummary } from './packet-summary.js';
import { ICMPV4_QUERY_PAIR, ICMPV6_QUERY_PAIR, IPPROTO_ICMP } from './protocols.js';

/** Second char of a key: what the two "port" chars hold. */
export const KEY_PORTS = 0; // transport ports
export const KEY_NO_PORTS = 1; // protocol without ports, or a fragment whose first fragment was not seen: both 0
export const KEY_ICMP_OTHER = 2; // ICMP not in a query pair: (type << 8 | code) on both sides
const KEY_ICMP_QUERY = 0x100; // | request type of the pair; the identifier on both sides

/** Key parts the flow table keeps per packet: built without allocating an object. */
export interface FlowKeyParts {
  /** Key discriminator: KEY_PORTS, KEY_NO_PORTS, KEY_ICMP_OTHER or KEY_ICMP_QUERY | type. */
  kind: number;
  /** Values standing in for the source and destination port in the key. */
  srcPort: number;
  dstPort: number;
}

/** Fills `out` with how `s` is keyed. */
export function keyPartsOf(s: IpPacketSummary, out: FlowKeyParts): FlowKeyParts {
  if (s.transport === 'ports') {
    out.kind = KEY_PORTS;
    out.srcPort = s.srcPort;
    out.dstPort = s.dstPort;
  } else if (s.transport === 'icmp' && s.icmpId >= 0) {
    const pairs = s.protocol === IPPROTO_ICMP ? ICMPV4_QUERY_PAIR : ICMPV6_QUERY_PAIR;
    out.kind = KEY_ICMP_QUERY | pairs.get(s.icmpType)!;
    out.srcPort = out.dstPort = s.icmpId;
  } else if (s.transport === 'icmp') {
    out.kind = KEY_ICMP_OTHER;
    out.srcPort = out.dstPort = (s.icmpType << 8) | s.icmpCode;
  } else {
    out.kind = KEY_NO_PORTS;
    out.srcPort = out.dstPort = 0;
  }
  return out;
}

/**
 * True when (source, srcPort) sorts before or equal to (destination, dstPort): addresses byte by
 * byte, then ports. The packet's source is then written first in the key.
 */
export function sourceIsLower(s: IpPacketSummary, srcPort: number, dstPort: number): boolean {
  const f = s.frame;
  const src = s.srcAt;
  const dst = src + s.addrLength;
  for (let i = 0; i < s.addrLength; i++) {
    if (f[src + i] !== f[dst + i]) return f[src + i]! < f[dst + i]!;
  }
  return srcPort <= dstPort;
}

/** The canonical key of a packet's conversation, in one String.fromCharCode call (a flat string: no concatenation to flatten before hashing). */
export function flowKey(s: IpPacketSummary, parts: FlowKeyParts, srcLower: boolean): string {
  const f = s.frame;
  const a = srcLower ? s.srcAt : s.srcAt + s.addrLength;
  const b = srcLower ? s.srcAt + s.addrLength : s.srcAt;
  const pa = srcLower ? parts.srcPort : parts.dstPort;
  const pb = srcLower ? parts.dstPort : parts.srcPort;
  if (s.addrLength === 4) return String.fromCharCode(s.protocol, parts.kind, w(f, a), w(f, a + 2), w(f, b), w(f, b + 2), pa, pb);
  return String.fromCharCode(
    s.protocol, parts.kind,
    w(f, a), w(f, a + 2), w(f, a + 4), w(f, a + 6), w(f, a + 8), w(f, a + 10), w(f, a + 12), w(f, a + 14),
    w(f, b), w(f, b + 2), w(f, b + 4), w(f, b + 6), w(f, b + 8), w(f, b + 10), w(f, b + 12), w(f, b + 14),
    pa, pb,
  );
}

/**
 * Key of a fragmented datagram (RFC 791 / RFC 8200: source, destination, protocol, identification),
 * directional because all fragments of one datagram travel the same way.
 */
export function fragmentKey(s: IpPacketSummary): string {
  const head = String.fromCharCode(s.protocol, s.fragmentId >>> 16, s.fragmentId & 0xffff);
  let addresses = '';
  for (let i = 0; i < 2 * s.addrLength; i += 2) addresses += String.fromCharCode(w(s.frame, s.srcAt + i));
  return head + addresses;
}

/** The 16-bit big-endian word at `at`. */
function w(f: Uint8Array, at: number): number {
  return (f[at]! << 8) | f[at + 1]!;
}
