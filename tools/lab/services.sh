# Start the lab's servers inside their namespaces (sourced by lab.sh).
#   hub: nginx :80, sshd :22, vsftpd :21, mosquitto :1883
#   cam: nginx :80, CoAP server (libcoap) udp :5683
#   gw : dnsmasq udp/tcp :53, SNTP responder udp :123
# They are stopped by topo_down, which kills every process in the lab
# namespaces; their private mount namespace disappears with them.

# Runs inside the hub's namespace and a private mount namespace: the lab
# account's passwd/shadow/group are bind-mounted there only, and /run is a
# private tmpfs (sshd needs /run/sshd), so the real system sees none of it.
_services_hub_inner() {
  set -e
  local C=$LAB_WORK/conf W=$LAB_WORK
  mount --bind "$C/etc/passwd" /etc/passwd
  mount --bind "$C/etc/shadow" /etc/shadow
  mount --bind "$C/etc/group" /etc/group
  mount -t tmpfs tmpfs /run
  mkdir -p /run/sshd && chmod 755 /run/sshd
  nginx -c "$C/nginx-hub.conf"
  /usr/sbin/sshd -f "$C/sshd_config" -E "$W/logs/sshd.log"
  setsid vsftpd "$C/vsftpd.conf" >>"$W/logs/vsftpd.out" 2>&1 </dev/null &
  setsid mosquitto -c "$C/mosquitto.conf" >>"$W/logs/mosquitto.log" 2>&1 </dev/null &
}

services_start() {
  lab_in hub unshare -m --propagation private \
    env LAB_WORK="$LAB_WORK" bash -c "$(declare -f _services_hub_inner); _services_hub_inner" \
    || lab_die "hub services failed to start (logs in $LAB_WORK/logs)"

  lab_in cam nginx -c "$LAB_WORK/conf/nginx-cam.conf" || lab_die "cam nginx failed to start"
  lab_in cam setsid coap-server-notls -A "$(lab_ip cam)" -d 32 -v 0 \
    >>"$LAB_WORK/logs/coap-server.log" 2>&1 </dev/null &

  lab_in gw setsid dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --no-poll --listen-address="$(lab_ip gw)" --bind-interfaces --except-interface=lo \
    --addn-hosts="$LAB_WORK/conf/hosts" --local=/"$LAB_DOMAIN"/ --domain-needed --bogus-priv \
    --cache-size=1000 --dns-forward-max=1000 --pid-file= --user=dnsmasq \
    >>"$LAB_WORK/logs/dnsmasq.log" 2>&1 </dev/null &
  lab_in gw setsid /usr/bin/python3 "$LAB_DIR/ntp_server.py" "$(lab_ip gw)" \
    >>"$LAB_WORK/logs/ntp.log" 2>&1 </dev/null &

  services_wait hub tcp 80 hub tcp 22 hub tcp 21 hub tcp 1883 cam tcp 80 \
                cam udp 5683 gw udp 53 gw udp 123
}

# services_wait HOST PROTO PORT ...: until each port listens, at most 10 s.
services_wait() {
  local deadline=$(( $(date +%s) + 10 )) missing i
  local -a a=("$@")
  while :; do
    missing=
    for (( i = 0; i < ${#a[@]}; i += 3 )); do
      lab_in "${a[i]}" ss -Hln --"${a[i+1]}" "sport = :${a[i+2]}" | grep -q . \
        || missing+=" ${a[i]}/${a[i+1]}/${a[i+2]}"
    done
    [ -z "$missing" ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && lab_die "services not listening:$missing (logs in $LAB_WORK/logs)"
    sleep 0.3
  done
}
