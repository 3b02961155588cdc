import { ByteWindow } from './byte-window.js';
import { CaptureParser } from './capture-parser.js';
import { END, NEED_MORE } from './format-reader.js';
import type { Packet } from './packet.js';

/**
 * Packets of a pcap or pcapng capture already in memory, in file order, synchronously.
 * Each packet's `data` is a view into `bytes` (no copy). On a corrupt or truncated file the
 * iterator yields every packet before the fault, then throws PcapError.
 */
export function* parseCaptureBytes(bytes: Uint8Array): Generator<Packet, void, undefined> {
  const w = new ByteWindow(bytes, bytes.length, true);
  const parser = new CaptureParser(false);
  for (;;) {
    const step = parser.next(w);
    if (step === END) return;
    // Unreachable: at eof the parsers throw PcapError rather than ask for more.
    if (step === NEED_MORE) throw new Error(`pcap reader bug: asked for input past the end at byte ${w.fileOffset}`);
    yield step;
  }
}
