#!/bin/bash
# Benign behaviour of one lab host, run INSIDE that host's namespace by
# lab.sh: benign.sh ROLE "key=value ..." (params from devices.tsv).
#
# Real IoT networks idle at tens of packets per second with bursts, so every
# loop sleeps a random, seeded time between actions, and some actions come in
# short bursts (a sensor flushing buffered readings, a page with its assets,
# an SCP transfer). All loops end when $LAB_STOP exists; every command has
# its own timeout. Environment from lab.sh: LAB_STOP LAB_WORK LAB_DOMAIN
# HUB_IP CAM_IP GW_IP ADMIN_USER ADMIN_PASS HUB_WEB_USER HUB_WEB_PASS
# CAM_WEB_USER CAM_WEB_PASS BENIGN_FLOWS HOSTNAME_LAB MY_IP PLC_IP LAB_DIR.
set -u
ROLE=$1
for kv in $2; do printf -v "P_${kv%%=*}" '%s' "${kv#*=}"; done
RANDOM=$P_seed

alive() { [ ! -e "$LAB_STOP" ]; }

# rsleep MEAN: a random pause of 0.2..1.8 x MEAN seconds (tenths resolution),
# and now and then a much longer idle period, as devices and people do.
rsleep() {
  local tenths=$(( $1 * (2 + RANDOM % 17) ))
  (( RANDOM % 12 == 0 )) && tenths=$(( tenths * 3 ))
  sleep "$(( tenths / 10 )).$(( tenths % 10 ))"
}
pick() { local a=("$@"); printf '%s' "${a[RANDOM % ${#a[@]}]}"; }

SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5)
lookup() { timeout 5 dig +short +time=2 +tries=1 @"$GW_IP" "$1" "${2:-A}" >/dev/null 2>&1; }
ntp_sync() { timeout 5 ntpdig -t 2 "$GW_IP" >/dev/null 2>&1; }

every() {   # every MEAN CMD...: repeat CMD with random pauses until stopped
  local mean=$1; shift
  while alive; do "$@"; rsleep "$mean"; done
}

# ---------------------------------------------------------------- sensors
sensor_readings() {   # JSON readings on stdout for one MQTT session
  local n=0 end=$(( SECONDS + 60 + RANDOM % 240 ))
  while alive && (( SECONDS < end )); do
    local burst=1
    (( RANDOM % 8 == 0 )) && burst=$(( 2 + RANDOM % 5 ))   # buffered readings flushed at once
    while (( burst-- > 0 )); do
      printf '{"dev":"%s","seq":%d,"temp":%d.%d,"hum":%d,"bat":%d}\n' \
        "$HOSTNAME_LAB" "$n" $(( 18 + RANDOM % 8 )) $(( RANDOM % 10 )) $(( 30 + RANDOM % 40 )) $(( 60 + RANDOM % 40 ))
      n=$(( n + 1 ))
    done
    rsleep "$P_period"
  done
}

sensor_mqtt() {   # persistent connection, reconnecting after each session
  while alive; do
    sensor_readings | timeout 400 mosquitto_pub -l -h "$HUB_IP" -u "$P_user" -P "$P_password" \
      -i "$HOSTNAME_LAB" -t "sensors/$HOSTNAME_LAB/env" -q "$P_qos" -k "$P_keepalive" >/dev/null 2>&1
    timeout 5 mosquitto_pub -h "$HUB_IP" -u "$P_user" -P "$P_password" -r -q 1 \
      -t "status/$HOSTNAME_LAB" -m '{"online":true}' >/dev/null 2>&1
    rsleep 3
  done
}

sensor_coap_put() {
  timeout 10 coap-client-notls -B 5 -m put -e "$(( 18 + RANDOM % 8 )).$(( RANDOM % 10 ))" \
    "coap://$CAM_IP/$HOSTNAME_LAB/temp" >/dev/null 2>&1
}

# DHCP: a device renewing its lease (dhcp=1; busybox udhcpc asks and gets
# an answer, but the lab keeps its static address: the script is /bin/true)
# or one the server never answers (dhcp=2: three DISCOVERs, then it gives up).
dhcp_ask() { timeout 15 busybox udhcpc -i eth0 -n -q -t 3 -T 2 -A 1 -s /bin/true -x "hostname:$HOSTNAME_LAB" >/dev/null 2>&1; }
dhcp_loop() {
  case ${P_dhcp:-0} in
    1) every 150 dhcp_ask ;;
    2) every 80 dhcp_ask ;;
  esac
}
# SSDP M-SEARCH and an mDNS query, as apps and OSes do to find devices
discover() { timeout 6 /usr/bin/python3 "$LAB_DIR/iot.py" discover "$MY_IP" >/dev/null 2>&1; }

role_sensor() {
  dhcp_ask; lookup "hub.$LAB_DOMAIN"; ntp_sync
  case $P_proto in
    mqtt) sensor_mqtt & ;;
    coap) every "$P_period" sensor_coap_put & ;;
    both) sensor_mqtt & every $(( P_period * 3 )) sensor_coap_put & ;;
  esac
  every "$P_ntp" ntp_sync &
  every 45 timeout 10 curl -s -m 5 -o /dev/null "http://$HUB_IP/status.json" &   # update check
  every 90 lookup "$(pick "hub.$LAB_DOMAIN" api.devicecloud.example ota.devicecloud.example)" &
  every "$P_discover" discover &
  dhcp_loop &
  wait
}

# ---------------------------------------------------------------- dashboard
dash_sub() {
  while alive; do
    timeout 300 mosquitto_sub -h "$HUB_IP" -u "$P_user" -P "$P_password" -i dashboard \
      -t 'sensors/#' -t 'status/#' -q 1 -k 60 >/dev/null 2>&1
    rsleep 2
  done
}
dash_page() {   # a page and its assets over one keep-alive connection
  local h; h=$(pick "$HUB_IP" "$HUB_IP" "$CAM_IP")
  lookup "hub.$LAB_DOMAIN"
  timeout 15 curl -s -m 10 -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    "http://$h/" "http://$h/style.css" "http://$h/app.js" "http://$h/logo.jpg"
  (( RANDOM % 3 == 0 )) && timeout 15 curl -s -m 10 -o /dev/null "http://$CAM_IP/snapshot.jpg"
}
dash_poll() { timeout 10 curl -s -m 5 -o /dev/null "http://$HUB_IP/status.json"; }
dash_view() {    # someone watches the camera: a snapshot every 1-2 s for 15-45 s
  local end=$(( SECONDS + 15 + RANDOM % 31 ))
  while alive && (( SECONDS < end )); do
    timeout 10 curl -s -m 5 -o /dev/null "http://$CAM_IP/snapshot.jpg"
    sleep "1.$(( RANDOM % 10 ))"
  done
}
dash_observe() { timeout $(( P_observe + 10 )) coap-client-notls -B $(( P_observe + 5 )) -s "$P_observe" "coap://$CAM_IP/time" >/dev/null 2>&1; }

dash_modbus() {   # the SCADA view of the PLC: one polling connection at a time
  timeout 200 /usr/bin/python3 "$LAB_DIR/iot.py" modbus-poll "$PLC_IP" "$P_modbus" "$P_registers" \
    $(( 30 + RANDOM % 150 )) >/dev/null 2>&1
}

role_dash() {
  dash_sub &
  every 3 dash_modbus &
  every "$P_discover" discover &
  every "$P_poll" dash_poll &
  every "$P_page" dash_page &
  every "$P_view" dash_view &
  every $(( P_observe * 3 )) dash_observe &
  wait
}

# ---------------------------------------------------------------- admin workstation
# the admin's own failed logins: a mistyped password now and then (P_typo %)
badpass() { if (( RANDOM % 100 < P_typo )); then printf '%s' "${ADMIN_PASS}$(pick 1 ! x 2024)"; else printf -- -; fi; }
admin_ssh_interactive() {   # a person typing commands into a shell, pausing to read
  local bad; bad=$(badpass)
  [ "$bad" != - ] && timeout 15 sshpass -p "$bad" ssh "${SSHO[@]}" "$ADMIN_USER@$HUB_IP" true
  {
    sleep 1
    for cmd in $(pick "uptime ls" "df free" "ps w" "cat%device.log" "ls top"); do
      echo "${cmd//%/ }"; sleep "$(( 1 + RANDOM % 4 )).$(( RANDOM % 10 ))"
    done
    echo exit
  } | timeout 40 sshpass -p "$ADMIN_PASS" ssh -tt "${SSHO[@]}" "$ADMIN_USER@$HUB_IP"
}
admin_web() {   # browsing the device UIs, including a mistyped address
  local h; h=$(pick "$HUB_IP" "$CAM_IP")
  timeout 20 curl -s -m 10 -o /dev/null -o /dev/null -o /dev/null \
    "http://$h/" "http://$h/style.css" "http://$h/$(pick status.json app.js logo.jpg settings.html)"
  (( RANDOM % 4 == 0 )) && timeout 10 curl -s -m 5 -I -o /dev/null "http://$h/$(pick favicon.ico robots.txt)"
}
admin_diag() {   # ICMP diagnostics: traceroute (UDP or ICMP), big and don't-fragment pings
  local t; t=$(pick "$HUB_IP" "$CAM_IP" "$GW_IP" 203.0.113.10 198.51.100.5)
  case $(( RANDOM % 4 )) in
    0) timeout 25 traceroute -n -q 1 -w 1 -m 8 "$t" ;;
    1) timeout 25 traceroute -I -n -q 2 -w 1 -m 6 "$t" ;;
    2) timeout 10 ping -q -c 3 -s $(( 100 + RANDOM % 1300 )) -i 0.4 "$(pick "$HUB_IP" "$CAM_IP" "$GW_IP")" ;;
    3) timeout 10 ping -q -c 3 -M do -s 1472 -i 0.4 "$(pick "$HUB_IP" "$GW_IP")" ;;
  esac
}
admin_action() {
  local up="$LAB_WORK/tmp/admin-upload.$$"
  case $(( RANDOM % 15 )) in
    0|1) timeout 20 sshpass -p "$ADMIN_PASS" ssh "${SSHO[@]}" "$ADMIN_USER@$HUB_IP" \
           "$(pick uptime 'df -h' 'tail -n 40 device.log' 'ps aux' 'free -m' 'ls -la' 'cat /proc/loadavg')" ;;
    2)   timeout 30 sshpass -p "$ADMIN_PASS" scp "${SSHO[@]}" "$ADMIN_USER@$HUB_IP:backup.tar" /dev/null ;;
    3)   head -c $(( 2000 + RANDOM * 3 )) /dev/urandom > "$up"
         timeout 30 sshpass -p "$ADMIN_PASS" scp "${SSHO[@]}" "$up" "$ADMIN_USER@$HUB_IP:upload-$RANDOM.bin" ;;
    4)   timeout 20 curl -s -m 15 -o /dev/null "ftp://$ADMIN_USER:$ADMIN_PASS@$HUB_IP/config.bin" ;;
    5)   timeout 10 curl -s -m 8 -o /dev/null -u "$HUB_WEB_USER:$HUB_WEB_PASS" "http://$HUB_IP/admin/"
         timeout 10 curl -s -m 8 -o /dev/null -u "$CAM_WEB_USER:$CAM_WEB_PASS" "http://$CAM_IP/admin/" ;;
    6)   lookup "$(pick cam hub gw node7 node12).$LAB_DOMAIN"; lookup "$(pick api ota).devicecloud.example" ;;
    7)   timeout 10 ping -q -c $(( 2 + RANDOM % 4 )) -i 0.5 "$(pick "$HUB_IP" "$CAM_IP" "$GW_IP")" ;;
    8)   timeout 30 curl -s -m 25 -o /dev/null "http://$HUB_IP/firmware.bin" ;;
    9)   admin_ssh_interactive ;;
    10)  timeout 40 /usr/bin/python3 "$LAB_DIR/iot.py" telnet "$HUB_IP" "$ADMIN_USER" "$ADMIN_PASS" "$(badpass)" ;;
    11)  timeout 40 /usr/bin/python3 "$LAB_DIR/iot.py" ftp "$HUB_IP" "$ADMIN_USER" "$ADMIN_PASS" "$(badpass)" ;;
    12)  admin_diag ;;
    13)  admin_web ;;
    14)  (( RANDOM % 100 < P_typo )) &&      # a mistyped web password first
           timeout 10 curl -s -m 8 -o /dev/null -u "$HUB_WEB_USER:${HUB_WEB_PASS}1" "http://$HUB_IP/admin/"
         timeout 10 curl -s -m 8 -o /dev/null -u "$HUB_WEB_USER:$HUB_WEB_PASS" "http://$HUB_IP/admin/" ;;
  esac >/dev/null 2>&1
  rm -f "$up"
}
role_admin() { ntp_sync; every "$P_think" admin_action; }

# ---------------------------------------------------------------- camera, hub
cam_upload() {
  timeout 20 curl -s -m 15 -T "$LAB_WORK/www/cam/snapshot.jpg" \
    "ftp://$ADMIN_USER:$ADMIN_PASS@$HUB_IP/cam-$(date +%H%M%S).jpg" >/dev/null 2>&1
}
role_cam() { ntp_sync; every "$P_ntp" ntp_sync & every "$P_upload" cam_upload & wait; }
role_plc() { dhcp_ask; ntp_sync; every "$P_ntp" ntp_sync & dhcp_loop & wait; }
role_hub() { ntp_sync; every "$P_ntp" ntp_sync & every 120 lookup "$(pick ota.devicecloud.example telemetry.vendor.example)" & wait; }

# ---------------------------------------------------------------- attacker hosts
# An attacker's machine is also an ordinary client. Each request's flow is
# written to $BENIGN_FLOWS (start, end, proto, src, sport, dst, dport) so the
# labeler can keep it Benign even inside an attack window of this host.
flow() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENIGN_FLOWS"; }
atk_request() {
  local t0 out port dst
  t0=$(date +%s.%6N)
  case $(( RANDOM % 4 )) in
    0) dst=$(pick "$HUB_IP" "$CAM_IP")
       out=$(timeout 10 curl -s -m 8 -o /dev/null -w '%{local_port}' "http://$dst/$(pick '' status.json style.css)")
       [ -n "$out" ] && [ "$out" != 0 ] && flow "$t0" "$(date +%s.%6N)" tcp "$MY_IP" "$out" "$dst" 80 ;;
    1) port=$(( 20000 + RANDOM % 12000 ))     # outside the ephemeral range the tools use
       timeout 5 dig -b "$MY_IP#$port" +short +time=2 +tries=1 @"$GW_IP" "$(pick hub cam node3).$LAB_DOMAIN" >/dev/null 2>&1
       flow "$t0" "$(date +%s.%6N)" udp "$MY_IP" "$port" "$GW_IP" 53 ;;
    2) port=$(( 20000 + RANDOM % 12000 ))
       timeout 8 coap-client-notls -B 5 -p "$port" "coap://$CAM_IP/time" >/dev/null 2>&1
       flow "$t0" "$(date +%s.%6N)" udp "$MY_IP" "$port" "$CAM_IP" 5683 ;;
    3) port=$(( 1 + RANDOM % 60000 ))         # ICMP echo identifier
       dst=$(pick "$GW_IP" "$HUB_IP")
       timeout 6 ping -q -e "$port" -c 2 -i 0.5 "$dst" >/dev/null 2>&1
       flow "$t0" "$(date +%s.%6N)" icmp "$MY_IP" "$port" "$dst" 0 ;;
  esac
}
role_attacker() { every "$P_period" atk_request; }

mkdir -p "$LAB_WORK/tmp"
case $ROLE in
  sensor|dash|admin|cam|hub|plc|attacker) "role_$ROLE" ;;
  *) echo "benign.sh: unknown role '$ROLE'" >&2; exit 2 ;;
esac
