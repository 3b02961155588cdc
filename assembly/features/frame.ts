/**
 * The frame being decoded: the packet buffer the host writes into, the
 * captured length, and big-endian reads that never look past it. A read at or
 * beyond the captured length returns 0 and sets `truncated` (docs/features.md,
 * "Decoding": a field whose bytes lie beyond the captured frame reads as 0).
 * Offsets are non-negative and below 2^20 everywhere they are formed, so the
 * unsigned compare below is the only bounds check the decoders need.
 */
import { PACKET_CAPACITY } from './constants';

/** PACKET_CAPACITY bytes: the host writes the frame here (pce_packet_buf_ptr). */
export const packetBuf: usize = memory.data(PACKET_CAPACITY, 16);

/** Captured length of the current frame, 0..PACKET_CAPACITY. */
export let frameLen: i32 = 0;
/** A field the decoders needed lay past the captured frame (flag 32 of feature 9). */
export let truncated = false;

/** Starts decoding a frame of `len` captured bytes (already bounded by the caller). */
export function beginFrame(len: i32): void {
  frameLen = len;
  truncated = false;
}

/** Records that bytes the packet declares (e.g. its IP total length) were not captured. */
export function markTruncated(): void {
  truncated = true;
}

/** True when bytes [o, o + n) are all captured. */
@inline export function has(o: i32, n: i32): bool {
  return <u32>o + <u32>n <= <u32>frameLen;
}

/** Byte at o, or 0 (and truncated) past the frame. */
export function u8at(o: i32): u32 {
  if (<u32>o < <u32>frameLen) return <u32>load<u8>(packetBuf + <usize>o);
  truncated = true;
  return 0;
}

/** Big-endian u16 at o; missing bytes read as 0. */
export function u16at(o: i32): u32 {
  return (u8at(o) << 8) | u8at(o + 1);
}
