/**
 * Packet features inside the engine (docs/features.md): raw frame bytes +
 * link type + timestamp -> u8[128], integers only, no allocation. The frame
 * lies in the static packet buffer (frame.ts); the vector goes to featBuf
 * (vector.ts); the per-address state lives in tables.ts.
 */
import { PCE_ERR_FEATURE_VERSION, PCE_ERR_FEATURE_WIDTH, PCE_ERR_PACKET_LENGTH, PCE_OK } from '../blob/errors';
import { FEATURE_COUNT, FEATURE_VERSION, MAX_WIRE_LEN, NET_IPV4, NET_IPV6, PACKET_CAPACITY, PKT_OK, PKT_WIRE_LEN } from './constants';
import { beginFrame, packetBuf } from './frame';
import { clearMeta, metaBuf, setMeta } from './meta';
import { decodeLink, linkStatus, netKind, netOff } from './link';
import { addrLen, clearNetwork, decodeIPv4, decodeIPv6, dstOff, ipProto, ipStatus, ipEnd, l4Off, srcOff } from './network';
import { clearTables, noAddressState, updateAddressState, updateAny } from './tables';
import { decodeTransport, dstPort, hasPorts, hasTcpFlags, l4Status, srcPort, tcpFlags } from './transport';
import { beginVector, featBuf, putFlags, putNetwork, putState, putTransport } from './vector';

export { featBuf, metaBuf, packetBuf };

let status = PKT_OK;

/** Decode status of the last packet (docs/features.md, "Decode status"). */
export function packetStatus(): i32 {
  return status;
}

/** Forgets all per-address, per-flow and global timing state. */
export function resetFeatures(): void {
  clearTables();
  clearMeta();
  status = PKT_OK;
  memory.fill(featBuf, 0, <usize>FEATURE_COUNT);
}

/** 0 when a blob with this feature version and P can take packet input, else the error code. */
export function packetInputError(featureVersion: i32, P: i32): i32 {
  if (featureVersion != FEATURE_VERSION) return PCE_ERR_FEATURE_VERSION;
  if (P != FEATURE_COUNT) return PCE_ERR_FEATURE_WIDTH;
  return PCE_OK;
}

/**
 * Features of the frame of `len` bytes in the packet buffer, captured at `ts`
 * (µs) on a link of type `linkType`, `origLen` bytes on the wire. Updates the
 * state and returns the decode status (>= 0), or -PCE_ERR_PACKET_LENGTH when
 * len exceeds the buffer (nothing changes then).
 */
export function extractPacket(len: u32, linkType: u32, ts: i64, origLen: u32): i32 {
  if (len > <u32>PACKET_CAPACITY) return -PCE_ERR_PACKET_LENGTH;
  beginFrame(<i32>len);
  decodeLink(linkType);
  const kind = netKind;
  if (kind == NET_IPV4) decodeIPv4(netOff);
  else if (kind == NET_IPV6) decodeIPv6(netOff);
  else clearNetwork();
  const ip = kind == NET_IPV4 || kind == NET_IPV6;
  decodeTransport(ip ? l4Off : -1, ipProto, ipEnd);
  beginVector(kind, max(origLen, len));
  if (ip) {
    putNetwork(kind, netOff);
    putTransport(l4Off);
  }
  updateAny(ts);
  if (ip && addrLen > 0) {
    updateAddressState(ts, packetBuf + <usize>srcOff, packetBuf + <usize>dstOff, addrLen, ipProto,
      hasPorts, srcPort, dstPort, hasTcpFlags, tcpFlags);
    setMeta(kind == NET_IPV4 ? 4 : 6, ipProto, packetBuf + <usize>srcOff, packetBuf + <usize>dstOff, addrLen,
      hasPorts, srcPort, dstPort, hasTcpFlags, tcpFlags);
  } else {
    noAddressState();
    clearMeta();
  }
  putState();
  putFlags();
  // The record's wire length comes before the frame in decoding order.
  status = origLen > MAX_WIRE_LEN ? PKT_WIRE_LEN
    : linkStatus != PKT_OK ? linkStatus : ipStatus != PKT_OK ? ipStatus : l4Status;
  return status;
}
