/*
 * pce.h: the packetclip-edge engine as a C library (libpce.a), for router and
 * IoT firmware (issue 10, docs/firmware.md).
 *
 * The engine is the same WebAssembly module the Node host runs
 * (build/packetclip.wasm / packetclip.simd.wasm), translated to C by wasm2c
 * at build time; results are bit-identical to every other runtime
 * (docs/conformance.md). This header is all a firmware daemon needs:
 *
 *   pce_error err;
 *   pce_engine *e = pce_engine_open(blob, blob_len, PCE_BUILD_AUTO, &err);
 *   if (!e) { fprintf(stderr, "%s\n", err.message); ... }
 *   pce_verdict v;
 *   pce_engine_push(e, frame, len, ts_us, 1, wire_len, &v);   // 1 = LINKTYPE_ETHERNET
 *   printf("%s %d\n", pce_engine_class_name(e, v.class_index), v.probs_q15[v.class_index]);
 *   pce_engine_close(e);
 *
 * Memory is bounded: engine instances live in a fixed table and their
 * linear memories in fixed slots (pce_ram_bytes()); malloc is never called,
 * and nothing is allocated per packet. On 32-bit targets the slots are a
 * static pool. On x86-64 and aarch64 (guard-page builds, docs/firmware.md)
 * pce_engine_open maps each memory as an 8 GiB PROT_NONE reservation of
 * which only the pages in use are committed, and libpce installs a SIGSEGV
 * and SIGBUS handler (previous handlers still get every other fault). Not
 * thread-safe: use one thread for all calls.
 */
#ifndef PCE_H
#define PCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most classes a model may have (the blob format's limit). */
#define PCE_MAX_CLASSES 64
/** Longest class name in bytes (the blob format's limit), without the NUL. */
#define PCE_MAX_NAME_BYTES 255

/** Outcome of a library call. */
typedef enum pce_status {
  PCE_STATUS_OK = 0,
  PCE_STATUS_ENGINE = 1,    /* the engine refused: pce_error.code and .message say why */
  PCE_STATUS_NO_SLOT = 2,   /* every static engine slot is in use (close one first) */
  PCE_STATUS_TOO_LARGE = 3, /* the blob does not fit the static memory of a slot */
  PCE_STATUS_TRAP = 4,      /* the engine trapped (a bug: no input is meant to do this) */
  PCE_STATUS_BAD_ARG = 5,   /* NULL pointer, or a build this library was compiled without */
} pce_status;

/** Which translation of the engine runs. Both give the same bits. */
typedef enum pce_build {
  PCE_BUILD_AUTO = 0,   /* SIMD when compiled in, else scalar */
  PCE_BUILD_SIMD = 1,   /* packetclip.simd.wasm (x86-64, aarch64 builds) */
  PCE_BUILD_SCALAR = 2, /* packetclip.wasm (every build) */
} pce_build;

/** Why pce_engine_open() failed. */
typedef struct pce_error {
  pce_status status; /* never PCE_STATUS_OK after a failure */
  int32_t code;      /* the engine's error code (docs/engine-abi.md, "Error codes"), 0 if none */
  int32_t offset;    /* byte offset in the blob where the engine found the fault, or -1 */
  uint32_t tensor;   /* tensor id the fault concerns, or 0 */
  char message[192]; /* NUL-terminated: the engine's text, or the library's */
} pce_error;

/** Flag bits of pce_packet_meta.flags. */
#define PCE_META_HAS_PORTS 1u     /* src_port and dst_port are the TCP/UDP ports */
#define PCE_META_HAS_TCP_FLAGS 2u /* tcp_flags is the TCP flags byte */

/**
 * Where a packet goes, as the engine decoded it: the engine's packet metadata
 * record (docs/engine-abi.md, "Packet metadata"), the same values every host reads.
 */
typedef struct pce_packet_meta {
  uint8_t ip_version; /* 4 or 6 when both IP addresses were captured, else 0 (and every field is 0) */
  uint8_t protocol;   /* IPv4 protocol / last IPv6 next header */
  uint8_t flags;      /* PCE_META_HAS_PORTS | PCE_META_HAS_TCP_FLAGS */
  uint8_t tcp_flags;
  uint16_t src_port;
  uint16_t dst_port;
  uint64_t flow_id;   /* hash of the direction-independent 5-tuple, 1..2^53-1; 0 without addresses */
  uint8_t src[16];    /* network byte order; IPv4 in the first 4 bytes */
  uint8_t dst[16];
} pce_packet_meta;

/** The decision for one packet. */
typedef struct pce_verdict {
  int32_t class_index;    /* decided class, 0..class_count-1 */
  uint32_t decode_status; /* the engine's decode status (0 = ok; docs/features.md) */
  uint32_t class_count;   /* valid entries of probs_q15 */
  int32_t probs_q15[PCE_MAX_CLASSES]; /* probability of class k = probs_q15[k] / 32768 */
  pce_packet_meta meta;   /* where the packet goes */
} pce_verdict;

/** What an open engine runs. */
typedef struct pce_info {
  pce_build build;         /* PCE_BUILD_SIMD or PCE_BUILD_SCALAR */
  uint32_t abi_version;    /* pce_version() of the engine */
  uint32_t class_count;
  uint32_t concept_count;  /* entries pce_engine_explain() writes */
  uint32_t window_sources; /* 0: one temporal window; S: one per source address, at most S (docs/engine-abi.md) */
  uint32_t memory_bytes;   /* linear memory of this engine */
  uint32_t arena_bytes;    /* bytes of it in use (static data + blob + state) */
} pce_info;

typedef struct pce_engine pce_engine;

/**
 * Loads a blob (.pclip bytes) into a free engine slot. The engine validates
 * it completely; the caller may free `blob` afterwards (it is copied). The
 * model must take packet input (feature version 1, 128 features). On failure
 * returns NULL and fills *err (if err is not NULL).
 */
pce_engine* pce_engine_open(const void* blob, size_t len, pce_build build, pce_error* err);

/**
 * Runs one raw frame: `len` captured bytes (frames longer than the engine's
 * packet buffer, 65,664 bytes, are cut to it), capture time in microseconds
 * since the epoch, LINKTYPE_* value, and length on the wire (0 = len).
 * Fills *out; returns PCE_STATUS_OK or PCE_STATUS_TRAP / PCE_STATUS_BAD_ARG.
 */
pce_status pce_engine_push(pce_engine* e, const uint8_t* frame, uint32_t len, int64_t ts_us,
                           uint32_t link_type, uint32_t orig_len, pce_verdict* out);

/**
 * Concept activations of the last pushed packet (scale: the model's frame
 * scale; docs/run-format.md "Explanations"), computed on demand. Writes at
 * most `cap` values; returns the number of concepts, or -1 on a trap.
 */
int32_t pce_engine_explain(pce_engine* e, int32_t* out, uint32_t cap);

/** Back to an empty window and empty feature tables. */
pce_status pce_engine_reset(pce_engine* e);

/** Frees the slot (never fails; NULL is ignored). */
void pce_engine_close(pce_engine* e);

/** Class k's name (NUL-terminated UTF-8), or NULL when k is out of range. */
const char* pce_engine_class_name(const pce_engine* e, uint32_t k);

/** Fills *info. */
void pce_engine_info(const pce_engine* e, pce_info* info);

/** Most RAM the library can use: every slot's memory and engine state (static on 32-bit targets). */
size_t pce_ram_bytes(void);

/** Words for a status. */
const char* pce_status_text(pce_status status);

/** Whether this library was built with the SIMD translation. */
int pce_has_simd(void);

#ifdef __cplusplus
}
#endif
#endif /* PCE_H */
