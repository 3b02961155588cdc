/**
 * Per-address and per-flow state (docs/features.md, "State"): three
 * direct-mapped tables in static memory, sized from constants, never
 * allocated per packet. An entry is tagged with its full key; a different key
 * hashing to the same slot replaces it and its history restarts.
 */
import { ADDR_SLOTS, FLOW_SLOTS, GAP_NONE, HISTORY, LG_TIME } from './constants';
import { lg } from './log2';

// ---- Source entry: SRC_BYTES per slot ----
const S_ALEN = 0; //   u8: 0 empty, else the address length (4 or 16)
const S_NPORT = 1; //  u8: ports in the ring, 0..HISTORY
const S_PPOS = 2; //   u8: next port slot
const S_NHOST = 3; //  u8: hosts in the ring, 0..HISTORY
const S_HPOS = 4; //   u8: next host slot
const S_SYN = 5; //    u8: pure-SYN bits of the last HISTORY TCP packets, newest in bit 0
const S_ADDR = 8; //   16 bytes: the address, zero-padded
const S_LAST = 24; //  i64: timestamp of the last packet from it (µs)
const S_EWMA = 32; //  i32: EWMA of feature 16, Q8
const S_PORTS = 36; // u16[HISTORY]: destination ports of its last TCP/UDP packets
const S_HOSTS = 52; // u32[HISTORY]: FNV-1a of the destinations of its last packets
const SRC_BYTES = 96;

// ---- Destination entry: DST_BYTES per slot ----
const D_ALEN = 0; //   u8: 0 empty, else the address length
const D_NSRC = 1; //   u8: sources in the ring
const D_SPOS = 2; //   u8: next source slot
const D_ADDR = 8; //   16 bytes
const D_LAST = 24; //  i64: timestamp of the last packet to it
const D_SRCS = 32; //  u32[HISTORY]: FNV-1a of the sources of its last packets
const DST_BYTES = 64;

// ---- Flow entry: FLOW_BYTES per slot; endpoint A is the smaller (address, port) ----
const W_ALEN = 0; //   u8: 0 empty, else the address length
const W_PROTO = 1; //  u8
const W_PORT_A = 2; // u16
const W_PORT_B = 4; // u16
const W_ADDR_A = 8; // 16 bytes
const W_ADDR_B = 24; // 16 bytes
const W_LAST = 40; //  i64
const FLOW_BYTES = 48;

const srcTable: usize = memory.data(ADDR_SLOTS * SRC_BYTES, 16);
const dstTable: usize = memory.data(ADDR_SLOTS * DST_BYTES, 16);
const flowTable: usize = memory.data(FLOW_SLOTS * FLOW_BYTES, 16);
/** Zero-padded copies of this packet's source and destination address. */
const keySrc: usize = memory.data(16, 16);
const keyDst: usize = memory.data(16, 16);

let lastAny: i64 = 0;
let seenAny = false;

/** Forgets every packet: all tables empty, no previous packet. */
export function clearTables(): void {
  memory.fill(srcTable, 0, <usize>(ADDR_SLOTS * SRC_BYTES));
  memory.fill(dstTable, 0, <usize>(ADDR_SLOTS * DST_BYTES));
  memory.fill(flowTable, 0, <usize>(FLOW_SLOTS * FLOW_BYTES));
  lastAny = 0;
  seenAny = false;
}

/** FNV-1a, 32 bit, of n bytes at p, continuing from h. */
function fnv(h: u32, p: usize, n: i32): u32 {
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + <usize>i)) * 16777619;
  return h;
}

const FNV_BASIS: u32 = 2166136261;

/** FNV-1a of one byte (its low 8 bits), continuing from h. */
@inline function fnvByte(h: u32, b: u32): u32 {
  return (h ^ (b & 255)) * 16777619;
}

@inline function gapOf(ts: i64, last: i64): u64 {
  return ts > last ? <u64>(ts - last) : 0;
}

/** The same 16 zero-padded address bytes and length? */
@inline function sameAddr(entry: usize, key: usize): bool {
  return load<u64>(entry) == load<u64>(key) && load<u64>(entry, 8) == load<u64>(key, 8);
}

/** Distinct values among the first n of a ring of u16 (shift 1) or u32 (shift 2). */
function distinct(ring: usize, n: i32, shift: i32): i32 {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = shift == 1 ? <u32>load<u16>(ring + (<usize>i << 1)) : load<u32>(ring + (<usize>i << 2));
    let seen = false;
    for (let j = 0; j < i && !seen; j++) {
      seen = (shift == 1 ? <u32>load<u16>(ring + (<usize>j << 1)) : load<u32>(ring + (<usize>j << 2))) == v;
    }
    if (!seen) count++;
  }
  return count;
}

/** min(255, 32 · count): the history features 21..24. */
@inline function share(count: i32): i32 {
  return min(count << 5, 255);
}

// ---- Outputs: features 16, 17, 19..24 of the last packet (feature 18 too) ----
export let gapSrc = GAP_NONE;
export let gapFlow = GAP_NONE;
export let gapDst = GAP_NONE;
export let gapAny = GAP_NONE;
export let srcRate = 0;
export let srcPorts = 0;
export let srcHosts = 0;
export let srcSyn = 0;
export let dstFanIn = 0;

/** Feature 18: the gap to the previous packet of any kind; every packet counts. */
export function updateAny(ts: i64): void {
  gapAny = seenAny ? lg(gapOf(ts, lastAny), LG_TIME) : GAP_NONE;
  lastAny = ts;
  seenAny = true;
}

/** A packet without addresses (non-IP, or addresses not captured): no per-address state. */
export function noAddressState(): void {
  gapSrc = GAP_NONE;
  gapFlow = GAP_NONE;
  gapDst = GAP_NONE;
  srcRate = 0;
  srcPorts = 0;
  srcHosts = 0;
  srcSyn = 0;
  dstFanIn = 0;
}

/**
 * Updates the tables with one IP packet and sets features 16, 17, 19..24.
 * src, dst: address offsets in memory (alen bytes each); hasPorts: TCP/UDP
 * ports known; tcp: a TCP packet whose flags byte was captured.
 */
export function updateAddressState(
  ts: i64, src: usize, dst: usize, alen: i32, proto: u32,
  hasPorts: bool, srcPort: u32, dstPort: u32, tcp: bool, tcpFlags: u32,
): void {
  store<u64>(keySrc, 0);
  store<u64>(keySrc, 0, 8);
  store<u64>(keyDst, 0);
  store<u64>(keyDst, 0, 8);
  memory.copy(keySrc, src, <usize>alen);
  memory.copy(keyDst, dst, <usize>alen);
  const hSrc = fnv(FNV_BASIS, keySrc, alen);
  const hDst = fnv(FNV_BASIS, keyDst, alen);
  updateSource(ts, hSrc, hDst, alen, hasPorts, dstPort, tcp, tcpFlags);
  updateDestination(ts, hSrc, hDst, alen);
  updateFlow(ts, alen, proto, hasPorts ? srcPort : 0, hasPorts ? dstPort : 0);
}

function updateSource(ts: i64, hSrc: u32, hDst: u32, alen: i32, hasPorts: bool, dstPort: u32, tcp: bool, tcpFlags: u32): void {
  const e = srcTable + <usize>(hSrc & <u32>(ADDR_SLOTS - 1)) * SRC_BYTES;
  let ewma: i32;
  if (<i32>load<u8>(e, S_ALEN) == alen && sameAddr(e + S_ADDR, keySrc)) {
    gapSrc = lg(gapOf(ts, load<i64>(e, S_LAST)), LG_TIME);
    ewma = load<i32>(e, S_EWMA);
    ewma += ((gapSrc << 8) - ewma) >> 3;
  } else {
    memory.fill(e, 0, SRC_BYTES);
    store<u8>(e, <u8>alen, S_ALEN);
    memory.copy(e + S_ADDR, keySrc, 16);
    gapSrc = GAP_NONE;
    ewma = GAP_NONE << 8;
  }
  store<i64>(e, ts, S_LAST);
  store<i32>(e, ewma, S_EWMA);
  srcRate = ewma >> 8;
  if (hasPorts) {
    const pos = <i32>load<u8>(e, S_PPOS);
    store<u16>(e + S_PORTS + (<usize>pos << 1), <u16>dstPort);
    store<u8>(e, <u8>((pos + 1) & (HISTORY - 1)), S_PPOS);
    store<u8>(e, <u8>min(<i32>load<u8>(e, S_NPORT) + 1, HISTORY), S_NPORT);
  }
  srcPorts = share(distinct(e + S_PORTS, <i32>load<u8>(e, S_NPORT), 1));
  const hpos = <i32>load<u8>(e, S_HPOS);
  store<u32>(e + S_HOSTS + (<usize>hpos << 2), hDst);
  store<u8>(e, <u8>((hpos + 1) & (HISTORY - 1)), S_HPOS);
  store<u8>(e, <u8>min(<i32>load<u8>(e, S_NHOST) + 1, HISTORY), S_NHOST);
  srcHosts = share(distinct(e + S_HOSTS, <i32>load<u8>(e, S_NHOST), 2));
  if (tcp) {
    const pureSyn: u32 = (tcpFlags & 0x12) == 0x02 ? 1 : 0;
    store<u8>(e, <u8>((<u32>load<u8>(e, S_SYN) << 1) | pureSyn), S_SYN);
  }
  srcSyn = share(<i32>popcnt<u32>(<u32>load<u8>(e, S_SYN)));
}

function updateDestination(ts: i64, hSrc: u32, hDst: u32, alen: i32): void {
  const e = dstTable + <usize>(hDst & <u32>(ADDR_SLOTS - 1)) * DST_BYTES;
  if (<i32>load<u8>(e, D_ALEN) == alen && sameAddr(e + D_ADDR, keyDst)) {
    gapDst = lg(gapOf(ts, load<i64>(e, D_LAST)), LG_TIME);
  } else {
    memory.fill(e, 0, DST_BYTES);
    store<u8>(e, <u8>alen, D_ALEN);
    memory.copy(e + D_ADDR, keyDst, 16);
    gapDst = GAP_NONE;
  }
  store<i64>(e, ts, D_LAST);
  const pos = <i32>load<u8>(e, D_SPOS);
  store<u32>(e + D_SRCS + (<usize>pos << 2), hSrc);
  store<u8>(e, <u8>((pos + 1) & (HISTORY - 1)), D_SPOS);
  store<u8>(e, <u8>min(<i32>load<u8>(e, D_NSRC) + 1, HISTORY), D_NSRC);
  dstFanIn = share(distinct(e + D_SRCS, <i32>load<u8>(e, D_NSRC), 2));
}

/** Endpoint order of the direction-free flow key: (address bytes, port) compared as big-endian bytes. */
function srcFirst(alen: i32, srcPort: u32, dstPort: u32): bool {
  for (let i = 0; i < alen; i++) {
    const a = load<u8>(keySrc + <usize>i), b = load<u8>(keyDst + <usize>i);
    if (a != b) return a < b;
  }
  return srcPort <= dstPort;
}

function updateFlow(ts: i64, alen: i32, proto: u32, srcPort: u32, dstPort: u32): void {
  const aFirst = srcFirst(alen, srcPort, dstPort);
  const addrA = aFirst ? keySrc : keyDst, addrB = aFirst ? keyDst : keySrc;
  const portA = aFirst ? srcPort : dstPort, portB = aFirst ? dstPort : srcPort;
  let h = fnvByte(FNV_BASIS, proto);
  h = fnv(h, addrA, alen);
  h = fnvByte(fnvByte(h, portA >> 8), portA);
  h = fnv(h, addrB, alen);
  h = fnvByte(fnvByte(h, portB >> 8), portB);
  const e = flowTable + <usize>(h & <u32>(FLOW_SLOTS - 1)) * FLOW_BYTES;
  if (<i32>load<u8>(e, W_ALEN) == alen && <u32>load<u8>(e, W_PROTO) == proto && <u32>load<u16>(e, W_PORT_A) == portA &&
    <u32>load<u16>(e, W_PORT_B) == portB && sameAddr(e + W_ADDR_A, addrA) && sameAddr(e + W_ADDR_B, addrB)) {
    gapFlow = lg(gapOf(ts, load<i64>(e, W_LAST)), LG_TIME);
  } else {
    store<u8>(e, <u8>alen, W_ALEN);
    store<u8>(e, <u8>proto, W_PROTO);
    store<u16>(e, <u16>portA, W_PORT_A);
    store<u16>(e, <u16>portB, W_PORT_B);
    memory.copy(e + W_ADDR_A, addrA, 16);
    memory.copy(e + W_ADDR_B, addrB, 16);
    gapFlow = GAP_NONE;
  }
  store<i64>(e, ts, W_LAST);
}
