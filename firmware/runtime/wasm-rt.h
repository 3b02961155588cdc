/*
 * packetclip-edge's own wasm2c runtime interface (issue 10).
 *
 * The C that wasm2c 1.0.39 (npm `wabt`) generates from the engine includes
 * "wasm-rt.h" and expects the types, macros and functions below. This file
 * declares exactly that much, written for this project: one memory per
 * instance, traps delivered with longjmp to the innermost guard that libpce
 * sets (pce_rt_trap_target). Tables, exceptions, threads and Segue are not
 * used by the engine and are only declared as far as the generated code names
 * them.
 *
 * Bounds checks, chosen per target by the Makefile (docs/firmware.md):
 *  - WASM_RT_MEMCHECK_GUARD_PAGES=0 (32-bit targets, the default here): each
 *    memory is a slot of a static pool and every load and store is checked
 *    in software.
 *  - WASM_RT_MEMCHECK_GUARD_PAGES=1 (64-bit little-endian Linux: x86-64,
 *    aarch64): each memory is an 8 GiB PROT_NONE reservation (every i32
 *    address plus every u32 offset lands inside it) of which only the pages
 *    in use are readable and writable; loads and stores are not checked, and
 *    a fault inside a reservation becomes the same WASM_RT_TRAP_OOB longjmp.
 */
#ifndef PCE_WASM_RT_H
#define PCE_WASM_RT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __has_builtin
#define __has_builtin(x) 0
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A big-endian host stores each memory byte-reversed (the generated
 * MEM_ADDR then reads every little-endian value as a native one). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WABT_BIG_ENDIAN 1
#else
#define WABT_BIG_ENDIAN 0
#endif

/* Features this runtime does not provide. */
#define WASM_RT_USE_SEGUE 0
#define WASM_RT_SEGUE_FREE_SEGMENT 0
#ifndef WASM_RT_MEMCHECK_GUARD_PAGES
#define WASM_RT_MEMCHECK_GUARD_PAGES 0
#endif
#if WASM_RT_MEMCHECK_GUARD_PAGES && (UINTPTR_MAX >> 32 == 0 || WABT_BIG_ENDIAN || !defined(__linux__))
#error "guard pages need a 64-bit little-endian Linux host (build with WASM_RT_MEMCHECK_GUARD_PAGES=0)"
#endif
#define WASM_RT_STACK_DEPTH_COUNT 0
#define WASM_RT_SANITY_CHECKS 0
#define WASM_RT_MAX_CALL_STACK_DEPTH 0

#define wasm_rt_memcpy memcpy

/** Value types, as the generated get_func_type() compares them. */
typedef enum {
  WASM_RT_I32,
  WASM_RT_I64,
  WASM_RT_F32,
  WASM_RT_F64,
  WASM_RT_V128,
  WASM_RT_FUNCREF,
  WASM_RT_EXTERNREF,
} wasm_rt_type_t;

/** Why the engine trapped; TRAP(x) in the generated code names WASM_RT_TRAP_x. */
typedef enum {
  WASM_RT_TRAP_NONE,
  WASM_RT_TRAP_OOB,
  WASM_RT_TRAP_INT_OVERFLOW,
  WASM_RT_TRAP_DIV_BY_ZERO,
  WASM_RT_TRAP_INVALID_CONVERSION,
  WASM_RT_TRAP_UNREACHABLE,
  WASM_RT_TRAP_CALL_INDIRECT,
  WASM_RT_TRAP_UNCAUGHT_EXCEPTION,
  WASM_RT_TRAP_UNALIGNED,
  WASM_RT_TRAP_EXHAUSTION,
  WASM_RT_TRAP_NULL_REF,
  WASM_RT_TRAP_OOM, /* this runtime: the static pool has no room */
} wasm_rt_trap_t;

/** A function signature: 32 bytes of hash the generated code compares with memcmp. */
typedef const uint8_t* wasm_rt_func_type_t;
typedef void (*wasm_rt_function_ptr_t)(void);

struct wasm_rt_tailcallee_t;
typedef void (*wasm_rt_tailcall_t)(void** instance_ptr, void* tail_call_stack,
                                   struct wasm_rt_tailcallee_t* next);
typedef struct wasm_rt_tailcallee_t {
  wasm_rt_tailcall_t fn;
} wasm_rt_tailcallee_t;

/** A function reference (table element). */
typedef struct {
  wasm_rt_func_type_t func_type;
  wasm_rt_function_ptr_t func;
  wasm_rt_tailcallee_t func_tailcallee;
  void* module_instance;
} wasm_rt_funcref_t;

typedef void* wasm_rt_externref_t;

static const wasm_rt_funcref_t wasm_rt_funcref_null_value = {NULL, NULL, {NULL}, NULL};
static const wasm_rt_externref_t wasm_rt_externref_null_value = NULL;

/** One linear memory. On a big-endian host byte a lives at data_end[-1 - a]. */
typedef struct {
  uint8_t* data;     /* lowest host address of the memory */
  uint8_t* data_end; /* data + size */
  uint64_t pages;    /* current size in pages */
  uint64_t max_pages;
  uint64_t size;     /* current size in bytes */
  bool is64;
  int slot;          /* index of the slot (pce_rt.c) */
} wasm_rt_memory_t;

typedef struct {
  wasm_rt_funcref_t* data;
  uint32_t max_size;
  uint32_t size;
} wasm_rt_funcref_table_t;

typedef struct {
  wasm_rt_externref_t* data;
  uint32_t max_size;
  uint32_t size;
} wasm_rt_externref_table_t;

void wasm_rt_init(void);
bool wasm_rt_is_initialized(void);
void wasm_rt_free(void);

/** Never returns: jumps to the innermost pce_rt_try() (aborts when there is none). */
void wasm_rt_trap(wasm_rt_trap_t trap) __attribute__((noreturn));

/** Takes a free slot; traps with WASM_RT_TRAP_OOM when none fits (or, with
 * guard pages, when the reservation cannot be mapped). */
void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint64_t initial_pages,
                             uint64_t max_pages, bool is64, uint32_t page_size);
/** Old size in pages, or (uint64_t)-1 when the slot cannot hold delta more pages. */
uint64_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint64_t delta);
void wasm_rt_free_memory(wasm_rt_memory_t* mem);

/* ---- project extensions (pce_rt.c) ---- */

/** Bytes of one pool slot: the most linear memory one instance can have. */
uint32_t pce_rt_slot_bytes(void);
/** Number of slots (engine instances that can exist at once). */
uint32_t pce_rt_slot_count(void);
/** Slots currently free. */
uint32_t pce_rt_slots_free(void);

/**
 * Trap handling: `pce_rt_trap_target` is where wasm_rt_trap() longjmps to
 * (with the trap code as the value). Callers save the previous target,
 * set their own, run, and restore it. With guard pages, the SIGSEGV/SIGBUS
 * handler that wasm_rt_init() installs longjmps there with WASM_RT_TRAP_OOB
 * when the fault lies inside a memory's reservation and a target is set;
 * any other fault goes to the previous disposition (a crash, by default).
 */
extern jmp_buf* pce_rt_trap_target;

#ifdef __cplusplus
}
#endif
#endif /* PCE_WASM_RT_H */
