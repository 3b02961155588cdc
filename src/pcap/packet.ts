/** One captured packet, as the engine and the CLI consume it. */
export interface Packet {
  /** 0-based position in the file, counting packets only (not headers or other blocks). */
  readonly index: number;
  /** Microseconds since the Unix epoch, rounded toward -inf; exact while below 2^53 (year 2255). */
  readonly tsMicros: number;
  /** Nanoseconds since the Unix epoch, exact (finer resolutions are rounded toward -inf). */
  readonly tsNanos: bigint;
  /** Whole seconds since the Unix epoch (floor), the exact integer part of the timestamp. */
  readonly tsSec: number;
  /** Nanoseconds within `tsSec`, 0..999_999_999. */
  readonly tsNsec: number;
  /** LINKTYPE_* value of the interface this packet came from; see link-types.ts. */
  readonly linkType: number;
  /** Captured length: `data.length`. */
  readonly capLen: number;
  /** Length on the wire; may exceed capLen when the capture used a snap length. */
  readonly origLen: number;
  /**
   * The captured bytes. From `parseCaptureBytes` this is a view into the caller's buffer;
   * from the streaming readers it is a copy the caller owns.
   */
  readonly data: Uint8Array;
  /** Byte offset in the file of this packet's record header (pcap) or block (pcapng). */
  readonly fileOffset: number;
  /** pcapng interface id within its section; always 0 for classic pcap. */
  readonly interfaceId: number;
}

/**
 * The implementation the parsers build. tsNanos is a getter because a BigInt per packet costs
 * measurable throughput and most consumers only need tsMicros.
 */
export class CapturedPacket implements Packet {
  readonly tsMicros: number;

  constructor(
    readonly index: number,
    readonly tsSec: number,
    readonly tsNsec: number,
    readonly linkType: number,
    readonly capLen: number,
    readonly origLen: number,
    readonly data: Uint8Array,
    readonly fileOffset: number,
    readonly interfaceId: number,
  ) {
    this.tsMicros = tsSec * 1_000_000 + Math.floor(tsNsec / 1000);
  }

  get tsNanos(): bigint {
    return BigInt(this.tsSec) * 1_000_000_000n + BigInt(this.tsNsec);
  }
}
