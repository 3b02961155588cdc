# Start the lab's servers inside their namespaces (sourced by lab.sh).
#   hub: nginx :80, sshd :22, vsftpd :21, mosquitto :1883
#   cam: nginx :80, CoAP server (libcoap) udp :5683
#   hub: also telnet :23 (busybox telnetd -> /bin/login, PAM)
#   plc: Modbus/TCP :502, SSDP/mDNS responder (iot.py)
#   cam: also an SSDP/mDNS responder
#   gw : dnsmasq udp/tcp :53 and DHCP :67, SNTP (+ monlist) udp :123, snmpd udp :161
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
  setsid /usr/bin/python3 "$LAB_DIR_INNER/iot.py" inetd "$HUB_ADDR" 23 /usr/sbin/telnetd \
    >>"$W/logs/telnetd.log" 2>&1 </dev/null &
}

services_start() {
  lab_in hub unshare -m --propagation private \
    env LAB_WORK="$LAB_WORK" HUB_ADDR="$(lab_ip hub)" LAB_DIR_INNER="$LAB_DIR" bash -c "$(declare -f _services_hub_inner); _services_hub_inner" \
    || lab_die "hub services failed to start (logs in $LAB_WORK/logs)"

  lab_in cam nginx -c "$LAB_WORK/conf/nginx-cam.conf" || lab_die "cam nginx failed to start"
  lab_in cam setsid coap-server-notls -A "$(lab_ip cam)" -d 32 -v 0 \
    >>"$LAB_WORK/logs/coap-server.log" 2>&1 </dev/null &

  lab_in cam setsid /usr/bin/python3 "$LAB_DIR/iot.py" responder "$(lab_ip cam)" "cam-$LAB_SEED" 45 \
    >>"$LAB_WORK/logs/responder-cam.log" 2>&1 </dev/null &
  lab_in plc setsid /usr/bin/python3 "$LAB_DIR/iot.py" modbus-server "$(lab_ip plc)" \
    >>"$LAB_WORK/logs/modbus.log" 2>&1 </dev/null &
  lab_in plc setsid /usr/bin/python3 "$LAB_DIR/iot.py" responder "$(lab_ip plc)" "plc-$LAB_SEED" 30 \
    >>"$LAB_WORK/logs/responder-plc.log" 2>&1 </dev/null &

  # DHCP: sensors renew now and then; hosts planned as "never answered" are ignored
  local dhcp_ignore=() mac
  for mac in $(awk -F'\t' 'NR > 1 && $3 ~ /dhcp=2/ { print $1 }' "$LAB_PLAN/devices.tsv" | while read -r h; do lab_host_field "$h" 4; done); do
    dhcp_ignore+=(--dhcp-host="$mac,ignore")
  done
  lab_in gw setsid dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --no-poll --listen-address="$(lab_ip gw)" --bind-interfaces --except-interface=lo \
    --addn-hosts="$LAB_WORK/conf/hosts" --local=/"$LAB_DOMAIN"/ --domain-needed --bogus-priv \
    --cache-size=1000 --dns-forward-max=1000 --pid-file= --user=dnsmasq \
    --dhcp-range="$LAB_NET.200,$LAB_NET.249,255.255.255.0,10m" --dhcp-leasefile="$LAB_WORK/run/dnsmasq.leases" \
    --dhcp-authoritative "${dhcp_ignore[@]}" \
    --txt-record="big.$LAB_DOMAIN,v=spf1 ip4:$LAB_NET.0/24 include:_spf.devicecloud.example include:mail.vendor.example ~all" \
    --txt-record="big.$LAB_DOMAIN,k=rsa; p=$(head -c 150 /dev/urandom | base64 -w0)" \
    --txt-record="big.$LAB_DOMAIN,$(head -c 160 /dev/urandom | base64 -w0)" \
    --txt-record="$LAB_DOMAIN,site-verification=$(head -c 30 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    >>"$LAB_WORK/logs/dnsmasq.log" 2>&1 </dev/null &
  lab_in gw setsid /usr/bin/python3 "$LAB_DIR/ntp_server.py" "$(lab_ip gw)" \
    >>"$LAB_WORK/logs/ntp.log" 2>&1 </dev/null &

  lab_in gw env SNMP_PERSISTENT_DIR="$LAB_WORK/run/snmp" setsid snmpd -f -C -c "$LAB_WORK/conf/snmpd.conf" \
    -Lf "$LAB_WORK/logs/snmpd.log" -m '' -p "$LAB_WORK/run/snmpd.pid" >/dev/null 2>&1 </dev/null &

  services_wait hub tcp 80 hub tcp 22 hub tcp 21 hub tcp 1883 hub tcp 23 cam tcp 80 \
                cam udp 5683 cam udp 1900 plc tcp 502 plc udp 1900 gw udp 53 gw udp 67 gw udp 123 gw udp 161
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
