/**
 * A closed episode as an alert: the record eve lines, the summary, the HTML report and the web
 * page all print (docs/alerts-format.md).
 */
import { protocolName } from '../flows/packet-row.js';
import { episodeClass, type Episode } from './episodes.js';
import { evidenceSentence } from './evidence.js';

/** Local signature ids (Suricata reserves 1000000-1999999 for local rules): SID_BASE + class index. */
export const SID_BASE = 1_000_000;
/** Concepts listed per alert. */
export const ALERT_CONCEPTS = 3;

/** Suricata classification (classification.config name, its description and priority) per class name. */
const CATEGORIES: Readonly<Record<string, { category: string; severity: number }>> = {
  'DoS': { category: 'Attempted Denial of Service', severity: 2 },
  'Reconnaissance': { category: 'Detection of a Network Scan', severity: 3 },
  'Brute Force': { category: 'Attempted User Privilege Gain', severity: 1 },
};
const OTHER = { category: 'Misc activity', severity: 3 };

export interface AlertConcept {
  readonly mission: string;
  readonly concept: string;
  /** Mean activation above baseline over the episode's explained packets. */
  readonly delta: number;
}

export interface Alert {
  readonly episode: number;
  readonly classIndex: number;
  readonly className: string;
  readonly signatureId: number;
  readonly category: string;
  readonly severity: number;
  /** The episode's first packet (attacking side -> attacked side): addresses, ports, protocol, flow. */
  readonly srcIp: string;
  readonly srcPort?: number;
  readonly destIp: string;
  readonly destPort?: number;
  readonly proto: string;
  readonly flowId: number;
  /** 0-based index of the episode's first packet. */
  readonly firstIndex: number;
  readonly firstMicros: number;
  readonly lastMicros: number;
  readonly host: string;
  readonly packets: number;
  readonly bytes: number;
  readonly peers: number;
  readonly ports: number;
  readonly topPeers: readonly string[];
  readonly topPorts: readonly number[];
  /** Mean probability per class (model order) over the episode's packets. */
  readonly probs: readonly number[];
  readonly concepts: readonly AlertConcept[];
  readonly evidence: string;
}

export function alertOf(e: Episode, classes: readonly string[]): Alert {
  const cls = episodeClass(e);
  const name = classes[cls]!;
  const { category, severity } = CATEGORIES[name] ?? OTHER;
  const f = e.first;
  const topPeers = e.peers.top(5).map(([p]) => p);
  const concepts = [...e.concepts.values()]
    .map((t) => ({ mission: t.mission, concept: t.concept, delta: t.sum / t.packets }))
    .sort((a, b) => b.delta - a.delta)
    .slice(0, ALERT_CONCEPTS);
  return {
    episode: e.id, classIndex: cls, className: name, signatureId: SID_BASE + cls, category, severity,
    srcIp: f.srcAddr!, srcPort: f.srcPort, destIp: f.dstAddr!, destPort: f.dstPort, proto: protocolName(f) ?? 'IP', flowId: f.flowId,
    firstIndex: f.index, firstMicros: f.tsMicros, lastMicros: e.last.tsMicros, host: e.host,
    packets: e.packets, bytes: e.bytes, peers: e.peers.counts.size, ports: e.ports.counts.size,
    topPeers, topPorts: e.ports.top(5).map(([p]) => p),
    probs: e.probSums.map((s) => s / e.packets), concepts, evidence: evidenceSentence(e),
  };
}
