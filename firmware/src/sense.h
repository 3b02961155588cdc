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
/** Words for a decode status (src/features/packet-status.ts). */
const char* pce_packet_status_text(uint32_t status, char* scratch, size_t n);

/** Text of an address (src/flows/address-text.ts rules) into out (>= 46 bytes); its length. */
size_t pce_format_address(uint8_t version, const uint8_t* a, char* out);
/** Suricata's proto name, or the number, into out (>= 8 bytes); its length. */
size_t pce_format_proto(uint8_t p, char* out);
/** JSON.stringify of a UTF-8 string into out (at least 6n+3 bytes); its length. */
size_t pce_json_quote(const char* s, char* out);
/** Class k's name as JSON.stringify quotes it. */
const char* pce_out_class_quoted(uint32_t k);
size_t pce_out_class_quoted_len(uint32_t k);
/** Appends bytes to the output. */
void pce_out_line(const char* s, size_t n);

/* ---- alerts.c: alert episodes as eve.json lines, src/alerts/ in C (docs/alerts-format.md) ---- */

/** Reads a thresholds file (version 1) into the pending configuration; -1 with a message in err. */
int pce_thresholds_load(const char* path, char* err, size_t errlen);
/** Starts the tracker for the engine's classes with the loaded file (path, checked against the classes) or, path NULL, the built-in defaults. */
int pce_alerts_start(const pce_engine* e, const char* path, char* err, size_t errlen);
/** pcap_filename of every alert (NULL: none, as for stdin). */
void pce_alerts_set_capture_name(const char* name);
/** One classified packet, in capture order: may write the alerts of episodes it closes. */
void pce_alerts_push(uint64_t index, int64_t ts_us, const uint8_t* frame, uint32_t len, uint32_t wire, uint32_t link,
                     const pce_verdict* v);
/** Closes the episodes quiet at capture time now. */
void pce_alerts_close_quiet(int64_t now_us);
/** Closes every open episode, in order of opening. */
void pce_alerts_flush(void);
/** Alert lines go to syslog (LOG_WARNING) instead of the output. */
void pce_alerts_to_syslog(int on);
/** Writes the open episodes' alerts and stops the tracker (before a model reload). */
void pce_alerts_stop(void);
/** Alerts written. */
uint64_t pce_alerts_count(void);
/** Static memory of the tracker. */
size_t pce_alerts_ram_bytes(void);

/* ---- jsnum.c: JavaScript's number texts for the alert lines, integers only ---- */

/** round6((q15_sum / 32768) / n) as String() prints it. */
size_t pce_js_mean_round6(uint64_t q15_sum, uint64_t n, char* out);
/** String(Number((us / 1e6).toFixed(6))). */
size_t pce_js_micros(uint64_t us, char* out);
/** (p / q).toFixed(f). */
size_t pce_js_fixed_ratio(uint64_t p, uint64_t q, int f, char* out);
/** formatRate(packets / (us / 1e6)) (src/alerts/evidence.ts). */
size_t pce_js_rate_per_micros(uint64_t packets, uint64_t us, char* out);
/** formatRate(p / q). */
size_t pce_js_rate_ratio(uint64_t p, uint64_t q, char* out);

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
