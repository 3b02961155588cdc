/**
 * Frame bytes -> PacketSummary: link layer (src/pcap's locateNetworkLayer), IPv4 or IPv6, then the
 * transport header. Total on any input: garbage gives an UnflowedPacket, never a throw.
 */
import { locateNetworkLayer } from '../pcap/network-layer.js';
import { decodeIpv4 } from './ipv4-header.js';
import { decodeIpv6 } from './ipv6-header.js';
import { DecodedIpPacket, UNFLOWED, type PacketSummary, type TransportKind } from './packet-summary.js';
import {
  ICMP_HEADER_LENGTH,
  ICMPV4_QUERY_PAIR,
  ICMPV6_QUERY_PAIR,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  PORT_HEADER_LENGTH,
} from './protocols.js';

/**
 * Decodes one captured frame. `origLen` is its length on the wire; it stands in for an IP length
 * field of 0 (segmentation offload, jumbograms). An IP result is `into`, overwritten: pass a
 * fresh DecodedIpPacket (the default) to keep it past the next call.
 */
export function decodePacket(linkType: number, frame: Uint8Array, origLen: number, into = new DecodedIpPacket()): PacketSummary {
  const link = locateNetworkLayer(linkType, frame);
  if (!link.ok) return { kind: 'undecodable', reason: `link layer: ${link.reason}` };
  if (link.ipVersion === 0) return { kind: 'non-ip', reason: UNFLOWED.nonIp };
  const wireEnd = Math.max(origLen, frame.length);
  into.frame = frame;
  const bad = link.ipVersion === 4 ? decodeIpv4(frame, link.offset, wireEnd, into) : decodeIpv6(frame, link.offset, wireEnd, into);
  if (bad !== null) return { kind: 'undecodable', reason: bad };
  return decodeTransport(frame, into);
}

function decodeTransport(frame: Uint8Array, s: DecodedIpPacket): PacketSummary {
  const at = s.transportAt;
  const declared = s.transportLength;
  if (s.fragmentOffset !== 0) return transport(s, 'fragment', declared, 0, 0, -1, -1, -1, -1, -1);
  const p = s.protocol;
  const portHeader = PORT_HEADER_LENGTH.get(p);
  if (portHeader !== undefined) {
    const cut = checkFits(frame, at, declared, portHeader);
    if (cut !== null) return { kind: 'undecodable', reason: cut };
    const srcPort = (frame[at]! << 8) | frame[at + 1]!;
    const dstPort = (frame[at + 2]! << 8) | frame[at + 3]!;
    if (p !== IPPROTO_TCP) return transport(s, 'ports', declared - portHeader, srcPort, dstPort, -1, -1, -1, -1, -1);
    const headerLength = (frame[at + 12]! >> 4) * 4;
    if (headerLength < 20) return { kind: 'undecodable', reason: UNFLOWED.tcpBadDataOffset };
    // Options beyond the fixed 20 bytes may be cut by a snap length; only the declared size matters.
    if (headerLength > declared) return { kind: 'undecodable', reason: UNFLOWED.transportOverrun };
    const window = (frame[at + 14]! << 8) | frame[at + 15]!;
    return transport(s, 'ports', declared - headerLength, srcPort, dstPort, -1, -1, -1, frame[at + 13]!, window);
  }
  if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) {
    const cut = checkFits(frame, at, declared, ICMP_HEADER_LENGTH);
    if (cut !== null) return { kind: 'undecodable', reason: cut };
    const type = frame[at]!;
    const pairs = p === IPPROTO_ICMP ? ICMPV4_QUERY_PAIR : ICMPV6_QUERY_PAIR;
    const id = pairs.has(type) ? (frame[at + 4]! << 8) | frame[at + 5]! : -1;
    return transport(s, 'icmp', declared - ICMP_HEADER_LENGTH, 0, 0, type, frame[at + 1]!, id, -1, -1);
  }
  return transport(s, 'none', declared, 0, 0, -1, -1, -1, -1, -1);
}

/** null when `need` bytes of header are both captured and within the declared datagram. */
function checkFits(frame: Uint8Array, at: number, declared: number, need: number): string | null {
  if (declared < need) return UNFLOWED.transportOverrun;
  if (frame.length < at + need) return UNFLOWED.transportTruncated;
  return null;
}

function transport(
  s: DecodedIpPacket,
  kind: TransportKind,
  payloadLength: number,
  srcPort: number,
  dstPort: number,
  icmpType: number,
  icmpCode: number,
  icmpId: number,
  tcpFlags: number,
  tcpWindow: number,
): DecodedIpPacket {
  s.transport = kind;
  s.payloadLength = payloadLength;
  s.srcPort = srcPort;
  s.dstPort = dstPort;
  s.icmpType = icmpType;
  s.icmpCode = icmpCode;
  s.icmpId = icmpId;
  s.tcpFlags = tcpFlags;
  s.tcpWindow = tcpWindow;
  return s;
}
