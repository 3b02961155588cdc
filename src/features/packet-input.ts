/**
 * Hands one captured frame to an engine instance (docs/engine-abi.md,
 * "Packet input"): copies it into the packet buffer and splits the timestamp
 * into the (ts_lo, ts_hi) halves of a signed 64-bit microsecond count. No
 * allocation per packet; the buffer view stays valid because packet calls
 * never grow memory.
 */
import type { EngineExports } from '../engine-exports.js';

/** Bytes per feature vector (feature version 1). */
export const FEATURE_COUNT = 128;

const TWO_32 = 2 ** 32;

export class PacketInput {
  /** Longest frame the engine takes; longer ones are cut to this (origLen keeps the wire length). */
  readonly capacity: number;
  private readonly buf: Uint8Array;
  private readonly feats: Uint8Array;
  private len = 0;
  private lo = 0;
  private hi = 0;
  private orig = 0;

  constructor(private readonly x: EngineExports) {
    this.capacity = x.pce_packet_capacity();
    this.buf = new Uint8Array(x.memory.buffer, x.pce_packet_buf_ptr(), this.capacity);
    this.feats = new Uint8Array(x.memory.buffer, x.pce_features_ptr(), FEATURE_COUNT);
  }

  /** pce_extract: features only. Returns the decode status (>= 0) or a negative engine error. */
  extract(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number): number {
    this.stage(bytes, tsMicros, linkType, origLen);
    return this.x.pce_extract(this.len, linkType, this.lo, this.hi, this.orig);
  }

  /** pce_push_packet: features, then the model. Class index or a negative engine error. */
  push(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number): number {
    this.stage(bytes, tsMicros, linkType, origLen);
    return this.x.pce_push_packet(this.len, linkType, this.lo, this.hi, this.orig);
  }

  /** The last packet's features: into `out` when given, else a new Uint8Array(128). */
  features(out?: Uint8Array): Uint8Array {
    if (!out) return this.feats.slice();
    out.set(this.feats);
    return out;
  }

  private stage(bytes: Uint8Array, tsMicros: number, linkType: number, origLen: number | undefined): void {
    if (!Number.isSafeInteger(tsMicros)) throw new RangeError(`tsMicros must be a safe integer, got ${tsMicros}`);
    if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffffffff) throw new RangeError(`bad link type ${linkType}`);
    const len = Math.min(bytes.length, this.capacity);
    this.buf.set(len === bytes.length ? bytes : bytes.subarray(0, len));
    this.len = len;
    const lo = ((tsMicros % TWO_32) + TWO_32) % TWO_32;
    this.lo = lo | 0;
    this.hi = (tsMicros - lo) / TWO_32;
    // The wire length is at least what was captured (broken files may say less).
    this.orig = Math.min(Math.max(origLen ?? bytes.length, bytes.length), 0xffffffff) >>> 0;
  }
}
