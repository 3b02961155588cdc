import { truncatedError } from './errors.js';

/**
 * The bytes a parser may look at: `bytes[start, end)` hold the file from `fileOffset` on.
 * The in-memory reader wraps the whole input once (eof = true); the streaming reader slides
 * and refills one buffer. Parsers only ever move `start` forward, through `advance`, so both
 * readers share every line of parsing code.
 */
export class ByteWindow {
  bytes: Uint8Array;
  view: DataView; // over exactly `bytes`, for multi-byte reads in either byte order
  start = 0; // first unread byte
  end: number; // one past the last buffered byte
  fileOffset = 0; // file offset of bytes[start]
  eof: boolean; // true once nothing will ever follow bytes[end - 1]
  /** After a parser asked for more: how many bytes from `start` it needs to make progress. */
  wanted = 0;

  constructor(bytes: Uint8Array, end: number, eof: boolean) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = end;
    this.eof = eof;
  }

  get available(): number {
    return this.end - this.start;
  }

  /**
   * True when `n` bytes from `start` are buffered. Otherwise, at end of input this throws
   * "truncated <what> at byte <fileOffset>: <claim>, <available - skipped> remain"; before
   * it, it records `wanted = n` and returns false so the parser can ask for more.
   * `skipped` leaves already-read header bytes out of the "remain" count.
   */
  has(n: number, what: string, claim: string, skipped = 0): boolean {
    if (this.end - this.start >= n) return true;
    if (this.eof) throw truncatedError(this.fileOffset, what, claim, Math.max(0, this.end - this.start - skipped));
    this.wanted = n;
    return false;
  }

  advance(n: number): void {
    this.start += n;
    this.fileOffset += n;
  }

  /** Moves the unread bytes to the front of `into`, which is either the current buffer or a larger one. */
  compactInto(into: Uint8Array): void {
    const count = this.end - this.start;
    if (into === this.bytes) {
      into.copyWithin(0, this.start, this.end);
    } else {
      into.set(this.bytes.subarray(this.start, this.end), 0);
      this.bytes = into;
      this.view = new DataView(into.buffer, into.byteOffset, into.byteLength);
    }
    this.start = 0;
    this.end = count;
  }
}
