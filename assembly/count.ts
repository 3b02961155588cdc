/**
 * Operation counters of the counting build (asconfig target `count`, entry
 * assembly/counting.ts, compiled with `--use PCE_COUNT=1`; docs/efficiency.md).
 * The reference kernels and model.ts call tally() inside their loops, so the
 * counts are measured where the work happens, per stage and per operation
 * kind. Every call site reads `if (isDefined(PCE_COUNT)) tally(...)`:
 * isDefined() is resolved at compile time, so in every other build the branch
 * is never compiled, the table and stage globals are never referenced, and
 * the .wasm is byte-for-byte what it was without counting (checked when this
 * landed by building every target with and without it; docs/efficiency.md). A shared `const COUNTING` flag would not
 * do: its dead `global.get; drop` changes Binaryen's inlining decisions and so
 * the shipped bytes; a statement added to an @inline primitive does too,
 * which is why the composite tallies below sit beside the primitives.
 */

/** Operation kinds (columns of the table). */
export const OPS_MAC = 0; //    multiply-accumulate terms of a dot product (GEMV int8 x int16, attention i16 x i16 / Q15 x i16)
export const OPS_ADD = 1; //    other adds and subtracts (accumulations outside dot products, biases, rounding terms)
export const OPS_SHIFT = 2; //  shifts (requantization, table index split, means)
export const OPS_CMP = 3; //    compares, min/max and each side of a clamp, ReLU, argmax
export const OPS_MUL = 4; //    multiplies outside dot products (requantization multipliers, LayerNorm squares)
export const OPS_LUT = 5; //    table lookups with interpolation (eq. 3): ELU and EXP
export const OPS_DIV = 6; //    divisions (softmax and LayerNorm inverses) and integer square roots
export const OPS_WEIGHT_BYTES = 7; // bytes read from the blob's tensors: weights, biases, multipliers, norm and table entries
export const OPS_ACT_BYTES = 8; //   bytes of activations and state loaded or stored (inputs, outputs, rings, scratch)
export const OPS_KINDS = 9;

/**
 * Stages (rows): the keys of `packetclip inspect`'s MAC table, plus norms and
 * explain. The kernels name their own stage (attention, norms, head) and
 * GEMVs are mapped by their weights (countGemv); model.ts marks only GNN and
 * EXPLAIN, which run the same kernels. (Stage marks between the calls in
 * model.ts's tail() would also change the SIMD build's bytes.)
 */
export const STAGE_PROJECTION = 0;
export const STAGE_GNN = 1;
export const STAGE_QKV = 2;
export const STAGE_ATTENTION = 3;
export const STAGE_OUT_PROJECTION = 4;
export const STAGE_NORMS = 5; //  residuals and LayerNorms (eqs. 14-16)
export const STAGE_FEED_FORWARD = 6;
export const STAGE_HEAD = 7; //   head GEMV and probabilities (eq. 17)
export const STAGE_EXPLAIN = 8; // the GNN nodes pce_explain computes, and the activations
export const STAGES = 9;

/** i64[STAGES][OPS_KINDS], placed by the counting entry (counting.ts): a static table here would move every other build's heap base. */
export let countTable: usize = 0;
let stage = 0;

/**
 * GEMVs carry no stage of their own: the counting entry registers each GEMV
 * op's weight range with its stage (countGemvRange), and countGemv(w) charges
 * a GEMV reading weights at w to that stage. GNN weights are not registered:
 * their layers run under the GNN or EXPLAIN stage that model.ts sets.
 */
const GEMV_RANGES_MAX = 64;
let gemvRanges: usize = 0; // u32[GEMV_RANGES_MAX][3]: start, end, stage
let gemvRangeCount = 0;

export function countGemvRanges(table: usize): void {
  gemvRanges = table;
  gemvRangeCount = 0;
}

export function countGemvRange(start: usize, end: usize, s: i32): void {
  if (gemvRangeCount == GEMV_RANGES_MAX) return;
  const p = gemvRanges + <usize>gemvRangeCount * 12;
  store<u32>(p, <u32>start);
  store<u32>(p, <u32>end, 4);
  store<i32>(p, s, 8);
  gemvRangeCount++;
}

export const GEMV_RANGES_BYTES = GEMV_RANGES_MAX * 12;

/** Sets the stage of a GEMV whose weights start at w (unchanged for unregistered ones). */
@inline export function countGemv(w: usize): void {
  for (let i = 0; i < gemvRangeCount; i++) {
    const p = gemvRanges + <usize>i * 12;
    if (w >= <usize>load<u32>(p) && w < <usize>load<u32>(p, 4)) stage = load<i32>(p, 8);
  }
}

/** Charges what follows to stage `s`. */
@inline export function countStage(s: i32): void {
  stage = s;
}

/** Adds n operations of `kind` to the current stage. */
@inline export function tally(kind: i32, n: i32): void {
  const p = countTable + (<usize>(stage * OPS_KINDS + kind) << 3);
  store<i64>(p, load<i64>(p) + <i64>n);
}


// Composite tallies for the fixed.ts primitives, called beside them in the
// kernels' loops (`if (isDefined(PCE_COUNT)) countRq();`). The primitives themselves stay
// untouched: a statement added to an @inline body changes how it inlines,
// and so the shipped bytes.

/** clamp16 / clamp16w / clamp32 / tableIndex: two compares. */
@inline export function countClamp(): void {
  tally(OPS_CMP, 2);
}

/** rq(a, M, S), eq. (1): multiply, rounding add, shift, clamp32. */
@inline export function countRq(): void {
  tally(OPS_MUL, 1); tally(OPS_ADD, 1); tally(OPS_SHIFT, 1); countClamp();
}

/** gemvOutput (eq. 5): rq, clamp16, ReLU. */
@inline export function countGemvOutput(relu: i32): void {
  countRq(); countClamp(); tally(OPS_CMP, relu ? 1 : 0);
}

/** lut32 / lut16 (eq. 3) after tableIndex: one lookup with interpolation, two table entries read. */
@inline export function countLut(entryBytes: i32): void {
  countClamp(); tally(OPS_LUT, 1); tally(OPS_WEIGHT_BYTES, entryBytes << 1);
}

/** expOf (eqs. 11, 17): rq, tableIndex, lut32. */
@inline export function countExp(): void {
  countRq(); countLut(4);
}

/** elu(z) (eq. 9): the sign test, then clamp16, or negate, clamp32, rq, tableIndex, lut16. */
@inline export function countElu(z: i32): void {
  tally(OPS_CMP, 1);
  if (z >= 0) {
    countClamp();
  } else {
    tally(OPS_ADD, 1); countClamp(); countRq(); countLut(2);
  }
}

/** softmaxInverse (eqs. 12, 17): max(sum, 1) and the division; softmaxWeight: multiply and shift, per weight. */
@inline export function countSoftmaxInverse(): void {
  tally(OPS_CMP, 1); tally(OPS_DIV, 1);
}

@inline export function countSoftmaxWeight(): void {
  tally(OPS_MUL, 1); tally(OPS_SHIFT, 1);
}
