/**
 * Format detection plus packet numbering: the one parser both readers drive. It looks at the
 * first four bytes, hands the rest to the classic pcap or the pcapng reader, and counts packets.
 */
import type { ByteWindow } from './byte-window.js';
import { ClassicPcapReader, PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS } from './classic-pcap.js';
import { hexBytes, PcapError } from './errors.js';
import { NEED_MORE, type FormatReader, type Step } from './format-reader.js';
import { BLOCK_SHB, PcapngReader } from './pcapng.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * The format a file starting with these bytes has, or null. Reads the first four bytes,
 * in either byte order; fewer than four give null.
 */
export function detectCaptureFormat(head: Uint8Array): CaptureFormat | null {
  if (head.length < 4) return null;
  const v = new DataView(head.buffer, head.byteOffset, 4);
  const be = v.getUint32(0, false);
  const le = v.getUint32(0, true);
  if (be === BLOCK_SHB) return 'pcapng';
  for (const magic of [PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS]) if (be === magic || le === magic) return 'pcap';
  return null;
}

export class CaptureParser {
  /** Known once the first four bytes were seen. */
  format: CaptureFormat | null = null;
  private reader: FormatReader | null = null;
  private count = 0;

  /** @param copyData give each packet its own copy of its bytes (streaming) or a view (in memory) */
  constructor(private readonly copyData: boolean) {}

  /** Next packet, or NEED_MORE (see w.wanted), or END. Throws PcapError on bad input. */
  next(w: ByteWindow): Step {
    if (this.reader === null && !this.open(w)) return NEED_MORE;
    const step = this.reader!.next(w, this.count);
    if (typeof step === 'object') this.count += 1;
    return step;
  }

  private open(w: ByteWindow): boolean {
    if (w.eof && w.available === 0) {
      throw new PcapError(w.fileOffset, 'empty file', 'no pcap or pcapng header (0 bytes)');
    }
    if (!w.has(4, 'file header', 'need 4 bytes for the magic number')) return false;
    const head = w.bytes.subarray(w.start, w.start + 4);
    this.format = detectCaptureFormat(head);
    if (this.format === null) {
      const hex = hexBytes(head);
      throw new PcapError(
        w.fileOffset,
        `bad magic 0x${hex.replaceAll(' ', '')}`,
        `found bytes ${hex}; expected a pcap (a1 b2 c3 d4, a1 b2 3c 4d, either order) or pcapng (0a 0d 0d 0a) file`,
      );
    }
    this.reader = this.format === 'pcapng' ? new PcapngReader(this.copyData) : ClassicPcapReader.open(w, this.copyData);
    return this.reader !== null;
  }
}
