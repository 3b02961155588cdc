/** The engine's exports (docs/engine-abi.md), typed for hosts: src/engine.ts and the packet input share it. */

/** The raw exports of an engine instance (docs/engine-abi.md). */
export interface EngineExports {
  memory: WebAssembly.Memory;
  pce_version(): number;
  pce_blob_version(): number;
  pce_blob_alloc(len: number): number;
  pce_init(ptr: number, len: number): number;
  pce_reset(): number;
  pce_push(): number;
  pce_recompute(): number;
  pce_input_ptr(): number;
  pce_probs_ptr(): number;
  pce_logits_ptr(): number;
  pce_frame_ptr(): number;
  pce_concepts_ptr(): number;
  pce_explain(): number;
  pce_concept_count(): number;
  pce_dim(i: number): number;
  pce_error_message(code: number): number;
  pce_error_offset(): number;
  pce_error_tensor(): number;
  pce_window_sources(): number;
  pce_memory_bytes(): number;
  pce_arena_bytes(): number;
  pce_packet_buf_ptr(): number;
  pce_packet_capacity(): number;
  pce_feature_version(): number;
  pce_features_ptr(): number;
  pce_packet_status(): number;
  pce_packet_meta_ptr(): number;
  pce_extract(len: number, linkType: number, tsLo: number, tsHi: number, origLen: number): number;
  pce_push_packet(len: number, linkType: number, tsLo: number, tsHi: number, origLen: number): number;
}
