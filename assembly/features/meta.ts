/**
 * Packet metadata (docs/engine-abi.md, "Packet metadata"): where the last
 * packet given to pce_extract / pce_push_packet goes (IP version, protocol,
 * addresses, ports, TCP flags) and its flow id, in one static record the host
 * reads at pce_packet_meta_ptr(). Every host (Node, the browser, firmware's C)
 * reads these values from the same Wasm, so `run`'s lines, eve alerts and
 * pce-sense name a packet the same way.
 *
 * Flow id: FNV-1a 64 over the direction-independent 5-tuple, the lower
 * endpoint first (address bytes, then port, as src/flows/flow-key.ts orders
 * them), masked to 53 bits:
 *   bytes = ip_version, protocol, addr_lo (4 or 16), port_lo (u16 BE), addr_hi, port_hi (u16 BE)
 *   h = 0xcbf29ce484222325; for each byte b: h = (h ^ b) * 0x100000001b3 (mod 2^64)
 *   flow_id = h & (2^53 - 1), or 1 when that is 0 (0 means "no flow")
 * Ports are 0 when the packet has none (ICMP, fragments, other protocols).
 */
import {
  META_BYTES, META_DST_ADDR, META_DST_PORT, META_FLAGS, META_FLOW_HI, META_FLOW_LO, META_HAS_PORTS,
  META_HAS_TCP_FLAGS, META_IP_VERSION, META_PROTO, META_SRC_ADDR, META_SRC_PORT, META_TCP_FLAGS,
} from './constants';

/** META_BYTES: the record pce_packet_meta_ptr() points at. */
export const metaBuf: usize = memory.data(META_BYTES, 16);

const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;
const ID_MASK: u64 = (<u64>1 << 53) - 1;

/** Zeroes the record: a packet without captured IP addresses. */
export function clearMeta(): void {
  memory.fill(metaBuf, 0, <usize>META_BYTES);
}

@inline function fnvByte(h: u64, b: u32): u64 {
  return (h ^ <u64>(b & 0xff)) * FNV_PRIME;
}

function fnvEndpoint(h: u64, addr: usize, n: i32, port: u32): u64 {
  for (let i = 0; i < n; i++) h = fnvByte(h, load<u8>(addr + <usize>i));
  h = fnvByte(h, port >> 8);
  return fnvByte(h, port);
}

/** True when (a, pa) sorts before or equal to (b, pb): address bytes, then port. */
function lowerEndpoint(a: usize, pa: u32, b: usize, pb: u32, n: i32): bool {
  for (let i = 0; i < n; i++) {
    const x = load<u8>(a + <usize>i);
    const y = load<u8>(b + <usize>i);
    if (x != y) return x < y;
  }
  return pa <= pb;
}

/**
 * Fills the record for an IP packet whose addresses (n = 4 or 16 bytes) lie
 * at src and dst. Ports count only when `ports` (else 0).
 */
export function setMeta(version: u32, proto: u32, src: usize, dst: usize, n: i32, ports: bool, srcPort: u32,
  dstPort: u32, tcpFlagsKnown: bool, tcpFlags: u32): void {
  clearMeta();
  const sp = ports ? srcPort : 0;
  const dp = ports ? dstPort : 0;
  store<u8>(metaBuf, <u8>version, META_IP_VERSION);
  store<u8>(metaBuf, <u8>proto, META_PROTO);
  store<u8>(metaBuf, (ports ? META_HAS_PORTS : 0) | (tcpFlagsKnown ? META_HAS_TCP_FLAGS : 0), META_FLAGS);
  store<u8>(metaBuf, <u8>(tcpFlagsKnown ? tcpFlags : 0), META_TCP_FLAGS);
  store<u16>(metaBuf, <u16>sp, META_SRC_PORT);
  store<u16>(metaBuf, <u16>dp, META_DST_PORT);
  memory.copy(metaBuf + META_SRC_ADDR, src, <usize>n);
  memory.copy(metaBuf + META_DST_ADDR, dst, <usize>n);
  let h = fnvByte(fnvByte(FNV_OFFSET, version), proto);
  if (lowerEndpoint(src, sp, dst, dp, n)) {
    h = fnvEndpoint(fnvEndpoint(h, src, n, sp), dst, n, dp);
  } else {
    h = fnvEndpoint(fnvEndpoint(h, dst, n, dp), src, n, sp);
  }
  let id = h & ID_MASK;
  if (id == 0) id = 1;
  store<u32>(metaBuf, <u32>id, META_FLOW_LO);
  store<u32>(metaBuf, <u32>(id >> 32), META_FLOW_HI);
}
