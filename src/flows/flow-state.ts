/**
 * The accumulators of one live flow, and the record they become when it ends. Fed by FlowTable,
 * which decides which flow a packet joins and in which direction.
 */
import { formatAddress } from './address-text.js';
import type { DirectionStats, FlowEndReason, FlowRecord } from './flow-record.js';
import type { IpPacketSummary } from './packet-summary.js';
import { TCP_ACK, TCP_FIN, TCP_RST } from './protocols.js';
import { RunningStats } from './running-stats.js';

class DirectionAccumulator {
  packets = 0;
  bytes = 0;
  payloadBytes = 0;
  readonly length = new RunningStats();
  lastMicros = 0;
  iatSumMicros = 0; // over packets - 1 gaps
  initWindow = -1;

  add(micros: number, s: IpPacketSummary): void {
    if (this.packets > 0) this.iatSumMicros += micros - this.lastMicros;
    this.lastMicros = micros;
    this.packets += 1;
    this.bytes += s.ipLength;
    this.payloadBytes += s.payloadLength;
    this.length.push(s.ipLength);
    if (this.initWindow < 0 && s.tcpWindow >= 0) this.initWindow = s.tcpWindow;
  }

  stats(): DirectionStats {
    return {
      packets: this.packets,
      bytes: this.bytes,
      payloadBytes: this.payloadBytes,
      length: this.length.spread(),
      iatMeanMicros: this.packets > 1 ? this.iatSumMicros / (this.packets - 1) : null,
      initWindow: this.initWindow < 0 ? null : this.initWindow,
    };
  }
}

/** What ending a TCP flow on a packet depends on: the FINs seen so far. */
const FIN_FORWARD = 1;
const FIN_BACKWARD = 2;

export class FlowState {
  // Links of the table's recency list: least recently active first.
  prev: FlowState | null = null;
  next: FlowState | null = null;

  private readonly fwd = new DirectionAccumulator();
  private readonly bwd = new DirectionAccumulator();
  private readonly iat = new RunningStats();
  private readonly flagCounts = [0, 0, 0, 0, 0, 0, 0, 0]; // bit 0 (FIN) ... bit 7 (CWR)
  private finsSeen = 0; // FIN_FORWARD | FIN_BACKWARD
  private secondFinForward = false; // direction of the FIN that completed finsSeen
  private readonly srcAddr: Uint8Array;
  private readonly dstAddr: Uint8Array;
  readonly protocol: number;
  readonly startMicros: number;
  lastMicros: number;
  private lastPacket: number;

  constructor(
    readonly id: number,
    readonly key: string,
    /** Whether the forward source is the endpoint written first in the key. */
    readonly forwardIsLower: boolean,
    first: IpPacketSummary,
    /** Ports of the first packet, or ICMP type and code; 0 for protocols without ports. */
    private readonly srcPort: number,
    private readonly dstPort: number,
    micros: number,
    private readonly firstPacket: number,
  ) {
    this.srcAddr = first.src.slice(); // copies: the summary and the frame are reused
    this.dstAddr = first.dst.slice();
    this.protocol = first.protocol;
    this.startMicros = micros;
    this.lastMicros = micros;
    this.lastPacket = firstPacket;
  }

  /**
   * Adds one packet; returns the reason the flow ends with it (TCP RST, or the acknowledgement
   * of the second FIN), else null. `micros` must not be below lastMicros: the table clamps it.
   */
  add(micros: number, index: number, forward: boolean, s: IpPacketSummary): FlowEndReason | null {
    // The first packet also goes through here: its gap is not a gap.
    if (this.fwd.packets + this.bwd.packets > 0) this.iat.push(micros - this.lastMicros);
    (forward ? this.fwd : this.bwd).add(micros, s);
    this.lastMicros = micros;
    this.lastPacket = index;
    const flags = s.tcpFlags;
    if (flags < 0) return null;
    for (let bit = 0; bit < 8; bit++) if ((flags & (1 << bit)) !== 0) this.flagCounts[bit]! += 1;
    if ((flags & TCP_RST) !== 0) return 'rst';
    if (this.finsSeen === (FIN_FORWARD | FIN_BACKWARD)) {
      // The final ACK comes from the side that did not send the second FIN.
      if ((flags & TCP_ACK) !== 0 && forward !== this.secondFinForward) return 'fin';
      return null;
    }
    if ((flags & TCP_FIN) !== 0) {
      this.finsSeen |= forward ? FIN_FORWARD : FIN_BACKWARD;
      this.secondFinForward = forward;
    }
    return null;
  }

  record(endReason: FlowEndReason): FlowRecord {
    const packets = this.fwd.packets + this.bwd.packets;
    const bytes = this.fwd.bytes + this.bwd.bytes;
    const durationMicros = this.lastMicros - this.startMicros;
    const c = this.flagCounts;
    return {
      flowId: this.id,
      firstPacket: this.firstPacket,
      lastPacket: this.lastPacket,
      startMicros: this.startMicros,
      durationMicros,
      endReason,
      ipVersion: this.srcAddr.length === 4 ? 4 : 6,
      protocol: this.protocol,
      srcAddr: formatAddress(this.srcAddr),
      dstAddr: formatAddress(this.dstAddr),
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      fwd: this.fwd.stats(),
      bwd: this.bwd.stats(),
      iat: this.iat.spread(),
      tcpFlags: { fin: c[0]!, syn: c[1]!, rst: c[2]!, psh: c[3]!, ack: c[4]!, urg: c[5]!, ece: c[6]!, cwr: c[7]! },
      packetsPerSecond: durationMicros > 0 ? packets / (durationMicros / 1e6) : null,
      bytesPerSecond: durationMicros > 0 ? bytes / (durationMicros / 1e6) : null,
    };
  }
}
