/**
 * Counting build (target `count` in asconfig.json, `--use PCE_COUNT=1`,
 * scalar kernels): the engine's exports plus the operation table of
 * assembly/count.ts, which the reference kernels fill as they run
 * (docs/efficiency.md, "Counted operations"). src/efficiency/count-ops.ts
 * drives it. Not shipped.
 */
export * from './engine';
import {
  OP_ATTN_OUT, OP_FF1, OP_FF2, OP_HEAD, OP_PROJ, OP_QKV, ROLE_W,
} from './blob/constants';
import { gemvCols, gemvL, gemvM, gemvOp, gemvRows, gemvShape, gemvTotal, tensorAt } from './blob/validate';
import {
  GEMV_RANGES_BYTES, OPS_KINDS, STAGES, STAGE_FEED_FORWARD, STAGE_HEAD, STAGE_OUT_PROJECTION, STAGE_PROJECTION,
  STAGE_QKV, countGemvRange, countGemvRanges, countTable,
} from './count';

const TABLE_BYTES = STAGES * OPS_KINDS * 8;
countTable = memory.data(TABLE_BYTES, 16);
const ranges = memory.data(GEMV_RANGES_BYTES, 16);

/** i64[pce_count_stages()][pce_count_kinds()]: operations since the last pce_count_reset(). */
export function pce_count_ptr(): usize {
  return countTable;
}

/** Zeroes the table and maps the loaded blob's GEMV weights to their stages; call after pce_init. */
export function pce_count_reset(): void {
  memory.fill(countTable, 0, TABLE_BYTES);
  countGemvRanges(ranges);
  for (let g = 0; g < gemvTotal(); g++) {
    gemvShape(g);
    const op = gemvOp();
    const s = op == OP_PROJ ? STAGE_PROJECTION : op == OP_QKV ? STAGE_QKV : op == OP_ATTN_OUT ? STAGE_OUT_PROJECTION
      : op == OP_FF1 || op == OP_FF2 ? STAGE_FEED_FORWARD : op == OP_HEAD ? STAGE_HEAD : -1;
    if (s < 0) continue; // GNN layers: the stage model.ts sets (GNN or EXPLAIN)
    const w = tensorAt(ROLE_W, op, gemvM(), gemvL());
    countGemvRange(w, w + <usize>gemvRows() * <usize>((gemvCols() + 15) & ~15), s);
  }
}

export function pce_count_stages(): i32 {
  return STAGES;
}

export function pce_count_kinds(): i32 {
  return OPS_KINDS;
}
