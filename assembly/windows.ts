/**
 * The table of per-source windows (docs/engine-abi.md, "Windows per source"):
 * which of the S windows a packet uses, keyed by its source address in the
 * packet metadata record, least recently used out when full. Only keys and
 * recency live here; the windows' rings are model.ts's.
 *
 * Key = (ip_version, the 16 source address bytes) when ip_version is 4 or 6,
 * else (0, zeros): every packet without addresses shares one window. Entry i
 * (TAG_BYTES): u64 address bytes 0..7, u64 bytes 8..15, u32 ip_version, u32
 * unused, u64 last use. Last use is a push counter, so no two entries tie and
 * the smallest is the least recently used.
 */
import { arenaAlloc } from './arena';
import { META_IP_VERSION, META_SRC_ADDR } from './features/constants';
import { metaBuf } from './features/meta';

const TAG_BYTES: usize = 32;
const TAG_VERSION: usize = 16;
const TAG_USE: usize = 24;

let tags: usize = 0;
let capacity = 0; // S
let used = 0; //     entries 0..used-1 hold keys
let clock: u64 = 0;

/** True when the last windowOf() gave its packet a slot it did not hold (an empty one or an evicted one). */
export let windowFresh = false;

/** Room for S keys; false if memory runs out. */
export function allocWindowTable(S: i32): bool {
  capacity = S;
  tags = arenaAlloc(<usize>S * TAG_BYTES);
  return tags != 0;
}

/** Forgets every key: the next packets take empty slots. */
export function clearWindowTable(): void {
  used = 0;
  clock = 0;
}

/** The slot of the window of the packet described at metaBuf (0..S-1), now the most recently used. */
export function windowOf(): i32 {
  const v = <u32>load<u8>(metaBuf, META_IP_VERSION);
  let version: u32 = 0, lo: u64 = 0, hi: u64 = 0;
  if (v == 4 || v == 6) {
    version = v;
    lo = load<u64>(metaBuf + META_SRC_ADDR);
    hi = load<u64>(metaBuf + META_SRC_ADDR, 8);
  }
  clock++;
  // One pass: the key's entry, else the least recently used one (for a full table).
  let t = tags, lru = tags, oldest = U64.MAX_VALUE;
  for (const end = tags + <usize>used * TAG_BYTES; t < end; t += TAG_BYTES) {
    if (load<u64>(t) == lo && load<u64>(t, 8) == hi && load<u32>(t + TAG_VERSION) == version) {
      store<u64>(t + TAG_USE, clock);
      windowFresh = false;
      return <i32>((t - tags) / TAG_BYTES);
    }
    const u = load<u64>(t + TAG_USE);
    if (u < oldest) { oldest = u; lru = t; }
  }
  if (used < capacity) used++;
  else t = lru;
  store<u64>(t, lo);
  store<u64>(t, hi, 8);
  store<u32>(t + TAG_VERSION, version);
  store<u64>(t + TAG_USE, clock);
  windowFresh = true;
  return <i32>((t - tags) / TAG_BYTES);
}
