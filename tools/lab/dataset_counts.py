#!/usr/bin/python3
"""Per-class packet counts of a dataset folder, as Markdown tables.

usage: dataset_counts.py DATADIR
  DATADIR/<split>/<capture>/capture.labels.tsv, e.g. data/train/seed1/...

Checks what the dataset promises (docs/lab.md): every fine class has at least
MIN_PER_CLASS packets in the whole dataset and Benign is at least
MIN_BENIGN_SHARE of all packets; exits 1 if not, after printing the tables.
"""
import collections
import csv
import os
import sys

MIN_PER_CLASS = 2000
MIN_BENIGN_SHARE = 0.30
FINE = ["Benign", "OS Scan", "Vulnerability Scan", "Port Scan", "ICMP Flood", "SYN Flood",
        "UDP Flood", "Slowloris", "DNS Flood", "Dictionary Attack"]


def read_labels(path):
    with open(path, newline="") as f:
        head = f.readline().rstrip("\n").split("\t")
        meta = dict(kv.split("=", 1) for kv in head[1:])
        if head[0] != "#packetclip-labels" or meta.get("version") != "1":
            sys.exit("%s: not a version 1 label manifest" % path)
        counts = collections.Counter(r["fine"] for r in csv.DictReader(f, delimiter="\t"))
    if sum(counts.values()) != int(meta["packets"]):
        sys.exit("%s: %d rows, header says %s" % (path, sum(counts.values()), meta["packets"]))
    return counts


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dataset_counts.py DATADIR")
    root = sys.argv[1]
    splits = collections.OrderedDict()
    # train first, then validation, then test, then any other split
    order = {"train": 0, "validation": 1, "test": 2}
    for split in sorted(os.listdir(root), key=lambda s: (order.get(s, 3), s)):
        d = os.path.join(root, split)
        if not os.path.isdir(d):
            continue
        for cap in sorted(os.listdir(d)):
            lab = os.path.join(d, cap, "capture.labels.tsv")
            if os.path.exists(lab):
                splits.setdefault(split, collections.OrderedDict())[cap] = read_labels(lab)
    if not splits:
        sys.exit("dataset_counts.py: no */*/capture.labels.tsv under %s" % root)

    cols = [(s, c) for s in splits for c in splits[s]]
    split_tot = {s: sum(splits[s].values(), collections.Counter()) for s in splits}
    total = sum(split_tot.values(), collections.Counter())
    print("| fine class | " + " | ".join("%s/%s" % sc for sc in cols) + " | " +
          " | ".join("%s total" % s for s in splits) + " | all |")
    print("|---" * (len(cols) + len(splits) + 2) + "|")
    for fine in FINE:
        cells = [splits[s][c][fine] for s, c in cols] + [split_tot[s][fine] for s in splits] + [total[fine]]
        print("| %s | %s |" % (fine, " | ".join("%d" % n for n in cells)))
    sums = [sum(splits[s][c].values()) for s, c in cols] + [sum(split_tot[s].values()) for s in splits] + \
           [sum(total.values())]
    print("| **all packets** | %s |" % " | ".join("%d" % n for n in sums))
    shares = [splits[s][c]["Benign"] / max(1, sum(splits[s][c].values())) for s, c in cols] + \
             [split_tot[s]["Benign"] / max(1, sum(split_tot[s].values())) for s in splits] + \
             [total["Benign"] / max(1, sum(total.values()))]
    print("| Benign share | %s |" % " | ".join("%.1f%%" % (100 * x) for x in shares))

    bad = [f for f in FINE if total[f] < MIN_PER_CLASS]
    if bad or shares[-1] < MIN_BENIGN_SHARE:
        print("\nNOT MET: classes under %d packets: %s; Benign share %.1f%%" %
              (MIN_PER_CLASS, ", ".join(bad) or "none", 100 * shares[-1]), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
