/**
 * Writing a command's output so that a failed write is an error the caller sees, not a crash:
 * a Writable reports EPIPE (the reader of a pipe went away, `| head -1`) or ENOSPC (`-o
 * /dev/full`) both to the write's callback and as an 'error' event, and an 'error' event
 * nobody listens to ends Node with a stack trace. console.log, worse, drops such errors.
 */
import type { Writable } from 'node:stream';

const guarded = new WeakSet<Writable>();

/**
 * Gives `out` a listener that swallows 'error' events, once per stream: every write made
 * through writeChunk learns of the error from its callback instead.
 */
export function guardOutput(out: Writable): void {
  if (guarded.has(out)) return;
  guarded.add(out);
  out.on('error', () => {});
}

/** Writes `chunk` to `out`; resolves once it is handed to the system, rejects with the write error. */
export function writeChunk(out: Writable, chunk: string | Uint8Array): Promise<void> {
  guardOutput(out);
  return new Promise((resolve, reject) => {
    out.write(chunk, (e?: Error | null) => (e ? reject(e) : resolve()));
  });
}

/** Ends `out` (a file stream the caller opened): resolves once everything is written, else rejects. */
export function endOutput(out: Writable): Promise<void> {
  guardOutput(out);
  return new Promise((resolve, reject) => {
    out.end((e?: Error | null) => (e ? reject(e) : resolve()));
  });
}

/** True for a failed write to a pipe whose reader went away (EPIPE: `packetclip run x.pcap | head -1`). */
export function isBrokenPipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** True for an error from writing (not opening) a file or stream: ENOSPC, EIO, EPIPE... */
export function isWriteError(e: unknown): e is NodeJS.ErrnoException {
  return (e as NodeJS.ErrnoException | null)?.syscall === 'write';
}
