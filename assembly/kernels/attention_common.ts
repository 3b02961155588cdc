/**
 * The attention record (docs/fixed-point.md eqs. 11-13), filled once at init.
 * Keys and values live transposed, one row of `stride` slots per lane
 * (`KT[i][j]` at byte `(i · stride + j) · 2`), so a head's scores over all slots
 * are a few whole-vector products; `stride = ceil8(A)` and the padding slots
 * hold zero keys and values (and get zero weight).
 */

/** i32: heads. */
export const ATTN_HEADS: usize = 0;
/** i32: head_dim = D / heads. */
export const ATTN_HEAD_DIM: usize = 4;
/** i32: A, slots (window length). */
export const ATTN_SLOTS: usize = 8;
/** i32: slots per KT/VT row, ceil8(A). */
export const ATTN_STRIDE: usize = 12;
/** i32: AM, score-difference multiplier (eq. 11). */
export const ATTN_MULT: usize = 16;
/** i32: AS, its shift (1..62). */
export const ATTN_SHIFT: usize = 20;
/** usize: i32[513] EXP table. */
export const ATTN_EXP: usize = 24;
/**
 * usize: i32[heads·(stride + 1)] scratch: scores, then exp values (the
 * reference uses the first stride), and in the SIMD form every head's at
 * once, followed by one i32 per head (its maximum, then its exp sum).
 */
export const ATTN_SCORES: usize = 28;
/** usize: i32[stride] scratch for the Q15 weights; entries >= A stay zero. */
export const ATTN_WEIGHTS: usize = 32;
export const ATTN_RECORD_BYTES: usize = 48;
