/** One finished flow, as the flow table emits it. Column by column in docs/flows-format.md. */

/**
 * Why a flow ended. `fin`: both sides sent FIN and the last one was acknowledged. `rst`: a TCP
 * reset. `idle`: no packet for the idle timeout. `evicted`: the table was full and this was its
 * least recently active flow. `end`: the capture ended with the flow still open.
 */
export type FlowEndReason = 'fin' | 'rst' | 'idle' | 'evicted' | 'end';

/** Summary of a set of values; std is the population standard deviation (divides by n). */
export interface Spread {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

/** Statistics of one direction of a flow. */
export interface DirectionStats {
  readonly packets: number;
  /** Sum of IP lengths (headers included, link layer excluded). */
  readonly bytes: number;
  /** Sum of bytes after the transport header (the whole IP payload when there is none). */
  readonly payloadBytes: number;
  /** IP length per packet; null when this direction has no packet. */
  readonly length: Spread | null;
  /** Mean gap between consecutive packets of this direction, µs; null below 2 packets. */
  readonly iatMeanMicros: number | null;
  /** Unscaled TCP window of this direction's first packet with a TCP header; null when none. */
  readonly initWindow: number | null;
}

/** Packets of the flow (both directions) with each TCP flag set. */
export interface TcpFlagCounts {
  readonly fin: number;
  readonly syn: number;
  readonly rst: number;
  readonly psh: number;
  readonly ack: number;
  readonly urg: number;
  readonly ece: number;
  readonly cwr: number;
}

export interface FlowRecord {
  /** 0-based, in the order of each flow's first packet. */
  readonly flowId: number;
  /** File indexes (Packet.index) of the first and last packet. */
  readonly firstPacket: number;
  readonly lastPacket: number;
  /** Timestamp of the first packet, µs since the Unix epoch. */
  readonly startMicros: number;
  /** Last packet's timestamp minus the first's, µs. */
  readonly durationMicros: number;
  readonly endReason: FlowEndReason;
  readonly ipVersion: 4 | 6;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...). */
  readonly protocol: number;
  /** Forward direction: that of the flow's first packet. Addresses as text (RFC 5952 for IPv6). */
  readonly srcAddr: string;
  readonly dstAddr: string;
  /** Ports of the first packet; ICMP type and code for ICMP; 0 for protocols without ports. */
  readonly srcPort: number;
  readonly dstPort: number;
  readonly fwd: DirectionStats;
  readonly bwd: DirectionStats;
  /** Gaps between consecutive packets of the flow, either direction, µs; null below 2 packets. */
  readonly iat: Spread | null;
  readonly tcpFlags: TcpFlagCounts;
  /** Packets and bytes (both directions) per second of duration; null when the duration is 0. */
  readonly packetsPerSecond: number | null;
  readonly bytesPerSecond: number | null;
}
