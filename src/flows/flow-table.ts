/**
 * Groups packets into bidirectional flows and emits each flow's statistics when it ends.
 * Memory is bounded by the live flows (at most `maxFlows`) plus the fragment map, whatever the
 * capture's size. Rules (key, direction, timeout, TCP close, eviction): docs/flows-format.md.
 */
import type { Packet } from '../pcap/index.js';
import { decodePacket } from './decode-packet.js';
import { flowKey, fragmentKey, keyPartsOf, KEY_NO_PORTS, sourceIsLower, type FlowKeyParts } from './flow-key.js';
import type { FlowEndReason, FlowRecord } from './flow-record.js';
import { FlowState } from './flow-state.js';
import { FragmentMap } from './fragment-map.js';
import { DecodedIpPacket, type IpPacketSummary } from './packet-summary.js';

/** The Packet fields flows use; tests and other sources can build these directly. */
export type FlowPacket = Pick<Packet, 'index' | 'tsMicros' | 'linkType' | 'data' | 'origLen'>;

/** All optional. */
export interface FlowTableOptions {
  /** A flow ends when no packet joined it for more than this many seconds. Default 120. */
  readonly idleTimeoutSeconds?: number;
  /** Live flows at most; a new flow beyond it ends the least recently active one (`evicted`). Default 1,000,000. */
  readonly maxFlows?: number;
}

export const DEFAULT_IDLE_TIMEOUT_SECONDS = 120;
export const DEFAULT_MAX_FLOWS = 1_000_000;
/** Distinct keys of FlowCounters.unflowedReasons at most; later new reasons count under OTHER_REASON. */
export const MAX_REASON_KEYS = 64;
export const OTHER_REASON = 'other';

/** What happened to the packets given to a table. packets = flowed + nonIp + undecodable. */
export interface FlowCounters {
  packets: number;
  /** Packets that joined a flow. */
  flowed: number;
  /** Frames whose link layer carries something other than IP (ARP, LLDP, ...). */
  nonIp: number;
  /** Frames with a broken or unsupported link layer, or IP/transport headers cut off or malformed. */
  undecodable: number;
  /** Packets not flowed, by reason (UNFLOWED in packet-summary.ts, or "link layer: ..."); at most MAX_REASON_KEYS + 1 keys. */
  readonly unflowedReasons: Map<string, number>;
  /** Flows opened so far. */
  flows: number;
  /** Flows ended, by reason; `evicted` counts the flows the maxFlows cap pushed out. */
  readonly ended: Record<FlowEndReason, number>;
  /** Non-first fragments whose first fragment was not seen: flowed without ports. */
  orphanFragments: number;
  /** Packets stamped earlier than their flow's previous packet; counted at that packet's time. */
  outOfOrder: number;
}

/** The options with defaults applied, the timeout in µs; throws RangeError on a bad value. */
export function checkFlowTableOptions(options: FlowTableOptions): { idleMicros: number; maxFlows: number } {
  const idle = options.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  const max = options.maxFlows ?? DEFAULT_MAX_FLOWS;
  if (!(idle >= 0 && Number.isFinite(idle))) throw new RangeError(`idleTimeoutSeconds must be a finite number >= 0, got ${idle}`);
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`maxFlows must be an integer >= 1, got ${max}`);
  return { idleMicros: Math.round(idle * 1e6), maxFlows: max };
}

export class FlowTable {
  readonly counters: FlowCounters = {
    packets: 0,
    flowed: 0,
    nonIp: 0,
    undecodable: 0,
    unflowedReasons: new Map(),
    flows: 0,
    ended: { fin: 0, rst: 0, idle: 0, evicted: 0, end: 0 },
    orphanFragments: 0,
    outOfOrder: 0,
  };
  private readonly idleMicros: number;
  private readonly maxFlows: number;
  private readonly live = new Map<string, FlowState>();
  // Recency list through FlowState.prev/next: a packet moves its flow to the newest end, so
  // idle flows and the eviction victim are always at the oldest end.
  private oldest: FlowState | null = null;
  private newest: FlowState | null = null;
  private readonly fragments = new FragmentMap();
  private readonly parts: FlowKeyParts = { kind: 0, srcPort: 0, dstPort: 0 };
  private readonly decoded = new DecodedIpPacket(); // reused for every packet
  private clock = 0; // timestamp of the packet being added, µs
  private srcLower = true; // set by flowFor: whether the packet's source is the key's first endpoint

  /** `onFlow` receives each flow as it ends: in order of ending, not of flowId. */
  constructor(
    private readonly onFlow: (flow: FlowRecord) => void,
    options: FlowTableOptions = {},
  ) {
    ({ idleMicros: this.idleMicros, maxFlows: this.maxFlows } = checkFlowTableOptions(options));
  }

  /** Flows currently open. */
  get liveFlows(): number {
    return this.live.size;
  }

  /** Adds one packet, in capture order. Returns the flowId it joined, or -1 when it joins none. */
  add(packet: FlowPacket): number {
    const c = this.counters;
    c.packets += 1;
    const s = decodePacket(packet.linkType, packet.data, packet.origLen, this.decoded);
    if (s.kind !== 'ip') {
      if (s.kind === 'non-ip') c.nonIp += 1;
      else c.undecodable += 1;
      // Link-layer reasons carry numbers (lengths, EtherTypes, address families): cap the keys.
      const key = c.unflowedReasons.has(s.reason) || c.unflowedReasons.size < MAX_REASON_KEYS ? s.reason : OTHER_REASON;
      c.unflowedReasons.set(key, (c.unflowedReasons.get(key) ?? 0) + 1);
      return -1;
    }
    this.clock = packet.tsMicros;
    this.expireIdle();
    const flow = this.flowFor(s, packet);
    let micros = packet.tsMicros;
    if (micros < flow.lastMicros) {
      c.outOfOrder += 1;
      micros = flow.lastMicros;
    }
    c.flowed += 1;
    const end = flow.add(micros, packet.index, this.srcLower === flow.forwardIsLower, s);
    if (end !== null) this.end(flow, end);
    return flow.id;
  }

  /** Ends every live flow (`end`), in flowId order. The table stays usable: later packets open new flows. */
  flush(): void {
    const open: FlowState[] = [];
    for (let f = this.oldest; f !== null; f = f.next) open.push(f);
    open.sort((a, b) => a.id - b.id);
    for (const f of open) this.end(f, 'end');
    this.fragments.clear();
  }

  /** The live flow `s` joins (opened, or re-opened after an idle gap, when needed). */
  private flowFor(s: IpPacketSummary, packet: FlowPacket): FlowState {
    let key: string;
    let srcPort: number;
    let dstPort: number;
    const first = s.transport === 'fragment' ? this.fragments.find(fragmentKey(s), this.clock) : undefined;
    if (first !== undefined) {
      key = first.flowKey;
      this.srcLower = first.srcLower;
      srcPort = first.srcPort;
      dstPort = first.dstPort;
    } else {
      if (s.transport === 'fragment') this.counters.orphanFragments += 1;
      const parts = keyPartsOf(s, this.parts);
      this.srcLower = sourceIsLower(s, parts.srcPort, parts.dstPort);
      key = flowKey(s, parts, this.srcLower);
      srcPort = s.transport === 'icmp' ? s.icmpType : parts.kind === KEY_NO_PORTS ? 0 : parts.srcPort;
      dstPort = s.transport === 'icmp' ? s.icmpCode : parts.kind === KEY_NO_PORTS ? 0 : parts.dstPort;
      if (s.fragmentId >= 0 && s.transport !== 'fragment') {
        const micros = this.clock;
        this.fragments.remember(fragmentKey(s), { flowKey: key, srcLower: this.srcLower, srcPort, dstPort, micros });
      }
    }
    let flow = this.live.get(key);
    if (flow !== undefined && this.idle(flow)) {
      this.end(flow, 'idle'); // out-of-order timestamps can leave an idle flow behind the list's oldest end
      flow = undefined;
    }
    if (flow === undefined) return this.open(key, s, srcPort, dstPort, packet);
    this.touch(flow);
    return flow;
  }

  private open(key: string, s: IpPacketSummary, srcPort: number, dstPort: number, packet: FlowPacket): FlowState {
    if (this.live.size >= this.maxFlows) this.end(this.oldest!, 'evicted');
    const flow = new FlowState(this.counters.flows, key, this.srcLower, s, srcPort, dstPort, packet.tsMicros, packet.index);
    this.counters.flows += 1;
    this.live.set(key, flow);
    this.append(flow);
    return flow;
  }

  private expireIdle(): void {
    while (this.oldest !== null && this.idle(this.oldest)) this.end(this.oldest, 'idle');
  }

  /**
   * A gap longer than the idle timeout ends a flow in either direction of time: captures merged
   * from different days jump back, and their flows must not continue the earlier ones.
   */
  private idle(flow: FlowState): boolean {
    return Math.abs(this.clock - flow.lastMicros) > this.idleMicros;
  }

  private end(flow: FlowState, reason: FlowEndReason): void {
    this.unlink(flow);
    this.live.delete(flow.key);
    this.counters.ended[reason] += 1;
    this.onFlow(flow.record(reason));
  }

  private touch(flow: FlowState): void {
    if (flow === this.newest) return;
    this.unlink(flow);
    this.append(flow);
  }

  private append(flow: FlowState): void {
    flow.prev = this.newest;
    flow.next = null;
    if (this.newest !== null) this.newest.next = flow;
    else this.oldest = flow;
    this.newest = flow;
  }

  private unlink(flow: FlowState): void {
    if (flow.prev !== null) flow.prev.next = flow.next;
    else this.oldest = flow.next;
    if (flow.next !== null) flow.next.prev = flow.prev;
    else this.newest = flow.prev;
    flow.prev = flow.next = null;
  }
}
