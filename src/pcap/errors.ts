/**
 * The one error type the capture reader throws for bad bytes. Callers (the CLI, `packetclip run`)
 * catch it to report "packets 0..N-1 were processed, then the file broke at byte X", so every
 * message has the same shape: `<what> at byte <offset>: <detail>`.
 */
export class PcapError extends Error {
  override readonly name = 'PcapError';

  /**
   * @param offset byte offset in the file of the header, record or block at fault
   * @param what   short description of the fault, e.g. "truncated packet record"
   * @param detail the numbers behind it, e.g. "header says 1514 bytes, 200 remain"
   */
  constructor(
    readonly offset: number,
    readonly what: string,
    readonly detail: string,
  ) {
    super(`${what} at byte ${offset}: ${detail}`);
  }
}

/** "truncated <what> at byte <offset>: <claim>, <remain> remain", the one wording for cut-off input. */
export function truncatedError(offset: number, what: string, claim: string, remain: number): PcapError {
  return new PcapError(offset, `truncated ${what}`, `${claim}, ${remain} remain`);
}

/** Bytes as lower-case hex pairs separated by spaces ("0a 0d 0d 0a"), for messages. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
