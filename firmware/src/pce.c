/*
 * libpce: drives the wasm2c translation of the engine through its ABI
 * (docs/engine-abi.md), the way src/engine.ts drives it in Node.
 *
 * Every call into generated code runs under a trap guard (setjmp), so a trap
 * becomes PCE_STATUS_TRAP instead of an abort. Linear memory is little-endian
 * Wasm memory; on a big-endian host the runtime stores it byte-reversed
 * (firmware/runtime/wasm-rt.h), so every host access goes through
 * pce_mem_at() below and pce_mem_write() (pce_instance.h), which know both
 * layouts.
 */
#include "pce.h"

#include <stdio.h>
#include <string.h>

#include "pce_blob.h"
#include "pce_instance.h"

_Static_assert(PCE_MAX_CLASSES == PCE_BLOB_LIMIT_C_MAX, "pce.h class limit differs from the blob format");
_Static_assert(PCE_MAX_NAME_BYTES == PCE_BLOB_LIMIT_NAME_BYTES, "pce.h name limit differs from the blob format");

#ifndef PCE_RT_SLOTS
#define PCE_RT_SLOTS 2
#endif

#define PCE_FEATURE_VERSION 1u
#define PCE_FEATURE_WIDTH 128u
#define PCE_ERR_FEATURE_VERSION 64
#define PCE_ERR_FEATURE_WIDTH 65
#define PCE_ERR_OUT_OF_MEMORY 3

/* The exports the library uses, for one translation (simd or scalar). */
typedef struct pce_vtable {
  pce_build build;
  void (*instantiate)(void* inst);
  void (*free_instance)(void* inst);
  wasm_rt_memory_t* (*memory)(void* inst);
  uint32_t (*version)(void* inst);
  uint32_t (*blob_alloc)(void* inst, uint32_t len);
  uint32_t (*init)(void* inst, uint32_t ptr, uint32_t len);
  uint32_t (*reset)(void* inst);
  uint32_t (*push_packet)(void* inst, uint32_t len, uint32_t link, uint32_t lo, uint32_t hi, uint32_t orig);
  uint32_t (*probs_ptr)(void* inst);
  uint32_t (*concepts_ptr)(void* inst);
  uint32_t (*concept_count)(void* inst);
  uint32_t (*dim)(void* inst, uint32_t i);
  uint32_t (*error_message)(void* inst, uint32_t code);
  uint32_t (*error_offset)(void* inst);
  uint32_t (*error_tensor)(void* inst);
  uint32_t (*window_sources)(void* inst);
  uint32_t (*memory_bytes)(void* inst);
  uint32_t (*arena_bytes)(void* inst);
  uint32_t (*packet_buf_ptr)(void* inst);
  uint32_t (*packet_capacity)(void* inst);
  uint32_t (*packet_status)(void* inst);
  uint32_t (*packet_meta_ptr)(void* inst);
} pce_vtable;

/* Wrappers with a common signature around one module's generated exports. */
#define PCE_DEFINE_VTABLE(mod, build_value)                                                             \
  static void mod##_instantiate(void* i) { wasm2c_##mod##_instantiate((w2c_##mod*)i); }                 \
  static void mod##_free(void* i) { wasm2c_##mod##_free((w2c_##mod*)i); }                               \
  static wasm_rt_memory_t* mod##_memory(void* i) { return w2c_##mod##_memory((w2c_##mod*)i); }          \
  static uint32_t mod##_version(void* i) { return w2c_##mod##_pce_version((w2c_##mod*)i); }             \
  static uint32_t mod##_blob_alloc(void* i, uint32_t n) { return w2c_##mod##_pce_blob_alloc((w2c_##mod*)i, n); } \
  static uint32_t mod##_init(void* i, uint32_t p, uint32_t n) { return w2c_##mod##_pce_init((w2c_##mod*)i, p, n); } \
  static uint32_t mod##_reset(void* i) { return w2c_##mod##_pce_reset((w2c_##mod*)i); }                 \
  static uint32_t mod##_push_packet(void* i, uint32_t n, uint32_t l, uint32_t lo, uint32_t hi, uint32_t o) { \
    return w2c_##mod##_pce_push_packet((w2c_##mod*)i, n, l, lo, hi, o);                                 \
  }                                                                                                     \
  static uint32_t mod##_probs_ptr(void* i) { return w2c_##mod##_pce_probs_ptr((w2c_##mod*)i); }         \
  static uint32_t mod##_concepts_ptr(void* i) { return w2c_##mod##_pce_concepts_ptr((w2c_##mod*)i); }   \
  static uint32_t mod##_concept_count(void* i) { return w2c_##mod##_pce_concept_count((w2c_##mod*)i); } \
  static uint32_t mod##_dim(void* i, uint32_t k) { return w2c_##mod##_pce_dim((w2c_##mod*)i, k); }      \
  static uint32_t mod##_error_message(void* i, uint32_t c) { return w2c_##mod##_pce_error_message((w2c_##mod*)i, c); } \
  static uint32_t mod##_error_offset(void* i) { return w2c_##mod##_pce_error_offset((w2c_##mod*)i); }   \
  static uint32_t mod##_error_tensor(void* i) { return w2c_##mod##_pce_error_tensor((w2c_##mod*)i); }   \
  static uint32_t mod##_window_sources(void* i) { return w2c_##mod##_pce_window_sources((w2c_##mod*)i); } \
  static uint32_t mod##_memory_bytes(void* i) { return w2c_##mod##_pce_memory_bytes((w2c_##mod*)i); }   \
  static uint32_t mod##_arena_bytes(void* i) { return w2c_##mod##_pce_arena_bytes((w2c_##mod*)i); }     \
  static uint32_t mod##_packet_buf_ptr(void* i) { return w2c_##mod##_pce_packet_buf_ptr((w2c_##mod*)i); } \
  static uint32_t mod##_packet_capacity(void* i) { return w2c_##mod##_pce_packet_capacity((w2c_##mod*)i); } \
  static uint32_t mod##_packet_status(void* i) { return w2c_##mod##_pce_packet_status((w2c_##mod*)i); } \
  static uint32_t mod##_packet_meta_ptr(void* i) { return w2c_##mod##_pce_packet_meta_ptr((w2c_##mod*)i); } \
  static const pce_vtable mod##_vtable = {                                                              \
      build_value, mod##_instantiate, mod##_free, mod##_memory, mod##_version, mod##_blob_alloc,        \
      mod##_init, mod##_reset, mod##_push_packet, mod##_probs_ptr, mod##_concepts_ptr,                  \
      mod##_concept_count, mod##_dim, mod##_error_message, mod##_error_offset, mod##_error_tensor,      \
      mod##_window_sources, mod##_memory_bytes, mod##_arena_bytes, mod##_packet_buf_ptr,                \
      mod##_packet_capacity, mod##_packet_status, mod##_packet_meta_ptr,                                \
  };

PCE_DEFINE_VTABLE(pcescalar, PCE_BUILD_SCALAR)
#if PCE_HAVE_SIMD
PCE_DEFINE_VTABLE(pcesimd, PCE_BUILD_SIMD)
#endif

struct pce_engine {
  const pce_vtable* vt;
  pce_instance inst;
  wasm_rt_memory_t* mem;
  int in_use;
  int instantiated;
  uint32_t classes;      /* C */
  uint32_t packet_buf;   /* pce_packet_buf_ptr() */
  uint32_t packet_cap;   /* pce_packet_capacity() */
  uint32_t probs;        /* pce_probs_ptr() */
  uint32_t meta;         /* pce_packet_meta_ptr() */
  char names[PCE_MAX_CLASSES][PCE_MAX_NAME_BYTES + 1];
};

static pce_engine pce_engines[PCE_RT_SLOTS];

/* ---- linear memory access, either byte order ---- */

/* Host address of the n bytes at Wasm address addr (the lowest host address
 * of the object, which on a big-endian host holds its last byte). */
static inline uint8_t* pce_mem_at(const wasm_rt_memory_t* m, uint32_t addr, uint32_t n) {
#if WABT_BIG_ENDIAN
  return m->data_end - addr - n;
#else
  (void)n;
  return m->data + addr;
#endif
}

static inline int pce_mem_fits(const wasm_rt_memory_t* m, uint32_t addr, uint64_t n) {
  return (uint64_t)addr + n <= m->size;
}

static inline uint8_t pce_mem_u8(const wasm_rt_memory_t* m, uint32_t addr) {
  return *pce_mem_at(m, addr, 1);
}

/* A little-endian i32 of Wasm memory, as a host value. */
static inline int32_t pce_mem_i32(const wasm_rt_memory_t* m, uint32_t addr) {
  int32_t v;
  memcpy(&v, pce_mem_at(m, addr, 4), 4);
  return v;
}

/* ---- helpers ---- */

/* The engine's packet metadata record (docs/engine-abi.md, "Packet metadata"; assembly/features/meta.ts). */
#define PCE_META_BYTES 48u
#define PCE_META_FLOW_LO 8u
#define PCE_META_SRC_ADDR 16u
#define PCE_META_DST_ADDR 32u

static void pce_read_meta(const pce_engine* e, pce_packet_meta* m);

static uint32_t pce_le32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void pce_error_set(pce_error* err, pce_status status, int32_t code, const char* message) {
  if (err == NULL) return;
  err->status = status;
  err->code = code;
  err->offset = -1;
  err->tensor = 0;
  snprintf(err->message, sizeof err->message, "%s", message);
}

/* The engine's message for `code`: u32 length then ASCII bytes at the returned pointer. */
static void pce_engine_message(pce_engine* e, int32_t code, pce_error* err) {
  char text[sizeof err->message];
  uint32_t p = e->vt->error_message(&e->inst, (uint32_t)code);
  uint32_t n = pce_mem_fits(e->mem, p, 4) ? (uint32_t)pce_mem_i32(e->mem, p) : 0;
  if (n >= sizeof text || !pce_mem_fits(e->mem, p + 4, n)) n = 0;
  for (uint32_t i = 0; i < n; i++) text[i] = (char)pce_mem_u8(e->mem, p + 4 + i);
  text[n] = '\0';
  pce_error_set(err, PCE_STATUS_ENGINE, code, n ? text : "engine error");
}

/* Class names: the first C entries of the blob's NAMES section (already validated by pce_init). */
static void pce_read_names(pce_engine* e, const uint8_t* blob, size_t len) {
  uint32_t count = pce_le32(blob + 16);
  for (uint32_t s = 0; s < count; s++) {
    const uint8_t* entry = blob + PCE_BLOB_HEADER_BYTES + s * PCE_BLOB_SECTION_ENTRY_BYTES;
    if (pce_le32(entry) != PCE_BLOB_SECTION_NAMES) continue;
    size_t p = pce_le32(entry + 4) + 4, end = pce_le32(entry + 4) + (size_t)pce_le32(entry + 8);
    for (uint32_t k = 0; k < e->classes && p + 2 <= end && end <= len; k++) {
      uint32_t n = (uint32_t)blob[p] | (uint32_t)blob[p + 1] << 8;
      if (n > PCE_MAX_NAME_BYTES || p + 2 + n > end) break;
      memcpy(e->names[k], blob + p + 2, n);
      e->names[k][n] = '\0';
      p += 2 + n;
    }
  }
}

/* Copies the record into *m, field by field (Wasm memory is little-endian, whatever the host). */
static void pce_read_meta(const pce_engine* e, pce_packet_meta* m) {
  const wasm_rt_memory_t* mem = e->mem;
  uint32_t p = e->meta;
  memset(m, 0, sizeof *m);
  m->ip_version = pce_mem_u8(mem, p);
  if (m->ip_version != 4 && m->ip_version != 6) {
    m->ip_version = 0;
    return;
  }
  m->protocol = pce_mem_u8(mem, p + 1);
  m->flags = pce_mem_u8(mem, p + 2);
  m->tcp_flags = pce_mem_u8(mem, p + 3);
  m->src_port = (uint16_t)(pce_mem_u8(mem, p + 4) | pce_mem_u8(mem, p + 5) << 8);
  m->dst_port = (uint16_t)(pce_mem_u8(mem, p + 6) | pce_mem_u8(mem, p + 7) << 8);
  m->flow_id = (uint64_t)(uint32_t)pce_mem_i32(mem, p + PCE_META_FLOW_LO) |
               (uint64_t)(uint32_t)pce_mem_i32(mem, p + PCE_META_FLOW_LO + 4) << 32;
  for (uint32_t i = 0; i < 16; i++) {
    m->src[i] = pce_mem_u8(mem, p + PCE_META_SRC_ADDR + i);
    m->dst[i] = pce_mem_u8(mem, p + PCE_META_DST_ADDR + i);
  }
}

/* Runs `body` with traps caught; on a trap jumps to `on_trap`. */
#define PCE_GUARDED(on_trap, body)                  \
  do {                                              \
    jmp_buf pce_jb;                                 \
    jmp_buf* pce_saved = pce_rt_trap_target;        \
    if (setjmp(pce_jb) != 0) {                      \
      pce_rt_trap_target = pce_saved;               \
      goto on_trap;                                 \
    }                                               \
    pce_rt_trap_target = &pce_jb;                   \
    body;                                           \
    pce_rt_trap_target = pce_saved;                 \
  } while (0)

/* ---- API ---- */

int pce_has_simd(void) { return PCE_HAVE_SIMD; }

/* Why a free slot still gave no memory. A guard-page reservation is address
 * space, not RAM: only an address-space limit makes it fail. */
#if WASM_RT_MEMCHECK_GUARD_PAGES
#define PCE_NO_MEMORY "cannot reserve the engine's memory: guard pages need 8 GiB of address space " \
                      "(is an address-space limit such as ulimit -v set? a GUARD_PAGES=0 build needs none)"
#else
#define PCE_NO_MEMORY "no static memory for another engine"
#endif

pce_engine* pce_engine_open(const void* blob, size_t len, pce_build build, pce_error* err) {
  const pce_vtable* vt = &pcescalar_vtable;
  pce_engine* volatile e = NULL;
  uint32_t code = 0, ptr = 0;
  if (blob == NULL && len != 0) {
    pce_error_set(err, PCE_STATUS_BAD_ARG, 0, "blob is NULL");
    return NULL;
  }
#if PCE_HAVE_SIMD
  if (build != PCE_BUILD_SCALAR) vt = &pcesimd_vtable;
#else
  if (build == PCE_BUILD_SIMD) {
    pce_error_set(err, PCE_STATUS_BAD_ARG, 0, "this libpce was built without the SIMD engine");
    return NULL;
  }
#endif
  for (int i = 0; i < PCE_RT_SLOTS; i++) {
    if (!pce_engines[i].in_use) {
      e = &pce_engines[i];
      break;
    }
  }
  if (e == NULL || pce_rt_slots_free() == 0) {
    pce_error_set(err, PCE_STATUS_NO_SLOT, 0, "every engine slot is in use");
    return NULL;
  }
  if (len > pce_rt_slot_bytes()) {
    pce_error_set(err, PCE_STATUS_TOO_LARGE, 0, "blob is larger than the engine's static memory");
    return NULL;
  }
  memset(e, 0, sizeof *e);
  e->vt = vt;
  e->in_use = 1;
  if (!wasm_rt_is_initialized()) wasm_rt_init();
  PCE_GUARDED(trapped, {
    vt->instantiate(&e->inst);
    e->instantiated = 1;
    e->mem = vt->memory(&e->inst);
    ptr = vt->blob_alloc(&e->inst, (uint32_t)len);
    if (ptr != 0 && pce_mem_fits(e->mem, ptr, len)) {
      pce_mem_write(e->mem, ptr, (const uint8_t*)blob, len);
      code = vt->init(&e->inst, ptr, (uint32_t)len);
    }
  });
  if (ptr == 0 || !pce_mem_fits(e->mem, ptr, len)) {
    pce_engine_message(e, PCE_ERR_OUT_OF_MEMORY, err);
    if (err) err->status = PCE_STATUS_TOO_LARGE;
    goto fail;
  }
  if (code != 0) {
    pce_engine_message(e, (int32_t)code, err);
    if (err) {
      err->offset = (int32_t)vt->error_offset(&e->inst);
      err->tensor = vt->error_tensor(&e->inst);
    }
    goto fail;
  }
  if (vt->dim(&e->inst, PCE_BLOB_DIM_FEATURE_VERSION) != PCE_FEATURE_VERSION) {
    pce_engine_message(e, PCE_ERR_FEATURE_VERSION, err);
    goto fail;
  }
  if (vt->dim(&e->inst, PCE_BLOB_DIM_P) != PCE_FEATURE_WIDTH) {
    pce_engine_message(e, PCE_ERR_FEATURE_WIDTH, err);
    goto fail;
  }
  e->classes = vt->dim(&e->inst, PCE_BLOB_DIM_C);
  e->packet_buf = vt->packet_buf_ptr(&e->inst);
  e->packet_cap = vt->packet_capacity(&e->inst);
  e->probs = vt->probs_ptr(&e->inst);
  e->meta = vt->packet_meta_ptr(&e->inst);
  if (e->classes > PCE_MAX_CLASSES || !pce_mem_fits(e->mem, e->probs, 4ull * e->classes) ||
      !pce_mem_fits(e->mem, e->meta, PCE_META_BYTES) ||
      !pce_mem_fits(e->mem, e->packet_buf, e->packet_cap)) {
    pce_error_set(err, PCE_STATUS_ENGINE, 0, "engine reported an impossible layout");
    goto fail;
  }
  pce_read_names(e, (const uint8_t*)blob, len);
  return e;
trapped:
  pce_error_set(err, PCE_STATUS_TRAP, 0, e->instantiated ? "the engine trapped while loading the blob" : PCE_NO_MEMORY);
fail:
  if (e->instantiated) vt->free_instance(&e->inst);
  e->in_use = 0;
  return NULL;
}

pce_status pce_engine_push(pce_engine* e, const uint8_t* frame, uint32_t len, int64_t ts_us,
                           uint32_t link_type, uint32_t orig_len, pce_verdict* out) {
  uint32_t k = 0, status = 0;
  if (e == NULL || out == NULL || (frame == NULL && len != 0)) return PCE_STATUS_BAD_ARG;
  uint32_t n = len < e->packet_cap ? len : e->packet_cap;
  uint32_t orig = orig_len > len ? orig_len : len; /* the engine uses max(orig, len) too */
  pce_mem_write(e->mem, e->packet_buf, frame, n);
  PCE_GUARDED(trapped, {
    k = e->vt->push_packet(&e->inst, n, link_type, (uint32_t)(uint64_t)ts_us,
                           (uint32_t)((uint64_t)ts_us >> 32), orig);
    status = e->vt->packet_status(&e->inst);
  });
  out->class_index = (int32_t)k;
  out->decode_status = status;
  out->class_count = e->classes;
  for (uint32_t c = 0; c < e->classes; c++) out->probs_q15[c] = pce_mem_i32(e->mem, e->probs + 4 * c);
  pce_read_meta(e, &out->meta);
  return PCE_STATUS_OK;
trapped:
  return PCE_STATUS_TRAP;
}

int32_t pce_engine_explain(pce_engine* e, int32_t* out, uint32_t cap) {
  uint32_t p = 0, count = 0;
  if (e == NULL || (out == NULL && cap != 0)) return -1;
  PCE_GUARDED(trapped, {
    p = e->vt->concepts_ptr(&e->inst);
    count = e->vt->concept_count(&e->inst);
  });
  if (!pce_mem_fits(e->mem, p, 4ull * count)) return -1;
  for (uint32_t i = 0; i < count && i < cap; i++) out[i] = pce_mem_i32(e->mem, p + 4 * i);
  return (int32_t)count;
trapped:
  return -1;
}

pce_status pce_engine_reset(pce_engine* e) {
  if (e == NULL) return PCE_STATUS_BAD_ARG;
  PCE_GUARDED(trapped, { e->vt->reset(&e->inst); });
  return PCE_STATUS_OK;
trapped:
  return PCE_STATUS_TRAP;
}

void pce_engine_close(pce_engine* e) {
  if (e == NULL || !e->in_use) return;
  if (e->instantiated) e->vt->free_instance(&e->inst);
  e->instantiated = 0;
  e->in_use = 0;
}

const char* pce_engine_class_name(const pce_engine* e, uint32_t k) {
  return e != NULL && k < e->classes ? e->names[k] : NULL;
}

void pce_engine_info(const pce_engine* e, pce_info* info) {
  pce_engine* m = (pce_engine*)e;
  memset(info, 0, sizeof *info);
  if (e == NULL) return;
  info->build = e->vt->build;
  info->class_count = e->classes;
  PCE_GUARDED(trapped, {
    info->abi_version = m->vt->version(&m->inst);
    info->concept_count = m->vt->concept_count(&m->inst);
    info->window_sources = m->vt->window_sources(&m->inst);
    info->memory_bytes = m->vt->memory_bytes(&m->inst);
    info->arena_bytes = m->vt->arena_bytes(&m->inst);
  });
trapped:
  return;
}

size_t pce_ram_bytes(void) {
  return (size_t)pce_rt_slot_bytes() * pce_rt_slot_count() + sizeof pce_engines;
}

const char* pce_status_text(pce_status status) {
  switch (status) {
    case PCE_STATUS_OK: return "ok";
    case PCE_STATUS_ENGINE: return "the engine refused the blob";
    case PCE_STATUS_NO_SLOT: return "every engine slot is in use";
    case PCE_STATUS_TOO_LARGE: return "the blob does not fit the engine's static memory";
    case PCE_STATUS_TRAP: return "the engine trapped";
    case PCE_STATUS_BAD_ARG: return "bad argument";
  }
  return "unknown status";
}
