/*
 * SIMDe's Wasm SIMD header, with the few operations where its portable C
 * compiles badly replaced by the one instruction they are (runtime/ is on the
 * include path ahead of the system, so the generated engine C gets this file
 * and this file gets SIMDe's). Same lanes, same results: each replacement is
 * the operation's definition in the target's own intrinsics.
 *
 * i16x8.load8x8_s (the int8 weights of every GEMV, widened to int16): SIMDe
 * converts an 8-byte vector, which gcc 12 turns into two half loads, two
 * pmovsxbw and a punpcklqdq on x86-64, and into eight scalar sign extensions
 * and lane inserts on aarch64; here it is pmovsxbw from memory (SSE4.1) and
 * ld1 + sxtl (NEON).
 */
#ifndef PCE_SIMDE_WASM_SIMD128_H
#define PCE_SIMDE_WASM_SIMD128_H

#include_next <simde/wasm/simd128.h>

#if defined(SIMDE_X86_SSE4_1_NATIVE)
static inline simde_v128_t pce_i16x8_load8x8(const void* mem) {
  return simde_v128_from_m128i(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i*)mem)));
}
#undef simde_wasm_i16x8_load8x8
#define simde_wasm_i16x8_load8x8(mem) pce_i16x8_load8x8(mem)
#elif defined(SIMDE_ARM_NEON_A64V8_NATIVE)
static inline simde_v128_t pce_i16x8_load8x8(const void* mem) {
  return simde_v128_from_neon_i16(vmovl_s8(vld1_s8((const int8_t*)mem)));
}
#undef simde_wasm_i16x8_load8x8
#define simde_wasm_i16x8_load8x8(mem) pce_i16x8_load8x8(mem)
#endif

#endif
