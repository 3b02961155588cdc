/*
 * trap-check: an out-of-bounds access by the engine is reported as a trap
 * (PCE_STATUS_TRAP, "the engine trapped"), never a crash, with either kind of
 * bounds check (runtime/wasm-rt.h): guard pages, where the access faults
 * inside the memory's reservation and the SIGSEGV handler longjmps, and
 * software checks. No input reaches such an access (the engine checks every
 * address it derives from input), so this program makes one: it builds libpce
 * from source (src/pce.c, to reach the engine instance) and points every
 * global of the instance 2 GiB into linear memory, far beyond its end, before
 * a push. It then checks that the library goes on working (a fresh engine
 * classifies, a second trap is caught as well), that the traps came the way
 * this build's checks deliver them, and, with `host-fault` or
 * `unguarded-fault`, that a fault outside any reservation, or inside one
 * while no libpce call is running, still kills the process.
 *
 *   trap-check MODEL [host-fault | unguarded-fault]
 *
 * Exit status 0 when every push gave the expected status.
 */
#include "../src/pce.c"

#include <stddef.h>
#include <stdlib.h>

static uint8_t blob[1u << 20];

/* Ethernet, IPv4, TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80. */
static const uint8_t frame[54] = {
    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,                   /* Ethernet */
    0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,      /* IPv4 */
    0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0, /* TCP */
};

/* Every global of the instance (the fields before its memory) = 2 GiB. */
static void corrupt(pce_engine* e) {
  size_t n = e->vt->build == PCE_BUILD_SCALAR ? offsetof(w2c_pcescalar, w2c_memory)
#if PCE_HAVE_SIMD
                                              : offsetof(w2c_pcesimd, w2c_memory);
#else
                                              : 0;
#endif
  for (size_t at = 0; at + 4 <= n; at += 4) {
    uint32_t v = 0x80000000u;
    memcpy((uint8_t*)&e->inst + at, &v, 4);
  }
}

static int failures;

/* Linked with --wrap=wasm_rt_trap: counts the traps the generated code raises
 * itself (software checks); a guard-page fault longjmps from the runtime's
 * signal handler instead. */
static int software_traps;
void __real_wasm_rt_trap(wasm_rt_trap_t trap) __attribute__((noreturn));
void __wrap_wasm_rt_trap(wasm_rt_trap_t trap) __attribute__((noreturn));
void __wrap_wasm_rt_trap(wasm_rt_trap_t trap) {
  software_traps++;
  __real_wasm_rt_trap(trap);
}

static void expect(const char* what, pce_status got, pce_status want) {
  printf("%s: %s\n", what, pce_status_text(got));
  if (got != want) failures++;
}

int main(int argc, char** argv) {
  FILE* f = argc > 1 ? fopen(argv[1], "rb") : NULL;
  size_t len = f ? fread(blob, 1, sizeof blob, f) : 0;
  if (f) fclose(f);
  if (len == 0) {
    fprintf(stderr, "usage: trap-check MODEL [host-fault|unguarded-fault]\n");
    return 2;
  }
  printf("bounds checks: %s\n", WASM_RT_MEMCHECK_GUARD_PAGES ? "guard pages" : "software");
  pce_verdict v;
  pce_error err;
  for (int build = 0; build < (PCE_HAVE_SIMD ? 2 : 1); build++) {
    pce_build b = build ? PCE_BUILD_SIMD : PCE_BUILD_SCALAR;
    printf("%s engine\n", build ? "SIMD" : "scalar");
    for (int round = 0; round < 2; round++) {
      pce_engine* e = pce_engine_open(blob, len, b, &err);
      if (e == NULL) {
        fprintf(stderr, "open: %s\n", err.message);
        return 2;
      }
      expect("  push", pce_engine_push(e, frame, sizeof frame, 1000000, 1, sizeof frame, &v), PCE_STATUS_OK);
      corrupt(e);
      expect("  push, globals 2 GiB out of bounds", pce_engine_push(e, frame, sizeof frame, 1000001, 1, sizeof frame, &v),
             PCE_STATUS_TRAP);
      if (argc > 2 && !strcmp(argv[2], "unguarded-fault")) {
        fflush(stdout);
        /* inside the reservation but with no guard set: the process must die */
        corrupt(e);
        e->vt->push_packet(&e->inst, sizeof frame, 1, 0, 0, sizeof frame);
        return 0;
      }
      pce_engine_close(e);
    }
  }
  if (argc > 2 && !strcmp(argv[2], "host-fault")) {
    fflush(stdout);
    volatile int* volatile outside = (int*)(uintptr_t)16;
    *outside = 1; /* not engine memory: the process must die */
    return 0;
  }
  int traps = PCE_HAVE_SIMD ? 4 : 2;
  printf("traps raised by software checks: %d of %d\n", software_traps, traps);
  if (software_traps != (WASM_RT_MEMCHECK_GUARD_PAGES ? 0 : traps)) failures++;
  printf("%s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
