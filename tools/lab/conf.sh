# Server configuration for the lab hosts (sourced by lab.sh). Writes only
# under $LAB_WORK/conf; nothing on the real system is changed. Credentials
# and names come from the plan (plan.env), so they differ per seed.

conf_write() {
  local C=$LAB_WORK/conf W=$LAB_WORK
  mkdir -p "$C/etc" "$W/run" "$W/logs" "$W/www/hub/admin" "$W/www/cam/admin" \
           "$W/home/$ADMIN_USER" "$W/ftp" "$W/run/nginx-hub" "$W/run/nginx-cam" "$W/run/vsftpd-empty"
  chmod 755 "$W" "$W/www" "$W/run"
  chmod 555 "$W/run/vsftpd-empty"
  conf_accounts "$C" "$W"
  conf_sshd "$C" "$W"
  conf_nginx hub "$HUB_WEB_USER" "$HUB_WEB_PASS"
  conf_nginx cam "$CAM_WEB_USER" "$CAM_WEB_PASS"
  conf_vsftpd "$C" "$W"
  conf_mosquitto "$C"
  conf_dns "$C"
  conf_snmpd "$C"
  printf 'nameserver %s\nsearch %s\n' "$(lab_ip gw)" "$LAB_DOMAIN" > "$C/resolv.conf"
}

# A lab-only login account. sshd and vsftpd authenticate through PAM against
# /etc/passwd and /etc/shadow, so the hub gets private copies of those files,
# bind-mounted in its own mount namespace (services.sh): the account exists
# only there.
conf_accounts() {
  local C=$1 W=$2
  grep -q "^$ADMIN_USER:" /etc/passwd && lab_die "plan user '$ADMIN_USER' exists on this system; pick another seed"
  cp /etc/passwd /etc/shadow /etc/group "$C/etc/"
  echo "$ADMIN_USER:x:2000:2000:lab device admin:$W/home/$ADMIN_USER:/bin/bash" >> "$C/etc/passwd"
  echo "$ADMIN_USER:x:2000:" >> "$C/etc/group"
  echo "$ADMIN_USER:$(openssl passwd -6 "$ADMIN_PASS"):19700:0:99999:7:::" >> "$C/etc/shadow"
  chmod 640 "$C/etc/shadow"
  chown 2000:2000 "$W/home/$ADMIN_USER" "$W/ftp"
  chmod 755 "$W/home/$ADMIN_USER"
  # files the admin's SSH session reads and that SCP/FTP clients download
  head -c 80000 /dev/urandom > "$W/home/$ADMIN_USER/backup.tar"
  head -c 40000 /dev/urandom > "$W/ftp/config.bin"
  printf 'log line %s\n' $(seq 1 400) > "$W/home/$ADMIN_USER/device.log"
  chown -R 2000:2000 "$W/home/$ADMIN_USER" "$W/ftp"
}

conf_sshd() {
  local C=$1 W=$2
  [ -f "$C/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$C/ssh_host_ed25519_key"
  [ -f "$C/ssh_host_rsa_key" ] || ssh-keygen -q -t rsa -b 2048 -N '' -f "$C/ssh_host_rsa_key"
  # Debian's defaults for MaxStartups/MaxAuthTries: a brute forcer meets
  # the same throttling as on a real device.
  cat > "$C/sshd_config" <<EOC
ListenAddress $(lab_ip hub)
Port 22
HostKey $C/ssh_host_ed25519_key
HostKey $C/ssh_host_rsa_key
PidFile $W/run/sshd.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
UseDNS no
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
EOC
}

# conf_nginx HOST USER PASS: a small device web UI: index, JSON status, a
# firmware/snapshot blob, and /admin/ behind HTTP basic auth (the HTTP
# dictionary-attack target).
conf_nginx() {
  local h=$1 user=$2 pass=$3 C=$LAB_WORK/conf W=$LAB_WORK
  local www=$W/www/$h tmp=$W/run/nginx-$h
  cat > "$C/nginx-$h.conf" <<EOC
user www-data;
worker_processes 1;
pid $W/run/nginx-$h.pid;
error_log $W/logs/nginx-$h.error.log warn;
events { worker_connections 1024; }
http {
  access_log $W/logs/nginx-$h.access.log;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  default_type application/octet-stream;
  types { text/html html; application/json json; image/jpeg jpg; text/css css; application/javascript js; }
  keepalive_timeout 15;
  server {
    listen $(lab_ip "$h"):80;
    server_name $h.$LAB_DOMAIN;
    root $www;
    location / { index index.html; }
    location /admin/ { auth_basic "$h admin"; auth_basic_user_file $C/htpasswd-$h; }
  }
}
EOC
  echo "$user:$(openssl passwd -apr1 "$pass")" > "$C/htpasswd-$h"
  chmod 644 "$C/htpasswd-$h"
  printf '<html><head><link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head><body><h1>%s</h1><img src="/logo.jpg"></body></html>\n' "$h" > "$www/index.html"
  head -c 3000 /dev/urandom | base64 > "$www/style.css"
  head -c 9000 /dev/urandom | base64 > "$www/app.js"
  head -c 12000 /dev/urandom > "$www/logo.jpg"
  head -c 25000 /dev/urandom > "$www/snapshot.jpg"
  head -c 120000 /dev/urandom > "$www/firmware.bin"
  echo '{"device":"'"$h"'","status":"ok"}' > "$www/status.json"
  echo '<html><body>settings</body></html>' > "$www/admin/index.html"
}

conf_vsftpd() {
  local C=$1 W=$2
  # vsftpd's own defaults for delay_failed_login (1 s) and max_login_fails (3):
  # a dictionary attack on FTP runs at the speed a real server allows.
  cat > "$C/vsftpd.conf" <<EOC
listen=YES
listen_ipv6=NO
listen_address=$(lab_ip hub)
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_root=$W/ftp
pam_service_name=vsftpd
secure_chroot_dir=$W/run/vsftpd-empty
xferlog_enable=YES
xferlog_file=$W/logs/vsftpd.xfer.log
max_clients=200
seccomp_sandbox=NO
EOC
}

conf_mosquitto() {
  local C=$1
  : > "$C/mosquitto.passwd"
  local u p
  while IFS=$'\t' read -r u p; do
    mosquitto_passwd -b "$C/mosquitto.passwd" "$u" "$p"
  done < "$LAB_PLAN/mqtt_users.tsv"
  chmod 644 "$C/mosquitto.passwd"
  cat > "$C/mosquitto.conf" <<EOC
persistence false
listener 1883 $(lab_ip hub)
allow_anonymous false
password_file $C/mosquitto.passwd
log_dest stderr
log_type error
log_type warning
EOC
}

# Local zone for dnsmasq: every lab host, a few sensor names, and some cloud
# names (documentation addresses, unreachable: lookups only).
conf_dns() {
  local C=$1 name kind ip mac ttl i
  {
    while IFS=$'\t' read -r name kind ip mac ttl; do echo "$ip $name.$LAB_DOMAIN"; done < <(tail -n +2 "$LAB_PLAN/hosts.tsv")
    for i in $(seq 1 40); do echo "$LAB_NET.$(( (i * 7) % 250 + 2 )) node$i.$LAB_DOMAIN"; done
    echo "203.0.113.10 api.devicecloud.example"
    echo "203.0.113.11 ota.devicecloud.example"
    echo "198.51.100.5 telemetry.vendor.example"
  } > "$C/hosts"
  # dnsmasq's DHCP lease file (it runs as user dnsmasq)
  : > "$LAB_WORK/run/dnsmasq.leases"
  chmod 666 "$LAB_WORK/run/dnsmasq.leases"
}

# SNMP agent on the gateway (net-snmp, community "public" read-only, as many
# routers ship): polled by nobody here, it is the reflector of SNMP
# amplification attacks (GetBulk requests from spoofed sources).
conf_snmpd() {
  local C=$1
  mkdir -p "$LAB_WORK/run/snmp"
  cat > "$C/snmpd.conf" <<EOC
agentAddress udp:$(lab_ip gw):161
rocommunity public default
sysLocation wiring closet
sysContact netops@$LAB_DOMAIN
sysName gw.$LAB_DOMAIN
EOC
}
