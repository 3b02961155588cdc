/**
 * pcapng: a sequence of blocks `[type u32][total length u32][body][total length u32]`, in the
 * byte order the enclosing section header block declares. Sections restart interface
 * numbering. Layout: draft-ietf-opsawg-pcapng (sections 3, 4.1-4.4 and 4.6 appendix A for PB).
 *
 * Blocks that carry packets (EPB, SPB, obsolete PB) and those that define how to read them
 * (SHB, IDB) are buffered whole and parsed; every other type (name resolution, statistics,
 * decryption secrets, custom, ...) is skipped by its length without being buffered.
 */
import type { ByteWindow } from './byte-window.js';
import { hexBytes, PcapError, truncatedError } from './errors.js';
import { END, NEED_MORE, packetBytes, type FormatReader, type Step } from './format-reader.js';
import { checkCapLen, MAX_BUFFERED_BLOCK, MAX_INTERFACES } from './limits.js';
import { CapturedPacket } from './packet.js';
import { MICROSECOND_RESOLUTION, resolutionFromOption, splitTimestamp, type SecNsec, type TsResolution } from './timestamp.js';

export const BLOCK_SHB = 0x0a0d0d0a; // a palindrome, so it reads the same in either byte order
export const BLOCK_IDB = 0x00000001;
export const BLOCK_PB = 0x00000002; // obsolete packet block, still written by old tools
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_HEADER_LEN = 8; // type + leading length
const BLOCK_TRAILER_LEN = 4; // trailing length
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest legal total length per parsed block type: header, fixed body fields, trailer. */
const MIN_LENGTH: ReadonlyMap<number, number> = new Map([
  [BLOCK_SHB, 28], // + byte-order magic, version, section length
  [BLOCK_IDB, 20], // + link type, reserved, snaplen
  [BLOCK_PB, 32], // + interface id, drops, timestamp, captured and original length
  [BLOCK_SPB, 16], // + original length
  [BLOCK_EPB, 32], // + interface id, timestamp, captured and original length
]);

const BLOCK_NAMES: ReadonlyMap<number, string> = new Map([
  [BLOCK_SHB, 'section header block'],
  [BLOCK_IDB, 'interface description block'],
  [BLOCK_PB, 'packet block'],
  [BLOCK_SPB, 'simple packet block'],
  [BLOCK_EPB, 'enhanced packet block'],
]);

function blockName(type: number): string {
  return BLOCK_NAMES.get(type) ?? `block of type 0x${type.toString(16).padStart(8, '0')}`;
}

/** What an interface description block says about its packets. */
interface PcapngInterface {
  readonly linkType: number;
  readonly snapLen: number; // 0 = no limit
  readonly resolution: TsResolution; // if_tsresol, default microseconds
  readonly tsOffsetSec: number; // if_tsoffset, added to every timestamp; default 0
}

/** Progress through a block being skipped; it may span many refills of the window. */
interface Skip {
  readonly offset: number; // file offset of the block
  readonly type: number;
  readonly length: number; // total length from the block header
  consumed: number; // bytes of the block already passed, header included
}

export class PcapngReader implements FormatReader {
  private littleEndian = true; // of the current section; set by each SHB
  private interfaces: PcapngInterface[] = [];
  private skip: Skip | null = null;
  private readonly ts: SecNsec = { sec: 0, nsec: 0 };
  // An SPB has no timestamp: it gets the previous packet's, so time never jumps back to 1970.
  private lastSec = 0;
  private lastNsec = 0;

  constructor(private readonly copyData: boolean) {}

  next(w: ByteWindow, index: number): Step {
    for (;;) {
      if (this.skip !== null && !this.continueSkip(w, this.skip)) return NEED_MORE;
      if (w.eof && w.available === 0) return END;
      if (!w.has(BLOCK_HEADER_LEN, 'block header', `need ${BLOCK_HEADER_LEN} bytes`)) return NEED_MORE;
      const type = w.view.getUint32(w.start, this.littleEndian);
      if (type === BLOCK_SHB) {
        // The byte order of the length field is only known after the byte-order magic.
        if (!w.has(12, blockName(type), 'need 12 bytes')) return NEED_MORE;
        this.littleEndian = readByteOrder(w);
      }
      const length = w.view.getUint32(w.start + 4, this.littleEndian);
      const minLength = MIN_LENGTH.get(type);
      checkBlockLength(w.fileOffset, type, length, minLength);
      if (minLength === undefined) {
        this.skip = { offset: w.fileOffset, type, length, consumed: BLOCK_HEADER_LEN };
        w.advance(BLOCK_HEADER_LEN);
        continue;
      }
      if (!w.has(length, blockName(type), `header says ${length} bytes`)) return NEED_MORE;
      this.checkTrailer(w, w.fileOffset, type, length, w.start + length - BLOCK_TRAILER_LEN);
      const packet = this.parseBlock(w, type, length, index);
      w.advance(length);
      if (packet !== null) return packet;
    }
  }

  /** Passes over the rest of a skipped block; false when more input is needed first. */
  private continueSkip(w: ByteWindow, s: Skip): boolean {
    const bodyEnd = s.length - BLOCK_TRAILER_LEN;
    const take = Math.min(bodyEnd - s.consumed, w.available);
    w.advance(take);
    s.consumed += take;
    if (s.consumed < bodyEnd || w.available < BLOCK_TRAILER_LEN) {
      if (w.eof) throw truncatedError(s.offset, blockName(s.type), `header says ${s.length} bytes`, s.consumed + w.available);
      w.wanted = s.consumed < bodyEnd ? 1 : BLOCK_TRAILER_LEN;
      return false;
    }
    this.checkTrailer(w, s.offset, s.type, s.length, w.start);
    w.advance(BLOCK_TRAILER_LEN);
    this.skip = null;
    return true;
  }

  private checkTrailer(w: ByteWindow, offset: number, type: number, length: number, at: number): void {
    const trailing = w.view.getUint32(at, this.littleEndian);
    if (trailing !== length) {
      throw new PcapError(offset, `block length mismatch in ${blockName(type)}`, `leading length ${length}, trailing length ${trailing}`);
    }
  }

  /** Parses a fully buffered block at w.start; returns its packet, or null for SHB/IDB. */
  private parseBlock(w: ByteWindow, type: number, length: number, index: number): CapturedPacket | null {
    const v = w.view;
    const p = w.start;
    const le = this.littleEndian;
    switch (type) {
      case BLOCK_SHB: {
        const major = v.getUint16(p + 12, le);
        const minor = v.getUint16(p + 14, le);
        if (major !== 1) throw new PcapError(w.fileOffset, 'unsupported pcapng version', `${major}.${minor}, expected 1.x`);
        this.interfaces = [];
        return null;
      }
      case BLOCK_IDB:
        // Each interface is kept for the rest of its section: a bound keeps memory bounded too.
        if (this.interfaces.length >= MAX_INTERFACES) {
          throw new PcapError(w.fileOffset, 'too many interfaces', `this section already defines ${MAX_INTERFACES}, the limit (MAX_INTERFACES)`);
        }
        this.interfaces.push(this.readInterface(w, length));
        return null;
      case BLOCK_EPB:
        return this.timestampedPacket(w, type, length, index, v.getUint32(p + 8, le));
      case BLOCK_PB:
        // Same layout as EPB but the interface id is 16 bits, followed by a 16-bit drop count.
        return this.timestampedPacket(w, type, length, index, v.getUint16(p + 8, le));
      default:
        return this.simplePacket(w, length, index);
    }
  }

  private readInterface(w: ByteWindow, length: number): PcapngInterface {
    const v = w.view;
    const le = this.littleEndian;
    let resolution = MICROSECOND_RESOLUTION;
    let tsOffsetSec = 0;
    const end = w.start + length - BLOCK_TRAILER_LEN;
    for (let p = w.start + 16; p + 4 <= end; ) {
      const code = v.getUint16(p, le);
      const len = v.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (p + 4 + len > end) {
        throw new PcapError(
          w.fileOffset,
          'bad option length in interface description block',
          `option ${code} at byte ${w.fileOffset + (p - w.start)} claims ${len} bytes, ${end - p - 4} remain`,
        );
      }
      if (code === OPT_IF_TSRESOL && len >= 1) resolution = resolutionFromOption(w.bytes[p + 4]!);
      if (code === OPT_IF_TSOFFSET && len >= 8) tsOffsetSec = Number(v.getBigInt64(p + 4, le));
      p += 4 + ((len + 3) & ~3); // option values are padded to 32 bits
    }
    return { linkType: v.getUint16(w.start + 8, le), snapLen: v.getUint32(w.start + 12, le), resolution, tsOffsetSec };
  }

  private interfaceOf(w: ByteWindow, type: number, id: number): PcapngInterface {
    const iface = this.interfaces[id];
    if (iface === undefined) {
      throw new PcapError(w.fileOffset, `unknown interface ${id} in ${blockName(type)}`, `the section defines ${this.interfaces.length} interface(s)`);
    }
    return iface;
  }

  /** EPB and PB: interface id, then at +12 timestamp high/low, captured and original length, data. */
  private timestampedPacket(w: ByteWindow, type: number, length: number, index: number, id: number): CapturedPacket {
    const v = w.view;
    const p = w.start;
    const le = this.littleEndian;
    const iface = this.interfaceOf(w, type, id);
    const capLen = v.getUint32(p + 20, le);
    checkCapLen(capLen, iface.snapLen, blockName(type), w.fileOffset);
    checkFits(w.fileOffset, type, capLen, length - 32);
    splitTimestamp(v.getUint32(p + 12, le), v.getUint32(p + 16, le), iface.resolution, this.ts);
    checkTimestamp(w.fileOffset, type, this.ts.sec + iface.tsOffsetSec, this.ts.nsec);
    this.lastSec = this.ts.sec + iface.tsOffsetSec;
    this.lastNsec = this.ts.nsec;
    const data = packetBytes(w, p + 28, capLen, this.copyData);
    return new CapturedPacket(index, this.lastSec, this.lastNsec, iface.linkType, capLen, v.getUint32(p + 24, le), data, w.fileOffset, id);
  }

  /** SPB: original length, data; the captured length is implied by interface 0's snaplen. */
  private simplePacket(w: ByteWindow, length: number, index: number): CapturedPacket {
    const iface = this.interfaceOf(w, BLOCK_SPB, 0);
    const origLen = w.view.getUint32(w.start + 8, this.littleEndian);
    const capLen = iface.snapLen > 0 && origLen > iface.snapLen ? iface.snapLen : origLen;
    checkCapLen(capLen, iface.snapLen, blockName(BLOCK_SPB), w.fileOffset);
    checkFits(w.fileOffset, BLOCK_SPB, capLen, length - 16);
    const data = packetBytes(w, w.start + 12, capLen, this.copyData);
    return new CapturedPacket(index, this.lastSec, this.lastNsec, iface.linkType, capLen, origLen, data, w.fileOffset, 0);
  }
}

/** Reads an SHB's byte-order magic at w.start + 8: true for little-endian. */
function readByteOrder(w: ByteWindow): boolean {
  const bom = w.view.getUint32(w.start + 8, true);
  if (bom === BYTE_ORDER_MAGIC) return true;
  if (w.view.getUint32(w.start + 8, false) === BYTE_ORDER_MAGIC) return false;
  const found = hexBytes(w.bytes.subarray(w.start + 8, w.start + 12));
  throw new PcapError(w.fileOffset, 'bad byte-order magic in section header block', `found bytes ${found}, expected 1a 2b 3c 4d or 4d 3c 2b 1a`);
}

function checkBlockLength(offset: number, type: number, length: number, minLength: number | undefined): void {
  const fail = (why: string) => new PcapError(offset, `bad block length ${length}`, `${blockName(type)} ${why}`);
  if (length % 4 !== 0 || length < 12) throw fail('needs a multiple of 4 and at least 12');
  if (minLength === undefined) return;
  if (length < minLength) throw fail(`needs at least ${minLength} bytes`);
  if (length > MAX_BUFFERED_BLOCK) throw fail(`exceeds the ${MAX_BUFFERED_BLOCK}-byte limit`);
}

/**
 * Throws unless sec + nsec is a whole number of µs that is a safe integer (|tsMicros| < 2^53,
 * about 285 years either side of 1970): beyond that Packet.tsMicros would be inexact and the
 * engine could not take it. sec * 10^6 is exact below 2^53 and rounds to 2^53 or more above,
 * so the test on the computed value is exact.
 */
function checkTimestamp(offset: number, type: number, sec: number, nsec: number): void {
  if (!Number.isSafeInteger(sec * 1_000_000 + Math.floor(nsec / 1000))) {
    throw new PcapError(offset, `timestamp out of range in ${blockName(type)}`, `${sec} s (if_tsoffset included) is beyond the ±(2^53 - 1) µs a packet time can hold (years 1685..2255)`);
  }
}

function checkFits(offset: number, type: number, capLen: number, room: number): void {
  if (capLen > room) {
    throw new PcapError(offset, `bad captured length in ${blockName(type)}`, `${capLen} bytes do not fit in the ${room} the block holds`);
  }
}
