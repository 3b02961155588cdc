/**
 * What the alert layer knows about one packet besides the model's verdict: its flow id,
 * addresses, ports, protocol and TCP flags as the engine decoded them (its packet metadata, the
 * values `run`'s lines and pce-sense print), bytes on the wire, and whether it is a server
 * refusing a login (the "failed-login" evidence of docs/alerts-format.md).
 */
import type { PacketMeta } from '../features/packet-meta.js';
import type { FlowPacket } from '../flows/flow-table.js';
import { decodePacket } from '../flows/decode-packet.js';
import { packetRow, type PacketRow } from '../flows/packet-row.js';
import { DecodedIpPacket } from '../flows/packet-summary.js';

/** The login refusals recognised in a server's first payload bytes. */
export type LoginRefusal = 'FTP 530' | 'HTTP 401' | 'MQTT refused' | 'POP3 -ERR' | 'Telnet incorrect';

export interface PacketFacts extends PacketRow {
  /** Bytes on the wire (the capture's original length). */
  readonly bytes: number;
  /** A server's login refusal carried by this packet, if any. */
  readonly refusal?: LoginRefusal;
}

const FTP = 21, TELNET = 23, POP3 = 110, MQTT = 1883;
const HTTP_PORTS = new Set([80, 8000, 8080, 8888]);
/** The source ports loginRefusal reads a payload from. */
const REFUSAL_PORTS = new Set([FTP, TELNET, POP3, MQTT, ...HTTP_PORTS]);
const IPPROTO_TCP = 6;
const MQTT_CONNACK = 0x20;

/** True when `frame[at..]` starts with the ASCII text `s`. */
function startsWith(frame: Uint8Array, at: number, s: string): boolean {
  if (frame.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (frame[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** The refusal in a TCP payload sent from `srcPort`, by the service's own words (RFC 959 530, RFC 9110 401, MQTT CONNACK code != 0). */
export function loginRefusal(frame: Uint8Array, payloadAt: number, srcPort: number): LoginRefusal | undefined {
  if (payloadAt >= frame.length) return undefined;
  if (srcPort === FTP && startsWith(frame, payloadAt, '530')) return 'FTP 530';
  if (srcPort === POP3 && startsWith(frame, payloadAt, '-ERR')) return 'POP3 -ERR';
  if (HTTP_PORTS.has(srcPort) && (startsWith(frame, payloadAt, 'HTTP/1.1 401') || startsWith(frame, payloadAt, 'HTTP/1.0 401'))) return 'HTTP 401';
  if (srcPort === MQTT && frame[payloadAt] === MQTT_CONNACK && frame[payloadAt + 1] === 2 && (frame[payloadAt + 3] ?? 0) !== 0) return 'MQTT refused';
  if (srcPort === TELNET && startsWith(frame, payloadAt, 'Login incorrect')) return 'Telnet incorrect';
  return undefined;
}

/**
 * Locates packets: `meta` (Engine.packetMeta() right after the packet was pushed) gives the
 * location; src/flows' decoder adds ARP addresses and the TCP payload a refusal is read from. A
 * packet is 'ip' exactly when the engine found its two addresses. Facts carry no `ipLength`
 * (nothing that reads facts needs it).
 */
export class PacketLocator {
  private readonly scratch = new DecodedIpPacket();

  facts(p: FlowPacket, meta: PacketMeta | undefined): PacketFacts {
    if (meta === undefined) return this.unlocated(p);
    // The engine located it and formatted its addresses: only a packet that can carry a refusal
    // (TCP from a service port) is decoded again here, for its payload offset.
    const refusal = meta.protocol === IPPROTO_TCP && meta.srcPort !== undefined && REFUSAL_PORTS.has(meta.srcPort) ? this.refusal(p, meta.srcPort) : undefined;
    return {
      index: p.index, tsMicros: p.tsMicros, flowId: meta.flowId, status: 'ip', ipVersion: meta.ipVersion, protocol: meta.protocol,
      srcAddr: meta.srcAddr, dstAddr: meta.dstAddr, srcPort: meta.srcPort, dstPort: meta.dstPort, tcpFlags: meta.tcpFlags, bytes: p.origLen, refusal,
    };
  }

  /** Not located by the engine: the full row (ARP addresses, the status of other frames). */
  private unlocated(p: FlowPacket): PacketFacts {
    const row = packetRow(p, -1, this.scratch);
    if (row.status === 'ip') return { index: p.index, tsMicros: p.tsMicros, flowId: -1, status: 'undecodable', bytes: p.origLen };
    return { ...row, bytes: p.origLen };
  }

  /** The login refusal in the TCP payload of `p`, sent from `srcPort`. */
  private refusal(p: FlowPacket, srcPort: number): LoginRefusal | undefined {
    const s = this.scratch;
    if (decodePacket(p.linkType, p.data, p.origLen, s).kind !== 'ip' || s.transportAt + 13 >= p.data.length) return undefined;
    return loginRefusal(p.data, s.transportAt + (p.data[s.transportAt + 12]! >> 4) * 4, srcPort);
  }
}
