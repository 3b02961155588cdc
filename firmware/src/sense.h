/* pce-sense internals: capture reader, JSON Lines writer, live capture. */
#ifndef PCE_SENSE_H
#define PCE_SENSE_H

#include <stddef.h>
#include <stdint.h>

#include "pce.h"

/* ---- capture.c: pcap / pcapng reader, the same packets and errors as src/pcap/ ---- */

/** One packet; `data` points into the reader's buffer until the next call. */
typedef struct pce_packet {
  uint64_t index;       /* 0-based, file order */
  int64_t ts_us;        /* microseconds since the epoch, rounded toward -inf */
  int ts_safe;          /* 0 when ts_us is outside JavaScript's safe integers (Node refuses those) */
  uint32_t link_type;   /* LINKTYPE_* */
  uint32_t cap_len;
  uint32_t orig_len;
  const uint8_t* data;
  uint64_t file_offset; /* record header (pcap) or block (pcapng) */
} pce_packet;

typedef enum pce_capture_step {
  PCE_CAPTURE_PACKET = 1,
  PCE_CAPTURE_END = 0,
  PCE_CAPTURE_ERROR = -1, /* bad bytes: error_offset and error_message, like PcapError */
  PCE_CAPTURE_IO = -2,    /* read() failed: error_message */
} pce_capture_step;

/** When set and non-zero, a read interrupted by a signal ends with PCE_CAPTURE_IO ("interrupted"). */
extern volatile int* pce_capture_interrupt;
/** Opens the reader on a file descriptor (a file or a pipe). Static buffers: one reader at a time. */
void pce_capture_open(int fd);
/** The next packet, or the end, or an error (after which the reader stays failed). */
pce_capture_step pce_capture_next(pce_packet* out);
uint64_t pce_capture_error_offset(void);
const char* pce_capture_error_message(void);
/** Bytes of static memory the reader uses. */
size_t pce_capture_ram_bytes(void);

/* ---- jsonl.c: the lines of `packetclip run --format jsonl` (docs/run-format.md) ---- */

/** Output goes to fd through a static buffer. */
void pce_out_open(int fd);
void pce_out_flush(void);
/** Quotes the engine's class names once (JSON.stringify). */
void pce_out_set_classes(const pce_engine* e);
/** One decision line. */
void pce_out_decision(uint64_t i, int64_t ts_us, const pce_verdict* v);
/** The final line after a capture fault. */
void pce_out_capture_error(const char* message, uint64_t offset, uint64_t packets);
/** An alert line (--format alert): only called for alerts. */
void pce_out_alert(uint64_t i, int64_t ts_us, const pce_verdict* v, const char* iface);
/** Words for a decode status (src/features/packet-status.ts). */
const char* pce_packet_status_text(uint32_t status, char* scratch, size_t n);

/* ---- live.c: AF_PACKET capture ---- */

typedef int (*pce_live_fn)(const uint8_t* frame, uint32_t len, uint32_t wire_len, int64_t ts_us,
                           uint32_t link_type, void* ctx);

/**
 * Captures on `iface` until *stop becomes non-zero, `max_packets` (0 = no
 * limit) packets were handed to fn, or fn returns non-zero. TPACKET_V3 ring,
 * else plain recvfrom. Returns 0, or -1 with a message in err.
 */
int pce_live_run(const char* iface, volatile int* stop, uint64_t max_packets, pce_live_fn fn, void* ctx,
                 char* err, size_t errlen, int* used_ring);

#endif /* PCE_SENSE_H */
