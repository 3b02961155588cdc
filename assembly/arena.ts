/**
 * The engine's one arena: a bump allocator over linear memory above the
 * static data, reset on every init. Under `--runtime stub` nothing else
 * allocates (the engine uses no managed objects), so the arena owns
 * everything from `__heap_base` up. Memory grows only here, only during
 * blob placement and init; never per packet.
 */

/** First usable byte, 16-aligned. */
export const ARENA_BASE: usize = (__heap_base + 15) & ~15;

/** Every block gets this many spare bytes after its end, so a v128 kernel may read a whole vector past a buffer. */
export const ARENA_SLACK: usize = 32;

let top: usize = ARENA_BASE;

/** Drops every block at or above `at` (>= ARENA_BASE). */
export function arenaReset(at: usize): void {
  top = max(at, ARENA_BASE);
}

/** End of the highest block (bytes of linear memory in use). */
export function arenaTop(): usize {
  return top;
}

/** Grows linear memory to hold `end` bytes; false if it cannot. */
export function ensureMemory(end: usize): bool {
  const have = <usize>memory.size() << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

/**
 * A zero-filled, 16-aligned block of `bytes` (+ ARENA_SLACK); 0 if memory
 * cannot grow. Callers bound `bytes` by the validated dims, far below 2^31.
 */
export function arenaAlloc(bytes: usize): usize {
  const at = top;
  const end = (at + bytes + ARENA_SLACK + 15) & ~<usize>15;
  if (end < at || !ensureMemory(end)) return 0;
  memory.fill(at, 0, end - at);
  top = end;
  return at;
}
