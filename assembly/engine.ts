/**
 * packetclip-edge engine ABI (docs/engine-abi.md): integers and pointers into
 * the exported memory only, no imports, `--runtime stub`. A host:
 *   ptr = pce_blob_alloc(len); copy the blob to ptr; pce_init(ptr, len) == 0;
 *   then per packet: write P int16 at pce_input_ptr(); k = pce_push();
 *   read probabilities, logits and frame at their pointers; concept
 *   activations after pce_explain() (computed on demand, docs/engine-abi.md).
 */
import { DIM_FEATURE_VERSION, DIM_OUT_DIMS, LIMIT_TOTAL_BYTES, VERSION } from './blob/constants';
import {
  PCE_ERR_BLOB_RANGE, PCE_ERR_NOT_INITIALISED, PCE_ERR_OUT_OF_MEMORY, PCE_OK, clearError, errorOffset, errorTensor,
  errorText, fail,
} from './blob/errors';
import { dK, dM, dP, dSources, dimsAt, validateBlob } from './blob/validate';
import { ARENA_BASE, arenaAlloc, arenaReset, arenaTop } from './arena';
import { FEATURE_VERSION, PACKET_CAPACITY } from './features/constants';
import { extractPacket, featBuf, metaBuf, packetBuf, packetInputError, packetStatus, resetFeatures } from './features/index';
import {
  acts, buildModel, conceptTotal, explainConcepts, frame, inBuf, logits, probs, pushPacket, recomputeWindow, resetState,
} from './model';

/** ABI version: bumped when an export changes meaning. */
const PCE_ABI_VERSION = 1;

let ready = false;

/** ABI version of this engine. */
export function pce_version(): i32 {
  return PCE_ABI_VERSION;
}

/** Blob format version this engine reads. */
export function pce_blob_version(): i32 {
  return <i32>VERSION;
}

/**
 * Resets the arena and returns where the host copies a blob of `len` bytes
 * (16-aligned), or 0 if len exceeds 64 MiB or memory cannot grow. The engine
 * is uninitialised until the next successful pce_init.
 */
export function pce_blob_alloc(len: u32): usize {
  ready = false;
  arenaReset(ARENA_BASE);
  if (len > LIMIT_TOTAL_BYTES) return 0;
  return arenaAlloc(len);
}

/**
 * Validates the blob at [ptr, ptr + len) and lays out the model after it.
 * Returns 0 or an error code (pce_error_message). The blob must stay in place
 * and unmodified while the engine runs: weights are read where they lie.
 */
export function pce_init(ptr: usize, len: u32): i32 {
  ready = false;
  clearError();
  resetFeatures();
  const memBytes = <u64>memory.size() << 16;
  if (ptr < ARENA_BASE || <u64>ptr + <u64>len > memBytes) return fail(PCE_ERR_BLOB_RANGE, 0);
  arenaReset(ptr + len);
  const err = validateBlob(ptr, len);
  if (err != PCE_OK) return err;
  if (!buildModel()) return fail(PCE_ERR_OUT_OF_MEMORY, 0);
  ready = true;
  return PCE_OK;
}

/**
 * Back to a window of zero frames (eq. 10), no per-source windows and empty feature state. 0, or
 * -PCE_ERR_NOT_INITIALISED (the feature state is cleared even then).
 */
export function pce_reset(): i32 {
  resetFeatures();
  if (!ready) return -PCE_ERR_NOT_INITIALISED;
  resetState();
  return 0;
}

/**
 * Runs one packet from the int16[P] at pce_input_ptr(), in the window of the source address in
 * the packet metadata record when the blob has per-source windows; returns the class index, or
 * -PCE_ERR_NOT_INITIALISED.
 */
export function pce_push(): i32 {
  if (!ready) return -PCE_ERR_NOT_INITIALISED;
  return pushPacket();
}

/**
 * Recomputes the decision for the current window from the stored frames
 * (k, v of every slot, then attention and the rest) into the same outputs;
 * equal to the last pce_push() by construction of eq. (10). The GNN state is
 * left alone: pce_explain() still gives the last push's concept activations.
 */
export function pce_recompute(): i32 {
  if (!ready) return -PCE_ERR_NOT_INITIALISED;
  return recomputeWindow();
}

/** int16[P]: quantized features of the next packet (0 if uninitialised). */
export function pce_input_ptr(): usize {
  return ready ? inBuf : 0;
}

/** int32[C]: Q15 probabilities of the last decision (prob = value / 32768). */
export function pce_probs_ptr(): usize {
  return ready ? probs : 0;
}

/** int16[C]: logits of the last decision (scale s_l). */
export function pce_logits_ptr(): usize {
  return ready ? logits : 0;
}

/** int16[D]: the newest frame f (real value = f · frame_scale). */
export function pce_frame_ptr(): usize {
  return ready ? frame : 0;
}

/**
 * int32[pce_concept_count()]: concept activations of the last pushed packet,
 * every mission, concatenated (scale frame_scale). Computed on demand: this
 * call (or pce_explain) brings them up to date, so call it after each push
 * before reading.
 */
export function pce_concepts_ptr(): usize {
  if (!ready) return 0;
  explainConcepts();
  return acts;
}

/** Computes the last pushed packet's concept activations at pce_concepts_ptr(). 0, or -PCE_ERR_NOT_INITIALISED. */
export function pce_explain(): i32 {
  if (!ready) return -PCE_ERR_NOT_INITIALISED;
  explainConcepts();
  return 0;
}

/** Number of concepts, Σ_m (N_m - 2). */
export function pce_concept_count(): i32 {
  return ready ? conceptTotal : 0;
}

/** DIMS word i of the loaded blob (raw bits for the two scales), or -1. */
export function pce_dim(i: i32): i32 {
  if (!ready || i < 0 || i >= <i32>DIM_OUT_DIMS + dK + dM) return -1;
  return load<i32>(dimsAt + (<usize>i << 2));
}

const messageBuf = memory.data(4 + 256);

/** Message of an error code: pointer to a u32 byte length followed by that many ASCII bytes. */
export function pce_error_message(code: i32): usize {
  const s = errorText(code < 0 ? -code : code);
  const n = min(s.length, 256);
  for (let i = 0; i < n; i++) store<u8>(messageBuf + 4 + <usize>i, <u8>s.charCodeAt(i));
  store<u32>(messageBuf, <u32>n);
  return messageBuf;
}

/** Byte offset in the blob where the last pce_init error was found, or -1. */
export function pce_error_offset(): i32 {
  return errorOffset;
}

/** Tensor id the last pce_init error concerns, or 0. */
export function pce_error_tensor(): u32 {
  return errorTensor;
}

/** The blob's window_sources: 0 = one window for every packet, S = one per source address, at most S (LRU); -1 if uninitialised. */
export function pce_window_sources(): i32 {
  return ready ? dSources : -1;
}

/** Linear memory size in bytes (what the engine has grown to). */
export function pce_memory_bytes(): u32 {
  return <u32>memory.size() << 16;
}

/** Bytes of linear memory in use: static data, blob and model state. */
export function pce_arena_bytes(): u32 {
  return <u32>arenaTop();
}

// ---- Packet input (docs/features.md; assembly/features/) ----

/** u8[pce_packet_capacity()]: where the host writes a frame for pce_push_packet / pce_extract. Needs no blob. */
export function pce_packet_buf_ptr(): usize {
  return packetBuf;
}

/** Bytes of the packet buffer (PACKET_CAPACITY, 2,048): the longest frame pce_push_packet / pce_extract take. */
export function pce_packet_capacity(): u32 {
  return <u32>PACKET_CAPACITY;
}

/** The feature layout version this engine computes (docs/features.md). */
export function pce_feature_version(): i32 {
  return FEATURE_VERSION;
}

/** u8[128]: the features of the last packet given to pce_push_packet or pce_extract. */
export function pce_features_ptr(): usize {
  return featBuf;
}

/**
 * u8[48]: where the last packet given to pce_push_packet / pce_extract goes (docs/engine-abi.md,
 * "Packet metadata"): IP version, protocol, flags, TCP flags, ports, flow id, addresses. Needs no blob.
 */
export function pce_packet_meta_ptr(): usize {
  return metaBuf;
}

/** Decode status of the last packet (docs/features.md, "Decode status"): 0 ok, else why it was not fully decoded. */
export function pce_packet_status(): i32 {
  return packetStatus();
}

/**
 * Features only, no model (training data): decodes the `len`-byte frame in the
 * packet buffer, captured on link type `linkType` at ts_hi·2^32 + ts_lo µs
 * (a signed i64), `origLen` bytes on the wire; updates the per-address state
 * and writes u8[128] at pce_features_ptr(). Needs no blob. Returns the decode
 * status (>= 0), or -PCE_ERR_PACKET_LENGTH.
 */
export function pce_extract(len: u32, linkType: u32, tsLo: u32, tsHi: i32, origLen: u32): i32 {
  return extractPacket(len, linkType, (<i64>tsHi << 32) | <i64>tsLo, origLen);
}

/**
 * pce_extract, then the model on q = 128 · v (exactly pce_push on those
 * features). Class index, or -PCE_ERR_NOT_INITIALISED, -PCE_ERR_FEATURE_VERSION
 * (blob feature_version != 1), -PCE_ERR_FEATURE_WIDTH (P != 128),
 * -PCE_ERR_PACKET_LENGTH; on an error no state changes.
 */
export function pce_push_packet(len: u32, linkType: u32, tsLo: u32, tsHi: i32, origLen: u32): i32 {
  if (!ready) return -PCE_ERR_NOT_INITIALISED;
  const refused = packetInputError(load<i32>(dimsAt + (<usize>DIM_FEATURE_VERSION << 2)), dP);
  if (refused != 0) return -refused;
  const status = extractPacket(len, linkType, (<i64>tsHi << 32) | <i64>tsLo, origLen);
  if (status < 0) return status;
  for (let i: usize = 0; i < 128; i++) store<i16>(inBuf + (i << 1), <i16>(<i32>load<u8>(featBuf + i) << 7));
  return pushPacket();
}
