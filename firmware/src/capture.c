/*
 * Streaming pcap / pcapng reader for pce-sense: a C rendering of src/pcap/
 * (docs/pcap-reader.md). Same packets, same timestamps, and the same error
 * messages at the same byte offsets as the Node reader, so `pce-sense -r`
 * writes the same final error line as `packetclip run`. One static buffer,
 * no allocation: records and buffered blocks are at most MAX_BUFFERED_BLOCK
 * bytes, and other pcapng blocks are skipped without buffering.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sense.h"

#define MAX_CAPLEN (256u * 1024u)
#define SNAPLEN_SLACK (64u * 1024u)
#define MAX_BUFFERED_BLOCK (MAX_CAPLEN + 64u * 1024u)
#define BUFFER_BYTES (512u * 1024u)
#define MAX_INTERFACES 1024u

#define PCAP_MAGIC_MICROS 0xa1b2c3d4u
#define PCAP_MAGIC_NANOS 0xa1b23c4du
#define BLOCK_SHB 0x0a0d0d0au
#define BLOCK_IDB 1u
#define BLOCK_PB 2u
#define BLOCK_SPB 3u
#define BLOCK_EPB 6u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du

#define SAFE_INT 9007199254740991LL /* 2^53 - 1, Number.MAX_SAFE_INTEGER */

_Static_assert(BUFFER_BYTES >= MAX_BUFFERED_BLOCK, "a buffered block must fit the buffer");

typedef struct pce_iface {
  uint32_t link_type;
  uint32_t snap_len;
  uint8_t binary;     /* if_tsresol bit 7: 2^-exp seconds per unit, else 10^-exp */
  uint8_t exp;
  int64_t ts_offset;  /* if_tsoffset, seconds */
} pce_iface;

static struct {
  int fd;
  uint8_t buf[BUFFER_BYTES];
  size_t start, end;     /* unread bytes: buf[start, end) */
  uint64_t offset;       /* file offset of buf[start] */
  int eof;
  int failed;
  int format;            /* 0 unknown, 1 pcap, 2 pcapng */
  uint64_t count;
  /* classic pcap */
  int le;
  int nanos;
  uint32_t snap_len, link_type;
  /* pcapng */
  uint32_t n_ifaces;
  pce_iface ifaces[MAX_INTERFACES];
  uint64_t last_sec_hi; /* unused: kept for layout clarity */
  int64_t last_sec;
  uint32_t last_nsec;
  int last_unsafe;
  uint64_t err_offset;
  char err[320];
} R;

volatile int* pce_capture_interrupt;

uint64_t pce_capture_error_offset(void) { return R.err_offset; }
const char* pce_capture_error_message(void) { return R.err; }
size_t pce_capture_ram_bytes(void) { return sizeof R; }

void pce_capture_open(int fd) {
  memset(&R, 0, sizeof R);
  R.fd = fd;
  R.le = 1;
}

static int fail(uint64_t offset, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(uint64_t offset, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(R.err, sizeof R.err, fmt, ap);
  va_end(ap);
  R.err_offset = offset;
  R.failed = PCE_CAPTURE_ERROR;
  return PCE_CAPTURE_ERROR;
}

static size_t avail(void) { return R.end - R.start; }

static void advance(size_t n) {
  R.start += n;
  R.offset += n;
}

/* Reads more input after compacting; 0, or PCE_CAPTURE_IO. */
static int refill(void) {
  if (R.start > 0) {
    memmove(R.buf, R.buf + R.start, R.end - R.start);
    R.end -= R.start;
    R.start = 0;
  }
  while (!R.eof && R.end < BUFFER_BYTES) {
    ssize_t got = read(R.fd, R.buf + R.end, BUFFER_BYTES - R.end);
    if (got < 0) {
      if (errno == EINTR && (pce_capture_interrupt == NULL || !*pce_capture_interrupt)) continue;
      if (errno == EINTR) {
        snprintf(R.err, sizeof R.err, "interrupted");
        return PCE_CAPTURE_IO; /* a stop request while waiting for input */
      }
      snprintf(R.err, sizeof R.err, "read error: %s", strerror(errno));
      R.failed = PCE_CAPTURE_IO;
      return PCE_CAPTURE_IO;
    }
    if (got == 0) R.eof = 1;
    R.end += (size_t)got;
    if (got > 0) break; /* enough for now: has() loops while it needs more */
  }
  return 0;
}

/* ByteWindow.has: 1 when n bytes are buffered; else the truncation error (0 = error set, -2 = io).
 * `claim` is what the error says was wanted, or NULL for "header says <claimed> bytes" (formatted
 * only when the error happens: this runs for every packet). */
static int has(size_t n, const char* what, const char* claim, uint32_t claimed, size_t skipped) {
  while (avail() < n) {
    if (R.eof) {
      size_t a = avail();
      char said[48];
      if (claim == NULL) {
        snprintf(said, sizeof said, "header says %u bytes", claimed);
        claim = said;
      }
      fail(R.offset, "truncated %s at byte %llu: %s, %zu remain", what, (unsigned long long)R.offset, claim,
           a > skipped ? a - skipped : 0);
      return 0;
    }
    if (refill() != 0) return -2;
  }
  return 1;
}

static uint16_t rd16(const uint8_t* p, int le) {
  return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const uint8_t* p, int le) {
  return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static uint64_t rd64(const uint8_t* p, int le) {
  uint64_t a = rd32(p, le), b = rd32(p + 4, le);
  return le ? (b << 32 | a) : (a << 32 | b);
}

static void hex_bytes(const uint8_t* p, size_t n, char* out, const char* sep) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += (size_t)sprintf(out + k, "%s%02x", i ? sep : "", p[i]);
  out[k] = '\0';
}

static int check_cap_len(uint32_t cap, uint32_t snap, const char* where, uint64_t off) {
  if (cap > MAX_CAPLEN)
    return fail(off, "absurd captured length in %s at byte %llu: %u bytes exceeds the %u-byte limit", where,
                (unsigned long long)off, cap, MAX_CAPLEN);
  if (snap > 0 && (uint64_t)cap > (uint64_t)snap + SNAPLEN_SLACK)
    return fail(off, "absurd captured length in %s at byte %llu: %u bytes exceeds snaplen %u by more than %u", where,
                (unsigned long long)off, cap, snap, SNAPLEN_SLACK);
  return 0;
}

/* sec * 1e6 + floor(nsec / 1000), or unsafe when |result| > 2^53 - 1 (Node's PacketInput refuses those). */
static void set_ts(pce_packet* p, int64_t sec, uint32_t nsec, int unsafe) {
  const int64_t lim = SAFE_INT / 1000000;
  p->ts_safe = !unsafe && sec <= lim && sec >= -lim - 1;
  p->ts_us = p->ts_safe ? sec * 1000000 + nsec / 1000 : 0;
  if (p->ts_safe && (p->ts_us > SAFE_INT || p->ts_us < -SAFE_INT)) p->ts_safe = 0;
}

/* ---------------- classic pcap ---------------- */

static int pcap_open(void) {
  int h = has(24, "pcap file header", "need 24 bytes", 0, 0);
  if (h <= 0) return h == 0 ? PCE_CAPTURE_ERROR : PCE_CAPTURE_IO;
  const uint8_t* p = R.buf + R.start;
  uint32_t m = rd32(p, 1);
  R.le = m == PCAP_MAGIC_MICROS || m == PCAP_MAGIC_NANOS;
  uint32_t magic = R.le ? m : rd32(p, 0);
  uint16_t major = rd16(p + 4, R.le), minor = rd16(p + 6, R.le);
  if (major != 2)
    return fail(R.offset, "unsupported pcap version at byte %llu: %u.%u, expected 2.x", (unsigned long long)R.offset,
                major, minor);
  R.nanos = magic == PCAP_MAGIC_NANOS;
  R.snap_len = rd32(p + 16, R.le);
  R.link_type = rd32(p + 20, R.le) & 0xffff;
  advance(24);
  return 0;
}

static int pcap_next(pce_packet* out) {
  if (avail() == 0 && !R.eof && refill() != 0) return PCE_CAPTURE_IO;
  if (R.eof && avail() == 0) return PCE_CAPTURE_END;
  int h = has(16, "packet record header", "need 16 bytes", 0, 0);
  if (h <= 0) return h == 0 ? PCE_CAPTURE_ERROR : PCE_CAPTURE_IO;
  uint32_t cap = rd32(R.buf + R.start + 8, R.le);
  if (check_cap_len(cap, R.snap_len, "packet record", R.offset)) return PCE_CAPTURE_ERROR;
  h = has(16 + (size_t)cap, "packet record", NULL, cap, 16);
  if (h <= 0) return h == 0 ? PCE_CAPTURE_ERROR : PCE_CAPTURE_IO;
  const uint8_t* p = R.buf + R.start;
  uint64_t sec = rd32(p, R.le);
  uint64_t frac = rd32(p + 4, R.le);
  uint64_t nsec = R.nanos ? frac : frac * 1000;
  if (nsec >= 1000000000u) {
    sec += nsec / 1000000000u;
    nsec %= 1000000000u;
  }
  out->index = R.count;
  set_ts(out, (int64_t)sec, (uint32_t)nsec, 0);
  out->link_type = R.link_type;
  out->cap_len = cap;
  out->orig_len = rd32(p + 12, R.le);
  out->data = p + 16;
  out->file_offset = R.offset;
  advance(16 + (size_t)cap);
  return PCE_CAPTURE_PACKET;
}

/* ---------------- pcapng ---------------- */

static const char* block_name(uint32_t type, char* scratch) {
  switch (type) {
    case BLOCK_SHB: return "section header block";
    case BLOCK_IDB: return "interface description block";
    case BLOCK_PB: return "packet block";
    case BLOCK_SPB: return "simple packet block";
    case BLOCK_EPB: return "enhanced packet block";
  }
  sprintf(scratch, "block of type 0x%08x", type);
  return scratch;
}

static uint32_t min_length(uint32_t type) {
  switch (type) {
    case BLOCK_SHB: return 28;
    case BLOCK_IDB: return 20;
    case BLOCK_PB: return 32;
    case BLOCK_SPB: return 16;
    case BLOCK_EPB: return 32;
  }
  return 0;
}

/* floor((hi * 2^64 + lo) / 2^shift), for the 2^-k resolutions. */
static uint64_t shr128(uint64_t hi, uint64_t lo, unsigned shift) {
  if (shift == 0) return lo;
  if (shift >= 128) return 0;
  if (shift >= 64) return hi >> (shift - 64);
  return (lo >> shift) | (hi << (64 - shift));
}

/* x * 1e9 as 128 bits. */
static void mul1e9(uint64_t x, uint64_t* hi, uint64_t* lo) {
  const uint64_t b = 1000000000u;
  uint64_t xl = x & 0xffffffffu, xh = x >> 32;
  uint64_t l = xl * b, h = xh * b; /* each < 2^62 */
  uint64_t lo2 = l + (h << 32);
  *hi = (h >> 32) + (lo2 < l);
  *lo = lo2;
}

/* src/pcap/timestamp.ts splitTimestamp: exact floor division for every resolution. */
static void split_ts(uint64_t units, const pce_iface* f, uint64_t* sec, uint32_t* nsec) {
  unsigned e = f->exp;
  uint64_t hi, lo;
  if (f->binary) {
    if (e < 64) {
      *sec = units >> e;
      uint64_t rem = e ? units & ((1ull << e) - 1) : 0;
      mul1e9(rem, &hi, &lo);
      *nsec = (uint32_t)shr128(hi, lo, e);
    } else {
      *sec = 0;
      mul1e9(units, &hi, &lo);
      *nsec = (uint32_t)shr128(hi, lo, e);
    }
    return;
  }
  if (e <= 19) {
    uint64_t u = 1;
    for (unsigned i = 0; i < e; i++) u *= 10;
    *sec = units / u;
    uint64_t rem = units % u;
    if (e <= 9) {
      *nsec = (uint32_t)(rem * (1000000000u / u));
    } else {
      uint64_t d = 1;
      for (unsigned i = 9; i < e; i++) d *= 10;
      *nsec = (uint32_t)(rem / d);
    }
    return;
  }
  *sec = 0; /* 10^e > 2^64 > units */
  if (e - 9 > 19) {
    *nsec = 0;
  } else {
    uint64_t d = 1;
    for (unsigned i = 9; i < e; i++) d *= 10;
    *nsec = (uint32_t)(units / d);
  }
}

static int read_interface(uint32_t length) {
  const uint8_t* b = R.buf + R.start;
  int le = R.le;
  pce_iface f = {0};
  f.exp = 6;
  size_t end = length - 4;
  for (size_t p = 16; p + 4 <= end;) {
    uint16_t code = rd16(b + p, le), len = rd16(b + p + 2, le);
    if (code == 0) break;
    if (p + 4 + len > end)
      return fail(R.offset, "bad option length in interface description block at byte %llu: option %u at byte %llu claims %u bytes, %lld remain",
                  (unsigned long long)R.offset, code, (unsigned long long)(R.offset + p), len,
                  (long long)end - (long long)p - 4);
    if (code == 9 && len >= 1) {
      f.binary = (b[p + 4] & 0x80) != 0;
      f.exp = b[p + 4] & 0x7f;
    }
    if (code == 14 && len >= 8) f.ts_offset = (int64_t)rd64(b + p + 4, le);
    p += 4 + (((size_t)len + 3) & ~(size_t)3);
  }
  f.link_type = rd16(b + 8, le);
  f.snap_len = rd32(b + 12, le);
  if (R.n_ifaces >= MAX_INTERFACES)
    return fail(R.offset, "too many interfaces at byte %llu: pce-sense keeps at most %u per section",
                (unsigned long long)R.offset, MAX_INTERFACES);
  R.ifaces[R.n_ifaces++] = f;
  return 0;
}

static const pce_iface* iface_of(uint32_t type, uint32_t id) {
  char s[32];
  if (id >= R.n_ifaces) {
    fail(R.offset, "unknown interface %u in %s at byte %llu: the section defines %u interface(s)", id,
         block_name(type, s), (unsigned long long)R.offset, R.n_ifaces);
    return NULL;
  }
  return &R.ifaces[id];
}

static int check_fits(uint32_t type, uint32_t cap, uint32_t room) {
  char s[32];
  if (cap > room)
    return fail(R.offset, "bad captured length in %s at byte %llu: %u bytes do not fit in the %u the block holds",
                block_name(type, s), (unsigned long long)R.offset, cap, room);
  return 0;
}

/* EPB / PB. Returns PCE_CAPTURE_PACKET or PCE_CAPTURE_ERROR. */
static int timestamped(uint32_t type, uint32_t length, uint32_t id, pce_packet* out) {
  char s[32];
  const uint8_t* p = R.buf + R.start;
  const pce_iface* f = iface_of(type, id);
  if (f == NULL) return PCE_CAPTURE_ERROR;
  uint32_t cap = rd32(p + 20, R.le);
  if (check_cap_len(cap, f->snap_len, block_name(type, s), R.offset)) return PCE_CAPTURE_ERROR;
  if (check_fits(type, cap, length - 32)) return PCE_CAPTURE_ERROR;
  uint64_t units = (uint64_t)rd32(p + 12, R.le) << 32 | rd32(p + 16, R.le);
  uint64_t sec;
  uint32_t nsec;
  split_ts(units, f, &sec, &nsec);
  int64_t total;
  R.last_unsafe = sec > (uint64_t)SAFE_INT || f->ts_offset > SAFE_INT || f->ts_offset < -SAFE_INT ||
                  __builtin_add_overflow((int64_t)sec, f->ts_offset, &total);
  R.last_sec = R.last_unsafe ? 0 : total;
  R.last_nsec = nsec;
  out->index = R.count;
  set_ts(out, R.last_sec, R.last_nsec, R.last_unsafe);
  out->link_type = f->link_type;
  out->cap_len = cap;
  out->orig_len = rd32(p + 24, R.le);
  out->data = p + 28;
  out->file_offset = R.offset;
  return PCE_CAPTURE_PACKET;
}

static int simple(uint32_t length, pce_packet* out) {
  char s[32];
  const uint8_t* p = R.buf + R.start;
  const pce_iface* f = iface_of(BLOCK_SPB, 0);
  if (f == NULL) return PCE_CAPTURE_ERROR;
  uint32_t orig = rd32(p + 8, R.le);
  uint32_t cap = f->snap_len > 0 && orig > f->snap_len ? f->snap_len : orig;
  if (check_cap_len(cap, f->snap_len, block_name(BLOCK_SPB, s), R.offset)) return PCE_CAPTURE_ERROR;
  if (check_fits(BLOCK_SPB, cap, length - 16)) return PCE_CAPTURE_ERROR;
  out->index = R.count;
  set_ts(out, R.last_sec, R.last_nsec, R.last_unsafe);
  out->link_type = f->link_type;
  out->cap_len = cap;
  out->orig_len = orig;
  out->data = p + 12;
  out->file_offset = R.offset;
  return PCE_CAPTURE_PACKET;
}

/* Passes over a block that is not buffered (continueSkip). */
static int skip_block(uint64_t block_offset, uint32_t type, uint32_t length) {
  char s[32];
  uint64_t consumed = 8, body_end = length - 4;
  for (;;) {
    uint64_t take = body_end - consumed < avail() ? body_end - consumed : avail();
    advance((size_t)take);
    consumed += take;
    if (consumed < body_end || avail() < 4) {
      if (R.eof) {
        char claim[48];
        snprintf(claim, sizeof claim, "header says %u bytes", length);
        return fail(block_offset, "truncated %s at byte %llu: %s, %llu remain", block_name(type, s),
                    (unsigned long long)block_offset, claim, (unsigned long long)(consumed + avail()));
      }
      if (refill() != 0) return PCE_CAPTURE_IO;
      continue;
    }
    uint32_t trailing = rd32(R.buf + R.start, R.le);
    if (trailing != length)
      return fail(block_offset, "block length mismatch in %s at byte %llu: leading length %u, trailing length %u",
                  block_name(type, s), (unsigned long long)block_offset, length, trailing);
    advance(4);
    return 0;
  }
}

static int pcapng_next(pce_packet* out) {
  char s[32];
  for (;;) {
    if (avail() == 0 && !R.eof && refill() != 0) return PCE_CAPTURE_IO;
    if (R.eof && avail() == 0) return PCE_CAPTURE_END;
    int h = has(8, "block header", "need 8 bytes", 0, 0);
    if (h <= 0) return h == 0 ? PCE_CAPTURE_ERROR : PCE_CAPTURE_IO;
    uint32_t type = rd32(R.buf + R.start, R.le);
    if (type == BLOCK_SHB) {
      h = has(12, block_name(type, s), "need 12 bytes", 0, 0);
      if (h <= 0) return h == 0 ? PCE_CAPTURE_ERROR : PCE_CAPTURE_IO;
      const uint8_t* bom = R.buf + R.start + 8;
      if (rd32(bom, 1) == BYTE_ORDER_MAGIC) {
        R.le = 1;
      } else if (rd32(bom, 0) == BYTE_ORDER_MAGIC) {
        R.le = 0;
      } else {
        char hex[16];
        hex_bytes(bom, 4, hex, " ");
        return fail(R.offset, "bad byte-order magic in section header block at byte %llu: found bytes %s, expected 1a 2b 3c 4d or 4d 3c 2b 1a",
                    (unsigned long long)R.offset, hex);
      }
    }
    uint32_t length = rd32(R.buf + R.start + 4, R.le);
    uint32_t min = min_length(type);
    if (length % 4 != 0 || length < 12)
      return fail(R.offset, "bad block length %u at byte %llu: %s needs a multiple of 4 and at least 12", length,
                  (unsigned long long)R.offset, block_name(type, s));
    if (min == 0) {
      uint64_t off = R.offset;
      advance(8);
      int r = skip_block(off, type, length);
      if (r != 0) return r;
      continue;
    }
    if (length < min)
      return fail(R.offset, "bad block length %u at byte %llu: %s needs at least %u bytes", length,
                  (unsigned long long)R.offset, block_name(type, s), min);
    if (length > MAX_BUFFERED_BLOCK)
      return fail(R.offset, "bad block length %u at byte %llu: %s exceeds the %u-byte limit", length,
                  (unsigned long long)R.offset, block_name(type, s), MAX_BUFFERED_BLOCK);
    h = has(length, block_name(type, s), NULL, length, 0);
    if (h <= 0) return h == 0 ? PCE_CAPTURE_ERROR : PCE_CAPTURE_IO;
    const uint8_t* b = R.buf + R.start;
    uint32_t trailing = rd32(b + length - 4, R.le);
    if (trailing != length)
      return fail(R.offset, "block length mismatch in %s at byte %llu: leading length %u, trailing length %u",
                  block_name(type, s), (unsigned long long)R.offset, length, trailing);
    int r = 0;
    switch (type) {
      case BLOCK_SHB: {
        uint16_t major = rd16(b + 12, R.le), minor = rd16(b + 14, R.le);
        if (major != 1)
          return fail(R.offset, "unsupported pcapng version at byte %llu: %u.%u, expected 1.x",
                      (unsigned long long)R.offset, major, minor);
        R.n_ifaces = 0;
        break;
      }
      case BLOCK_IDB:
        if (read_interface(length)) return PCE_CAPTURE_ERROR;
        break;
      case BLOCK_EPB:
        r = timestamped(type, length, rd32(b + 8, R.le), out);
        break;
      case BLOCK_PB:
        r = timestamped(type, length, rd16(b + 8, R.le), out);
        break;
      default:
        r = simple(length, out);
        break;
    }
    if (r == PCE_CAPTURE_ERROR) return r;
    advance(length);
    if (r == PCE_CAPTURE_PACKET) return r;
  }
}

pce_capture_step pce_capture_next(pce_packet* out) {
  if (R.failed) return (pce_capture_step)R.failed;
  int r;
  if (R.format == 0) {
    if (avail() == 0 && refill() != 0) return PCE_CAPTURE_IO;
    if (R.eof && avail() == 0) {
      fail(R.offset, "empty file at byte %llu: no pcap or pcapng header (0 bytes)", (unsigned long long)R.offset);
      return PCE_CAPTURE_ERROR;
    }
    int h = has(4, "file header", "need 4 bytes for the magic number", 0, 0);
    if (h <= 0) return h == 0 ? PCE_CAPTURE_ERROR : PCE_CAPTURE_IO;
    const uint8_t* p = R.buf + R.start;
    uint32_t be = rd32(p, 0), le = rd32(p, 1);
    if (be == BLOCK_SHB) {
      R.format = 2;
    } else if (be == PCAP_MAGIC_MICROS || le == PCAP_MAGIC_MICROS || be == PCAP_MAGIC_NANOS || le == PCAP_MAGIC_NANOS) {
      R.format = 1;
      r = pcap_open();
      if (r != 0) {
        R.format = 0;
        return (pce_capture_step)r;
      }
    } else {
      char hex[16], compact[12];
      hex_bytes(p, 4, hex, " ");
      hex_bytes(p, 4, compact, "");
      fail(R.offset, "bad magic 0x%s at byte %llu: found bytes %s; expected a pcap (a1 b2 c3 d4, a1 b2 3c 4d, either order) or pcapng (0a 0d 0d 0a) file",
           compact, (unsigned long long)R.offset, hex);
      return PCE_CAPTURE_ERROR;
    }
  }
  r = R.format == 1 ? pcap_next(out) : pcapng_next(out);
  if (r == PCE_CAPTURE_PACKET) R.count++;
  return (pce_capture_step)r;
}
