/**
 * The one home of the blob format's constants (docs/blob-format.md).
 * tools/gen-constants.ts writes the AssemblyScript copy
 * (assembly/blob/constants.ts) and the C copy (firmware/include/pce_blob.h)
 * from this file; nobody edits those by hand, and
 * test/engine-constants.test.ts fails while either is stale.
 */

export const MAGIC = [0x50, 0x43, 0x4c, 0x50] as const; // "PCLP"
/** The version the writer writes; readers also take every version from OLDEST_VERSION up. */
export const VERSION = 2;
export const OLDEST_VERSION = 1;
export const HEADER_BYTES = 64;
export const SECTION_ENTRY_BYTES = 16;
export const DIR_HEADER_BYTES = 16;
export const DIR_RECORD_BYTES = 16;
export const ALIGN = 16;
/** Header byte of the u32 window_sources (version 2; reserved zero in version 1). */
export const HEADER_WINDOW_SOURCES = 24;

export const Section = { DIMS: 1, TOPOLOGY: 2, TENSORS: 3, TABLES: 4, NAMES: 5 } as const;
export const SECTION_COUNT = 5;

export const DType = { I8: 1, I16: 2, I32: 3 } as const;
export const DTYPE_BYTES: Record<number, number> = { 1: 1, 2: 2, 3: 4 };

export const Op = {
  PROJ: 1, GNN: 2, QKV: 3, ATTN_OUT: 4, FF1: 5, FF2: 6, HEAD: 7, LN1: 8, LN2: 9, MISC: 10,
} as const;

export const Role = {
  W: 1, BIAS: 2, MULT: 3, SHIFT: 4,
  YC: 5, XC: 6, BN_MULT: 7, BN_BIAS: 8, BN_SHIFT: 9, ELU_RQ: 10,
  LN_MULT: 11, LN_BIAS: 12, LN_PARAMS: 13, RQ: 14,
  ELU_TABLE: 15, EXP_TABLE: 16,
  DY: 17, DX: 18, ROW: 19, COL: 20, RMEAN: 21, LEVELS: 22,
} as const;

/** DIMS word indices. */
export const Dim = {
  P: 0, K: 1, M: 2, H: 3, L: 4, A: 5, D: 6, HEADS: 7, HEAD_DIM: 8, FF: 9, C: 10,
  FEATURE_VERSION: 11, INPUT_SCALE: 12, FRAME_SCALE: 13, OUT_DIMS: 14,
} as const;

export const Limit = {
  TOTAL_BYTES: 64 << 20,
  P: 4096, K: 8, M: 16, H_MIN: 8, H_MAX: 64, L: 8, A: 256, D: 512, FF: 4096,
  C_MIN: 2, C_MAX: 64, OUT_DIM: 2048, NODES_MIN: 3, NODES_MAX: 1024,
  DIR_RECORDS: 4096, TENSOR_ELEMENTS: 16 << 20, NAME_BYTES: 255, WINDOW_SOURCES: 256,
} as const;

/** Table sizes and the fixed points they use (docs/fixed-point.md eqs. 3, 9, 11). */
export const TABLE_STEPS = 512;
export const TABLE_ENTRIES = TABLE_STEPS + 1;
export const ELU_STEPS_PER_UNIT = 64; // ELU table covers z in [-8, 0]
export const EXP_STEPS_PER_UNIT = 32; // exp table covers [-16, 0]
export const Q15 = 1 << 15;

export function tensorId(role: number, op: number, m = 0, l = 0): number {
  return ((role << 24) | (op << 16) | (m << 8) | l) >>> 0;
}

export function describeId(id: number): string {
  const role = id >>> 24, op = (id >>> 16) & 0xff, m = (id >>> 8) & 0xff, l = id & 0xff;
  const roleName = Object.entries(Role).find(([, v]) => v === role)?.[0] ?? `role${role}`;
  const opName = Object.entries(Op).find(([, v]) => v === op)?.[0] ?? `op${op}`;
  if (op === Op.PROJ) return `proj.${l}.${roleName}`;
  if (op === Op.GNN) return l === 0 ? `gnn.${m}.${roleName}` : `gnn.${m}.layer${l}.${roleName}`;
  return `${opName.toLowerCase()}.${roleName}`;
}

export const align16 = (n: number): number => (n + 15) & ~15;
