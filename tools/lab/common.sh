# Shared helpers for the lab scripts (sourced, never run).
# Every lab script talks to the hosts through these, so that namespace names,
# logging and parameter parsing are spelled the same everywhere.

lab_log()  { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lab_die()  { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# Wall-clock time in the pcap's own clock (CLOCK_REALTIME, microseconds kept),
# so attack windows and packet timestamps compare directly in the labeler.
lab_now()  { date +%s.%6N; }

# Namespace of lab host NAME. LAB_NS_PREFIX is unique per run (contains the
# orchestrator's PID), so two runs on one machine never share a namespace.
lab_ns()   { printf '%s%s' "$LAB_NS_PREFIX" "$1"; }
lab_in()   { local h=$1; shift; ip netns exec "$(lab_ns "$h")" /bin/sh "$LAB_DIR/in_host.sh" "$@"; }

# Parameters travel as "key=value key=value" strings (values never contain
# spaces). lab_params PREFIX "STRING" defines ${PREFIX}key for each pair.
lab_params() {
  local prefix=$1 kv
  for kv in $2; do
    [[ $kv == *=* ]] || lab_die "bad parameter token '$kv'"
    printf -v "${prefix}${kv%%=*}" '%s' "${kv#*=}"
  done
}

# Field N (1-based) of the hosts.tsv row for host NAME: 2 kind, 3 ip, 4 mac, 5 ttl.
lab_host_field() { awk -F'\t' -v h="$1" -v f="$2" '$1 == h { print $f }' "$LAB_PLAN/hosts.tsv"; }
lab_ip()         { lab_host_field "$1" 3; }
