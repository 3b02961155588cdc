/**
 * The mission-GNN layer record (docs/fixed-point.md eqs. 6-9): one 80-byte
 * struct per (mission, layer), filled once at init from validated tensors.
 * Node v's row in the Y and X buffers starts at byte `v · H · 2`.
 */

/** usize: i16[N·H] YC, constant y of the layer (eq. 6). */
export const GNN_YC: usize = 0;
/** usize: i16[N·H] XC, constant x after the layer. */
export const GNN_XC: usize = 4;
/** usize: i32[H] BM_c, folded BatchNorm multipliers (eq. 8). */
export const GNN_BN_MULT: usize = 8;
/** usize: i32[H] BB_c, folded BatchNorm offsets (eq. 8). */
export const GNN_BN_BIAS: usize = 12;
/** i32: BS, the BatchNorm shift, 1..62. */
export const GNN_BN_SHIFT: usize = 16;
/** i32: EM, multiplier of the ELU table index (eq. 9). */
export const GNN_ELU_MULT: usize = 20;
/** i32: ES, its shift, 1..62. */
export const GNN_ELU_SHIFT: usize = 24;
/** usize: i16[513] ELU table (eq. 9). */
export const GNN_ELU_TABLE: usize = 28;
/** usize: i32[] DY, nodes whose y is computed (eq. 6). */
export const GNN_DY: usize = 32;
/** i32: length of DY. */
export const GNN_DY_COUNT: usize = 36;
/** usize: i32[nDX] DX, nodes whose x is computed (eq. 7). */
export const GNN_DX: usize = 40;
/** i32: nDX. */
export const GNN_DX_COUNT: usize = 44;
/** usize: i32[nDX + 1] CSR row pointers into COL. */
export const GNN_ROW: usize = 48;
/** usize: i32[E] source node of each used edge. */
export const GNN_COL: usize = 52;
/** usize: i32[nDX] R_v = round(2^15 / |in(v)|) (eq. 7). */
export const GNN_RMEAN: usize = 56;
/** usize: GEMV record of W_l for layer >= 2 (eq. 6), 0 for layer 1. */
export const GNN_GEMV: usize = 60;
/** i32: N, nodes of the mission (concepts, sensor N-2, encoding N-1). */
export const GNN_NODES: usize = 64;
/** i32: H, lanes per node (a power of two, 8..64). */
export const GNN_WIDTH: usize = 68;
export const GNN_RECORD_BYTES: usize = 80;
