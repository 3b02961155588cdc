#!/usr/bin/python3
"""Label every packet of a lab capture (stdlib only).

usage: label.py RUNDIR
  reads  RUNDIR/capture.pcap, plan/hosts.tsv, attacks.tsv, benign_flows.tsv
  writes RUNDIR/capture.labels.tsv (format: docs/labels-format.md, version 1)
         RUNDIR/summary.tsv and a table on stdout

Rule (docs/lab.md, "Labels"): a packet is an attack packet only if it belongs
to an attack tool's flow:
  1. it is IPv4, sent from an attacker host of attack run A (source MAC: this
     also covers spoofed source addresses) inside A's time window, and it is
     not one of that host's own benign requests (benign_flows.tsv, where the
     host's client loop records every request it makes); its flow key is then
     remembered for A. The destination is not checked: a tool's side traffic
     (e.g. nmap scripts' reverse DNS lookups via the gateway) is part of it;
  2. or its flow key, the reverse of it, or (for an ICMP error) the flow
     quoted inside it is one remembered for A, and it arrives no later than
     TAIL seconds after A ended (victim replies, SYN-ACK retransmissions to
     spoofed sources, late FINs).
  3. an ARP frame inside the window of a Reconnaissance run A, sent by one of
     A's attacker hosts (a sweep's who-has requests, also the kernel's when a
     scanner sends IP probes to every address) or addressed to one (the
     answers), is A's. Outside such windows ARP is Benign.
Everything else is Benign: other hosts' traffic, attacker hosts' benign
requests, and ARP outside reconnaissance windows.
"""
import collections
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapfile  # noqa: E402

FORMAT_VERSION = 1
TAIL = 120.0          # s: Linux retransmits a SYN-ACK 5 times, the last ~63 s after the SYN
ARP_SLACK = 1.0      # s: answers to a sweep's last who-has requests
BENIGN_SLACK = 5.0    # s: a recorded benign request's last ACK/FIN may trail its end time
BENIGN = ("Benign", "Benign", "benign")


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def ip_bytes(s):
    return bytes(int(x) for x in s.split("."))


def mac_bytes(s):
    return bytes.fromhex(s.replace(":", ""))


class Attack:
    def __init__(self, row, hosts):
        self.id = int(row["id"])
        self.fine, self.coarse, self.scenario = row["fine"], row["coarse"], row["scenario"]
        self.start, self.end = float(row["start"]), float(row["end"])
        self.macs = {mac_bytes(hosts[n]["mac"]) for n in row["attackers"].split(",")}
        self.flows = set()


def flow_key(b, off, limit):
    """Flow key of the IPv4 packet at b[off:limit]:
    (proto, src, sport, dst, dport), plus the quoted flow of an ICMP error.
    ICMP echo uses its identifier as a port on the requester's side, so a
    request and its reply are each other's reverse."""
    if limit - off < 20 or b[off] >> 4 != 4:
        return None, None
    ihl = (b[off] & 15) * 4
    proto, src, dst = b[off + 9], bytes(b[off + 12:off + 16]), bytes(b[off + 16:off + 20])
    frag = ((b[off + 6] & 0x1F) << 8) | b[off + 7]
    l4 = off + ihl
    sport = dport = 0
    inner = None
    if frag == 0 and limit - l4 >= 4:
        if proto in (6, 17):
            sport, dport = (b[l4] << 8) | b[l4 + 1], (b[l4 + 2] << 8) | b[l4 + 3]
        elif proto == 1:
            icmp_type = b[l4]
            if icmp_type in (8, 0) and limit - l4 >= 6:
                ident = (b[l4 + 4] << 8) | b[l4 + 5]
                sport, dport = (ident, 0) if icmp_type == 8 else (0, ident)
            elif icmp_type in (3, 4, 5, 11, 12):     # errors quote the offending packet
                inner = flow_key(b, l4 + 8, limit)[0]
    return (proto, src, sport, dst, dport), inner


def reverse(k):
    return (k[0], k[3], k[4], k[1], k[2])


class BenignFlows:
    """The attacker hosts' own benign requests, looked up by flow key."""

    def __init__(self, rows):
        self.by_key = collections.defaultdict(list)
        for r in rows:
            proto = {"tcp": 6, "udp": 17, "icmp": 1}[r["proto"]]
            k = (proto, ip_bytes(r["src"]), int(r["sport"]), ip_bytes(r["dst"]), int(r["dport"]))
            self.by_key[k].append((float(r["start"]), float(r["end"])))

    def contains(self, key, t):
        for k in (key, reverse(key)):
            for t0, t1 in self.by_key.get(k, ()):
                if t0 - 0.5 <= t <= t1 + BENIGN_SLACK:
                    return True
        return False


def classify(t, frame, attacks, benign):
    """-> (attack or None, role) for one Ethernet frame."""
    if frame[12:14] == b"\x08\x06" and len(frame) >= 42:     # rule 3: ARP in a scan's window
        src_mac, dst_mac = bytes(frame[6:12]), bytes(frame[0:6])
        for a in attacks:
            if a.coarse == "Reconnaissance" and a.start <= t <= a.end + ARP_SLACK:
                if src_mac in a.macs:
                    return a, "attacker"
                if dst_mac in a.macs:
                    return a, "victim"
        return None, "benign"
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None, "benign"                      # anything else not IPv4
    key, inner = flow_key(frame, 14, len(frame))
    if key is None or benign.contains(key, t):
        return None, "benign"
    src_mac = bytes(frame[6:12])
    for a in attacks:                               # rule 1: the tool's own packets
        if a.start <= t <= a.end and src_mac in a.macs:
            a.flows.add(key)
            return a, "attacker"
    for a in reversed(attacks):                     # rule 2: the rest of its flows
        if a.start <= t <= a.end + TAIL:
            rk = reverse(key)
            if key in a.flows or rk in a.flows or (inner is not None and (inner in a.flows or reverse(inner) in a.flows)):
                return a, "attacker" if src_mac in a.macs else "victim"
    return None, "benign"


class Fragments:
    """IPv4 fragments after the first carry no ports, so no flow key: they take
    the label of their datagram's first fragment (same source, destination,
    protocol and identification), e.g. the tails of large SNMP or DNS answers
    in a reflection attack."""

    def __init__(self):
        self.first = {}

    @staticmethod
    def key(frame):
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            return None, False, False
        flags_off = (frame[20] << 8) | frame[21]
        more, offset = bool(flags_off & 0x2000), flags_off & 0x1FFF
        return (bytes(frame[26:34]), frame[23], bytes(frame[18:20])), more, offset != 0

    def label(self, frame, decided):
        """decided: (attack, role) from classify. -> the label to use."""
        k, more, later = self.key(frame)
        if k is None or not (more or later):
            return decided
        if not later:
            self.first[k] = decided
            return decided
        return self.first.get(k, decided)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: label.py RUNDIR")
    run = sys.argv[1]
    pcap = os.path.join(run, "capture.pcap")
    if pcapfile.linktype(pcap) != pcapfile.LINKTYPE_ETHERNET:
        sys.exit("label.py: %s is not an Ethernet capture" % pcap)
    hosts = {r["name"]: r for r in read_tsv(os.path.join(run, "plan", "hosts.tsv"))}
    attacks = sorted((Attack(r, hosts) for r in read_tsv(os.path.join(run, "attacks.tsv"))),
                     key=lambda a: a.start)
    benign = BenignFlows(read_tsv(os.path.join(run, "benign_flows.tsv")))

    rows = []
    fragments = Fragments()
    per_class = collections.Counter()
    per_run = collections.Counter()
    for index, t, _, frame in pcapfile.read(pcap):
        a, role = fragments.label(frame, classify(t, frame, attacks, benign))
        fine, coarse, scenario = (a.fine, a.coarse, a.scenario) if a else BENIGN
        rows.append("%d\t%s\t%s\t%s\t%s\t%d\n" % (index, fine, coarse, scenario, role, a.id if a else 0))
        per_class[(fine, coarse)] += 1
        per_run[a.id if a else 0] += 1

    out = os.path.join(run, "capture.labels.tsv")
    with open(out, "w") as f:
        f.write("#packetclip-labels\tversion=%d\tcapture=capture.pcap\tpackets=%d\n" % (FORMAT_VERSION, len(rows)))
        f.write("index\tfine\tcoarse\tscenario\trole\trun\n")
        f.writelines(rows)

    total = len(rows)
    with open(os.path.join(run, "summary.tsv"), "w") as f:
        f.write("what\tname\tcoarse\tpackets\n")
        for (fine, coarse), n in sorted(per_class.items()):
            f.write("class\t%s\t%s\t%d\n" % (fine, coarse, n))
        for a in attacks:
            f.write("run\t%d:%s\t%s\t%d\n" % (a.id, a.scenario, a.coarse, per_run[a.id]))
    print("%-20s %-15s %8s %6s" % ("fine class", "coarse", "packets", "share"))
    for (fine, coarse), n in sorted(per_class.items(), key=lambda x: -x[1]):
        print("%-20s %-15s %8d %5.1f%%" % (fine, coarse, n, 100.0 * n / max(total, 1)))
    print("%-36s %8d" % ("total", total))
    for a in attacks:
        if per_run[a.id] == 0:
            print("warning: attack run %d (%s) has no labeled packets" % (a.id, a.scenario), file=sys.stderr)


if __name__ == "__main__":
    main()
