#!/usr/bin/python3
"""An imperfect link between a lab host and the switch (stdlib only).

usage: linkem.py IF_A IF_B DELAY_MS JITTER_MS LOSS_PCT SEED

Run inside a link namespace holding two interfaces: IF_A (towards the host)
and IF_B (towards the switch). Every frame received on one is sent out of
the other after DELAY_MS plus a normally distributed jitter (sigma
JITTER_MS, never negative), so frames overtake each other when the jitter
is large against their spacing (reordering); LOSS_PCT percent of IPv4
frames are dropped (TCP then retransmits). ARP is never dropped. This
stands in for tc netem, which the lab's kernel does not provide.
"""
import heapq
import random
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    a, b = sys.argv[1], sys.argv[2]
    delay, jitter, loss = float(sys.argv[3]) / 1e3, float(sys.argv[4]) / 1e3, float(sys.argv[5]) / 100
    rng = random.Random(int(sys.argv[6]))
    socks = {}
    for name in (a, b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        socks[name] = s
    other = {socks[a]: socks[b], socks[b]: socks[a]}
    queue, n = [], 0        # (due time, sequence, out socket, frame)
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
        ready, _, _ = select.select(list(other), [], [], timeout)
        now = time.monotonic()
        for s in ready:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue                        # our own transmissions
            if frame[12:14] == b"\x08\x00" and rng.random() < loss:
                continue
            due = now + max(0.0, rng.gauss(delay, jitter))
            heapq.heappush(queue, (due, n, other[s], frame))
            n += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError:
                pass


if __name__ == "__main__":
    main()
