/**
 * Streaming readers: a file or a Node stream is read in chunks into one sliding buffer, so
 * memory stays at about one chunk plus the largest block (MAX_BUFFERED_BLOCK), however large
 * the capture. Parsing is the same CaptureParser the in-memory reader uses.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ByteWindow } from './byte-window.js';
import { CaptureParser } from './capture-parser.js';
import { END, NEED_MORE } from './format-reader.js';
import type { Packet } from './packet.js';

/** Options for the streaming readers; all optional. */
export interface ReadCaptureOptions {
  /** Bytes per read from the file or stream; default 1 MiB. Tiny values are for tests. */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK_SIZE = 1 << 20;

/** Something to pull bytes from: resolves to the count written into `into[at..]`, 0 at the end. */
interface ChunkSource {
  read(into: Uint8Array, at: number, max: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Packets of the pcap or pcapng file at `path`, in file order. Each packet's `data` is its own
 * copy. On a corrupt or truncated file the iterator yields every packet before the fault, then
 * throws PcapError. Breaking out of the loop closes the file.
 */
export function readCaptureFile(path: string, options: ReadCaptureOptions = {}): AsyncGenerator<Packet, void, undefined> {
  // Returned, not delegated with yield*: each extra async-generator layer costs ~40% throughput.
  return drive(fileSource(path), options);
}

/**
 * Packets from a Node Readable (or any async iterable of byte chunks) carrying a pcap or pcapng
 * capture; same contract as readCaptureFile. Breaking out of the loop destroys the stream.
 */
export function readCaptureStream(stream: AsyncIterable<Uint8Array>, options: ReadCaptureOptions = {}): AsyncGenerator<Packet, void, undefined> {
  return drive(iterableSource(stream), options);
}

/** Opens the file on the first read, so a missing file surfaces from the iterator, as other errors do. */
function fileSource(path: string): ChunkSource {
  let handle: FileHandle | null = null;
  return {
    async read(into, at, max) {
      handle ??= await open(path, 'r');
      return (await handle.read(into, at, max, null)).bytesRead;
    },
    async close() {
      await handle?.close();
    },
  };
}

function iterableSource(stream: AsyncIterable<Uint8Array>): ChunkSource {
  const chunks = stream[Symbol.asyncIterator]();
  let chunk: Uint8Array = new Uint8Array(0);
  let pos = 0;
  return {
    async read(into, at, max) {
      while (pos >= chunk.length) {
        const r = await chunks.next();
        if (r.done === true) return 0;
        if (!(r.value instanceof Uint8Array)) throw new TypeError('capture stream must yield bytes, not strings or objects');
        chunk = r.value;
        pos = 0;
      }
      const n = Math.min(max, chunk.length - pos);
      into.set(chunk.subarray(pos, pos + n), at);
      pos += n;
      return n;
    },
    async close() {
      await chunks.return?.();
    },
  };
}

async function* drive(source: ChunkSource, options: ReadCaptureOptions): AsyncGenerator<Packet, void, undefined> {
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const w = new ByteWindow(new Uint8Array(chunkSize), 0, false);
  const parser = new CaptureParser(true);
  try {
    for (;;) {
      const step = parser.next(w);
      if (step === END) return;
      if (step === NEED_MORE) await refill(w, source, chunkSize);
      else yield step;
    }
  } finally {
    await source.close();
  }
}

/** Reads until `w.wanted` bytes from w.start are buffered or the input ends. */
async function refill(w: ByteWindow, source: ChunkSource, chunkSize: number): Promise<void> {
  // A parser asking for bytes it already has would spin here forever on microtasks (timers
  // never fire, so no watchdog could stop it): fail loudly instead.
  if (w.available >= w.wanted) throw new Error(`pcap reader bug: asked for ${w.wanted} bytes with ${w.available} buffered at byte ${w.fileOffset}`);
  if (w.start + w.wanted > w.bytes.length) {
    // Slide unread bytes to the front; grow only when one block needs more than the buffer.
    // The parsers cap `wanted` (MAX_BUFFERED_BLOCK), so growth is bounded.
    w.compactInto(w.wanted > w.bytes.length ? new Uint8Array(w.wanted) : w.bytes);
  }
  while (w.available < w.wanted) {
    const n = await source.read(w.bytes, w.end, Math.min(chunkSize, w.bytes.length - w.end));
    if (n === 0) {
      w.eof = true;
      return;
    }
    w.end += n;
  }
}
