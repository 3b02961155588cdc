#!/bin/sh
# in_host.sh CMD...: run CMD in a lab host with the lab's own resolver.
# Started by `ip netns exec`, which has already given this process a mount
# namespace of its own (a slave of the host's), so the bind mount below is
# invisible outside it: lab hosts resolve through the lab gateway, as on a
# real LAN, and never send queries toward the machine's real DNS server.
mount --bind "$LAB_WORK/conf/resolv.conf" /etc/resolv.conf || exit 1
exec "$@"
