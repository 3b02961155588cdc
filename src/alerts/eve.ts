/**
 * Suricata eve.json-compatible alert lines (docs/alerts-format.md, version 1): the common
 * section and `alert` object as Suricata writes them, plus a `packetclip` object with the episode.
 */
import { round6 } from '../run/jsonl.js';
import type { Alert } from './alert.js';

export const ALERTS_FORMAT_VERSION = 1;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Suricata's timestamp: ISO 8601 with microseconds and a numeric UTC offset ("2017-04-07T22:24:37.251547+0000"). */
export function eveTimestamp(tsMicros: number): string {
  const us = ((tsMicros % 1_000_000) + 1_000_000) % 1_000_000;
  const d = new Date((tsMicros - us) / 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(us, 6)}+0000`;
}

/** One eve line (no newline). `classes`: the model's class names, for the probabilities. */
export function formatEveAlert(a: Alert, classes: readonly string[], captureName?: string): string {
  const probs: Record<string, number> = {};
  classes.forEach((c, i) => (probs[c] = Number(round6(a.probs[i]!))));
  const line = {
    timestamp: eveTimestamp(a.firstMicros),
    flow_id: a.flowId,
    pcap_cnt: a.firstIndex + 1,
    ...(captureName !== undefined ? { pcap_filename: captureName } : {}),
    event_type: 'alert',
    src_ip: a.srcIp,
    ...(a.srcPort !== undefined ? { src_port: a.srcPort } : {}),
    dest_ip: a.destIp,
    ...(a.destPort !== undefined ? { dest_port: a.destPort } : {}),
    proto: a.proto,
    alert: {
      action: 'allowed', gid: 1, signature_id: a.signatureId, rev: 1,
      signature: `PacketCLIP ${a.className} episode`, category: a.category, severity: a.severity,
    },
    packetclip: {
      version: ALERTS_FORMAT_VERSION,
      episode: a.episode,
      class: a.className,
      host: a.host,
      first: eveTimestamp(a.firstMicros),
      last: eveTimestamp(a.lastMicros),
      duration: Number(((a.lastMicros - a.firstMicros) / 1e6).toFixed(6)),
      packets: a.packets,
      bytes: a.bytes,
      peers: a.peers,
      ports: a.ports,
      top_peers: a.topPeers,
      top_ports: a.topPorts,
      probs,
      concepts: a.concepts.map((c) => ({ mission: c.mission, concept: c.concept, delta: Number(round6(c.delta)) })),
      evidence: a.evidence,
    },
  };
  return JSON.stringify(line);
}
