#!/usr/bin/python3
"""Draw every seed-dependent choice of one lab run and write it down.

Everything that could differ between two real networks is drawn here from
one seeded RNG, so a seed fully describes a run and different seeds give
genuinely different captures: the subnet and host addresses, MAC vendors,
each host's IP TTL, credentials, the benign device mix and its timing, and
for every attack the tool, target, rate, count, ports and wordlist.

usage: plan.py --seed N --scale small|full --out PLANDIR

Writes PLANDIR/hosts.tsv, devices.tsv, schedule.tsv, plan.env, and the
wordlists (see wordlist.py). The shell scripts only execute this plan.
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wordlist  # noqa: E402

# Real vendor prefixes (IoT modules, SBCs, routers, PCs). Attackers draw from
# the same list as everybody else, so no vendor marks an attacker.
OUIS = ["24:0a:c4", "30:ae:a4", "b8:27:eb", "dc:a6:32", "e4:5f:01", "50:c7:bf",
        "ec:08:6b", "00:17:88", "d0:73:d5", "18:b4:30", "f0:9f:c2", "3c:52:82",
        "00:1a:11", "a4:cf:12", "84:f3:eb", "60:01:94", "00:0c:29", "8c:85:90"]

# Initial TTLs in the wild: Linux/Android 64, Windows 128, lwIP/RTOS stacks
# and some routers 255. Every benign host draws from this; each attacker
# copies the TTL of the dashboard or the admin workstation (the busiest
# benign clients), so no TTL value is more common in attacks than in benign
# traffic of the same capture.
TTLS = [64] * 6 + [128] * 2 + [255] * 2

ADMIN_USERS = ["iotadmin", "admin", "pi", "operator", "support", "ubnt", "maint"]
DOMAINS = ["home.lan", "iot.local", "plant.lan", "office.internal", "lab.iot"]


def pick_subnet(rng):
    """A /24 from one of the three private ranges, different per seed."""
    kind = rng.choice(["192", "10", "172"])
    if kind == "192":
        return "192.168.%d" % rng.randint(0, 254)
    if kind == "10":
        return "10.%d.%d" % (rng.randint(0, 254), rng.randint(0, 254))
    return "172.%d.%d" % (rng.randint(16, 31), rng.randint(0, 254))


def mac(rng):
    return rng.choice(OUIS) + ":" + ":".join("%02x" % rng.randint(0, 255) for _ in range(3))


def kv(d):
    """key=value tokens for the shell side (values must not contain spaces)."""
    for k, v in d.items():
        if " " in str(v) or "\t" in str(v):
            raise ValueError("parameter %s=%r contains whitespace" % (k, v))
    return " ".join("%s=%s" % (k, v) for k, v in d.items())


def plan_hosts(rng, scale):
    net = pick_subnet(rng)
    n_sensors = rng.randint(3, 5) if scale == "small" else rng.randint(6, 8)
    n_atk = rng.randint(2, 3) if scale == "small" else rng.randint(3, 4)
    names = [("gw", "gw"), ("hub", "hub"), ("cam", "cam"), ("plc", "plc"), ("dash", "dash"),
             ("admin", "admin")]
    names += [("s%d" % i, "sensor") for i in range(1, n_sensors + 1)]
    names += [("atk%d" % i, "attacker") for i in range(1, n_atk + 1)]
    octets = rng.sample(range(2, 254), len(names))
    gw_octet = rng.choice([1, 254])
    hosts = []
    for (name, kind), o in zip(names, octets):
        hosts.append({"name": name, "kind": kind,
                      "ip": "%s.%d" % (net, gw_octet if kind == "gw" else o),
                      "mac": mac(rng), "ttl": rng.choice(TTLS)})
    clients = [h["ttl"] for h in hosts if h["kind"] in ("dash", "admin")]
    for h in hosts:
        if h["kind"] == "attacker":
            h["ttl"] = rng.choice(clients)
    return net, hosts


def plan_links(rng, hosts):
    """Hosts behind an imperfect link (Wi-Fi, a VPN, a long cable run): delay,
    jitter (hence reordering) and loss (hence retransmissions) on their port,
    emulated by linkem.py. One to three benign clients per seed and, half of
    the time, an attacker too, so neither class owns LAN-perfect timing."""
    clients = [h["name"] for h in hosts if h["kind"] in ("sensor", "dash", "admin", "plc")]
    chosen = rng.sample(clients, rng.randint(1, min(3, len(clients))))
    if rng.random() < 0.5:
        chosen.append(rng.choice([h["name"] for h in hosts if h["kind"] == "attacker"]))
    rows = []
    for name in chosen:
        delay = rng.choice([2, 5, 10, 20, 40])
        rows.append((name, delay, rng.randint(0, max(1, delay // 2)), rng.choice([0, 0.5, 1, 2, 3])))
    return rows


# ---------------------------------------------------------------- benign devices
def plan_devices(rng, hosts):
    """One row per host that runs client behaviour (benign.sh ROLE PARAMS)."""
    rows = []
    mqtt_users = []
    for h in hosts:
        name, kind = h["name"], h["kind"]
        p = {"seed": rng.randint(1, 32767)}
        if kind == "sensor":
            p.update(proto=rng.choice(["mqtt", "mqtt", "coap", "both"]),
                     period=rng.randint(1, 6), qos=rng.choice([0, 0, 1]),
                     keepalive=rng.choice([15, 30, 60]), ntp=rng.randint(60, 240),
                     user="dev-" + name, password="%08x" % rng.getrandbits(32),
                     # DHCP: 0 static, 1 renews its lease now and then, 2 asks and is never answered
                     dhcp=rng.choice([0, 1, 1, 2]), discover=rng.randint(40, 120))
            mqtt_users.append((p["user"], p["password"]))
        elif kind == "dash":
            p.update(poll=rng.randint(2, 6), page=rng.randint(20, 60), view=rng.randint(40, 120),
                     observe=rng.randint(20, 40), user="dashboard", password="%08x" % rng.getrandbits(32),
                     modbus=rng.randint(1, 5), registers=rng.randint(2, 24), discover=rng.randint(30, 90))
            mqtt_users.append((p["user"], p["password"]))
        elif kind == "admin":
            p.update(think=rng.randint(3, 9), typo=rng.choice([10, 20, 30]))
        elif kind == "cam":
            p.update(upload=rng.randint(15, 45), ntp=rng.randint(60, 180))
        elif kind == "hub":
            p.update(ntp=rng.randint(60, 200))
        elif kind == "plc":
            p.update(notify=rng.randint(20, 60), ntp=rng.randint(60, 240), dhcp=rng.choice([0, 1]))
        elif kind == "attacker":
            # attackers are ordinary hosts too: web, DNS, CoAP requests
            p.update(period=rng.randint(6, 25))
        else:
            continue
        rows.append((name, kind, p))
    return rows, mqtt_users


# ---------------------------------------------------------------- attacks
# Each generator returns (fine class, scenario, target, params, attackers or None).
# Sizes are for --scale small: each run draws a packet budget (about 500-1,500
# packets) and derives its counts from what one unit (a port, a probe, a
# connection, a query) costs on the wire, so intensity varies freely between
# seeds while a small run stays near 20,000 packets (docs/lab.md).

SERVERS = ["hub", "cam", "gw", "plc"]
TIMING_PROBE_S = {"T1": 15.0, "T2": 0.4}     # nmap's fixed probe spacing at the slow templates


def a_portscan(rng, ctx, first):
    """nmap port scans at every timing template -T1..-T5, SYN / connect / UDP,
    with or without version (-sV) or OS (-O) detection. A run with -O is an
    OS Scan, everything else a Port Scan."""
    timing = "T%d" % rng.choice([3, 4] if first else [1, 2, 3, 3, 4, 4, 5])
    scan = rng.choice(["sS", "sT"] if first else ["sS", "sS", "sT", "sU"])
    target = rng.choice(SERVERS + ctx["sensors"][:1])
    if timing in TIMING_PROBE_S:   # a probe every 15 s / 0.4 s: a few ports fill the time limit
        n = 3 if timing == "T1" else rng.randint(40, 80)
    elif scan == "sU":             # slow by nature (ICMP rate limits on the victim)
        n = rng.randint(20, 50)
    else:                          # about 2 packets per port
        n = rng.randint(400, 600) if first else rng.randint(150, 400)
    extra = rng.choice(["", "", "sV", "O"]) if scan != "sU" and timing not in TIMING_PROBE_S else ""
    p = {"scan": scan, "timing": timing, "ports": "top:%d" % n if rng.random() < 0.6 else
         "range:%d-%d" % (1, n) if rng.random() < 0.5 else "range:%d-%d" % (1000 + n, 1000 + 2 * n),
         "retries": rng.randint(1, 2), "maxrate": rng.choice([0, 0, rng.randint(150, 2000)]),
         "extra": extra or "none", "limit": 55}
    fine = "OS Scan" if extra == "O" else "Port Scan"
    return fine, "portscan-%s-%s%s" % (scan, timing, "-" + extra if extra else ""), target, p, None


def a_sweep(rng, ctx, first):
    """Host discovery over the subnet: ARP, ICMP echo (nmap or fping), UDP,
    TCP SYN or ACK ping sweeps. Counted as Port Scan (scans of the network
    rather than of a host)."""
    kind = rng.choice(["arp", "arp", "icmp", "icmp-fping", "udp", "tcpsyn", "tcpack"])
    p = {"kind": kind, "timing": rng.choice(["T3", "T4", "T4", "T5"]),
         "interval": rng.choice([2, 5, 10, 25, 50]),           # fping ms between probes
         "port": rng.choice([80, 53, 161, 443, 40125]), "limit": 45}
    return "Port Scan", "sweep-%s" % kind, "subnet", p, None


def a_masscan(rng, ctx, first):
    """masscan: its own stateless SYN engine at a fixed rate (about 2 packets a port)."""
    n = rng.randint(150, 500)
    lo = rng.choice([1, 1, rng.randint(1000, 30000)])
    p = {"ports": "%d-%d" % (lo, lo + n - 1), "rate": rng.choice([100, 250, 500, 1000, 2000]), "limit": 45}
    return "Port Scan", "masscan", rng.choice(SERVERS + ctx["sensors"][:1]), p, None


def a_osscan(rng, ctx, first):
    # nmap -O first port-scans each host (2 packets a port), then sends its
    # ~16 OS probes per try
    variant = rng.choice(["single", "list", "sweep"])
    p = {"timing": rng.choice(["T3", "T4", "T5"]), "tries": rng.randint(1, 3),
         "guess": rng.randint(0, 1), "sv": rng.choice([0, 0, 1]), "limit": 60}
    budget = rng.randint(500, 1200)
    if variant == "single":
        target = rng.choice(SERVERS + ctx["sensors"])
        p["ports"] = "top:%d" % (budget // 2 - 40)
    elif variant == "list":
        hosts = rng.sample(SERVERS + ctx["sensors"], rng.randint(2, 4))
        target = ",".join(hosts)
        p["ports"] = "top:%d" % max(20, budget // (2 * len(hosts)) - 40)
    else:
        target = "subnet"
        p["ports"] = "top:%d" % rng.randint(10, 25)
    return "OS Scan", "osscan-%s-%s%s" % (variant, p["timing"], "-sV" if p["sv"] else ""), target, p, None


def a_vulnscan(rng, ctx, first):
    # script sets are named here and spelled out in attacks.sh; only TCP
    # services (nmap -sV waits 5 s per unanswered UDP probe, which stalls it)
    # (packets per run on the hub: vulnatk ~1,700, vuln ~1,100, defsafe ~600)
    target = rng.choice(["hub", "hub", "cam", "plc"])
    # a few ports an IoT scanner also tries (telnet, https, rtsp, alt-http, mqtts, tr-069)
    extra = rng.sample([443, 554, 8080, 8443, 8883, 7547, 5000], rng.randint(0, 3))
    p = {"scripts": rng.choice(["vuln", "vulnatk", "discovery", "defsafe", "defsafe"]),
         "timing": rng.choice(["T3", "T4"]), "intensity": rng.randint(2, 9),
         "extra": ":".join(map(str, extra)), "limit": 70}
    return "Vulnerability Scan", "vulnscan-%s-%s" % (p["scripts"], p["timing"]), target, p, None


def flood_common(rng, ctx, sent, spoof, low=False):
    """Attackers, spoofing, bursts and rate shared by the hping3 floods; sent
    is the number of packets the attackers send in all. A spoofed flood uses
    random source addresses and, per burst, a random initial TTL (packets
    from far-away bots arrive with varied TTLs). A low-rate flood sends 10-100
    packets a second for up to half a minute instead of a short burst."""
    n_atk = rng.randint(1, min(2, len(ctx["attackers"])))
    atks = rng.sample(ctx["attackers"], n_atk)
    bursts = 1 if low else rng.randint(1, 3)
    ttls = [rng.randint(30, 250) if spoof else 0 for _ in range(bursts)]   # 0: hping3's default
    interval = rng.choice([10000, 15000, 25000, 50000, 100000]) if low else \
        rng.choice([150, 250, 400, 700, 1000, 2000, 3000])
    count = max(60, sent // (bursts * n_atk))
    if low:   # at most ~25 s of sending
        count = min(count, 25_000_000 // interval)
    return atks, {"spoof": int(spoof), "bursts": bursts, "count": count, "interval": "u%d" % interval,
                  "ttls": ":".join(map(str, ttls)), "pause": rng.randint(1, 4), "limit": 35}


def a_icmp_flood(rng, ctx, first):
    # every echo request is answered on the LAN, except the gateway's replies
    # to spoofed sources, which leave through its WAN side
    target, spoof, low = rng.choice(SERVERS), rng.random() < 0.5, rng.random() < 0.35
    sent = rng.randint(1000, 1300) if (target, spoof) == ("gw", True) else rng.randint(500, 700)
    atks, p = flood_common(rng, ctx, sent, spoof, low)
    p["size"] = rng.choice([0, 56, 56, 64, 120, 512, 1000, 1400])
    return "ICMP Flood", "icmpflood-%s%s" % ("spoofed" if spoof else "direct", "-lowrate" if low else ""), \
        target, p, atks


def a_syn_flood(rng, ctx, first):
    # each SYN gets a SYN-ACK (open port: then the attacker kernel's RST, or
    # for spoofed ones SYN-ACK retransmissions) or a RST (closed port).
    # flags: plain SYN, SYN with ECE+CWR (an ECN-setup SYN, as some flooders
    # and bots send), or SYN+PSH / SYN+URG oddities
    target, port = rng.choice([("hub", 80), ("hub", 22), ("hub", 1883), ("cam", 80), ("plc", 502),
                               ("hub", rng.randint(1025, 65000))])
    low = rng.random() < 0.35
    sent = rng.randint(600, 800) if port > 1024 else rng.randint(350, 500)
    atks, p = flood_common(rng, ctx, sent, rng.random() < 0.5, low)
    p.update(port=port, win=rng.choice([64, 512, 1024, 5840, 8192, 14600, 29200, 64240]),
             flags=rng.choice(["syn", "syn", "ecn", "ecn", "push", "urg"]))
    return "SYN Flood", "synflood-%s-%s%s" % ("spoofed" if p["spoof"] else "direct", p["flags"],
                                             "-lowrate" if low else ""), target, p, atks


def a_udp_flood(rng, ctx, first):
    # budget as if unanswered: closed ports answer with rate-limited ICMP,
    # the NTP server ignores junk, CoAP answers only what parses as CoAP
    target, port = rng.choice([("cam", 5683), ("gw", 123), ("hub", rng.randint(1025, 65000)),
                               ("cam", rng.randint(1025, 65000)), ("plc", rng.randint(1025, 65000))])
    low = rng.random() < 0.35
    atks, p = flood_common(rng, ctx, rng.randint(700, 1000), rng.random() < 0.5, low)
    p.update(port=port, size=rng.choice([0, 16, 64, 128, 512, 1024, 1400]))
    return "UDP Flood", "udpflood-%s%s" % ("spoofed" if p["spoof"] else "direct", "-lowrate" if low else ""), \
        target, p, atks


# Reflection / amplification: lab servers answer requests whose source
# address is spoofed to be the victim's, so their (larger) answers land on
# the victim. (reflector host, udp port, request payload kind)
REFLECTORS = [("gw", 53, "dns"), ("gw", 123, "ntp"), ("gw", 161, "snmp"), ("cam", 1900, "ssdp"),
              ("plc", 1900, "ssdp"), ("cam", 5683, "coap")]


def a_reflection(rng, ctx, first):
    host, port, kind = rng.choice(REFLECTORS)
    victim = rng.choice(["hub", "dash", "admin"] + ctx["sensors"])
    n_atk = rng.randint(1, min(2, len(ctx["attackers"])))
    low = rng.random() < 0.3
    interval = rng.choice([10000, 20000, 50000]) if low else rng.choice([500, 1000, 2000, 4000])
    sent = rng.randint(250, 500)     # each request draws one or more answers, then often an ICMP error
    p = {"reflector": host, "port": port, "kind": kind, "victim": victim, "count": max(40, sent // n_atk),
         "interval": "u%d" % interval, "limit": 35}
    fine = "DNS Flood" if kind == "dns" else "UDP Flood"
    return fine, "reflection-%s%s" % (kind, "-lowrate" if low else ""), host, p, rng.sample(ctx["attackers"], n_atk)


def a_dns_flood(rng, ctx, first):
    if rng.random() < 0.5:    # dnsperf: real resolver load from 1-2 attackers
        atks = rng.sample(ctx["attackers"], rng.randint(1, 2))
        secs = rng.randint(2, 5)
        queries = rng.randint(500, 700)     # each answered: 2 packets
        p = {"tool": "dnsperf", "qps": max(20, queries // (secs * len(atks))), "secs": secs,
             "clients": rng.randint(2, 10), "limit": 30}
        return "DNS Flood", "dnsflood-dnsperf", "gw", p, atks
    # hping3 queries carrying a real DNS payload; answers to spoofed sources
    # leave through the gateway's WAN side, which this capture does not see
    spoof = rng.random() < 0.5
    atks, p = flood_common(rng, ctx, rng.randint(1000, 1300) if spoof else rng.randint(500, 700), spoof,
                           rng.random() < 0.3)
    p["tool"] = "hping3"
    return "DNS Flood", "dnsflood-hping3-%s" % ("spoofed" if p["spoof"] else "direct"), "gw", p, atks


def a_slowloris(rng, ctx, first):
    # per connection: handshake and close (~7 packets) plus one header line
    # and its ACK every interval
    secs, interval = rng.randint(20, 30), rng.randint(5, 12)
    conns = rng.randint(1000, 1400) // (7 + 2 * secs // interval)
    p = {"conns": conns, "rate": rng.randint(20, 150), "interval": interval,
         "secs": secs, "hdrlen": rng.randint(16, 48), "limit": secs + 15}
    return "Slowloris", "slowloris", rng.choice(["hub", "hub", "cam"]), p, None


# service -> tools that attack it here (docs/lab.md says why some pairs are missing)
DICT_TOOLS = {"ssh": ["medusa", "patator"], "ftp": ["hydra", "medusa", "patator"],
              "telnet": ["hydra", "medusa"], "http": ["hydra", "patator"], "mqtt": ["ncrack"]}


def a_dictionary(rng, ctx, first, service="ssh"):
    """One service, one tool, slow (one task, paced: ~1-3 attempts/s) or fast
    (many tasks: up to ~20 attempts/s where the server lets it). ssh, ftp and
    telnet are also throttled by the servers (PAM's failure delay, vsftpd's
    delay_failed_login, sshd's MaxStartups); http and mqtt only by the tool."""
    tool = rng.choice(DICT_TOOLS[service])
    fast = rng.random() < 0.5
    p = {"service": service, "tool": tool, "limit": rng.randint(15, 22),
         "threads": rng.randint(4, 12) if fast else rng.randint(1, 3),
         "wait": 0 if fast else rng.choice([0, 0, 1]),            # hydra -W / patator --rate-limit (s)
         "target_user": ctx["admin_user"]}
    target = "hub"
    if service == "http":
        target = rng.choice(["hub", "cam"])
        p["target_user"] = ctx["hub_web_user"] if target == "hub" else ctx["cam_web_user"]
        p["threads"] = rng.randint(2, 4) if fast else 1
    elif service == "mqtt":
        p.update(delay="%dms" % (rng.choice([50, 100, 150]) if fast else rng.choice([300, 500, 900])),
                 conns=rng.randint(2, 4) if fast else 1, target_user=rng.choice(ctx["mqtt_users"]))
    elif service == "ssh" and tool == "medusa":
        p["threads"] = max(p["threads"], 2)
    return "Dictionary Attack", "dict-%s-%s-%s" % (service, tool, "fast" if fast else "slow"), target, p, None


def plan_attacks(rng, ctx, scale):
    """The attack runs of one seed: at --scale small 4 reconnaissance, 4 DoS and
    3 brute-force runs drawn from the menus below (3x at full), so every seed
    holds a different mix and the dataset covers the menus across seeds."""
    runs = []
    mult = SCALE_RUNS[scale]

    def run(coarse, gen, *args):
        fine, scenario, target, p, atks = gen(rng, ctx, *args)
        runs.append((fine, coarse, gen.__name__[2:], scenario, target, p, atks))

    for i in range(mult):
        run("Reconnaissance", a_portscan, i == 0)
        run("Reconnaissance", a_sweep, False)
        run("Reconnaissance", rng.choice([a_masscan, a_portscan]), False)
        run("Reconnaissance", rng.choice([a_osscan, a_vulnscan, a_vulnscan]), False)
        run("DoS", a_reflection, False)
        run("DoS", rng.choice([a_icmp_flood, a_syn_flood, a_udp_flood]), False)
        run("DoS", rng.choice([a_syn_flood, a_udp_flood, a_icmp_flood, a_reflection]), False)
        run("DoS", rng.choice([a_dns_flood, a_slowloris]), False)
        for svc in rng.sample(sorted(DICT_TOOLS), 3):
            run("Brute Force", a_dictionary, False, svc)
    rng.shuffle(runs)
    return runs


SCALE_RUNS = {"small": 1, "full": 3}


def dns_query(rng, name, qtype=1, edns=False):
    """A DNS query message (RFC 1035) for name (type A unless given), RD set,
    with an EDNS0 OPT record advertising 4096-byte answers if edns: the
    payload hping3 repeats in a spoofed DNS flood or a DNS reflection."""
    head = bytes([rng.randint(0, 255), rng.randint(0, 255), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1 if edns else 0])
    qname = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
    opt = b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00" if edns else b""
    return head + qname + bytes([0, qtype, 0, 1]) + opt


def ber(tag, body):
    """One BER TLV (short or long length form)."""
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def ber_int(v):
    return ber(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big"))


def snmp_getbulk(rng, community="public"):
    """SNMPv2c GetBulkRequest for the mib-2 subtree, max-repetitions 30-60:
    a 40-byte request whose answer fills a full datagram."""
    varbind = ber(0x30, ber(0x30, ber(0x06, bytes([0x2B, 6, 1, 2, 1])) + b"\x05\x00"))
    pdu = ber(0xA5, ber_int(rng.randint(1, 2 ** 30)) + ber_int(0) + ber_int(rng.randint(30, 60)) + varbind)
    return ber(0x30, ber_int(1) + ber(0x04, community.encode()) + pdu)


def reflection_payload(rng, kind, domain):
    """The request a reflection attack repeats towards one lab reflector."""
    if kind == "dns":
        return dns_query(rng, rng.choice(["big." + domain, domain]), qtype=rng.choice([16, 255]), edns=True)
    if kind == "ntp":   # mode 7 (private) MON_GETLIST_1 of ntpd's implementation 3: "monlist"
        return bytes([0x17, 0x00, 0x03, 0x2A]) + bytes(44)
    if kind == "snmp":
        return snmp_getbulk(rng)
    if kind == "ssdp":
        st = rng.choice(["ssdp:all", "upnp:rootdevice", "urn:schemas-upnp-org:device:Basic:1"])
        return ("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
                "MX: %d\r\nST: %s\r\n\r\n" % (rng.randint(1, 3), st)).encode()
    # CoAP confirmable GET /.well-known/core (RFC 6690 resource discovery)
    return bytes([0x40, 0x01, rng.randint(0, 255), rng.randint(0, 255), 0xBB]) + b".well-known" + b"\x04core"


def random_label(rng):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(6, 14)))


def write_attack_files(rng, outdir, aid, fine, kind, p, ctx, domain, hostnames):
    """Wordlists and DNS payloads that one attack run needs, named by its id."""
    if fine == "Dictionary Attack":
        # HTTP needs no more: hydra there tries up to ~40 passwords a second
        n_pw = rng.randint(120, 250) if p["service"] == "http" else rng.randint(300, 900)
        pw = wordlist.passwords(rng, n_pw)
        if rng.random() < 0.25:       # sometimes the list does hold the password, late
            real = ctx["secrets"].get(p["target_user"])
            if real:
                pw.insert(rng.randint(int(0.75 * n_pw), n_pw), real)
        users = [p["target_user"]] if p["service"] == "http" else \
            wordlist.users(rng, rng.randint(1, 4), p["target_user"] if rng.random() < 0.7 else None)
        with open(os.path.join(outdir, "pw_%d.txt" % aid), "w") as f:
            f.write("\n".join(pw) + "\n")
        with open(os.path.join(outdir, "users_%d.txt" % aid), "w") as f:
            f.write("\n".join(users) + "\n")
        del p["target_user"]          # the shell only needs the files
    if kind == "reflection":
        with open(os.path.join(outdir, "refl_%d.bin" % aid), "wb") as f:
            f.write(reflection_payload(rng, p["kind"], domain))
    elif fine == "DNS Flood":
        names = [h + "." + domain for h in hostnames] + \
                ["%s.%s" % (random_label(rng), domain) for _ in range(40)] + \
                ["api.devicecloud.example", "ota.devicecloud.example"]
        if p["tool"] == "dnsperf":
            with open(os.path.join(outdir, "dnsq_%d.txt" % aid), "w") as f:
                for n in rng.sample(names, len(names)):
                    f.write("%s %s\n" % (n, rng.choice(["A", "A", "A", "AAAA", "TXT", "MX"])))
        else:
            for b in range(p["bursts"]):
                with open(os.path.join(outdir, "dns_%d_%d.bin" % (aid, b)), "wb") as f:
                    f.write(dns_query(rng, rng.choice(names)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--scale", choices=sorted(SCALE_RUNS), required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)

    net, hosts = plan_hosts(rng, a.scale)
    devices, mqtt_users = plan_devices(rng, hosts)
    domain = rng.choice(DOMAINS)
    admin_user = rng.choice(ADMIN_USERS)
    env = {"LAB_SEED": a.seed, "LAB_SCALE": a.scale, "LAB_NET": net, "LAB_DOMAIN": domain,
           "ADMIN_USER": admin_user, "ADMIN_PASS": wordlist.device_password(rng),
           "HUB_WEB_USER": rng.choice(["admin", "root", "manager"]), "HUB_WEB_PASS": wordlist.device_password(rng),
           "CAM_WEB_USER": rng.choice(["admin", "root", "camera"]), "CAM_WEB_PASS": wordlist.device_password(rng),
           "WARMUP": rng.randint(10, 15), "COOLDOWN": rng.randint(8, 12)}
    ctx = {"sensors": [h["name"] for h in hosts if h["kind"] == "sensor"],
           "attackers": [h["name"] for h in hosts if h["kind"] == "attacker"],
           "admin_user": admin_user, "hub_web_user": env["HUB_WEB_USER"],
           "cam_web_user": env["CAM_WEB_USER"], "mqtt_users": [u for u, _ in mqtt_users],
           "secrets": dict(mqtt_users)}
    ctx["secrets"].update({admin_user: env["ADMIN_PASS"], env["HUB_WEB_USER"]: env["HUB_WEB_PASS"]})
    ctx["secrets"].setdefault(env["CAM_WEB_USER"], env["CAM_WEB_PASS"])

    runs = plan_attacks(rng, ctx, a.scale)

    with open(os.path.join(a.out, "hosts.tsv"), "w") as f:
        f.write("name\tkind\tip\tmac\tttl\n")
        for h in hosts:
            f.write("%(name)s\t%(kind)s\t%(ip)s\t%(mac)s\t%(ttl)d\n" % h)
    with open(os.path.join(a.out, "devices.tsv"), "w") as f:
        f.write("host\tkind\tparams\n")
        for name, kind, p in devices:
            f.write("%s\t%s\t%s\n" % (name, kind, kv(p)))
    with open(os.path.join(a.out, "mqtt_users.tsv"), "w") as f:
        for u, pw in mqtt_users:
            f.write("%s\t%s\n" % (u, pw))
    with open(os.path.join(a.out, "schedule.tsv"), "w") as f:
        f.write("id\tgap\tfine\tcoarse\tkind\tscenario\tattackers\ttarget\tparams\n")
        for aid, (fine, coarse, kind, scen, target, p, atks) in enumerate(runs, 1):
            atks = atks or [rng.choice(ctx["attackers"])]
            write_attack_files(rng, a.out, aid, fine, kind, p, ctx, domain, [h["name"] for h in hosts])
            f.write("%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" % (aid, rng.randint(3, 8), fine, coarse, kind, scen,
                                                      ",".join(atks), target, kv(p)))
    with open(os.path.join(a.out, "links.tsv"), "w") as f:
        f.write("host\tdelay_ms\tjitter_ms\tloss_pct\n")
        for name, delay, jitter, loss in plan_links(rng, hosts):
            f.write("%s\t%d\t%d\t%.1f\n" % (name, delay, jitter, loss))
    with open(os.path.join(a.out, "plan.env"), "w") as f:
        for k, v in env.items():
            f.write("%s=%s\n" % (k, v))


if __name__ == "__main__":
    main()
