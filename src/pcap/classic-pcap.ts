/**
 * Classic libpcap format: a 24-byte file header, then per packet a 16-byte record header and
 * the captured bytes. Byte order and timestamp unit come from the magic number.
 * Layout: draft-ietf-opsawg-pcap, sections 4 and 5.
 */
import type { ByteWindow } from './byte-window.js';
import { PcapError } from './errors.js';
import { END, NEED_MORE, packetBytes, type FormatReader, type Step } from './format-reader.js';
import { checkCapLen } from './limits.js';
import { CapturedPacket } from './packet.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4; // record timestamps are seconds + microseconds
export const PCAP_MAGIC_NANOS = 0xa1b23c4d; // record timestamps are seconds + nanoseconds

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
const NANOS_PER_SEC = 1_000_000_000;

/** Header fields a record needs; comments give the byte offset within the file header. */
interface ClassicHeader {
  readonly littleEndian: boolean; // magic (0) read little-endian matched
  readonly nanos: boolean; // magic was PCAP_MAGIC_NANOS
  readonly snapLen: number; // 16: largest captured length the writer promised (0 = unknown)
  readonly linkType: number; // 20: low 16 bits; the high bits carry FCS info we do not need
}

export class ClassicPcapReader implements FormatReader {
  private constructor(
    private readonly header: ClassicHeader,
    private readonly copyData: boolean,
  ) {}

  /** Reads the file header; null when more bytes are needed. The caller checked the magic. */
  static open(w: ByteWindow, copyData: boolean): ClassicPcapReader | null {
    if (!w.has(FILE_HEADER_LEN, 'pcap file header', `need ${FILE_HEADER_LEN} bytes`)) return null;
    const p = w.start;
    const magicLE = w.view.getUint32(p, true);
    const littleEndian = magicLE === PCAP_MAGIC_MICROS || magicLE === PCAP_MAGIC_NANOS;
    const magic = littleEndian ? magicLE : w.view.getUint32(p, false);
    const major = w.view.getUint16(p + 4, littleEndian);
    const minor = w.view.getUint16(p + 6, littleEndian);
    // Version 2.4 is the only one written since 1998; 1.x had a different record layout.
    if (major !== 2) throw new PcapError(w.fileOffset, 'unsupported pcap version', `${major}.${minor}, expected 2.x`);
    const header: ClassicHeader = {
      littleEndian,
      nanos: magic === PCAP_MAGIC_NANOS,
      snapLen: w.view.getUint32(p + 16, littleEndian),
      linkType: w.view.getUint32(p + 20, littleEndian) & 0xffff,
    };
    w.advance(FILE_HEADER_LEN);
    return new ClassicPcapReader(header, copyData);
  }

  next(w: ByteWindow, index: number): Step {
    if (w.eof && w.available === 0) return END;
    if (!w.has(RECORD_HEADER_LEN, 'packet record header', `need ${RECORD_HEADER_LEN} bytes`)) return NEED_MORE;
    const { littleEndian: le, nanos, snapLen, linkType } = this.header;
    const p = w.start;
    const capLen = w.view.getUint32(p + 8, le);
    checkCapLen(capLen, snapLen, 'packet record', w.fileOffset);
    if (!w.has(RECORD_HEADER_LEN + capLen, 'packet record', `header says ${capLen} bytes`, RECORD_HEADER_LEN)) {
      return NEED_MORE;
    }
    let sec = w.view.getUint32(p, le);
    const frac = w.view.getUint32(p + 4, le);
    let nsec = nanos ? frac : frac * 1000;
    // Some writers leave a fraction >= one second; carry it rather than reject the file.
    if (nsec >= NANOS_PER_SEC) {
      sec += Math.floor(nsec / NANOS_PER_SEC);
      nsec %= NANOS_PER_SEC;
    }
    const origLen = w.view.getUint32(p + 12, le);
    const data = packetBytes(w, p + RECORD_HEADER_LEN, capLen, this.copyData);
    const packet = new CapturedPacket(index, sec, nsec, linkType, capLen, origLen, data, w.fileOffset, 0);
    w.advance(RECORD_HEADER_LEN + capLen);
    return packet;
  }
}
