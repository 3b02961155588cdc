/**
 * pcapng timestamps are a 64-bit count of units, where the interface's if_tsresol option says
 * how long a unit is (10^-k or 2^-k seconds; 10^-6 by default). This module turns
 * (high 32 bits, low 32 bits, resolution) into exact whole seconds plus nanoseconds.
 *
 * Why not one float division: nanosecond counts today are ~1.7e18, past 2^53, so a double
 * loses ~256 ns before dividing. Why not always BigInt: it costs several allocations per
 * packet. So decimal resolutions up to nanoseconds (the only ones real writers use) take an
 * exact long division in doubles, base 2^16; anything else takes the BigInt path.
 */

/** How long one timestamp unit of an interface is. */
export interface TsResolution {
  /** Units per second, exact: 10^k or 2^k. */
  readonly unitsPerSec: bigint;
  /** Same as a number when it is 10^k with k <= 9 (fast path), else 0. */
  readonly decimalUnitsPerSec: number;
  /** 1e9 / unitsPerSec when decimalUnitsPerSec is set, else 0. */
  readonly nanosPerUnit: number;
}

/** resolutionFromOption's records, by if_tsresol byte, made on first use. */
const RESOLUTIONS: (TsResolution | undefined)[] = [];

/** Microseconds: the pcapng default when an interface has no if_tsresol option. */
export const MICROSECOND_RESOLUTION: TsResolution = resolutionFromOption(6);

/**
 * Decodes an if_tsresol byte: bit 7 clear means 10^-value seconds, set means 2^-(value & 0x7f).
 */
export function resolutionFromOption(tsresol: number): TsResolution {
  // One shared record per byte value: thousands of interfaces must not mean thousands of copies.
  return (RESOLUTIONS[tsresol & 0xff] ??= makeResolution(tsresol & 0xff));
}

function makeResolution(tsresol: number): TsResolution {
  const exponent = tsresol & 0x7f;
  const unitsPerSec = (tsresol & 0x80) === 0 ? 10n ** BigInt(exponent) : 1n << BigInt(exponent);
  const fast = (tsresol & 0x80) === 0 && exponent <= 9;
  const decimal = fast ? Number(unitsPerSec) : 0;
  return { unitsPerSec, decimalUnitsPerSec: decimal, nanosPerUnit: fast ? 1e9 / decimal : 0 };
}

/** Whole seconds (floor) and nanoseconds within them, the split every Packet carries. */
export interface SecNsec {
  sec: number;
  nsec: number;
}

// Largest high quotient that keeps sec = qHigh * 2^32 + (< 2^32) below 2^53.
const MAX_EXACT_HIGH_QUOTIENT = 2 ** 21;

/**
 * Splits a 64-bit unit count (hi * 2^32 + lo, both unsigned 32-bit) into seconds and
 * nanoseconds, writing into `out` (reused by the caller to spare an allocation per packet).
 * Seconds beyond 2^53 lose exactness (no real capture gets there); sub-nanosecond units are
 * rounded toward -inf.
 */
export function splitTimestamp(hi: number, lo: number, res: TsResolution, out: SecNsec): void {
  const d = res.decimalUnitsPerSec;
  if (d !== 0) {
    // Long division of [hi | lo>>>16 | lo&0xffff] by d <= 1e9 < 2^30: every partial dividend
    // stays below 2^46, so each double quotient is exact after the one-step correction.
    const qh = Math.floor(hi / d);
    if (qh < MAX_EXACT_HIGH_QUOTIENT) {
      const mid = (hi - qh * d) * 65536 + (lo >>> 16);
      let qm = Math.floor(mid / d);
      if (qm * d > mid) qm -= 1;
      const low = (mid - qm * d) * 65536 + (lo & 0xffff);
      let ql = Math.floor(low / d);
      if (ql * d > low) ql -= 1;
      out.sec = qh * 4294967296 + qm * 65536 + ql;
      out.nsec = (low - ql * d) * res.nanosPerUnit;
      return;
    }
  }
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  out.sec = Number(units / res.unitsPerSec);
  out.nsec = Number(((units % res.unitsPerSec) * 1_000_000_000n) / res.unitsPerSec);
}
