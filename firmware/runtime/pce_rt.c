/*
 * The wasm2c runtime of packetclip-edge (firmware/runtime/wasm-rt.h). At most
 * PCE_RT_SLOTS memories exist at once, each at most PCE_RT_SLOT_BYTES. An
 * engine with the shipped model uses 4 pages (256 KiB); the default slot of
 * 1 MiB leaves room for blobs up to ~700 KB. Two slots let pce-sense load a
 * new model beside the running one (SIGHUP) and switch atomically.
 *
 * Software bounds checks (WASM_RT_MEMCHECK_GUARD_PAGES=0): the slots are a
 * static pool, so the firmware never calls malloc or mmap.
 * Guard pages (=1, 64-bit little-endian Linux): a slot is an 8 GiB PROT_NONE
 * mapping made when the memory is allocated, of which the pages in use are
 * made readable and writable (mprotect on grow); the engine's loads and
 * stores are unchecked, and the SIGSEGV handler turns a fault inside a
 * reservation into the trap a software check would have raised.
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

static bool pce_rt_used[PCE_RT_SLOTS];
static bool pce_rt_initialized;

jmp_buf* pce_rt_trap_target;

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

#if WASM_RT_MEMCHECK_GUARD_PAGES

#include <signal.h>
#include <sys/mman.h>

/* An i32 address plus a u32 offset is below 2^33: every access the generated
 * code can make lies inside the reservation. */
#define PCE_RT_RESERVE (8ull << 30)

static uint8_t* pce_rt_region[PCE_RT_SLOTS]; /* the reservation of each used slot */
static struct sigaction pce_rt_old_segv, pce_rt_old_bus;
/* The handler runs here, as in wasm2c's own runtime; static, so no malloc. */
static uint8_t pce_rt_altstack[64 * 1024] __attribute__((aligned(16)));

static void pce_rt_fault(int sig, siginfo_t* si, void* uc) {
  const uint8_t* a = (const uint8_t*)si->si_addr;
  for (int i = 0; i < PCE_RT_SLOTS && pce_rt_trap_target != NULL; i++) {
    if (pce_rt_region[i] != NULL && a >= pce_rt_region[i] && a < pce_rt_region[i] + PCE_RT_RESERVE) {
      /* longjmp does not restore the signal mask: unblock sig for the next trap */
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, sig);
      sigprocmask(SIG_UNBLOCK, &set, NULL);
      longjmp(*pce_rt_trap_target, (int)WASM_RT_TRAP_OOB);
    }
  }
  /* Not an engine access: hand the fault to the previous disposition. */
  const struct sigaction* old = sig == SIGSEGV ? &pce_rt_old_segv : &pce_rt_old_bus;
  if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction != NULL) {
    old->sa_sigaction(sig, si, uc);
  } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
    old->sa_handler(sig);
  } else {
    sigaction(sig, old, NULL); /* the faulting access runs again and takes the default action */
  }
}

void wasm_rt_init(void) {
  if (pce_rt_initialized) return;
  stack_t ss;
  if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE)) {
    ss.ss_sp = pce_rt_altstack;
    ss.ss_size = sizeof pce_rt_altstack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = pce_rt_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &pce_rt_old_segv);
  sigaction(SIGBUS, &sa, &pce_rt_old_bus);
  pce_rt_initialized = true;
}

void wasm_rt_free(void) {
  if (!pce_rt_initialized) return;
  sigaction(SIGSEGV, &pce_rt_old_segv, NULL);
  sigaction(SIGBUS, &pce_rt_old_bus, NULL);
  pce_rt_initialized = false;
}

/* Makes pages [from, to) of the memory readable and writable; 0 or -1. */
static int pce_rt_commit(wasm_rt_memory_t* mem, uint64_t from, uint64_t to) {
  if (to > from && mprotect(mem->data + from * PCE_RT_PAGE, (size_t)((to - from) * PCE_RT_PAGE), PROT_READ | PROT_WRITE) != 0)
    return -1;
  mem->pages = to;
  mem->size = to * PCE_RT_PAGE;
  mem->data_end = mem->data + mem->size;
  return 0;
}

static bool pce_rt_map(wasm_rt_memory_t* mem, int slot, uint64_t initial_pages) {
  void* p = mmap(NULL, PCE_RT_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  mem->data = p; /* fresh anonymous pages read as zero */
  if (pce_rt_commit(mem, 0, initial_pages) != 0) {
    munmap(p, PCE_RT_RESERVE);
    return false;
  }
  pce_rt_region[slot] = p;
  return true;
}

static uint64_t pce_rt_grow(wasm_rt_memory_t* mem, uint64_t old, uint64_t delta) {
  return pce_rt_commit(mem, old, old + delta) == 0 ? old : (uint64_t)-1;
}

static void pce_rt_unmap(wasm_rt_memory_t* mem) {
  pce_rt_region[mem->slot] = NULL;
  munmap(mem->data, PCE_RT_RESERVE);
}

#else /* software bounds checks: a static pool */

static uint8_t pce_rt_pool[PCE_RT_SLOTS][PCE_RT_SLOT_BYTES] __attribute__((aligned(64)));

void wasm_rt_init(void) { pce_rt_initialized = true; }
void wasm_rt_free(void) { pce_rt_initialized = false; }

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

static bool pce_rt_map(wasm_rt_memory_t* mem, int slot, uint64_t initial_pages) {
  (void)slot; /* mem->slot is set */
  pce_rt_place(mem, initial_pages);
  memset(mem->data, 0, (size_t)mem->size);
  return true;
}

static uint64_t pce_rt_grow(wasm_rt_memory_t* mem, uint64_t old, uint64_t delta) {
  pce_rt_place(mem, old + delta);
#if WABT_BIG_ENDIAN
  memset(mem->data, 0, (size_t)(delta * PCE_RT_PAGE)); /* new bytes lie below the old ones */
#else
  memset(mem->data + old * PCE_RT_PAGE, 0, (size_t)(delta * PCE_RT_PAGE));
#endif
  return old;
}

static void pce_rt_unmap(wasm_rt_memory_t* mem) { (void)mem; }

#endif

bool wasm_rt_is_initialized(void) { return pce_rt_initialized; }

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
  mem->slot = slot;
  mem->is64 = false;
  mem->max_pages = max_pages < cap ? max_pages : cap;
  if (slot < 0 || page_size != PCE_RT_PAGE || is64 || initial_pages > cap || !pce_rt_map(mem, slot, initial_pages)) {
    mem->data = mem->data_end = NULL;
    mem->size = mem->pages = 0;
    mem->slot = -1;
    wasm_rt_trap(WASM_RT_TRAP_OOM);
  }
  pce_rt_used[slot] = true;
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint64_t delta) {
  const uint64_t old = mem->pages;
  if (delta > mem->max_pages - old) return (uint64_t)-1;
  if (delta == 0) return old;
  return pce_rt_grow(mem, old, delta);
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
  if (mem->slot >= 0 && mem->slot < PCE_RT_SLOTS) {
    if (mem->data != NULL) pce_rt_unmap(mem);
    pce_rt_used[mem->slot] = false;
  }
  mem->slot = -1;
  mem->data = mem->data_end = NULL;
  mem->size = mem->pages = 0;
}
