/**
 * One packet's place in the network: flow id, addresses, ports, protocol, decode status. Shared by
 * the packet table (docs/packet-table-format.md), `packetclip run`'s lines (docs/run-format.md) and
 * its alerts (docs/alerts-format.md), so every output names a packet the same way.
 */
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, locateNetworkLayer } from '../pcap/network-layer.js';
import { formatAddress } from './address-text.js';
import { decodePacket } from './decode-packet.js';
import type { FlowPacket } from './flow-table.js';
import { DecodedIpPacket } from './packet-summary.js';

export type PacketStatus = 'ip' | 'arp' | 'non-ip' | 'undecodable';

/** One row; undefined fields are written as empty cells. */
export interface PacketRow {
  readonly index: number;
  readonly tsMicros: number;
  /** The id `packetclip flows` gives the packet's flow, -1 when it joins none. */
  readonly flowId: number;
  readonly ipVersion?: number;
  readonly protocol?: number;
  readonly srcAddr?: string;
  readonly dstAddr?: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly ipLength?: number;
  readonly tcpFlags?: number;
  readonly status: PacketStatus;
}

const ARP_FIXED = 8; // htype, ptype, hlen, plen, oper

/** Sender and target protocol addresses of an ARP frame, when they are IPv4 and fit in the frame. */
function arpAddresses(frame: Uint8Array, at: number): { srcAddr?: string; dstAddr?: string } {
  if (frame.length < at + ARP_FIXED) return {};
  const ptype = (frame[at + 2]! << 8) | frame[at + 3]!;
  const hlen = frame[at + 4]!;
  const plen = frame[at + 5]!;
  const sender = at + ARP_FIXED + hlen;
  const target = sender + plen + hlen;
  if (ptype !== ETHERTYPE_IPV4 || plen !== 4 || frame.length < target + plen) return {};
  return { srcAddr: formatAddress(frame.subarray(sender, sender + 4)), dstAddr: formatAddress(frame.subarray(target, target + 4)) };
}

/**
 * The row of `packet`, which joined flow `flowId`. The frame is decoded by src/flows' own decoder
 * (the one FlowTable uses), so status and flow membership cannot disagree.
 */
export function packetRow(packet: FlowPacket, flowId: number, scratch = new DecodedIpPacket()): PacketRow {
  const base = { index: packet.index, tsMicros: packet.tsMicros, flowId };
  const s = decodePacket(packet.linkType, packet.data, packet.origLen, scratch);
  if (s.kind === 'ip') {
    const ported = s.transport === 'ports';
    return {
      ...base, status: 'ip', ipVersion: s.ipVersion, protocol: s.protocol, srcAddr: formatAddress(s.src), dstAddr: formatAddress(s.dst),
      srcPort: ported ? s.srcPort : undefined, dstPort: ported ? s.dstPort : undefined, ipLength: s.ipLength,
      tcpFlags: s.tcpFlags >= 0 ? s.tcpFlags : undefined,
    };
  }
  if (s.kind === 'undecodable') return { ...base, status: 'undecodable' };
  const link = locateNetworkLayer(packet.linkType, packet.data);
  if (link.ok && link.etherType === ETHERTYPE_ARP) return { ...base, status: 'arp', ...arpAddresses(packet.data, link.offset) };
  return { ...base, status: 'non-ip' };
}

/** Suricata's `proto` text for the IP protocols it names (eve.json), the number as text otherwise. */
const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'ICMP'], [2, 'IGMP'], [6, 'TCP'], [17, 'UDP'], [41, 'IPv6'], [47, 'GRE'], [50, 'ESP'], [51, 'AH'],
  [58, 'IPv6-ICMP'], [132, 'SCTP'], [136, 'UDPLite'],
]);

/** Suricata's `proto` text for an IP protocol number (firmware/src/jsonl.c has the same table). */
export function ipProtocolName(protocol: number): string {
  return PROTOCOL_NAMES.get(protocol) ?? String(protocol);
}

/** `proto` of a packet row: the IP protocol's name, "ARP" for ARP, undefined for other frames. */
export function protocolName(row: PacketRow): string | undefined {
  if (row.status === 'arp') return 'ARP';
  if (row.protocol === undefined) return undefined;
  return ipProtocolName(row.protocol);
}
