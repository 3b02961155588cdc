/**
 * The engine's packet metadata record (docs/engine-abi.md, "Packet metadata"): where the last
 * packet given to pce_extract / pce_push_packet goes and its flow id, read from the same Wasm
 * every host runs (Node, the browser page, firmware's C), so every output names a packet alike.
 * A host pushing its own features writes the source address there instead, which is what keys
 * per-source windows ("Windows per source"). Offsets mirror assembly/features/constants.ts (META_*).
 */
import type { EngineExports } from '../engine-exports.js';
import { formatAddress } from '../flows/address-text.js';

/** Bytes of the record. */
export const META_BYTES = 48;
const IP_VERSION = 0, PROTO = 1, FLAGS = 2, TCP_FLAGS = 3, SRC_PORT = 4, DST_PORT = 6, FLOW_LO = 8, FLOW_HI = 12;
const SRC_ADDR = 16, DST_ADDR = 32;
const HAS_PORTS = 1, HAS_TCP_FLAGS = 2;

/** A packet's place in the network, as the engine decoded it. */
export interface PacketMeta {
  /** 4 or 6 (only packets whose two addresses were captured have metadata). */
  readonly ipVersion: 4 | 6;
  /** IPv4 protocol / last IPv6 next header. */
  readonly protocol: number;
  /** Addresses as text: dotted quad, or RFC 5952 (docs/run-format.md). */
  readonly srcAddr: string;
  readonly dstAddr: string;
  /** TCP and UDP ports, when captured. */
  readonly srcPort?: number;
  readonly dstPort?: number;
  /** TCP flags byte, when captured. */
  readonly tcpFlags?: number;
  /** Hash of the direction-independent 5-tuple, 1..2^53-1 (docs/engine-abi.md). */
  readonly flowId: number;
}

/**
 * Where a packet the host pushes itself comes from, for a model with windows per source: the IP
 * version and the source address in network byte order, 4 bytes for IPv4, 16 for IPv6.
 */
export interface SourceAddress {
  readonly ipVersion: 4 | 6;
  readonly address: Uint8Array;
}

/** Reads the record after each packet call. The view stays valid: packet calls never grow memory. */
export class PacketMetaReader {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(x: EngineExports) {
    const p = x.pce_packet_meta_ptr();
    this.view = new DataView(x.memory.buffer, p, META_BYTES);
    this.bytes = new Uint8Array(x.memory.buffer, p, META_BYTES);
  }

  /**
   * The record of a packet the host pushes itself: IP version and source address, every other byte
   * 0 (the engine writes IPv4 addresses zero-padded too, and the window key compares all 16 bytes);
   * null: no address, all zero. Throws RangeError when the address length does not match the version.
   */
  writeSource(s: SourceAddress | null): void {
    const n = s === null ? 0 : s.ipVersion === 4 ? 4 : s.ipVersion === 6 ? 16 : -1;
    if (s !== null && (n < 0 || s.address.length !== n)) {
      throw new RangeError(`source address: expected ipVersion 4 with 4 bytes or 6 with 16, got ipVersion ${s.ipVersion} with ${s.address.length} bytes`);
    }
    this.bytes.fill(0);
    if (s === null) return;
    this.bytes[IP_VERSION] = s.ipVersion;
    this.bytes.set(s.address, SRC_ADDR);
  }

  /** The last packet's metadata, or undefined when it had no captured IP addresses. */
  read(): PacketMeta | undefined {
    const v = this.view;
    const version = v.getUint8(IP_VERSION);
    if (version !== 4 && version !== 6) return undefined;
    const n = version === 4 ? 4 : 16;
    const flags = v.getUint8(FLAGS);
    const ports = (flags & HAS_PORTS) !== 0;
    return {
      ipVersion: version,
      protocol: v.getUint8(PROTO),
      srcAddr: formatAddress(this.bytes.subarray(SRC_ADDR, SRC_ADDR + n)),
      dstAddr: formatAddress(this.bytes.subarray(DST_ADDR, DST_ADDR + n)),
      srcPort: ports ? v.getUint16(SRC_PORT, true) : undefined,
      dstPort: ports ? v.getUint16(DST_PORT, true) : undefined,
      tcpFlags: (flags & HAS_TCP_FLAGS) !== 0 ? v.getUint8(TCP_FLAGS) : undefined,
      flowId: v.getUint32(FLOW_HI, true) * 2 ** 32 + v.getUint32(FLOW_LO, true),
    };
  }
}
