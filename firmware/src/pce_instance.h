/*
 * What libpce (pce.c) and pce-bench (pce_bench.c) both need of the wasm2c
 * translations: one engine instance of either, and host writes into linear
 * memory in Wasm byte order. Private to firmware/src.
 */
#ifndef PCE_INSTANCE_H
#define PCE_INSTANCE_H

#include <stdint.h>
#include <string.h>

#include "pce_scalar.h"
#include "wasm-rt.h"
#if PCE_HAVE_SIMD
#include "pce_simd.h"
#endif

/* One instance of either translation (the SIMD one only where the target has it). */
typedef union pce_instance {
  w2c_pcescalar scalar;
#if PCE_HAVE_SIMD
  w2c_pcesimd simd;
#endif
} pce_instance;

/* Copies n bytes into Wasm memory at addr, in Wasm byte order: a big-endian
 * host stores linear memory byte-reversed (runtime/wasm-rt.h). */
static inline void pce_mem_write(const wasm_rt_memory_t* m, uint32_t addr, const uint8_t* src, size_t n) {
#if WABT_BIG_ENDIAN
  uint8_t* dst = m->data_end - addr - 1;
  for (size_t i = 0; i < n; i++) *(dst - i) = src[i];
#else
  memcpy(m->data + addr, src, n);
#endif
}

#endif
