/**
 * Streaming readers: a file or a Node stream is read in chunks into one sliding buffer, so
 * memory stays at about one chunk plus the largest block (MAX_BUFFERED_BLOCK), however large
 * the capture. Parsing is the same CaptureParser the in-memory reader uses.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ByteWindow } from './byte-window.js';
import { CaptureParser } from './capture-parser.js';
import { END, NEED_MORE, type Step } from './format-reader.js';
import type { Packet } from './packet.js';

/** Options for the streaming readers; all optional. */
export interface ReadCaptureOptions {
  /** Bytes per read from the file or stream; default 1 MiB. Tiny values are for tests. */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK_SIZE = 1 << 20;
/**
 * Most packets per batch: enough to make the await per batch cheap, few enough that a batch and
 * what its consumer makes of it die young (a whole 1 MiB buffer's worth, ~7,000 packets and their
 * output lines, outlived the young generation: GC went from 7% to 20% of `packetclip run`).
 */
const BATCH_PACKETS = 256;

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
  // One async-generator step per packet (more per-packet layers cost ~40% throughput each); the
  // batches underneath take one step per buffer.
  return onePerStep(batches(fileSource(path), options, true));
}

/**
 * Packets from a Node Readable (or any async iterable of byte chunks) carrying a pcap or pcapng
 * capture; same contract as readCaptureFile. Breaking out of the loop destroys the stream.
 */
export function readCaptureStream(stream: AsyncIterable<Uint8Array>, options: ReadCaptureOptions = {}): AsyncGenerator<Packet, void, undefined> {
  return onePerStep(batches(iterableSource(stream), options, true));
}

/**
 * The packets of a file (`path`) or a stream, in batches: each batch holds every packet whose
 * bytes were buffered when it was parsed, so a live feed's packet comes out as soon as its bytes
 * arrived, and a file's come up to BATCH_PACKETS at a time, with one await per batch instead of one
 * per packet. Each packet's `data` is a view into the reader's buffer, valid only until the next
 * batch is asked for (no copy per packet): use it before, or copy it. Faults as readCaptureFile:
 * the packets before the fault come in a last batch, then PcapError.
 */
export function readCaptureBatches(input: string | AsyncIterable<Uint8Array>, options: ReadCaptureOptions = {}): AsyncGenerator<readonly Packet[], void, undefined> {
  return batches(typeof input === 'string' ? fileSource(input) : iterableSource(input), options, false);
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

/** The packets of `from`, one per step. */
async function* onePerStep(from: AsyncGenerator<readonly Packet[], void, undefined>): AsyncGenerator<Packet, void, undefined> {
  for await (const batch of from) for (const p of batch) yield p;
}

/** `copy`: each packet's data its own copy (else a view, see readCaptureBatches). */
async function* batches(source: ChunkSource, options: ReadCaptureOptions, copy: boolean): AsyncGenerator<readonly Packet[], void, undefined> {
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const w = new ByteWindow(new Uint8Array(chunkSize), 0, false);
  const parser = new CaptureParser(copy);
  try {
    for (;;) {
      const batch: Packet[] = [];
      let step: Step | undefined;
      try {
        while (batch.length < BATCH_PACKETS && typeof (step = parser.next(w)) === 'object') batch.push(step);
      } catch (e) {
        if (batch.length > 0) yield batch; // every packet before the fault, then the fault
        throw e;
      }
      if (batch.length > 0) yield batch;
      if (step === END) return;
      if (step === NEED_MORE) await refill(w, source, chunkSize);
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
