/*
 * The wasm2c runtime of packetclip-edge (firmware/runtime/wasm-rt.h): linear
 * memories come from a static pool of PCE_RT_SLOTS slots of
 * PCE_RT_SLOT_BYTES each, so the firmware never calls malloc. An engine with
 * the shipped model uses 4 pages (256 KiB); the default slot of 1 MiB leaves
 * room for blobs up to ~700 KB. Two slots let pce-sense load a new model
 * beside the running one (SIGHUP) and switch atomically.
 */
#include "wasm-rt.h"

#include <stdlib.h>

#ifndef PCE_RT_SLOT_BYTES
#define PCE_RT_SLOT_BYTES (1u << 20)
#endif
#ifndef PCE_RT_SLOTS
#define PCE_RT_SLOTS 2
#endif

#define PCE_RT_PAGE 65536u

_Static_assert(PCE_RT_SLOT_BYTES % PCE_RT_PAGE == 0, "slot must be whole pages");

static uint8_t pce_rt_pool[PCE_RT_SLOTS][PCE_RT_SLOT_BYTES] __attribute__((aligned(64)));
static bool pce_rt_used[PCE_RT_SLOTS];
static bool pce_rt_initialized;

jmp_buf* pce_rt_trap_target;

void wasm_rt_init(void) { pce_rt_initialized = true; }
bool wasm_rt_is_initialized(void) { return pce_rt_initialized; }
void wasm_rt_free(void) { pce_rt_initialized = false; }

void wasm_rt_trap(wasm_rt_trap_t trap) {
  if (pce_rt_trap_target != NULL) longjmp(*pce_rt_trap_target, (int)trap);
  abort();
}

uint32_t pce_rt_slot_bytes(void) { return PCE_RT_SLOT_BYTES; }
uint32_t pce_rt_slot_count(void) { return PCE_RT_SLOTS; }

uint32_t pce_rt_slots_free(void) {
  uint32_t n = 0;
  for (int i = 0; i < PCE_RT_SLOTS; i++) n += !pce_rt_used[i];
  return n;
}

/* Sets data/data_end for `pages` pages of slot `slot`. A little-endian memory
 * grows upward from the slot's start; a big-endian one is stored reversed and
 * so grows downward from the slot's end, which keeps every byte in place. */
static void pce_rt_place(wasm_rt_memory_t* mem, uint64_t pages) {
  uint8_t* base = pce_rt_pool[mem->slot];
  mem->pages = pages;
  mem->size = pages * PCE_RT_PAGE;
#if WABT_BIG_ENDIAN
  mem->data_end = base + PCE_RT_SLOT_BYTES;
  mem->data = mem->data_end - mem->size;
#else
  mem->data = base;
  mem->data_end = base + mem->size;
#endif
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint64_t initial_pages,
                             uint64_t max_pages, bool is64, uint32_t page_size) {
  const uint64_t cap = PCE_RT_SLOT_BYTES / PCE_RT_PAGE;
  int slot = -1;
  for (int i = 0; i < PCE_RT_SLOTS; i++) {
    if (!pce_rt_used[i]) {
      slot = i;
      break;
    }
  }
  if (slot < 0 || page_size != PCE_RT_PAGE || is64 || initial_pages > cap) {
    mem->data = mem->data_end = NULL;
    mem->size = mem->pages = 0;
    mem->slot = -1;
    wasm_rt_trap(WASM_RT_TRAP_OOM);
  }
  pce_rt_used[slot] = true;
  mem->slot = slot;
  mem->is64 = false;
  mem->max_pages = max_pages < cap ? max_pages : cap;
  pce_rt_place(mem, initial_pages);
  memset(mem->data, 0, (size_t)mem->size);
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint64_t delta) {
  const uint64_t old = mem->pages;
  if (delta > mem->max_pages - old) return (uint64_t)-1;
  if (delta == 0) return old;
  pce_rt_place(mem, old + delta);
#if WABT_BIG_ENDIAN
  memset(mem->data, 0, (size_t)(delta * PCE_RT_PAGE)); /* new bytes lie below the old ones */
#else
  memset(mem->data + old * PCE_RT_PAGE, 0, (size_t)(delta * PCE_RT_PAGE));
#endif
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
  if (mem->slot >= 0 && mem->slot < PCE_RT_SLOTS) pce_rt_used[mem->slot] = false;
  mem->slot = -1;
  mem->data = mem->data_end = NULL;
  mem->size = mem->pages = 0;
}
