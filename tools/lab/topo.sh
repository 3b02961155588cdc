# Lab topology (sourced by lab.sh): one bridge in its own namespace and one
# namespace per host from $LAB_PLAN/hosts.tsv, each joined to the bridge by a
# veth pair. No interface is ever connected to the root namespace, so no lab
# packet can reach the host's network, and the host's config is never touched.
#
#   <prefix>sw : br0 (no IP; the capture point, like a mirror port on a switch)
#   <prefix>gw : the default gateway of every host; forwarding off and no
#                route of its own, so replies to spoofed off-subnet sources
#                are sent to it and end there: on a real router they would
#                leave through the WAN side, which a LAN capture never sees.
#   <prefix>ln-<host> : for a host in $LAB_PLAN/links.tsv, a link namespace
#                between the host and the switch where linkem.py delays,
#                jitters (reorders) and drops frames both ways.

topo_up() {
  local sw; sw=$(lab_ns sw)
  ip netns add "$sw"
  ip -n "$sw" link set lo up
  ip netns exec "$sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0
  ip -n "$sw" link set br0 up
  local name kind ip mac ttl ns gw_ip
  gw_ip=$(awk -F'\t' '$2 == "gw" { print $3 }' "$LAB_PLAN/hosts.tsv")
  while IFS=$'\t' read -r name kind ip mac ttl; do
    ns=$(lab_ns "$name")
    ip netns add "$ns"
    # IPv6 off: the labeler and the first feature version are IPv4-only.
    # ip_default_ttl per namespace: each host gets its own OS-like TTL.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
      net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_default_ttl="$ttl" net.ipv4.ip_forward=0
    local impair; impair=$(awk -F'\t' -v h="$name" '$1 == h { print $2, $3, $4 }' "$LAB_PLAN/links.tsv" 2>/dev/null)
    if [ -n "$impair" ]; then
      local ln; ln=$(lab_ns "ln-$name")
      ip netns add "$ln"
      ip netns exec "$ln" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
      ip -n "$ln" link add la type veth peer name eth0 netns "$ns"
      ip -n "$ln" link add lb type veth peer name "v-$name" netns "$sw"
      ip -n "$ln" link set la promisc on up
      ip -n "$ln" link set lb promisc on up
      ip netns exec "$ln" ethtool -K la tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
      ip netns exec "$ln" ethtool -K lb tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
      # shellcheck disable=SC2086
      ip netns exec "$ln" setsid /usr/bin/python3 "$LAB_DIR/linkem.py" la lb $impair "$LAB_SEED" \
        >>"$LAB_WORK/logs/linkem-$name.log" 2>&1 </dev/null &
    else
      ip -n "$sw" link add "v-$name" type veth peer name eth0 netns "$ns"
    fi
    ip -n "$sw" link set "v-$name" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 address "$mac"
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up
    [ "$kind" = gw ] || ip -n "$ns" route add default via "$gw_ip"
    # Offloads off: the capture then holds MTU-sized frames as on a real wire,
    # not 64 KiB GSO super-packets.
    ip netns exec "$ns" ethtool -K eth0 tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
  done < <(tail -n +2 "$LAB_PLAN/hosts.tsv")
  ip netns exec "$sw" ethtool -K br0 tso off gso off gro off >/dev/null 2>&1 || true
}

# Kill every process still inside a lab namespace (services, clients, tools,
# tcpdump), then delete the namespaces. Safe to call twice and on a partial
# topology. Only namespaces with this run's prefix are touched.
topo_down() {
  local ns pids
  for ns in $(ip netns list | awk -v p="$LAB_NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
  done
  sleep 1
  for ns in $(ip netns list | awk -v p="$LAB_NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
}
