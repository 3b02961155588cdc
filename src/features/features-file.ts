/**
 * The feature matrix file of `packetclip features` (docs/features-file.md,
 * version 1): a 64-byte little-endian header, then one u8 row of `width`
 * features per packet, in capture order. One writer, one reader, here.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** "PCFT" read as one little-endian u32 at byte 0. */
export const FEATURES_FILE_MAGIC = 0x54464350;
export const FEATURES_FILE_VERSION = 1;
export const FEATURES_FILE_HEADER_BYTES = 64;

// Header words (u32, little-endian), docs/features-file.md "Header".
const W_MAGIC = 0;
const W_VERSION = 1;
const W_FEATURE_VERSION = 2;
const W_WIDTH = 3;
const W_ROWS = 4;
const W_DATA_OFFSET = 5;
const HEADER_WORDS = FEATURES_FILE_HEADER_BYTES / 4;

export interface FeaturesFileHeader {
  /** Feature layout version of the rows (docs/features.md). */
  readonly featureVersion: number;
  /** Bytes (features) per row: 128 for feature version 1. */
  readonly width: number;
  /** Number of rows = packets of the capture, in file order. */
  readonly rows: number;
}

export interface FeaturesFile extends FeaturesFileHeader {
  /** rows × width bytes, row-major (a view into the bytes given to the reader). */
  readonly data: Uint8Array;
}

/** The 64 header bytes for a file of `rows` rows. */
export function featuresFileHeader(h: FeaturesFileHeader): Uint8Array {
  const out = new Uint8Array(FEATURES_FILE_HEADER_BYTES);
  const v = new DataView(out.buffer);
  const words: [number, number][] = [
    [W_MAGIC, FEATURES_FILE_MAGIC], [W_VERSION, FEATURES_FILE_VERSION], [W_FEATURE_VERSION, h.featureVersion],
    [W_WIDTH, h.width], [W_ROWS, h.rows], [W_DATA_OFFSET, FEATURES_FILE_HEADER_BYTES],
  ];
  for (const [w, value] of words) v.setUint32(w * 4, value, true);
  return out;
}

/** Reads and checks a whole features file held in memory. Throws on anything the spec does not allow. */
export function readFeaturesFile(bytes: Uint8Array): FeaturesFile {
  if (bytes.length < FEATURES_FILE_HEADER_BYTES) throw new Error(`features file: ${bytes.length} bytes, shorter than the ${FEATURES_FILE_HEADER_BYTES}-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, FEATURES_FILE_HEADER_BYTES);
  const word = (w: number) => v.getUint32(w * 4, true);
  if (word(W_MAGIC) !== FEATURES_FILE_MAGIC) throw new Error(`features file: bad magic 0x${word(W_MAGIC).toString(16)}, expected "PCFT"`);
  if (word(W_VERSION) !== FEATURES_FILE_VERSION) throw new Error(`features file: version ${word(W_VERSION)}, this reader implements ${FEATURES_FILE_VERSION}`);
  const width = word(W_WIDTH), rows = word(W_ROWS), offset = word(W_DATA_OFFSET);
  if (offset !== FEATURES_FILE_HEADER_BYTES) throw new Error(`features file: data offset ${offset}, expected ${FEATURES_FILE_HEADER_BYTES}`);
  for (let w = W_DATA_OFFSET + 1; w < HEADER_WORDS; w++) if (word(w) !== 0) throw new Error(`features file: reserved header word ${w} is not 0`);
  if (width === 0) throw new Error('features file: width 0');
  const expect = offset + rows * width;
  if (bytes.length !== expect) throw new Error(`features file: ${bytes.length} bytes, the header says ${rows} rows × ${width} + ${offset} = ${expect}`);
  return { featureVersion: word(W_FEATURE_VERSION), width, rows, data: bytes.subarray(offset) };
}

/**
 * Writes a features file row by row without holding it in memory: a
 * placeholder header first, rows in batches, the real header (with the row
 * count) on close. A writer that is not closed leaves rows = 0.
 */
export class FeaturesFileWriter {
  private rows = 0;
  private fill = 0;
  private readonly batch: Uint8Array;

  private constructor(private readonly fh: FileHandle, private readonly featureVersion: number, readonly width: number, batchRows: number) {
    this.batch = new Uint8Array(width * batchRows);
  }

  static async create(path: string, featureVersion: number, width: number, batchRows = 4096): Promise<FeaturesFileWriter> {
    const fh = await open(path, 'w');
    const w = new FeaturesFileWriter(fh, featureVersion, width, batchRows);
    await fh.write(featuresFileHeader({ featureVersion, width, rows: 0 }), 0, FEATURES_FILE_HEADER_BYTES, 0);
    return w;
  }

  /** A row buffer to fill in place for the next row (valid until the next call). */
  nextRow(): Uint8Array {
    return this.batch.subarray(this.fill, this.fill + this.width);
  }

  /** Commits the row handed out by nextRow(). */
  async commitRow(): Promise<void> {
    this.fill += this.width;
    this.rows++;
    if (this.fill === this.batch.length) await this.flush();
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Writes what is buffered and the final header, then closes the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
      const header = featuresFileHeader({ featureVersion: this.featureVersion, width: this.width, rows: this.rows });
      await this.fh.write(header, 0, header.length, 0);
    } finally {
      await this.fh.close();
    }
  }

  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    const at = FEATURES_FILE_HEADER_BYTES + (this.rows * this.width - this.fill);
    await this.fh.write(this.batch, 0, this.fill, at);
    this.fill = 0;
  }
}
