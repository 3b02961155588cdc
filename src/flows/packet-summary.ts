/**
 * What the flow table needs to know about one captured frame, decoded once. Spec of the rules:
 * docs/flows-format.md, "Decoding".
 */

export type PacketSummary = IpPacketSummary | UnflowedPacket;

/** A frame that joins no flow: not IP, or IP whose headers are cut off or malformed. */
export interface UnflowedPacket {
  readonly kind: 'non-ip' | 'undecodable';
  /** Why, in a few words, e.g. "IPv4 header length below 20 bytes". */
  readonly reason: string;
}

/**
 * How far the transport layer was decoded. `ports`: TCP, UDP, UDP-Lite or SCTP, with ports.
 * `icmp`: ICMP or ICMPv6, with type and code. `none`: another protocol (GRE, ESP, IP-in-IP...),
 * keyed by addresses only. `fragment`: a non-first fragment, whose transport header travelled
 * in the first fragment.
 */
export type TransportKind = 'ports' | 'icmp' | 'none' | 'fragment';

export interface IpPacketSummary {
  readonly kind: 'ip';
  readonly ipVersion: 4 | 6;
  /** Upper-layer protocol: for IPv6, the one the extension header chain ends in. */
  readonly protocol: number;
  /** The frame decoded; the addresses are read from it. */
  readonly frame: Uint8Array;
  /** Offset in `frame` of the source address; the destination address follows it. */
  readonly srcAt: number;
  /** 4 (IPv4) or 16 (IPv6). */
  readonly addrLength: 4 | 16;
  /** Source and destination address: views into the frame, made on each read. */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Bytes of the IP datagram as its header declares them (IPv4 total length; IPv6 40 + payload length). */
  readonly ipLength: number;
  /** Bytes after the transport header; the whole IP payload for `none` and `fragment`. */
  readonly payloadLength: number;
  readonly transport: TransportKind;
  /** Ports for `ports`, else 0. */
  readonly srcPort: number;
  readonly dstPort: number;
  /** ICMP type and code for `icmp`, else -1. */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** Identifier of an ICMP request/reply pair (echo, timestamp, ...), else -1. */
  readonly icmpId: number;
  /** TCP flag byte (FIN 0x01 ... CWR 0x80) and unscaled window, -1 when there is no TCP header. */
  readonly tcpFlags: number;
  readonly tcpWindow: number;
  /** IP identification of a fragment (16 bits IPv4, 32 bits IPv6), -1 when not fragmented. */
  readonly fragmentId: number;
  /** Fragment offset in bytes; 0 for the first fragment and for unfragmented packets. */
  readonly fragmentOffset: number;
  /** More-fragments flag. */
  readonly moreFragments: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * The decoders' output, filled field by field. The flow table reuses one instance for every
 * packet: a fresh object per packet (plus two address views) was most of the decoder's cost.
 */
export class DecodedIpPacket implements IpPacketSummary {
  readonly kind = 'ip';
  ipVersion: 4 | 6 = 4;
  protocol = 0;
  frame: Uint8Array = EMPTY;
  srcAt = 0;
  addrLength: 4 | 16 = 4;
  ipLength = 0;
  payloadLength = 0;
  transport: TransportKind = 'none';
  srcPort = 0;
  dstPort = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpId = -1;
  tcpFlags = -1;
  tcpWindow = -1;
  fragmentId = -1;
  fragmentOffset = 0;
  moreFragments = false;
  /** Offset of the first byte after all IP headers, and the bytes the IP header declares from there. */
  transportAt = 0;
  transportLength = 0;

  get src(): Uint8Array {
    return this.frame.subarray(this.srcAt, this.srcAt + this.addrLength);
  }

  get dst(): Uint8Array {
    return this.frame.subarray(this.srcAt + this.addrLength, this.srcAt + 2 * this.addrLength);
  }
}

/** Every reason a frame is not flowed, so counters have a bounded set of keys. */
export const UNFLOWED = {
  nonIp: 'not IP (ARP, LLDP, ...)',
  versionMismatch: 'IP version nibble does not match the link layer',
  ipv4Truncated: 'IPv4 header cut off',
  ipv4BadIhl: 'IPv4 header length below 20 bytes',
  ipv4BadTotalLength: 'IPv4 total length below header length',
  ipv6Truncated: 'IPv6 header cut off',
  ipv6ExtensionTruncated: 'IPv6 extension header cut off',
  ipv6ExtensionOverrun: 'IPv6 extension headers longer than the payload',
  ipv6TooManyExtensions: 'more than 16 IPv6 extension headers',
  transportTruncated: 'transport header cut off',
  transportOverrun: 'transport header longer than the IP payload',
  tcpBadDataOffset: 'TCP data offset below 5',
} as const;
