#!/bin/bash
# packetclip-edge traffic lab: build an isolated IoT network from network
# namespaces, run benign devices and real attack tools in it, capture every
# frame on its switch, and label every packet. See docs/lab.md.
#
# usage: lab.sh --out DIR [--seed N] [--scale small|full]     (as root)
set -u
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LAB_DIR/common.sh"
. "$LAB_DIR/deps.sh"

usage() {
  cat <<EOF
usage: lab.sh --out DIR [--seed N] [--scale small|full]

  --out DIR     output directory (created; must be empty if it exists)
  --seed N      integer >= 0 choosing addresses, devices, attacks (default 1)
  --scale S     small (default; about 6 minutes) or full (about 16 minutes)

Needs root. Writes DIR/capture.pcap, DIR/capture.labels.tsv (format:
docs/labels-format.md), DIR/attacks.tsv, DIR/plan/, DIR/logs/.
EOF
}

OUT= SEED=1 SCALE=small
while [ $# -gt 0 ]; do
  case $1 in
    --out)   [ $# -ge 2 ] || lab_die "--out needs a directory"; OUT=$2; shift 2 ;;
    --seed)  [ $# -ge 2 ] || lab_die "--seed needs a number"; SEED=$2; shift 2 ;;
    --scale) [ $# -ge 2 ] || lab_die "--scale needs small or full"; SCALE=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; lab_die "unknown argument '$1'" ;;
  esac
done
[ -n "$OUT" ] || { usage >&2; lab_die "--out DIR is required"; }
[[ $SEED =~ ^[0-9]{1,9}$ ]] || lab_die "--seed must be an integer from 0 to 999999999, got '$SEED'"
[[ $SCALE == small || $SCALE == full ]] || lab_die "--scale must be small or full, got '$SCALE'"
[ "$(id -u)" = 0 ] || lab_die "must run as root (it creates network namespaces)"
deps_check
if [ -e "$OUT" ]; then
  [ -d "$OUT" ] || lab_die "--out '$OUT' exists and is not a directory"
  [ -z "$(ls -A "$OUT")" ] || lab_die "--out '$OUT' is not empty; use a new directory"
fi
mkdir -p "$OUT/logs" || lab_die "cannot create '$OUT'"
OUT=$(cd "$OUT" && pwd)

. "$LAB_DIR/topo.sh"
. "$LAB_DIR/conf.sh"
. "$LAB_DIR/services.sh"
. "$LAB_DIR/attacks.sh"

# Per-run names: namespaces carry this shell's PID, scratch files live in a
# private temporary directory; both are removed on every exit path.
LAB_NS_PREFIX="pcl$$-"
LAB_WORK=$(mktemp -d /tmp/pclab.XXXXXX)
LAB_PLAN=$OUT/plan
LAB_STOP=$LAB_WORK/stop
TCPDUMP_PID= LAB_FG=
export LAB_WORK LAB_STOP

# lab_run [-o LOG] CMD...: run a long step (a sleep, an attack) in the
# background and wait for it. Bash runs a signal trap only between commands,
# but `wait` returns at once on a trapped signal, so Ctrl-C or TERM tear the
# lab down immediately instead of after the current attack. The output
# redirection belongs to the background job, not to this function: the trap
# runs inside the function and must still write to the terminal.
lab_run() {
  local log=/dev/stdout
  if [ "$1" = -o ]; then log=$2; shift 2; fi
  "$@" >>"$log" 2>&1 </dev/null &
  LAB_FG=$!
  wait "$LAB_FG"
  local rc=$?
  LAB_FG=
  return "$rc"
}

lab_stop_capture() {
  [ -n "$TCPDUMP_PID" ] || return 0
  kill -TERM "$TCPDUMP_PID" 2>/dev/null   # tcpdump flushes and closes the file on TERM
  wait "$TCPDUMP_PID" 2>/dev/null
  TCPDUMP_PID=
}

lab_cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  [ -n "$LAB_FG" ] && kill "$LAB_FG" 2>/dev/null
  touch "$LAB_STOP" 2>/dev/null
  lab_stop_capture
  topo_down
  cp -r "$LAB_WORK/logs/." "$OUT/logs/" 2>/dev/null
  rm -rf "$LAB_WORK"
  [ "$rc" = 0 ] || lab_log "failed (exit $rc); topology torn down, partial output in $OUT"
  exit "$rc"
}
trap lab_cleanup EXIT
trap 'lab_log "interrupted"; exit 130' INT TERM HUP

T_START=$(date +%s)
lab_log "seed $SEED, scale $SCALE, output $OUT"
/usr/bin/python3 -B "$LAB_DIR/plan.py" --seed "$SEED" --scale "$SCALE" --out "$LAB_PLAN" || lab_die "planning failed"
. "$LAB_PLAN/plan.env"
mkdir -p "$LAB_WORK/logs" "$LAB_WORK/toolhome"

lab_log "topology: $(($(wc -l < "$LAB_PLAN/hosts.tsv") - 1)) hosts on $LAB_NET.0/24"
topo_up || lab_die "topology setup failed"
conf_write
services_start

# Capture on the bridge: the view of a mirror port on the network's switch.
# -s 256 keeps all headers and the first payload bytes.
ip netns exec "$(lab_ns sw)" tcpdump -i br0 -n -s 256 -B 16384 -Z root -w "$OUT/capture.pcap" \
  2>"$OUT/logs/tcpdump.log" &
TCPDUMP_PID=$!
for _ in $(seq 50); do grep -qs listening "$OUT/logs/tcpdump.log" && break; sleep 0.1; done
grep -qs listening "$OUT/logs/tcpdump.log" || lab_die "tcpdump did not start: $(cat "$OUT/logs/tcpdump.log")"

# Benign devices: one process tree per host, inside that host's namespace.
BENIGN_FLOWS=$OUT/benign_flows.tsv
printf 'start\tend\tproto\tsrc\tsport\tdst\tdport\n' > "$BENIGN_FLOWS"
while IFS=$'\t' read -r host kind params; do
  lab_in "$host" env HOSTNAME_LAB="$host" MY_IP="$(lab_ip "$host")" \
    LAB_DOMAIN="$LAB_DOMAIN" HUB_IP="$(lab_ip hub)" CAM_IP="$(lab_ip cam)" GW_IP="$(lab_ip gw)" \
    PLC_IP="$(lab_ip plc)" LAB_DIR="$LAB_DIR" \
    ADMIN_USER="$ADMIN_USER" ADMIN_PASS="$ADMIN_PASS" HUB_WEB_USER="$HUB_WEB_USER" \
    HUB_WEB_PASS="$HUB_WEB_PASS" CAM_WEB_USER="$CAM_WEB_USER" CAM_WEB_PASS="$CAM_WEB_PASS" \
    BENIGN_FLOWS="$BENIGN_FLOWS" setsid bash "$LAB_DIR/benign.sh" "$kind" "$params" \
    >>"$LAB_WORK/logs/benign-$host.log" 2>&1 </dev/null &
done < <(tail -n +2 "$LAB_PLAN/devices.tsv")
lab_log "benign devices running; warm-up ${WARMUP}s"
lab_run sleep "$WARMUP"

# Attacks, one after another, with benign traffic going on throughout. The
# window [start, end] of each run goes to attacks.tsv for the labeler.
printf 'id\tfine\tcoarse\tscenario\tattackers\ttarget\tstart\tend\trc\n' > "$OUT/attacks.tsv"
# The schedule is read into memory first: some tools (patator) tear down
# what they inherit when stopped, and the loop must not depend on an open file.
mapfile -t SCHEDULE < <(tail -n +2 "$LAB_PLAN/schedule.tsv")
for row in "${SCHEDULE[@]}"; do
  IFS=$'\t' read -r id gap fine coarse kind scenario attackers target params <<< "$row"
  lab_run sleep "$gap"
  lab_log "attack $id: $scenario from $attackers -> $target"
  t0=$(lab_now)
  lab_run -o "$LAB_WORK/logs/attack-$id.log" attack_run "$id" "$kind" "$attackers" "$target" "$params"
  rc=$?
  t1=$(lab_now)
  [ "$rc" = 0 ] || lab_log "attack $id exited with $rc (see logs/attack-$id.log)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$fine" "$coarse" "$scenario" "$attackers" \
    "$target" "$t0" "$t1" "$rc" >> "$OUT/attacks.tsv"
done

lab_log "cool-down ${COOLDOWN}s"
lab_run sleep "$COOLDOWN"
touch "$LAB_STOP"
sleep 2
lab_stop_capture
topo_down
lab_log "capture: $(grep -E 'captured|dropped' "$OUT/logs/tcpdump.log" | tr '\n' ' ')"

/usr/bin/python3 -B "$LAB_DIR/label.py" "$OUT" || lab_die "labeling failed"
lab_log "done in $(( $(date +%s) - T_START )) s: $OUT"
