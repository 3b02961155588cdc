import type { ByteWindow } from './byte-window.js';
import type { Packet } from './packet.js';

/** The parser needs `window.wanted` bytes from `window.start` before it can go on. */
export const NEED_MORE: unique symbol = Symbol('need more bytes');
/** Input ended cleanly on a record or block boundary. */
export const END: unique symbol = Symbol('end of capture');

export type Step = Packet | typeof NEED_MORE | typeof END;

/**
 * One file format's parser, positioned after the file header (pcap) or at the first block
 * (pcapng). `next` consumes exactly one packet (possibly after skipping non-packet blocks)
 * and returns it, or returns NEED_MORE without losing its place, or END. It never returns
 * NEED_MORE once the window is at eof: it throws PcapError instead, so no reader can hang.
 */
export interface FormatReader {
  next(w: ByteWindow, index: number): Step;
}

/**
 * The captured bytes at `w.bytes[from, from + length)`: a view for the in-memory reader, a copy
 * for the streaming reader, whose buffer is overwritten by the next refill.
 */
export function packetBytes(w: ByteWindow, from: number, length: number, copy: boolean): Uint8Array {
  return copy ? w.bytes.slice(from, from + length) : w.bytes.subarray(from, from + length);
}
