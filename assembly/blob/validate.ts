/**
 * The blob validator inside Wasm (docs/blob-format.md). It re-checks all that
 * src/blob/reader.ts checks, with the same accept/reject decision on every
 * input (test/engine-mutation.test.ts holds them together), and never traps:
 * every offset and length is compared against the bytes that exist before it
 * is used, with u32 arithmetic that cannot wrap (lengths <= 64 MiB).
 *
 * On success the dims are in the `d*` globals and every expected tensor is in
 * the slot table (tensorAt / tensorCount). The one check the reader does that
 * this file also does in its own way is UTF-8 validity of the names
 * (WHATWG "fatal" decoding = Unicode Table 3-7 well-formedness).
 */
import {
  ALIGN, DIM_A, DIM_C, DIM_D, DIM_FF, DIM_FRAME_SCALE, DIM_H, DIM_HEAD_DIM, DIM_HEADS, DIM_INPUT_SCALE, DIM_K, DIM_L,
  DIM_M, DIM_OUT_DIMS, DIM_P, DIR_HEADER_BYTES, DIR_RECORD_BYTES, DTYPE_I16, DTYPE_I32, DTYPE_I8, HEADER_BYTES,
  HEADER_WINDOW_SOURCES, LIMIT_A, LIMIT_C_MAX, LIMIT_C_MIN, LIMIT_D, LIMIT_DIR_RECORDS, LIMIT_FF, LIMIT_H_MAX,
  LIMIT_H_MIN, LIMIT_K, LIMIT_L, LIMIT_M, LIMIT_NAME_BYTES, LIMIT_NODES_MAX, LIMIT_NODES_MIN, LIMIT_OUT_DIM, LIMIT_P,
  LIMIT_TENSOR_ELEMENTS, LIMIT_TOTAL_BYTES, LIMIT_WINDOW_SOURCES, MAGIC_U32, OLDEST_VERSION, OP_FF1, OP_FF2, OP_GNN,
  OP_HEAD, OP_LN1, OP_LN2, OP_MISC, OP_PROJ, OP_QKV, Q15, ROLE_BN_BIAS, ROLE_BN_MULT, ROLE_BN_SHIFT, ROLE_COL,
  ROLE_DX, ROLE_DY, ROLE_ELU_RQ, ROLE_ELU_TABLE, ROLE_EXP_TABLE, ROLE_LEVELS, ROLE_LN_MULT, ROLE_LN_PARAMS,
  ROLE_RMEAN, ROLE_ROW, ROLE_RQ, ROLE_SHIFT, ROLE_W, ROLE_XC, ROLE_YC, SECTION_COUNT, SECTION_DIMS,
  SECTION_ENTRY_BYTES, SECTION_NAMES, SECTION_TABLES, SECTION_TENSORS, SECTION_TOPOLOGY, TABLE_ENTRIES, VERSION,
} from './constants';
import {
  PCE_ERR_ALIGNMENT, PCE_ERR_BAD_FLAGS, PCE_ERR_BAD_MAGIC, PCE_ERR_BAD_VERSION, PCE_ERR_CRC, PCE_ERR_CSR_LENGTH,
  PCE_ERR_CSR_ROWS, PCE_ERR_DIMS_D, PCE_ERR_DIMS_H, PCE_ERR_DIMS_HEADS, PCE_ERR_DIMS_LENGTH, PCE_ERR_DIMS_OUT_LAST,
  PCE_ERR_DIMS_RANGE, PCE_ERR_DIMS_SCALE, PCE_ERR_DIMS_SHORT, PCE_ERR_DIR_PAST_END, PCE_ERR_DIR_RESERVED,
  PCE_ERR_DIR_SHORT, PCE_ERR_DIR_TOO_MANY, PCE_ERR_DY_SENSOR, PCE_ERR_EPS, PCE_ERR_EXP_TABLE,
  PCE_ERR_HEADER_RESERVED, PCE_ERR_LEVEL, PCE_ERR_NAME_LENGTH, PCE_ERR_NAME_PAST_END, PCE_ERR_NAME_UTF8,
  PCE_ERR_NAMES_COUNT, PCE_ERR_NAMES_SHORT, PCE_ERR_NAMES_TRAILING, PCE_ERR_NODE, PCE_ERR_NODE_DUPLICATE,
  PCE_ERR_OUT_OF_MEMORY, PCE_ERR_PADDING, PCE_ERR_RELU_FLAG, PCE_ERR_RMEAN, PCE_ERR_SECTION_COUNT,
  PCE_ERR_SECTION_DUPLICATE, PCE_ERR_SECTION_KIND, PCE_ERR_SECTION_OVERLAP, PCE_ERR_SECTION_PAST_END,
  PCE_ERR_SECTION_RESERVED, PCE_ERR_SECTION_TABLE, PCE_ERR_SECTION_UNALIGNED, PCE_ERR_SHIFT, PCE_ERR_TENSOR_COUNT,
  PCE_ERR_TENSOR_DTYPE, PCE_ERR_TENSOR_DUPLICATE, PCE_ERR_TENSOR_IN_RECORDS, PCE_ERR_TENSOR_MISSING,
  PCE_ERR_TENSOR_OVERLAP, PCE_ERR_TENSOR_PAST_END, PCE_ERR_TENSOR_RESERVED, PCE_ERR_TENSOR_SECTION,
  PCE_ERR_TENSOR_TOO_BIG, PCE_ERR_TENSOR_UNALIGNED, PCE_ERR_TENSOR_UNKNOWN, PCE_ERR_TOO_LARGE, PCE_ERR_TOO_SHORT,
  PCE_ERR_TOTAL_LENGTH, PCE_ERR_TOTAL_UNALIGNED, PCE_ERR_WINDOW_SOURCES, PCE_OK, fail,
} from './errors';
import { arenaAlloc } from '../arena';

// ---- Validated dims (meaningful after validateBlob returned PCE_OK) ----
export let dP = 0, dK = 0, dM = 0, dH = 0, dL = 0, dA = 0, dD = 0, dHeads = 0, dHeadDim = 0, dFF = 0, dC = 0;
/** Header window_sources (format version 2; 0 in version 1): 0 = one window, else per-source windows. */
export let dSources = 0;
/** DIMS words in the blob. */
export let dimsAt: usize = 0;

/** out_dim[k] of projection op k. */
@inline export function outDim(k: i32): i32 {
  return load<i32>(dimsAt + ((<usize>DIM_OUT_DIMS + <usize>k) << 2));
}

/** N_m, nodes of mission m (concepts + sensor + encoding). */
@inline export function nodeCount(m: i32): i32 {
  return load<i32>(dimsAt + ((<usize>DIM_OUT_DIMS + <usize>dK + <usize>m) << 2));
}

// ---- Slot table: one 16-byte entry per expected tensor ----
const SLOT_PTR: usize = 0; //   usize: data address (0 = not seen yet)
const SLOT_COUNT: usize = 4; // u32: elements
const SLOT_ID: usize = 8; //    u32: tensor id
const SLOT_BYTES: usize = 16;
const ML_ROLES = 12; // tensors per (mission, layer)

let slots: usize = 0;
let slotCount = 0;
let gemvCount = 0; // K + M·(L-1) + 5
let mlBase = 0, levelsBase = 0, globalBase = 0;
let stamps: usize = 0; // u32[NODES_MAX] duplicate detection, see uniqueNodes
let stamp: u32 = 0;

// What expect() found for an id.
let expSection: u32 = 0, expDtype: u32 = 0, expElements: i64 = 0;

/** Tensor id: role << 24 | op << 16 | m << 8 | l. */
@inline export function tensorId(role: u32, op: u32, m: i32, l: i32): u32 {
  return (role << 24) | (op << 16) | (<u32>m << 8) | <u32>l;
}

/** Data address of tensor (role, op, m, l); valid after a successful validation. */
export function tensorAt(role: u32, op: u32, m: i32, l: i32): usize {
  return load<usize>(slots + <usize>expect(tensorId(role, op, m, l)) * SLOT_BYTES, SLOT_PTR);
}

/** Element count of tensor (role, op, m, l). */
export function tensorCount(role: u32, op: u32, m: i32, l: i32): i32 {
  return load<i32>(slots + <usize>expect(tensorId(role, op, m, l)) * SLOT_BYTES, SLOT_COUNT);
}

// ---- GEMV ops: index g = PROJ k | GNN (m, l >= 2) | QKV, ATTN_OUT, FF1, FF2, HEAD ----

/** The GEMV index of (op, m, l), or -1 if these dims have no such GEMV op. */
export function gemvIndex(op: u32, m: i32, l: i32): i32 {
  if (op == OP_PROJ) return m == 0 && l < dK ? l : -1;
  if (op == OP_GNN) return m < dM && l >= 2 && l <= dL ? dK + m * (dL - 1) + l - 2 : -1;
  if (op >= OP_QKV && op <= OP_HEAD && m == 0 && l == 0) return dK + dM * (dL - 1) + <i32>(op - OP_QKV);
  return -1;
}

// Inverse of gemvIndex.
let gOp: u32 = 0, gM = 0, gL = 0, gRows = 0, gCols = 0;

/** Sets gOp, gM, gL, gRows, gCols for GEMV index g (docs/blob-format.md "Shapes"). */
export function gemvShape(g: i32): void {
  gM = 0; gL = 0;
  if (g < dK) {
    gOp = OP_PROJ; gL = g;
    gRows = outDim(g); gCols = g == 0 ? dP : outDim(g - 1);
    return;
  }
  const gnn = dM * (dL - 1);
  if (g < dK + gnn) {
    gOp = OP_GNN; gM = (g - dK) / (dL - 1); gL = (g - dK) % (dL - 1) + 2;
    gRows = dH; gCols = dH;
    return;
  }
  gOp = OP_QKV + <u32>(g - dK - gnn);
  gRows = gOp == OP_QKV ? 3 * dD : gOp == OP_FF1 ? dFF : gOp == OP_HEAD ? dC : dD;
  gCols = gOp == OP_FF2 ? dFF : dD;
}
export function gemvOp(): u32 { return gOp; }
export function gemvM(): i32 { return gM; }
export function gemvL(): i32 { return gL; }
export function gemvRows(): i32 { return gRows; }
export function gemvCols(): i32 { return gCols; }
export function gemvTotal(): i32 { return gemvCount; }

@inline function ceil16(n: i32): i32 {
  return (n + 15) & ~15;
}

function setExpect(section: u32, dtype: u32, elements: i64): void {
  expSection = section; expDtype = dtype; expElements = elements;
}

/** Slot of an id the dims call for (and sets exp*), or -1 for an unknown id (layout.ts expectedTensors). */
function expect(id: u32): i32 {
  const role = id >>> 24, op = (id >>> 16) & 0xff, m = <i32>((id >>> 8) & 0xff), l = <i32>(id & 0xff);
  if (role >= ROLE_W && role <= ROLE_SHIFT) {
    const g = gemvIndex(op, m, l);
    if (g < 0) return -1;
    gemvShape(g);
    if (role == ROLE_W) setExpect(SECTION_TENSORS, DTYPE_I8, <i64>gRows * <i64>ceil16(gCols));
    else setExpect(SECTION_TENSORS, DTYPE_I32, role == ROLE_SHIFT ? 2 : gRows);
    return g * 4 + <i32>(role - ROLE_W);
  }
  if (op == OP_GNN) {
    if (m >= dM) return -1;
    const n = nodeCount(m);
    if (l == 0) {
      if (role != ROLE_LEVELS) return -1;
      setExpect(SECTION_TOPOLOGY, DTYPE_I32, n - 2);
      return levelsBase + m;
    }
    if (l > dL) return -1;
    const base = mlBase + (m * dL + l - 1) * ML_ROLES;
    if (role == ROLE_YC || role == ROLE_XC) { setExpect(SECTION_TENSORS, DTYPE_I16, n * dH); return base + <i32>(role - ROLE_YC); }
    if (role == ROLE_BN_MULT || role == ROLE_BN_BIAS) { setExpect(SECTION_TENSORS, DTYPE_I32, dH); return base + <i32>(role - ROLE_YC); }
    if (role == ROLE_BN_SHIFT) { setExpect(SECTION_TENSORS, DTYPE_I32, 1); return base + 4; }
    if (role == ROLE_ELU_RQ) { setExpect(SECTION_TENSORS, DTYPE_I32, 2); return base + 5; }
    if (role == ROLE_ELU_TABLE) { setExpect(SECTION_TABLES, DTYPE_I16, TABLE_ENTRIES); return base + 6; }
    if (role >= ROLE_DY && role <= ROLE_RMEAN) { setExpect(SECTION_TOPOLOGY, DTYPE_I32, -1); return base + 7 + <i32>(role - ROLE_DY); }
    return -1;
  }
  if (m != 0 || l != 0) return -1;
  if (op == OP_LN1 || op == OP_LN2) {
    if (role < ROLE_LN_MULT || role > ROLE_LN_PARAMS) return -1;
    setExpect(SECTION_TENSORS, DTYPE_I32, role == ROLE_LN_PARAMS ? 3 : dD);
    return globalBase + <i32>(op - OP_LN1) * 3 + <i32>(role - ROLE_LN_MULT);
  }
  if (op == OP_MISC) {
    if (role == ROLE_RQ) { setExpect(SECTION_TENSORS, DTYPE_I32, 8); return globalBase + 6; }
    if (role == ROLE_EXP_TABLE) { setExpect(SECTION_TABLES, DTYPE_I32, TABLE_ENTRIES); return globalBase + 7; }
  }
  return -1;
}

/** Records an expected id in its slot. */
function want(role: u32, op: u32, m: i32, l: i32): void {
  const id = tensorId(role, op, m, l);
  store<u32>(slots + <usize>expect(id) * SLOT_BYTES, id, SLOT_ID);
}

/** Sizes and fills the slot table for the validated dims; false if memory runs out. */
function buildSlots(): bool {
  gemvCount = dK + dM * (dL - 1) + 5;
  mlBase = gemvCount * 4;
  levelsBase = mlBase + dM * dL * ML_ROLES;
  globalBase = levelsBase + dM;
  slotCount = globalBase + 8;
  slots = arenaAlloc(<usize>slotCount * SLOT_BYTES);
  stamps = arenaAlloc(<usize>LIMIT_NODES_MAX << 2);
  if (slots == 0 || stamps == 0) return false;
  stamp = 0;
  for (let g = 0; g < gemvCount; g++) {
    gemvShape(g);
    const op = gOp, m = gM, l = gL;
    for (let role = ROLE_W; role <= ROLE_SHIFT; role++) want(role, op, m, l);
  }
  for (let m = 0; m < dM; m++) {
    want(ROLE_LEVELS, OP_GNN, m, 0);
    for (let l = 1; l <= dL; l++) {
      for (let role = ROLE_YC; role <= ROLE_ELU_RQ; role++) want(role, OP_GNN, m, l);
      want(ROLE_ELU_TABLE, OP_GNN, m, l);
      for (let role = ROLE_DY; role <= ROLE_RMEAN; role++) want(role, OP_GNN, m, l);
    }
  }
  for (let op = OP_LN1; op <= OP_LN2; op++) {
    for (let role = ROLE_LN_MULT; role <= ROLE_LN_PARAMS; role++) want(role, op, 0, 0);
  }
  want(ROLE_RQ, OP_MISC, 0, 0);
  want(ROLE_EXP_TABLE, OP_MISC, 0, 0);
  return true;
}

// ---- Header, CRC, section table ----

const sectionAt = memory.data(4 * 8); // u32 offset per kind 1..5 (index kind - 1)
const sectionLen = memory.data(4 * 8);
const crcTable = memory.data(256 * 4);
let crcReady = false;

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320) of bytes [p, p + n). */
export function crc32(p: usize, n: usize): u32 {
  if (!crcReady) {
    for (let i: u32 = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      store<u32>(crcTable + (<usize>i << 2), c);
    }
    crcReady = true;
  }
  let c: u32 = 0xffffffff;
  for (let i: usize = 0; i < n; i++) c = load<u32>(crcTable + (<usize>((c ^ load<u8>(p + i)) & 0xff) << 2)) ^ (c >>> 8);
  return c ^ 0xffffffff;
}

function checkHeader(b: usize, len: u32): i32 {
  if (len < HEADER_BYTES) return fail(PCE_ERR_TOO_SHORT, 0);
  if (load<u32>(b) != MAGIC_U32) return fail(PCE_ERR_BAD_MAGIC, 0);
  const version = <u32>load<u16>(b, 4);
  if (version < OLDEST_VERSION || version > VERSION) return fail(PCE_ERR_BAD_VERSION, 4);
  if (load<u16>(b, 6) != 0) return fail(PCE_ERR_BAD_FLAGS, 6);
  const total = load<u32>(b, 8);
  if (total != len) return fail(PCE_ERR_TOTAL_LENGTH, 8);
  if (total > LIMIT_TOTAL_BYTES) return fail(PCE_ERR_TOO_LARGE, 8);
  if (total % ALIGN != 0) return fail(PCE_ERR_TOTAL_UNALIGNED, 8);
  const count = load<u32>(b, 16);
  if (count != SECTION_COUNT) return fail(PCE_ERR_SECTION_COUNT, 16);
  if (load<u32>(b, 20) != ALIGN) return fail(PCE_ERR_ALIGNMENT, 20);
  let reserved = HEADER_WINDOW_SOURCES;
  dSources = 0;
  if (version >= 2) {
    const s = load<u32>(b, HEADER_WINDOW_SOURCES);
    if (s > LIMIT_WINDOW_SOURCES) return fail(PCE_ERR_WINDOW_SOURCES, HEADER_WINDOW_SOURCES);
    dSources = <i32>s;
    reserved += 4;
  }
  for (let i: u32 = reserved; i < HEADER_BYTES; i++) if (load<u8>(b + i) != 0) return fail(PCE_ERR_HEADER_RESERVED, i);
  const tableEnd = HEADER_BYTES + count * SECTION_ENTRY_BYTES;
  if (tableEnd > total) return fail(PCE_ERR_SECTION_TABLE, 16);
  if (load<u32>(b, 12) != crc32(b + HEADER_BYTES, total - HEADER_BYTES)) return fail(PCE_ERR_CRC, 12);
  memory.fill(sectionAt, 0, 32);
  memory.fill(sectionLen, 0, 32);
  let prevEnd = tableEnd;
  for (let i: u32 = 0; i < count; i++) {
    const e = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    const kind = load<u32>(b + e), at = load<u32>(b + e, 4), length = load<u32>(b + e, 8);
    if (kind < SECTION_DIMS || kind > SECTION_NAMES) return fail(PCE_ERR_SECTION_KIND, e);
    const k = <usize>(kind - 1) << 2;
    if (load<u32>(sectionAt + k) != 0) return fail(PCE_ERR_SECTION_DUPLICATE, e);
    if (load<u32>(b + e, 12) != 0) return fail(PCE_ERR_SECTION_RESERVED, e + 12);
    if (at % ALIGN != 0) return fail(PCE_ERR_SECTION_UNALIGNED, e + 4);
    if (at < prevEnd) return fail(PCE_ERR_SECTION_OVERLAP, e + 4);
    if (at > total || length > total - at) return fail(PCE_ERR_SECTION_PAST_END, e + 8);
    prevEnd = at + length;
    store<u32>(sectionAt + k, at); // at >= tableEnd > 0 marks the kind as seen
    store<u32>(sectionLen + k, length);
  }
  return PCE_OK;
}

@inline function secAt(kind: u32): u32 { return load<u32>(sectionAt + (<usize>(kind - 1) << 2)); }
@inline function secLen(kind: u32): u32 { return load<u32>(sectionLen + (<usize>(kind - 1) << 2)); }

// ---- DIMS ----

/** A finite, positive f32 bit pattern (denormals included), checked without float instructions. */
@inline function positiveFinite(bits: u32): bool {
  return bits - 1 < 0x7f7fffff;
}

function checkDims(b: usize): i32 {
  const at = secAt(SECTION_DIMS), len = secLen(SECTION_DIMS);
  const w = b + at;
  if (len < DIM_OUT_DIMS * 4) return fail(PCE_ERR_DIMS_SHORT, at);
  const K = load<u32>(w + DIM_K * 4), M = load<u32>(w + DIM_M * 4);
  if (K < 1 || K > LIMIT_K) return fail(PCE_ERR_DIMS_RANGE, at + DIM_K * 4);
  if (M < 1 || M > LIMIT_M) return fail(PCE_ERR_DIMS_RANGE, at + DIM_M * 4);
  if (len != 4 * (DIM_OUT_DIMS + K + M)) return fail(PCE_ERR_DIMS_LENGTH, at);
  const H = load<u32>(w + DIM_H * 4);
  if (H < LIMIT_H_MIN || H > LIMIT_H_MAX) return fail(PCE_ERR_DIMS_RANGE, at + DIM_H * 4);
  if ((H & (H - 1)) != 0) return fail(PCE_ERR_DIMS_H, at + DIM_H * 4);
  const D = load<u32>(w + DIM_D * 4);
  if (D < 1 || D > LIMIT_D) return fail(PCE_ERR_DIMS_RANGE, at + DIM_D * 4);
  if (D != M * H) return fail(PCE_ERR_DIMS_D, at + DIM_D * 4);
  const heads = load<u32>(w + DIM_HEADS * 4), hd = load<u32>(w + DIM_HEAD_DIM * 4);
  if (heads < 1 || heads > D) return fail(PCE_ERR_DIMS_RANGE, at + DIM_HEADS * 4);
  if (<u64>heads * <u64>hd != <u64>D) return fail(PCE_ERR_DIMS_HEADS, at + DIM_HEAD_DIM * 4);
  if (!positiveFinite(load<u32>(w + DIM_INPUT_SCALE * 4))) return fail(PCE_ERR_DIMS_SCALE, at + DIM_INPUT_SCALE * 4);
  if (!positiveFinite(load<u32>(w + DIM_FRAME_SCALE * 4))) return fail(PCE_ERR_DIMS_SCALE, at + DIM_FRAME_SCALE * 4);
  for (let k: u32 = 0; k < K; k++) {
    const o = (DIM_OUT_DIMS + k) * 4, v = load<u32>(w + o);
    if (v < 1 || v > LIMIT_OUT_DIM) return fail(PCE_ERR_DIMS_RANGE, at + o);
  }
  if (load<u32>(w + (DIM_OUT_DIMS + K - 1) * 4) != D) return fail(PCE_ERR_DIMS_OUT_LAST, at + (DIM_OUT_DIMS + K - 1) * 4);
  const P = load<u32>(w + DIM_P * 4), L = load<u32>(w + DIM_L * 4), A = load<u32>(w + DIM_A * 4);
  const FF = load<u32>(w + DIM_FF * 4), C = load<u32>(w + DIM_C * 4);
  if (P < 1 || P > LIMIT_P) return fail(PCE_ERR_DIMS_RANGE, at + DIM_P * 4);
  if (L < 1 || L > LIMIT_L) return fail(PCE_ERR_DIMS_RANGE, at + DIM_L * 4);
  if (A < 1 || A > LIMIT_A) return fail(PCE_ERR_DIMS_RANGE, at + DIM_A * 4);
  if (FF < 1 || FF > LIMIT_FF) return fail(PCE_ERR_DIMS_RANGE, at + DIM_FF * 4);
  if (C < LIMIT_C_MIN || C > LIMIT_C_MAX) return fail(PCE_ERR_DIMS_RANGE, at + DIM_C * 4);
  for (let m: u32 = 0; m < M; m++) {
    const o = (DIM_OUT_DIMS + K + m) * 4, v = load<u32>(w + o);
    if (v < LIMIT_NODES_MIN || v > LIMIT_NODES_MAX) return fail(PCE_ERR_DIMS_RANGE, at + o);
  }
  dimsAt = w;
  dP = <i32>P; dK = <i32>K; dM = <i32>M; dH = <i32>H; dL = <i32>L; dA = <i32>A; dD = <i32>D;
  dHeads = <i32>heads; dHeadDim = <i32>hd; dFF = <i32>FF; dC = <i32>C;
  return PCE_OK;
}

// ---- Tensor directories ----

@inline function dtypeBytes(dtype: u32): u32 {
  return dtype == DTYPE_I8 ? 1 : dtype == DTYPE_I16 ? 2 : 4;
}

function checkDirectory(b: usize, kind: u32): i32 {
  const at = secAt(kind), len = secLen(kind), s = b + at;
  if (len < DIR_HEADER_BYTES) return fail(PCE_ERR_DIR_SHORT, at);
  const count = load<u32>(s);
  if (count > LIMIT_DIR_RECORDS) return fail(PCE_ERR_DIR_TOO_MANY, at);
  for (let i: u32 = 4; i < DIR_HEADER_BYTES; i++) if (load<u8>(s + i) != 0) return fail(PCE_ERR_DIR_RESERVED, at + i);
  const recEnd = DIR_HEADER_BYTES + count * DIR_RECORD_BYTES;
  if (recEnd > len) return fail(PCE_ERR_DIR_PAST_END, at);
  for (let i: u32 = 0; i < count; i++) {
    const r = DIR_HEADER_BYTES + i * DIR_RECORD_BYTES, where = at + r;
    const id = load<u32>(s + r), dtype = <u32>load<u16>(s + r, 4), off = load<u32>(s + r, 8), n = load<u32>(s + r, 12);
    const slot = expect(id);
    if (slot < 0) return fail(PCE_ERR_TENSOR_UNKNOWN, where, id);
    if (expSection != kind) return fail(PCE_ERR_TENSOR_SECTION, where, id);
    const e = slots + <usize>slot * SLOT_BYTES;
    if (load<usize>(e, SLOT_PTR) != 0) return fail(PCE_ERR_TENSOR_DUPLICATE, where, id);
    store<usize>(e, s + off, SLOT_PTR); // s + off > 0: marks the id as seen
    store<u32>(e, n, SLOT_COUNT);
    if (load<u16>(s + r, 6) != 0) return fail(PCE_ERR_TENSOR_RESERVED, where + 6, id);
    if (dtype != expDtype) return fail(PCE_ERR_TENSOR_DTYPE, where + 4, id);
    if (n > LIMIT_TENSOR_ELEMENTS) return fail(PCE_ERR_TENSOR_TOO_BIG, where + 12, id);
    if (expElements >= 0 && <i64>n != expElements) return fail(PCE_ERR_TENSOR_COUNT, where + 12, id);
    if (off % ALIGN != 0) return fail(PCE_ERR_TENSOR_UNALIGNED, where + 8, id);
    if (off < recEnd) return fail(PCE_ERR_TENSOR_IN_RECORDS, where + 8, id);
    const bytes = n * dtypeBytes(dtype);
    if (off > len || bytes > len - off) return fail(PCE_ERR_TENSOR_PAST_END, where + 8, id);
  }
  // Overlap: two non-empty extents [si, ei) and [sj, ej) overlap iff
  // si < ej and sj < ei; an empty tensor overlaps nothing (blob-format.md).
  for (let i: u32 = 0; i < count; i++) {
    const ri = s + DIR_HEADER_BYTES + i * DIR_RECORD_BYTES;
    const si = load<u32>(ri, 8), ei = si + load<u32>(ri, 12) * dtypeBytes(<u32>load<u16>(ri, 4));
    if (si == ei) continue;
    for (let j = i + 1; j < count; j++) {
      const rj = s + DIR_HEADER_BYTES + j * DIR_RECORD_BYTES;
      const sj = load<u32>(rj, 8), ej = sj + load<u32>(rj, 12) * dtypeBytes(<u32>load<u16>(rj, 4));
      if (sj != ej && si < ej && sj < ei) return fail(PCE_ERR_TENSOR_OVERLAP, at + DIR_HEADER_BYTES + j * DIR_RECORD_BYTES + 8, load<u32>(rj));
    }
  }
  return PCE_OK;
}

function checkPresent(b: usize): i32 {
  for (let i = 0; i < slotCount; i++) {
    const e = slots + <usize>i * SLOT_BYTES;
    if (load<usize>(e, SLOT_PTR) == 0) return fail(PCE_ERR_TENSOR_MISSING, secAt(SECTION_TENSORS), load<u32>(e, SLOT_ID));
  }
  return PCE_OK;
}

// ---- Tensor contents ----

let blobBase: usize = 0;

/** fail() at the blob offset of element `index` (`width` bytes each) of tensor (role, op, m, l). */
function failAt(code: i32, role: u32, op: u32, m: i32, l: i32, index: i32, width: u32): i32 {
  return fail(code, <u32>(tensorAt(role, op, m, l) - blobBase) + <u32>index * width, tensorId(role, op, m, l));
}

@inline function word(role: u32, op: u32, m: i32, l: i32, i: i32): i32 {
  return load<i32>(tensorAt(role, op, m, l) + (<usize>i << 2));
}

@inline function shiftOk(s: i32, lo: i32): bool {
  return s >= lo && s <= 62;
}

/** Every entry of list (role, m, l) is a node < n and none repeats. */
function uniqueNodes(role: u32, m: i32, l: i32, n: i32): i32 {
  const p = tensorAt(role, OP_GNN, m, l), count = tensorCount(role, OP_GNN, m, l);
  stamp++;
  for (let i = 0; i < count; i++) {
    const v = load<i32>(p + (<usize>i << 2));
    if (v < 0 || v >= n) return failAt(PCE_ERR_NODE, role, OP_GNN, m, l, i, 4);
    const sp = stamps + (<usize>v << 2);
    if (load<u32>(sp) == stamp) return failAt(PCE_ERR_NODE_DUPLICATE, role, OP_GNN, m, l, i, 4);
    store<u32>(sp, stamp);
  }
  return PCE_OK;
}

function checkGemvOps(): i32 {
  for (let g = 0; g < gemvCount; g++) {
    gemvShape(g);
    const op = gOp, m = gM, l = gL, rows = gRows, cols = gCols, stride = ceil16(cols);
    if (!shiftOk(word(ROLE_SHIFT, op, m, l, 0), 31)) return failAt(PCE_ERR_SHIFT, ROLE_SHIFT, op, m, l, 0, 4);
    const relu = word(ROLE_SHIFT, op, m, l, 1);
    if (relu != 0 && relu != 1) return failAt(PCE_ERR_RELU_FLAG, ROLE_SHIFT, op, m, l, 1, 4);
    const w = tensorAt(ROLE_W, op, m, l);
    for (let r = 0; r < rows; r++) {
      for (let c = cols; c < stride; c++) {
        const i = r * stride + c;
        if (load<u8>(w + <usize>i) != 0) return failAt(PCE_ERR_PADDING, ROLE_W, op, m, l, i, 1);
      }
    }
  }
  return PCE_OK;
}

function checkMissions(): i32 {
  for (let m = 0; m < dM; m++) {
    const n = nodeCount(m);
    for (let i = 0; i < n - 2; i++) {
      const v = word(ROLE_LEVELS, OP_GNN, m, 0, i);
      if (v < 1 || v > 255) return failAt(PCE_ERR_LEVEL, ROLE_LEVELS, OP_GNN, m, 0, i, 4);
    }
    for (let l = 1; l <= dL; l++) {
      if (!shiftOk(word(ROLE_BN_SHIFT, OP_GNN, m, l, 0), 1)) return failAt(PCE_ERR_SHIFT, ROLE_BN_SHIFT, OP_GNN, m, l, 0, 4);
      if (!shiftOk(word(ROLE_ELU_RQ, OP_GNN, m, l, 1), 1)) return failAt(PCE_ERR_SHIFT, ROLE_ELU_RQ, OP_GNN, m, l, 1, 4);
      let err = uniqueNodes(ROLE_DY, m, l, n);
      if (err) return err;
      if (l == 1 && (tensorCount(ROLE_DY, OP_GNN, m, l) != 1 || word(ROLE_DY, OP_GNN, m, l, 0) != n - 2)) {
        return failAt(PCE_ERR_DY_SENSOR, ROLE_DY, OP_GNN, m, l, 0, 4);
      }
      err = uniqueNodes(ROLE_DX, m, l, n);
      if (err) return err;
      const nDx = tensorCount(ROLE_DX, OP_GNN, m, l);
      if (tensorCount(ROLE_ROW, OP_GNN, m, l) != nDx + 1) return failAt(PCE_ERR_CSR_LENGTH, ROLE_ROW, OP_GNN, m, l, 0, 4);
      if (tensorCount(ROLE_RMEAN, OP_GNN, m, l) != nDx) return failAt(PCE_ERR_CSR_LENGTH, ROLE_RMEAN, OP_GNN, m, l, 0, 4);
      if (word(ROLE_ROW, OP_GNN, m, l, 0) != 0) return failAt(PCE_ERR_CSR_ROWS, ROLE_ROW, OP_GNN, m, l, 0, 4);
      for (let i = 0; i < nDx; i++) {
        if (!(word(ROLE_ROW, OP_GNN, m, l, i + 1) > word(ROLE_ROW, OP_GNN, m, l, i))) {
          return failAt(PCE_ERR_CSR_ROWS, ROLE_ROW, OP_GNN, m, l, i + 1, 4);
        }
        const r = word(ROLE_RMEAN, OP_GNN, m, l, i);
        if (r < 1 || r > <i32>Q15) return failAt(PCE_ERR_RMEAN, ROLE_RMEAN, OP_GNN, m, l, i, 4);
      }
      const edges = tensorCount(ROLE_COL, OP_GNN, m, l);
      if (word(ROLE_ROW, OP_GNN, m, l, nDx) != edges) return failAt(PCE_ERR_CSR_ROWS, ROLE_ROW, OP_GNN, m, l, nDx, 4);
      const col = tensorAt(ROLE_COL, OP_GNN, m, l);
      for (let i = 0; i < edges; i++) {
        const v = load<i32>(col + (<usize>i << 2));
        if (v < 0 || v >= n) return failAt(PCE_ERR_NODE, ROLE_COL, OP_GNN, m, l, i, 4);
      }
    }
  }
  return PCE_OK;
}

function checkTemporal(): i32 {
  for (let op = OP_LN1; op <= OP_LN2; op++) {
    if (!shiftOk(word(ROLE_LN_PARAMS, op, 0, 0, 0), 1)) return failAt(PCE_ERR_SHIFT, ROLE_LN_PARAMS, op, 0, 0, 0, 4);
    const eps = load<i64>(tensorAt(ROLE_LN_PARAMS, op, 0, 0), 4); // low word, then the (signed) high word
    if (eps < 1 || eps >= (<i64>1 << 62)) return failAt(PCE_ERR_EPS, ROLE_LN_PARAMS, op, 0, 0, 1, 4);
  }
  for (let i = 1; i < 8; i += 2) {
    if (!shiftOk(word(ROLE_RQ, OP_MISC, 0, 0, i), 1)) return failAt(PCE_ERR_SHIFT, ROLE_RQ, OP_MISC, 0, 0, i, 4);
  }
  if (word(ROLE_EXP_TABLE, OP_MISC, 0, 0, 0) != <i32>Q15) return failAt(PCE_ERR_EXP_TABLE, ROLE_EXP_TABLE, OP_MISC, 0, 0, 0, 4);
  for (let i = 1; i < <i32>TABLE_ENTRIES; i++) {
    const v = word(ROLE_EXP_TABLE, OP_MISC, 0, 0, i);
    if (v < 0 || v > word(ROLE_EXP_TABLE, OP_MISC, 0, 0, i - 1)) return failAt(PCE_ERR_EXP_TABLE, ROLE_EXP_TABLE, OP_MISC, 0, 0, i, 4);
  }
  return PCE_OK;
}

// ---- NAMES ----

/** Unicode Table 3-7 well-formedness of bytes [p, p + n): what a fatal UTF-8 decoder accepts. */
export function utf8Valid(p: usize, n: u32): bool {
  let i: u32 = 0;
  while (i < n) {
    const b0 = <u32>load<u8>(p + i);
    if (b0 < 0x80) { i++; continue; }
    let need: u32 = 0, lo: u32 = 0x80, hi: u32 = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) { need = 2; if (b0 == 0xe0) lo = 0xa0; else if (b0 == 0xed) hi = 0x9f; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { need = 3; if (b0 == 0xf0) lo = 0x90; else if (b0 == 0xf4) hi = 0x8f; }
    else return false;
    if (need > n - i - 1) return false;
    const b1 = <u32>load<u8>(p + i + 1);
    if (b1 < lo || b1 > hi) return false;
    for (let k: u32 = 2; k <= need; k++) {
      const bk = <u32>load<u8>(p + i + k);
      if (bk < 0x80 || bk > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

function checkNames(b: usize): i32 {
  const at = secAt(SECTION_NAMES), len = secLen(SECTION_NAMES), s = b + at;
  if (len < 4) return fail(PCE_ERR_NAMES_SHORT, at);
  let want: u32 = <u32>dC;
  for (let m = 0; m < dM; m++) want += <u32>nodeCount(m) - 1;
  if (load<u32>(s) != want) return fail(PCE_ERR_NAMES_COUNT, at);
  let p: u32 = 4;
  for (let i: u32 = 0; i < want; i++) {
    if (p + 2 > len) return fail(PCE_ERR_NAME_PAST_END, at + p);
    const n = <u32>load<u16>(s + p);
    if (n < 1 || n > LIMIT_NAME_BYTES) return fail(PCE_ERR_NAME_LENGTH, at + p);
    if (p + 2 + n > len) return fail(PCE_ERR_NAME_PAST_END, at + p);
    if (!utf8Valid(s + p + 2, n)) return fail(PCE_ERR_NAME_UTF8, at + p);
    p += 2 + n;
  }
  if (p != len) return fail(PCE_ERR_NAMES_TRAILING, at + p);
  return PCE_OK;
}

/**
 * Validates the blob at [b, b + len) (memory already checked to hold it) and
 * allocates the slot table from the arena. Returns PCE_OK or an error code.
 */
export function validateBlob(b: usize, len: u32): i32 {
  blobBase = b;
  let err = checkHeader(b, len);
  if (err) return err;
  err = checkDims(b);
  if (err) return err;
  if (!buildSlots()) return fail(PCE_ERR_OUT_OF_MEMORY, 0);
  err = checkDirectory(b, SECTION_TOPOLOGY);
  if (err) return err;
  err = checkDirectory(b, SECTION_TENSORS);
  if (err) return err;
  err = checkDirectory(b, SECTION_TABLES);
  if (err) return err;
  err = checkPresent(b);
  if (err) return err;
  err = checkGemvOps();
  if (err) return err;
  err = checkMissions();
  if (err) return err;
  err = checkTemporal();
  if (err) return err;
  return checkNames(b);
}
