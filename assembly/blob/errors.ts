/**
 * Engine error codes (docs/engine-abi.md) and their messages. Codes are
 * stable ABI: append, never renumber. pce_init returns one of these; the
 * offending byte offset and tensor id are kept for pce_error_offset() and
 * pce_error_tensor().
 */

export const PCE_OK = 0;
// Engine state and memory.
export const PCE_ERR_NOT_INITIALISED = 1;
export const PCE_ERR_BLOB_RANGE = 2;
export const PCE_ERR_OUT_OF_MEMORY = 3;
// Header and section table.
export const PCE_ERR_TOO_SHORT = 4;
export const PCE_ERR_BAD_MAGIC = 5;
export const PCE_ERR_BAD_VERSION = 6;
export const PCE_ERR_BAD_FLAGS = 7;
export const PCE_ERR_TOTAL_LENGTH = 8;
export const PCE_ERR_TOO_LARGE = 9;
export const PCE_ERR_TOTAL_UNALIGNED = 10;
export const PCE_ERR_SECTION_COUNT = 11;
export const PCE_ERR_ALIGNMENT = 12;
export const PCE_ERR_HEADER_RESERVED = 13;
export const PCE_ERR_SECTION_TABLE = 14;
export const PCE_ERR_CRC = 15;
export const PCE_ERR_SECTION_KIND = 16;
export const PCE_ERR_SECTION_DUPLICATE = 17;
export const PCE_ERR_SECTION_RESERVED = 18;
export const PCE_ERR_SECTION_UNALIGNED = 19;
export const PCE_ERR_SECTION_OVERLAP = 20;
export const PCE_ERR_SECTION_PAST_END = 21;
// DIMS.
export const PCE_ERR_DIMS_SHORT = 22;
export const PCE_ERR_DIMS_RANGE = 23;
export const PCE_ERR_DIMS_LENGTH = 24;
export const PCE_ERR_DIMS_H = 25;
export const PCE_ERR_DIMS_D = 26;
export const PCE_ERR_DIMS_HEADS = 27;
export const PCE_ERR_DIMS_SCALE = 28;
export const PCE_ERR_DIMS_OUT_LAST = 29;
// Tensor directories.
export const PCE_ERR_DIR_SHORT = 30;
export const PCE_ERR_DIR_TOO_MANY = 31;
export const PCE_ERR_DIR_RESERVED = 32;
export const PCE_ERR_DIR_PAST_END = 33;
export const PCE_ERR_TENSOR_UNKNOWN = 34;
export const PCE_ERR_TENSOR_SECTION = 35;
export const PCE_ERR_TENSOR_DUPLICATE = 36;
export const PCE_ERR_TENSOR_RESERVED = 37;
export const PCE_ERR_TENSOR_DTYPE = 38;
export const PCE_ERR_TENSOR_TOO_BIG = 39;
export const PCE_ERR_TENSOR_COUNT = 40;
export const PCE_ERR_TENSOR_UNALIGNED = 41;
export const PCE_ERR_TENSOR_IN_RECORDS = 42;
export const PCE_ERR_TENSOR_PAST_END = 43;
export const PCE_ERR_TENSOR_OVERLAP = 44;
export const PCE_ERR_TENSOR_MISSING = 45;
// Tensor contents.
export const PCE_ERR_SHIFT = 46;
export const PCE_ERR_RELU_FLAG = 47;
export const PCE_ERR_PADDING = 48;
export const PCE_ERR_LEVEL = 49;
export const PCE_ERR_NODE = 50;
export const PCE_ERR_NODE_DUPLICATE = 51;
export const PCE_ERR_DY_SENSOR = 52;
export const PCE_ERR_CSR_LENGTH = 53;
export const PCE_ERR_CSR_ROWS = 54;
export const PCE_ERR_RMEAN = 55;
export const PCE_ERR_EPS = 56;
export const PCE_ERR_EXP_TABLE = 57;
// NAMES.
export const PCE_ERR_NAMES_SHORT = 58;
export const PCE_ERR_NAMES_COUNT = 59;
export const PCE_ERR_NAME_PAST_END = 60;
export const PCE_ERR_NAME_LENGTH = 61;
export const PCE_ERR_NAME_UTF8 = 62;
export const PCE_ERR_NAMES_TRAILING = 63;
// Packet input (assembly/features, docs/features.md).
export const PCE_ERR_FEATURE_VERSION = 64;
export const PCE_ERR_FEATURE_WIDTH = 65;
export const PCE_ERR_PACKET_LENGTH = 66;
// Header, format version 2.
export const PCE_ERR_WINDOW_SOURCES = 67;
/** One past the largest code. */
export const PCE_ERR_COUNT = 68;

/** Where the last error was found: byte offset in the blob (-1 if none) and tensor id (0 if none). */
export let errorOffset: i32 = -1;
export let errorTensor: u32 = 0;

/** Records where an error was found and returns its code. */
export function fail(code: i32, offset: u32, tensor: u32 = 0): i32 {
  errorOffset = <i32>offset;
  errorTensor = tensor;
  return code;
}

export function clearError(): void {
  errorOffset = -1;
  errorTensor = 0;
}

/** The message of a code (ASCII). */
export function errorText(code: i32): string {
  switch (code) {
    case PCE_OK: return 'ok';
    case PCE_ERR_NOT_INITIALISED: return 'engine not initialised (pce_init has not succeeded since the last pce_blob_alloc)';
    case PCE_ERR_BLOB_RANGE: return 'blob pointer/length outside the arena given by pce_blob_alloc';
    case PCE_ERR_OUT_OF_MEMORY: return 'linear memory cannot grow to the size this model needs';
    case PCE_ERR_TOO_SHORT: return 'file shorter than the 64-byte header';
    case PCE_ERR_BAD_MAGIC: return 'bad magic, expected "PCLP"';
    case PCE_ERR_BAD_VERSION: return 'unsupported format version (engine reads 1 and 2)';
    case PCE_ERR_BAD_FLAGS: return 'non-zero flags (none defined)';
    case PCE_ERR_TOTAL_LENGTH: return 'total_length differs from the blob length (truncated or padded)';
    case PCE_ERR_TOO_LARGE: return 'total_length exceeds 64 MiB';
    case PCE_ERR_TOTAL_UNALIGNED: return 'total_length is not a multiple of 16';
    case PCE_ERR_SECTION_COUNT: return 'section_count is not 5';
    case PCE_ERR_ALIGNMENT: return 'alignment field is not 16';
    case PCE_ERR_HEADER_RESERVED: return 'reserved header byte is not zero';
    case PCE_ERR_SECTION_TABLE: return 'section table runs past the end of the file';
    case PCE_ERR_CRC: return 'CRC-32 mismatch (corrupted file)';
    case PCE_ERR_SECTION_KIND: return 'unknown section kind';
    case PCE_ERR_SECTION_DUPLICATE: return 'section kind appears twice';
    case PCE_ERR_SECTION_RESERVED: return 'section entry reserved field is not zero';
    case PCE_ERR_SECTION_UNALIGNED: return 'section offset is not 16-aligned';
    case PCE_ERR_SECTION_OVERLAP: return 'section overlaps what precedes it';
    case PCE_ERR_SECTION_PAST_END: return 'section runs past the end of the file';
    case PCE_ERR_DIMS_SHORT: return 'DIMS section too short';
    case PCE_ERR_DIMS_RANGE: return 'DIMS word outside its limit';
    case PCE_ERR_DIMS_LENGTH: return 'DIMS section length is not 4*(14+K+M)';
    case PCE_ERR_DIMS_H: return 'DIMS H is not a power of two';
    case PCE_ERR_DIMS_D: return 'DIMS D is not M*H';
    case PCE_ERR_DIMS_HEADS: return 'DIMS heads * head_dim is not D';
    case PCE_ERR_DIMS_SCALE: return 'DIMS scale is not a finite positive float';
    case PCE_ERR_DIMS_OUT_LAST: return 'DIMS out_dim[K-1] is not D';
    case PCE_ERR_DIR_SHORT: return 'directory section too short for its header';
    case PCE_ERR_DIR_TOO_MANY: return 'directory has more than 4096 records';
    case PCE_ERR_DIR_RESERVED: return 'directory reserved byte is not zero';
    case PCE_ERR_DIR_PAST_END: return 'directory records run past the section';
    case PCE_ERR_TENSOR_UNKNOWN: return 'tensor id is not part of a model with these dims';
    case PCE_ERR_TENSOR_SECTION: return 'tensor is in the wrong section';
    case PCE_ERR_TENSOR_DUPLICATE: return 'duplicate tensor id';
    case PCE_ERR_TENSOR_RESERVED: return 'tensor record reserved field is not zero';
    case PCE_ERR_TENSOR_DTYPE: return 'tensor has the wrong dtype';
    case PCE_ERR_TENSOR_TOO_BIG: return 'tensor exceeds 16M elements';
    case PCE_ERR_TENSOR_COUNT: return 'tensor has the wrong element count';
    case PCE_ERR_TENSOR_UNALIGNED: return 'tensor data offset is not 16-aligned';
    case PCE_ERR_TENSOR_IN_RECORDS: return 'tensor data lies inside the record table';
    case PCE_ERR_TENSOR_PAST_END: return 'tensor data runs past the section';
    case PCE_ERR_TENSOR_OVERLAP: return 'tensor data overlaps another tensor';
    case PCE_ERR_TENSOR_MISSING: return 'missing tensor';
    case PCE_ERR_SHIFT: return 'shift outside its range (GEMV 31..62, others 1..62)';
    case PCE_ERR_RELU_FLAG: return 'ReLU flag is not 0 or 1';
    case PCE_ERR_PADDING: return 'weight row padding byte is not zero';
    case PCE_ERR_LEVEL: return 'concept level outside 1..255';
    case PCE_ERR_NODE: return 'node id outside 0..N-1';
    case PCE_ERR_NODE_DUPLICATE: return 'node listed twice';
    case PCE_ERR_DY_SENSOR: return 'layer-1 DY is not exactly [sensor]';
    case PCE_ERR_CSR_LENGTH: return 'ROW/RMEAN length does not match DX';
    case PCE_ERR_CSR_ROWS: return 'ROW must start at 0, strictly increase and end at len(COL)';
    case PCE_ERR_RMEAN: return 'RMEAN outside 1..32768';
    case PCE_ERR_EPS: return 'LayerNorm EPS outside 1..2^62-1';
    case PCE_ERR_EXP_TABLE: return 'EXP table must start at 32768 and not increase or go negative';
    case PCE_ERR_NAMES_SHORT: return 'NAMES section too short';
    case PCE_ERR_NAMES_COUNT: return 'NAMES count is not C + sum(N_m - 1)';
    case PCE_ERR_NAME_PAST_END: return 'name runs past the NAMES section';
    case PCE_ERR_NAME_LENGTH: return 'name length outside 1..255';
    case PCE_ERR_NAME_UTF8: return 'name is not valid UTF-8';
    case PCE_ERR_NAMES_TRAILING: return 'trailing bytes after the last name';
    case PCE_ERR_FEATURE_VERSION: return 'packet input refused: blob feature_version (DIMS word 11) is not 1';
    case PCE_ERR_FEATURE_WIDTH: return 'packet input refused: blob P is not 128 (feature version 1)';
    case PCE_ERR_PACKET_LENGTH: return 'packet longer than pce_packet_capacity()';
    case PCE_ERR_WINDOW_SOURCES: return 'window_sources (header byte 24) outside 0..256';
    default: return 'unknown error code';
  }
}
