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
/* v128.const: SIMDe builds it lane by lane, which gcc 12 leaves as sixteen
 * `ins` per constant (a zeroed accumulator in every GEMV row block); as a
 * vector literal it is one movi or a literal-pool load. */
#undef simde_wasm_i8x16_const
#define simde_wasm_i8x16_const(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15) \
  simde_v128_from_neon_i8((int8x16_t){(int8_t)(c0), (int8_t)(c1), (int8_t)(c2), (int8_t)(c3), (int8_t)(c4), \
                                      (int8_t)(c5), (int8_t)(c6), (int8_t)(c7), (int8_t)(c8), (int8_t)(c9), \
                                      (int8_t)(c10), (int8_t)(c11), (int8_t)(c12), (int8_t)(c13), (int8_t)(c14), \
                                      (int8_t)(c15)})
#endif

#endif
