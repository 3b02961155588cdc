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
    n_sensors = rng.randint(4, 6) if scale == "small" else rng.randint(6, 8)
    n_atk = rng.randint(3, 4)
    names = [("gw", "gw"), ("hub", "hub"), ("cam", "cam"), ("dash", "dash"), ("admin", "admin")]
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
                     user="dev-" + name, password="%08x" % rng.getrandbits(32))
            mqtt_users.append((p["user"], p["password"]))
        elif kind == "dash":
            p.update(poll=rng.randint(2, 6), page=rng.randint(20, 60), view=rng.randint(40, 120),
                     observe=rng.randint(20, 40), user="dashboard", password="%08x" % rng.getrandbits(32))
            mqtt_users.append((p["user"], p["password"]))
        elif kind == "admin":
            p.update(think=rng.randint(3, 10))
        elif kind == "cam":
            p.update(upload=rng.randint(15, 45), ntp=rng.randint(60, 180))
        elif kind == "hub":
            p.update(ntp=rng.randint(60, 200))
        elif kind == "attacker":
            # attackers are ordinary hosts too: web, DNS, CoAP requests
            p.update(period=rng.randint(6, 25))
        else:
            continue
        rows.append((name, kind, p))
    return rows, mqtt_users


# ---------------------------------------------------------------- attacks
# Each generator returns (scenario, target, params, attackers or None).
# Sizes are for --scale small and were calibrated on this lab (docs/lab.md):
# each draws a packet budget for the run and derives counts from how many
# packets one unit (a port, a connection, a query) costs on the wire, so the
# intensity varies freely between seeds while every seed still holds a few
# thousand packets per fine class.

SERVERS = ["hub", "cam", "gw"]


def a_portscan(rng, ctx, first):
    # the first run of a seed is a wide scan, so every seed has this class
    variant = rng.choice(["syn", "connect"] if first else ["syn", "connect", "slow", "udp"])
    target = rng.choice(SERVERS + ctx["sensors"][:1])
    if variant in ("syn", "connect"):          # about 2 packets per port
        n = rng.randint(1100, 1300) if first else rng.randint(200, 600)
        lo = rng.randint(1, 20000)
        ports = rng.choice(["range:1-%d" % n, "top:%d" % n, "range:%d-%d" % (lo, lo + n)])
        p = {"scan": "sS" if variant == "syn" else "sT", "timing": rng.choice(["T3", "T4", "T4"]),
             "ports": ports, "retries": rng.randint(1, 2),
             "maxrate": rng.choice([0, 0, rng.randint(150, 2000)])}
    elif variant == "slow":   # -T2: 0.4 s between probes, a cautious attacker
        p = {"scan": rng.choice(["sS", "sT"]), "timing": "T2", "ports": "top:%d" % rng.randint(40, 80),
             "retries": 1, "maxrate": 0}
    else:                     # UDP: slow by nature (ICMP rate limits on the victim)
        p = {"scan": "sU", "timing": "T4", "ports": "top:%d" % rng.randint(25, 60), "retries": 1, "maxrate": 0}
    p["limit"] = 60
    return "portscan-%s-%s" % (p["scan"], p["timing"]), target, p, None


def a_osscan(rng, ctx, first):
    # nmap -O first port-scans each host (2 packets a port), then sends its
    # ~16 OS probes per try
    variant = rng.choice(["single", "list"] if first else ["single", "list", "sweep"])
    p = {"timing": rng.choice(["T3", "T4"]), "tries": rng.randint(1, 3),
         "guess": rng.randint(0, 1), "limit": 75}
    budget = rng.randint(2000, 2400) if first else rng.randint(500, 1200)
    if variant == "single":
        target = rng.choice(SERVERS + ctx["sensors"])
        p["ports"] = "default" if budget > 2000 and rng.random() < 0.5 else "top:%d" % (budget // 2 - 40)
    elif variant == "list":
        hosts = rng.sample(SERVERS + ctx["sensors"], rng.randint(2, 4))
        target = ",".join(hosts)
        p["ports"] = "top:%d" % max(20, budget // (2 * len(hosts)) - 40)
    else:
        target = "subnet"
        p["ports"] = "top:%d" % rng.randint(15, 40)
    return "osscan-%s-%s" % (variant, p["timing"]), target, p, None


def a_vulnscan(rng, ctx, first):
    # script sets are named here and spelled out in attacks.sh; only TCP
    # services (nmap -sV waits 5 s per unanswered UDP probe, which stalls it)
    # (packets per run on the hub: vulnenum ~3,100, discovery ~1,900,
    # vulnatk ~1,700, vuln ~1,100, defsafe ~600)
    sets = ["vulnenum", "discovery"] if first else ["vuln", "vulnatk", "discovery", "defsafe"]
    target = "hub" if first else rng.choice(["hub", "cam"])
    # a few ports an IoT scanner also tries (telnet, https, rtsp, alt-http, mqtts, tr-069)
    extra = rng.sample([23, 443, 554, 8080, 8443, 8883, 7547, 5000], rng.randint(0, 3))
    p = {"scripts": rng.choice(sets), "timing": rng.choice(["T3", "T4"]),
         "intensity": rng.randint(5, 9), "extra": ":".join(map(str, extra)), "limit": 90}
    return "vulnscan-%s-%s" % (p["scripts"], p["timing"]), target, p, None


def flood_common(rng, ctx, sent, spoof):
    """Attackers, spoofing, bursts and rate shared by the hping3 floods; sent
    is the number of packets the attackers send in all.
    A spoofed flood uses random source addresses and, per burst, a random
    initial TTL (packets from far-away bots arrive with varied TTLs)."""
    n_atk = rng.randint(1, min(3, len(ctx["attackers"])))
    atks = rng.sample(ctx["attackers"], n_atk)
    bursts = rng.randint(1, 3)
    ttls = [rng.randint(30, 250) if spoof else 0 for _ in range(bursts)]   # 0: hping3's default
    return atks, {"spoof": int(spoof), "bursts": bursts, "count": max(100, sent // (bursts * n_atk)),
                  "interval": "u%d" % rng.choice([150, 250, 400, 700, 1000, 2000, 3000]),
                  "ttls": ":".join(map(str, ttls)), "pause": rng.randint(1, 5), "limit": 40}


def a_icmp_flood(rng, ctx, first):
    # every echo request is answered on the LAN, except the gateway's replies
    # to spoofed sources, which leave through its WAN side
    target, spoof = rng.choice(SERVERS), rng.random() < 0.55
    sent = rng.randint(2100, 2500) if (target, spoof) == ("gw", True) else rng.randint(1050, 1300)
    atks, p = flood_common(rng, ctx, sent, spoof)
    p["size"] = rng.choice([0, 56, 56, 64, 120, 512, 1000, 1400])
    return "icmpflood-%s" % ("spoofed" if p["spoof"] else "direct"), target, p, atks


def a_syn_flood(rng, ctx, first):
    # each SYN gets a SYN-ACK (open port: then the attacker kernel's RST, or
    # for spoofed ones SYN-ACK retransmissions) or a RST (closed port)
    target, port = rng.choice([("hub", 80), ("hub", 80), ("hub", 22), ("hub", 1883), ("cam", 80),
                               ("hub", rng.randint(1025, 65000))])
    sent = rng.randint(1050, 1300) if port > 1024 else rng.randint(700, 900)
    atks, p = flood_common(rng, ctx, sent, rng.random() < 0.55)
    p.update(port=port, win=rng.choice([64, 512, 1024, 5840, 8192, 14600, 29200, 64240]))
    return "synflood-%s" % ("spoofed" if p["spoof"] else "direct"), target, p, atks


def a_udp_flood(rng, ctx, first):
    # budget as if unanswered: closed ports answer with rate-limited ICMP,
    # the NTP server ignores junk, CoAP answers only what parses as CoAP
    target, port = rng.choice([("cam", 5683), ("gw", 123), ("hub", rng.randint(1025, 65000)),
                               ("cam", rng.randint(1025, 65000))])
    sent = rng.randint(2100, 2500)
    atks, p = flood_common(rng, ctx, sent, rng.random() < 0.55)
    p.update(port=port, size=rng.choice([0, 16, 64, 128, 512, 1024, 1400]))
    return "udpflood-%s" % ("spoofed" if p["spoof"] else "direct"), target, p, atks


def a_dns_flood(rng, ctx, first):
    if rng.random() < 0.5:    # dnsperf: real resolver load from 1-2 attackers
        atks = rng.sample(ctx["attackers"], rng.randint(1, 2))
        secs = rng.randint(2, 5)
        queries = rng.randint(1050, 1300)     # each answered: 2 packets
        p = {"tool": "dnsperf", "qps": max(100, queries // (secs * len(atks))), "secs": secs,
             "clients": rng.randint(2, 10), "limit": 30}
        return "dnsflood-dnsperf", "gw", p, atks
    # hping3 queries carrying a real DNS payload; answers to spoofed sources
    # leave through the gateway's WAN side, which this capture does not see
    spoof = rng.random() < 0.55
    atks, p = flood_common(rng, ctx, rng.randint(2100, 2500) if spoof else rng.randint(1050, 1300), spoof)
    p["tool"] = "hping3"
    return "dnsflood-hping3-%s" % ("spoofed" if p["spoof"] else "direct"), "gw", p, atks


def a_slowloris(rng, ctx, first):
    # per connection: handshake and close (~7 packets) plus one header line
    # and its ACK every interval
    secs, interval = rng.randint(30, 45), rng.randint(6, 15)
    conns = rng.randint(2100, 2600) // (7 + 2 * secs // interval)
    p = {"conns": conns, "rate": rng.randint(20, 150), "interval": interval,
         "secs": secs, "hdrlen": rng.randint(16, 48), "limit": secs + 20}
    return "slowloris", rng.choice(["hub", "hub", "cam"]), p, None


def a_dictionary(rng, ctx, first, service="ssh"):
    # rates: ssh/ftp are throttled by the servers (PAM's failure delay,
    # vsftpd's delay_failed_login), so the thread count sets the attempt
    # rate (about 1-10/s; sshd's MaxStartups 10 caps ssh threads); HTTP and
    # MQTT are throttled by the tool (hydra -t/-W, ncrack cd=).
    p = {"service": service, "limit": rng.randint(20, 30)}
    if service == "ssh":
        # medusa only: hydra 9.4 stops trying once sshd closes a connection
        # at MaxAuthTries (docs/lab.md)
        p.update(tool="medusa", threads=rng.randint(4, 8), target_user=ctx["admin_user"])
        target = "hub"
    elif service == "ftp":
        p.update(tool=rng.choice(["hydra", "medusa"]), threads=rng.randint(6, 16), target_user=ctx["admin_user"])
        target = "hub"
    elif service == "http":
        p.update(tool="hydra", threads=rng.randint(1, 2), wait=rng.choice([0, 0, 1]))
        target = rng.choice(["hub", "cam"])
        p["target_user"] = ctx["hub_web_user"] if target == "hub" else ctx["cam_web_user"]
    else:
        p.update(tool="ncrack", delay="%dms" % rng.choice([100, 150, 250, 400]),
                 conns=rng.randint(1, 3), target_user=rng.choice(ctx["mqtt_users"]))
        target = "hub"
    return "dict-%s-%s" % (service, p["tool"]), target, p, None


# fine class -> (coarse class, generator, runs at --scale small)
CLASSES = [
    ("Port Scan", "Reconnaissance", a_portscan, 2),
    ("OS Scan", "Reconnaissance", a_osscan, 2),
    ("Vulnerability Scan", "Reconnaissance", a_vulnscan, 2),
    ("ICMP Flood", "DoS", a_icmp_flood, 1),
    ("SYN Flood", "DoS", a_syn_flood, 1),
    ("UDP Flood", "DoS", a_udp_flood, 1),
    ("DNS Flood", "DoS", a_dns_flood, 1),
    ("Slowloris", "DoS", a_slowloris, 1),
    ("Dictionary Attack", "Brute Force", a_dictionary, 4),
]
SCALE_RUNS = {"small": 1, "full": 3}


def dns_query(rng, name):
    """A DNS query message (RFC 1035) for name, type A, RD set: the payload
    hping3 repeats in a spoofed DNS flood."""
    head = bytes([rng.randint(0, 255), rng.randint(0, 255), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
    qname = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
    return head + qname + b"\x00\x01\x00\x01"


def random_label(rng):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(6, 14)))


def write_attack_files(rng, outdir, aid, fine, p, ctx, domain, hostnames):
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
    if fine == "DNS Flood":
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
           "WARMUP": rng.randint(15, 25), "COOLDOWN": rng.randint(10, 15)}
    ctx = {"sensors": [h["name"] for h in hosts if h["kind"] == "sensor"],
           "attackers": [h["name"] for h in hosts if h["kind"] == "attacker"],
           "admin_user": admin_user, "hub_web_user": env["HUB_WEB_USER"],
           "cam_web_user": env["CAM_WEB_USER"], "mqtt_users": [u for u, _ in mqtt_users],
           "secrets": dict(mqtt_users)}
    ctx["secrets"].update({admin_user: env["ADMIN_PASS"], env["HUB_WEB_USER"]: env["HUB_WEB_PASS"]})
    ctx["secrets"].setdefault(env["CAM_WEB_USER"], env["CAM_WEB_PASS"])

    runs = []
    mult = SCALE_RUNS[a.scale]
    for fine, coarse, gen, n in CLASSES:
        if gen is a_dictionary:
            # every service in every run (n = number of services)
            services = ["ssh", "ftp", "http", "mqtt"][:n]
            for i, svc in enumerate(services * mult):
                runs.append((fine, coarse, gen.__name__[2:]) + gen(rng, ctx, i == 0, svc))
        else:
            for i in range(n * mult):
                runs.append((fine, coarse, gen.__name__[2:]) + gen(rng, ctx, i == 0))
    rng.shuffle(runs)

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
            write_attack_files(rng, a.out, aid, fine, p, ctx, domain, [h["name"] for h in hosts])
            f.write("%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" % (aid, rng.randint(5, 12), fine, coarse, kind, scen,
                                                      ",".join(atks), target, kv(p)))
    with open(os.path.join(a.out, "plan.env"), "w") as f:
        for k, v in env.items():
            f.write("%s=%s\n" % (k, v))


if __name__ == "__main__":
    main()
