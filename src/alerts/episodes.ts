/**
 * Alert episodes (docs/alerts-format.md, "Episodes"): per host, a packet counts for an attack
 * class when the model's probability of that class reaches its threshold; an episode opens on a
 * host when k of the last n packets involving it (as source or destination, within the quiet
 * period) count, takes every later counted packet of that host or its peers, and closes once no
 * packet counted for the quiet period. Memory: one window of n slots per host with a counted
 * packet in the last quiet period (at most MAX_HOSTS), and per open episode its distinct peers,
 * ports and flows (at most MAX_DISTINCT each).
 */
import type { ConceptDelta } from '../run/explain.js';
import type { LoginRefusal, PacketFacts } from './packet-facts.js';
import { BENIGN_CLASS, Q15_ONE, type Thresholds } from './thresholds.js';

/** Hosts with a live window at most; beyond it the least recently opened window is dropped. */
export const MAX_HOSTS = 100_000;
/** Distinct peers, ports and flows an episode remembers; beyond it counts say "at least". */
export const MAX_DISTINCT = 4096;

/** One classified packet, as the tracker needs it. */
export interface Verdict {
  readonly facts: PacketFacts;
  /** Class probabilities in the model's class order. */
  readonly probs: ArrayLike<number>;
  /** Engine decode status: a packet that did not decode fully never counts. */
  readonly status: number;
}

/** A concept's activation summed over an episode's packets. */
export interface ConceptTotal {
  readonly mission: string;
  readonly concept: string;
  sum: number;
  packets: number;
}

/** A map that stops taking new keys at MAX_DISTINCT (and says so). */
export class CappedCounter<K> {
  readonly counts = new Map<K, number>();
  full = false;
  add(key: K, by = 1): void {
    const n = this.counts.get(key);
    if (n !== undefined) this.counts.set(key, n + by);
    else if (this.counts.size < MAX_DISTINCT) this.counts.set(key, by);
    else this.full = true;
  }
  /** Keys by count, largest first (ties: first seen first). */
  top(k: number): [K, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, k);
  }
}

/** An episode: open while packets count, an alert once closed. Everything counts packets that counted. */
export interface Episode {
  /** 1-based, in order of opening. */
  readonly id: number;
  /** The host the episode opened on (the k-of-n window that filled). */
  readonly host: string;
  /** True when the host sent the episode's first packet (it is the attacking side), false when it received it. */
  /** `first`: the first opening packet (SYN without ACK, or not TCP) of the window that opened the episode, else its first packet. */
  readonly hostIsSource: boolean;
  readonly first: PacketFacts;
  last: PacketFacts;
  packets: number;
  bytes: number;
  /** Per class (model order): packets that counted for it, and the sum of its probability over all the episode's packets. */
  readonly classPackets: number[];
  readonly probSums: number[];
  /** Other endpoints, by packets. */
  readonly peers: CappedCounter<string>;
  /** Destination ports of packets from the attacking side (TCP, UDP), by packets. */
  readonly ports: CappedCounter<number>;
  /** Flows of packets from the attacking side, by packets: a flow is one connection attempt. */
  readonly flows: CappedCounter<number>;
  /** Packets from the attacking side by transport: TCP, TCP with SYN and without ACK, UDP, ICMP. */
  tcp: number;
  synOnly: number;
  udp: number;
  icmp: number;
  /** Login refusals sent by the target side (FTP 530, HTTP 401, ...). */
  readonly refusals: CappedCounter<LoginRefusal>;
  /** Concept activations above baseline, per mission/concept, over the packets run --explain'ed. */
  readonly concepts: Map<string, ConceptTotal>;
}

/** The class an episode reports: the one most of its packets counted for (first in model order on a tie). */
export function episodeClass(e: Episode): number {
  let best = 0;
  for (let c = 1; c < e.classPackets.length; c++) if (e.classPackets[c]! > e.classPackets[best]!) best = c;
  return best;
}

interface Slot {
  readonly v: Verdict;
  readonly cls: number;
  readonly concepts: readonly ConceptDelta[] | undefined;
}

/** A host's last n packets: a slot per packet, null for one that did not count. */
class HostWindow {
  readonly slots: (Slot | null)[];
  private at = 0;
  newestMicros = 0;
  constructor(n: number) {
    this.slots = new Array<Slot | null>(n).fill(null);
  }
  push(s: Slot | null, micros: number): void {
    this.slots[this.at] = s;
    this.at = (this.at + 1) % this.slots.length;
    if (s !== null) this.newestMicros = micros;
  }
  /** Counted packets no older than `since`. */
  count(since: number): number {
    let n = 0;
    for (const s of this.slots) if (s !== null && s.v.facts.tsMicros >= since) n++;
    return n;
  }
  /** Counted packets no older than `since`, oldest first. */
  live(since: number): Slot[] {
    const out: Slot[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[(this.at + i) % this.slots.length]!;
      if (s !== null && s.v.facts.tsMicros >= since) out.push(s);
    }
    return out;
  }
}

/** Per-class Q15 thresholds in model order; Benign and unknown classes never count. */
function thresholdsByIndex(classes: readonly string[], t: Thresholds): number[] {
  return classes.map((c) => (c === BENIGN_CLASS ? Infinity : t.classQ15.get(c) ?? Infinity));
}

export class EpisodeTracker {
  private readonly thr: number[];
  private readonly windows = new Map<string, HostWindow>();
  private readonly open = new Map<string, Episode>();
  /** Peer address -> the open episode it is a peer of (the latest one). */
  private readonly peerOf = new Map<string, Episode>();
  private nextId = 1;
  private lastSweep = -Infinity;
  /** Episodes opened so far. */
  opened = 0;

  constructor(
    readonly classes: readonly string[],
    readonly thresholds: Thresholds,
    private readonly onClose: (e: Episode) => void,
  ) {
    this.thr = thresholdsByIndex(classes, thresholds);
  }

  /** The attack class `probs` count for (the most probable one over its threshold), or -1. */
  countedClass(probs: ArrayLike<number>): number {
    let best = -1;
    for (let c = 0; c < this.thr.length; c++) {
      if (Math.round(probs[c]! * Q15_ONE) >= this.thr[c]! && (best < 0 || probs[c]! > probs[best]!)) best = c;
    }
    return best;
  }

  /**
   * Adds one packet in capture order; returns the class it counted for, or -1. `explain` is called
   * only for a packet that counts, while the engine still holds it. Episodes quiet for longer than
   * the quiet period are closed first (onClose).
   */
  push(v: Verdict, explain?: (cls: number) => readonly ConceptDelta[] | undefined): number {
    const f = v.facts;
    this.closeQuiet(f.tsMicros);
    if (f.status !== 'ip' || f.srcAddr === undefined || f.dstAddr === undefined) return -1;
    const cls = v.status === 0 ? this.countedClass(v.probs) : -1;
    if (cls < 0) {
      // A server's refusal is evidence even when the model did not flag the packet carrying it.
      if (f.refusal !== undefined) (this.open.get(f.srcAddr) ?? this.open.get(f.dstAddr))?.refusals.add(f.refusal);
      this.windows.get(f.srcAddr)?.push(null, f.tsMicros);
      this.windows.get(f.dstAddr)?.push(null, f.tsMicros);
      return -1;
    }
    const slot: Slot = { v, cls, concepts: explain?.(cls) };
    const ep = this.open.get(f.srcAddr) ?? this.open.get(f.dstAddr) ?? this.sameClassPeer(f.dstAddr, cls) ?? this.sameClassPeer(f.srcAddr, cls);
    if (ep !== undefined) {
      this.add(ep, slot);
      return cls;
    }
    const since = f.tsMicros - this.thresholds.quietMicros;
    for (const host of [f.srcAddr, f.dstAddr]) {
      const w = this.window(host);
      w.push(slot, f.tsMicros);
      if (w.count(since) >= this.thresholds.k) {
        this.openOn(host, w.live(since));
        break;
      }
    }
    return cls;
  }

  /** Closes every open episode (end of input, or a stop), in order of opening. */
  flush(): void {
    for (const [host, e] of [...this.open].sort((a, b) => a[1].id - b[1].id)) this.close(host, e);
  }

  /**
   * The open episode `addr` is a peer of, when the packet counted for that episode's class: a
   * second attacker on the same target, or the target answering, joins the first attacker's
   * episode instead of opening its own.
   */
  private sameClassPeer(addr: string, cls: number): Episode | undefined {
    const e = this.peerOf.get(addr);
    return e !== undefined && episodeClass(e) === cls ? e : undefined;
  }

  private close(host: string, e: Episode): void {
    this.open.delete(host);
    for (const p of e.peers.counts.keys()) if (this.peerOf.get(p) === e) this.peerOf.delete(p);
    this.onClose(e);
  }

  /** Episodes open now. */
  get openEpisodes(): number {
    return this.open.size;
  }

  private window(host: string): HostWindow {
    let w = this.windows.get(host);
    if (w === undefined) {
      if (this.windows.size >= MAX_HOSTS) this.windows.delete(this.windows.keys().next().value!);
      w = new HostWindow(this.thresholds.n);
      this.windows.set(host, w);
    }
    return w;
  }

  /** Closes the episodes quiet at capture time `now` (also called by a live feed's wall-clock timer). */
  closeQuiet(now: number): void {
    const quiet = this.thresholds.quietMicros;
    // Runs for every packet: values(), not entries(), so no [key, value] pair is made per episode.
    for (const e of this.open.values()) {
      if (now - e.last.tsMicros > quiet) this.close(e.host, e);
    }
    // Windows whose newest counted packet is older than the quiet period can never fill: drop them.
    if (now - this.lastSweep > quiet) {
      this.lastSweep = now;
      for (const [host, w] of this.windows) if (now - w.newestMicros > quiet) this.windows.delete(host);
    }
  }

  private openOn(host: string, slots: Slot[]): void {
    // The episode reads attacker -> target from its first packet that opens something (a TCP SYN
    // without ACK, or any non-TCP packet); a target's answer can come first in the window.
    const first = (slots.find((s) => s.v.facts.protocol !== 6 || ((s.v.facts.tcpFlags ?? 0) & 0x12) === 0x02) ?? slots[0]!).v.facts;
    const C = this.classes.length;
    const e: Episode = {
      id: this.nextId++, host, hostIsSource: first.srcAddr === host, first, last: first, packets: 0, bytes: 0,
      classPackets: new Array<number>(C).fill(0), probSums: new Array<number>(C).fill(0),
      peers: new CappedCounter(), ports: new CappedCounter(), flows: new CappedCounter(),
      tcp: 0, synOnly: 0, udp: 0, icmp: 0, refusals: new CappedCounter(), concepts: new Map(),
    };
    this.opened++;
    this.windows.delete(host);
    this.open.set(host, e);
    for (const s of slots) this.add(e, s);
  }

  private add(e: Episode, s: Slot): void {
    const f = s.v.facts;
    e.last = f;
    e.packets++;
    e.bytes += f.bytes;
    e.classPackets[s.cls]!++;
    for (let c = 0; c < e.probSums.length; c++) e.probSums[c]! += s.v.probs[c]!;
    // The peer is the endpoint that is not the episode's host (for a packet that joined through a
    // peer, the packet's other endpoint: a second attacker or the target's other side).
    const peer = f.srcAddr === e.host ? f.dstAddr! : f.dstAddr === e.host ? f.srcAddr! : this.peerOf.get(f.dstAddr!) === e ? f.srcAddr! : f.dstAddr!;
    e.peers.add(peer);
    if (e.peers.counts.has(peer)) this.peerOf.set(peer, e);
    const fromAttacker = e.hostIsSource ? f.srcAddr === e.host : f.dstAddr === e.host;
    if (fromAttacker) {
      if (f.dstPort !== undefined) e.ports.add(f.dstPort);
      if (f.flowId >= 0) e.flows.add(f.flowId);
      if (f.protocol === 6) {
        e.tcp++;
        if (f.tcpFlags !== undefined && (f.tcpFlags & 0x12) === 0x02) e.synOnly++;
      } else if (f.protocol === 17) e.udp++;
      else if (f.protocol === 1 || f.protocol === 58) e.icmp++;
    }
    if (f.refusal !== undefined) e.refusals.add(f.refusal);
    if (s.concepts !== undefined) this.addConcepts(e, s.concepts);
  }

  private addConcepts(e: Episode, concepts: readonly ConceptDelta[]): void {
    for (const d of concepts) {
      const key = `${d.mission}\u0000${d.concept}`;
      const t = e.concepts.get(key);
      if (t === undefined) e.concepts.set(key, { mission: d.mission, concept: d.concept, sum: d.delta, packets: 1 });
      else {
        t.sum += d.delta;
        t.packets++;
      }
    }
  }
}
