# Required programs and the Debian packages that provide them (sourced by
# lab.sh). The lab installs nothing itself: it names what is missing.
# docs/lab.md lists the same packages; keep the two in step.

LAB_DEPS=(
  ip:iproute2 ss:iproute2 ethtool:ethtool tcpdump:tcpdump
  unshare:util-linux setsid:util-linux timeout:coreutils sysctl:procps
  /usr/bin/python3:python3 openssl:openssl
  nginx:nginx mosquitto:mosquitto mosquitto_passwd:mosquitto
  mosquitto_pub:mosquitto-clients mosquitto_sub:mosquitto-clients
  dnsmasq:dnsmasq-base dig:bind9-dnsutils sshd:openssh-server
  ssh:openssh-client scp:openssh-client ssh-keygen:openssh-client sshpass:sshpass
  vsftpd:vsftpd curl:curl ping:iputils-ping ntpdig:ntpsec-ntpdig traceroute:traceroute
  busybox:busybox /usr/sbin/telnetd:inetutils-telnetd snmpd:snmpd fping:fping masscan:masscan patator:patator
  coap-client-notls:libcoap3-bin coap-server-notls:libcoap3-bin
  nmap:nmap hping3:hping3 slowhttptest:slowhttptest dnsperf:dnsperf
  hydra:hydra medusa:medusa ncrack:ncrack
)

# deps_check: exit with the exact apt-get line when anything is missing.
deps_check() {
  local d bin pkg missing=()
  for d in "${LAB_DEPS[@]}"; do
    bin=${d%%:*} pkg=${d#*:}
    PATH="$PATH:/usr/sbin:/sbin" command -v "$bin" >/dev/null 2>&1 && continue
    [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'lab: error: missing programs; install them with:\n  apt-get install -y %s\n' "${missing[*]}" >&2
    exit 1
  fi
}
