/*
 * Live capture on Linux without libpcap: an AF_PACKET socket bound to one
 * interface, read through a TPACKET_V3 memory-mapped ring (blocks of frames
 * the kernel fills and hands over whole), or with recvfrom() when the kernel
 * refuses the ring. The ring is mapped once at start; nothing is allocated
 * per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sense.h"

#define RING_BLOCK_BYTES (64u * 1024u)
#define RING_BLOCKS 8u
#define RING_FRAME_BYTES 2048u
#define LINKTYPE_ETHERNET 1u
#define LINKTYPE_RAW 101u

static uint8_t pce_live_frame[65536 + 64]; /* recvfrom fallback buffer */

static uint32_t link_type_of(int fd, const char* iface) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) return LINKTYPE_ETHERNET;
  switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_NONE:
#ifdef ARPHRD_RAWIP
    case ARPHRD_RAWIP:
#endif
      return LINKTYPE_RAW;
    default:
      return LINKTYPE_ETHERNET; /* ARPHRD_ETHER, ARPHRD_LOOPBACK (zero MACs) */
  }
}

static int run_ring(int fd, const struct sockaddr_ll* sll, volatile int* stop, uint64_t max_packets, pce_live_fn fn, void* ctx, uint32_t link,
                    char* err, size_t errlen, int* used) {
  int version = TPACKET_V3;
  struct tpacket_req3 req;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) return 1;
  memset(&req, 0, sizeof req);
  req.tp_block_size = RING_BLOCK_BYTES;
  req.tp_block_nr = RING_BLOCKS;
  req.tp_frame_size = RING_FRAME_BYTES;
  req.tp_frame_nr = RING_BLOCK_BYTES / RING_FRAME_BYTES * RING_BLOCKS;
  req.tp_retire_blk_tov = 50; /* ms: a partly filled block is handed over after this */
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) return 1;
  size_t map_len = (size_t)RING_BLOCK_BYTES * RING_BLOCKS;
  uint8_t* ring = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
  if (ring == MAP_FAILED) ring = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring == MAP_FAILED) return 1;
  if (bind(fd, (const struct sockaddr*)sll, sizeof *sll) != 0) {
    snprintf(err, errlen, "bind: %s", strerror(errno));
    munmap(ring, map_len);
    return -1;
  }
  *used = 1;
  uint64_t seen = 0;
  unsigned b = 0;
  int rc = 0;
  while (!*stop && (max_packets == 0 || seen < max_packets)) {
    struct tpacket_block_desc* desc = (struct tpacket_block_desc*)(ring + (size_t)b * RING_BLOCK_BYTES);
    if ((__atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
      struct pollfd pfd = {fd, POLLIN | POLLERR, 0};
      if (poll(&pfd, 1, 100) < 0 && errno != EINTR) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        rc = -1;
        break;
      }
      continue;
    }
    uint32_t n = desc->hdr.bh1.num_pkts;
    struct tpacket3_hdr* h = (struct tpacket3_hdr*)((uint8_t*)desc + desc->hdr.bh1.offset_to_first_pkt);
    for (uint32_t i = 0; i < n; i++) {
      if (!*stop && (max_packets == 0 || seen < max_packets)) {
        int64_t ts = (int64_t)h->tp_sec * 1000000 + h->tp_nsec / 1000;
        if (fn((uint8_t*)h + h->tp_mac, h->tp_snaplen, h->tp_len, ts, link, ctx) != 0) *stop = 1;
        seen++;
      }
      h = (struct tpacket3_hdr*)((uint8_t*)h + h->tp_next_offset);
    }
    __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    b = (b + 1) % RING_BLOCKS;
  }
  munmap(ring, map_len);
  return rc;
}

static int run_recv(int fd, volatile int* stop, uint64_t max_packets, pce_live_fn fn, void* ctx, uint32_t link,
                    char* err, size_t errlen) {
  uint64_t seen = 0;
  while (!*stop && (max_packets == 0 || seen < max_packets)) {
    struct pollfd pfd = {fd, POLLIN, 0};
    int r = poll(&pfd, 1, 100);
    if (r <= 0) {
      if (r < 0 && errno != EINTR) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        return -1;
      }
      continue;
    }
    ssize_t got = recv(fd, pce_live_frame, sizeof pce_live_frame, MSG_TRUNC);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      snprintf(err, errlen, "recv: %s", strerror(errno));
      return -1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint32_t cap = (size_t)got < sizeof pce_live_frame ? (uint32_t)got : (uint32_t)sizeof pce_live_frame;
    if (fn(pce_live_frame, cap, (uint32_t)got, (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000, link, ctx) != 0)
      *stop = 1;
    seen++;
  }
  return 0;
}

int pce_live_run(const char* iface, volatile int* stop, uint64_t max_packets, pce_live_fn fn, void* ctx,
                 char* err, size_t errlen, int* used_ring) {
  *used_ring = 0;
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) {
    snprintf(err, errlen, "socket(AF_PACKET): %s", strerror(errno));
    return -1;
  }
  unsigned idx = if_nametoindex(iface);
  if (idx == 0) {
    snprintf(err, errlen, "no interface %s", iface);
    close(fd);
    return -1;
  }
  uint32_t link = link_type_of(fd, iface);
  int rc = 1;
  if (getenv("PCE_SENSE_NO_RING") == NULL) {
    /* The ring must exist before bind, so no packet slips past it. */
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)idx;
    rc = run_ring(fd, &sll, stop, max_packets, fn, ctx, link, err, errlen, used_ring);
  }
  if (rc > 0) {
    struct sockaddr_ll sll;
    close(fd);
    fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)idx;
    if (fd < 0 || bind(fd, (struct sockaddr*)&sll, sizeof sll) != 0) {
      snprintf(err, errlen, "bind %s: %s", iface, strerror(errno));
      if (fd >= 0) close(fd);
      return -1;
    }
    rc = run_recv(fd, stop, max_packets, fn, ctx, link, err, errlen);
  }
  close(fd);
  return rc;
}
