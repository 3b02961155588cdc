import { PcapError } from './errors.js';

/**
 * Largest captured length accepted: libpcap's and Wireshark's maximum snap length (262144).
 * A larger value in a record header is corruption, and refusing it keeps the streaming
 * reader's buffer bounded instead of allocating whatever a damaged header claims.
 */
export const MAX_CAPLEN = 256 * 1024;

/**
 * How far a captured length may exceed the file's or interface's snap length. Some writers
 * put a nominal snaplen in the header (65535) and still store longer segmentation-offload
 * frames, so the check allows one more 64 KiB; beyond that the header is damaged.
 */
export const SNAPLEN_SLACK = 64 * 1024;

/**
 * Largest pcapng block the reader buffers whole (section and interface headers, packet
 * blocks): a MAX_CAPLEN packet plus 64 KiB of options. Other block types are skipped
 * without buffering, whatever their length.
 */
export const MAX_BUFFERED_BLOCK = MAX_CAPLEN + 64 * 1024;

/**
 * Most interface description blocks one pcapng section may hold. The reader keeps every
 * interface of the current section (a packet may name any of them), so without a bound a file
 * of nothing but IDBs grows memory with its size. Real writers use a few (dumpcap: one per
 * capture interface; merged files: tens). 4096 of them take well under 1 MiB.
 */
export const MAX_INTERFACES = 4096;

/** Throws when `capLen` from the header at `offset` is too large to be real. */
export function checkCapLen(capLen: number, snapLen: number, where: string, offset: number): void {
  if (capLen > MAX_CAPLEN) {
    throw new PcapError(offset, `absurd captured length in ${where}`, `${capLen} bytes exceeds the ${MAX_CAPLEN}-byte limit`);
  }
  if (snapLen > 0 && capLen > snapLen + SNAPLEN_SLACK) {
    throw new PcapError(offset, `absurd captured length in ${where}`, `${capLen} bytes exceeds snaplen ${snapLen} by more than ${SNAPLEN_SLACK}`);
  }
}
