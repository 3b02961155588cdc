"""Per-packet training data from captures, produced by the project's own CLI.

Features, flows and the packet table come from `node dist/...` (the engine's
own feature code, src/flows), never from a Python re-implementation, so
training sees exactly what inference computes. Outputs are cached under
`cache_dir`, keyed by the capture's path, size and mtime (and the labels
file's), plus `time_scale`.

Formats: docs/features-file.md, docs/labels-format.md, docs/flows-format.md,
docs/packet-table-format.md.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import struct
import subprocess
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "bin/packetclip.js"  # launcher of dist/src/cli.js (which itself only exports main)
COMPILED_CLI = REPO / "dist/src/cli.js"
PACKET_TABLE_TOOL = REPO / "dist/tools/dataset/packet-table.js"

COARSE = ["Benign", "DoS", "Reconnaissance", "Brute Force"]  # model output order
FINE_TO_COARSE = {
    "Benign": "Benign",
    "OS Scan": "Reconnaissance", "Vulnerability Scan": "Reconnaissance", "Port Scan": "Reconnaissance",
    "ICMP Flood": "DoS", "Slowloris": "DoS", "SYN Flood": "DoS", "UDP Flood": "DoS", "DNS Flood": "DoS",
    "Dictionary Attack": "Brute Force",
}
# the lab captures of each split live in splits.LAB (docs/training.md, Protocol)

FEATURES_MAGIC, FEATURES_VERSION, FEATURE_LAYOUT_VERSION, FEATURE_WIDTH = 0x54464350, 1, 1, 128
FLOWS_MAGIC = "# packetclip-flows v1"
PACKETS_MAGIC, PACKETS_VERSION = "#packetclip-packets", "1"
PACKET_COLUMNS = ["index", "ts_us", "flow_id", "ip_version", "protocol", "src_addr", "dst_addr",
                  "src_port", "dst_port", "ip_len", "tcp_flags", "status"]
TEXT_COLUMNS = {"src_addr", "dst_addr", "status"}
CACHE_FORMAT = 1  # bump when what a cache entry holds changes


@dataclass
class Capture:
    """One capture's packets, row i = packet i everywhere.

    packets: column arrays of the packet table; integer columns are int64
    with -1 for an empty cell, text columns are object arrays with None.
    flows: flow_id -> row of the flows CSV (ints, floats, str; empty -> None).
    fine/coarse are None for a capture without labels."""

    name: str
    X: np.ndarray
    fine: Optional[np.ndarray]
    coarse: Optional[np.ndarray]
    ts_us: np.ndarray
    packets: Dict[str, np.ndarray]
    flows: Dict[int, dict]

    def __len__(self) -> int:
        return len(self.X)


# ---------------------------------------------------------------- running the CLI

def _require_build() -> None:
    missing = [p for p in (COMPILED_CLI, PACKET_TABLE_TOOL) if not p.exists()]
    if missing:
        raise RuntimeError("%s not found: run `npm run build` in %s first" % (", ".join(map(str, missing)), REPO))


def _node(args: Sequence[object]) -> None:
    r = subprocess.run(["node", *map(str, args)], cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("node %s failed (exit %d): %s" % (" ".join(map(str, args)), r.returncode, r.stderr.strip()))


def _extract(capture: Path, labels: Optional[Path], into: Path) -> None:
    """Writes feats.bin (+ feats.labels.tsv), flows.csv and packets.tsv for `capture` into `into`."""
    features = ["features", capture, "-o", into / "feats.bin"]
    if labels is not None:
        features += ["--labels", labels, "--labels-out", into / "feats.labels.tsv"]
    _node([CLI, *features])
    _node([CLI, "flows", capture, "--csv", "-o", into / "flows.csv"])
    _node([PACKET_TABLE_TOOL, capture, "-o", into / "packets.tsv"])


def _stat_key(path: Path) -> list:
    st = path.stat()
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def _cache_entry(pcap: Path, labels: Optional[Path], time_scale: float, cache_dir: Path) -> Path:
    """The cache folder for these inputs, built first if missing. Built in a temporary folder and
    renamed, so an interrupted run never leaves a half-written entry that looks complete."""
    key = [CACHE_FORMAT, _stat_key(pcap), _stat_key(labels) if labels else None, float(time_scale)]
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:20]
    entry = cache_dir / ("%s-%s" % (pcap.stem, digest))
    if entry.exists():
        return entry
    _require_build()
    tmp = cache_dir / ("%s.tmp%d" % (entry.name, os.getpid()))
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        source = pcap
        if time_scale != 1.0:
            source = tmp / ("scaled" + pcap.suffix)
            rescale_capture(pcap, source, time_scale)
        _extract(source, labels, tmp)
        if source != pcap:
            source.unlink()  # the features are what is cached, not a second copy of the capture
        (tmp / "key.json").write_text(json.dumps(key))
        os.replace(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return entry


# ---------------------------------------------------------------- reading the outputs

def read_features(path: Path) -> np.ndarray:
    raw = np.fromfile(path, dtype=np.uint8)
    if len(raw) < 64:
        raise ValueError("%s: shorter than the 64-byte features header" % path)
    words = raw[:64].view("<u4")
    magic, version, layout, width, rows, offset = (int(w) for w in words[:6])
    if magic != FEATURES_MAGIC or version != FEATURES_VERSION or words[6:].any():
        raise ValueError("%s: not a version-1 features file" % path)
    if layout != FEATURE_LAYOUT_VERSION or width != FEATURE_WIDTH:
        raise ValueError("%s: feature layout %d width %d, expected %d/%d" % (path, layout, width, FEATURE_LAYOUT_VERSION, FEATURE_WIDTH))
    if len(raw) != offset + rows * width:
        raise ValueError("%s: %d bytes, header says %d" % (path, len(raw), offset + rows * width))
    return raw[offset:].reshape(rows, width)


def _versioned_tsv(path: Path, magic: str, version: str) -> List[dict]:
    """Rows of a `#magic version=...` TSV (labels, packet table), its packet count checked."""
    with open(path, newline="") as f:
        head = f.readline().rstrip("\n").split("\t")
        meta = dict(kv.split("=", 1) for kv in head[1:])
        if head[0] != magic or meta.get("version") != version:
            raise ValueError("%s: expected a %s version %s file, got %r" % (path, magic, version, head[:2]))
        rows = list(csv.DictReader(f, delimiter="\t"))
    if len(rows) != int(meta["packets"]):
        raise ValueError("%s: %d rows, version line says %s" % (path, len(rows), meta["packets"]))
    return rows


def read_labels(path: Path) -> np.ndarray:
    rows = _versioned_tsv(path, "#packetclip-labels", "1")
    return np.array([r["fine"] for r in rows], dtype=object)


def read_packet_table(path: Path) -> Dict[str, np.ndarray]:
    with open(path) as f:
        f.readline()
        header = f.readline().rstrip("\n").split("\t")
    if header != PACKET_COLUMNS:
        raise ValueError("%s: columns %s, expected %s" % (path, header, PACKET_COLUMNS))
    rows = _versioned_tsv(path, PACKETS_MAGIC, PACKETS_VERSION)
    return {c: (np.array([r[c] or None for r in rows], dtype=object) if c in TEXT_COLUMNS
                else np.array([int(r[c]) if r[c] else -1 for r in rows], dtype=np.int64))
            for c in PACKET_COLUMNS}


def _number(cell: str):
    if cell == "":
        return None
    try:
        return int(cell)
    except ValueError:
        try:
            return float(cell)
        except ValueError:
            return cell


def read_flows(path: Path) -> Dict[int, dict]:
    with open(path, newline="") as f:
        if f.readline().rstrip("\n") != FLOWS_MAGIC:
            raise ValueError("%s: not a %r file" % (path, FLOWS_MAGIC))
        return {int(r["flow_id"]): {k: _number(v) for k, v in r.items()} for r in csv.DictReader(f)}


# ---------------------------------------------------------------- public API

def load_capture(pcap_path, labels_path=None, time_scale: float = 1.0, cache_dir="build/train-cache") -> Capture:
    """Features, labels, packet table and flows of one capture (see Capture).

    time_scale multiplies every inter-packet gap (a timing augmentation: the
    engine's rate and gap features then see a faster or slower network)."""
    if not time_scale > 0:
        raise ValueError("time_scale must be > 0, got %r" % time_scale)
    pcap = Path(pcap_path)
    labels = Path(labels_path) if labels_path is not None else None
    entry = _cache_entry(pcap, labels, time_scale, REPO / cache_dir)
    X = read_features(entry / "feats.bin")
    packets = read_packet_table(entry / "packets.tsv")
    if len(packets["index"]) != len(X):
        raise ValueError("%s: %d feature rows but %d packet rows" % (entry, len(X), len(packets["index"])))
    fine = coarse = None
    if labels is not None:
        fine = read_labels(entry / "feats.labels.tsv")
        coarse = np.array([COARSE.index(FINE_TO_COARSE[f]) for f in fine], dtype=np.int64)
    return Capture(name=str(pcap), X=X, fine=fine, coarse=coarse, ts_us=packets["ts_us"],
                   packets=packets, flows=read_flows(entry / "flows.csv"))


def load_lab(split: str, time_scale: float = 1.0, cache_dir="build/train-cache") -> List[Capture]:
    """The lab captures of a split of splits.LAB ("train", "validation", "test"),
    in the listed order. "test" raises splits.TestSetSealed unless the
    pipeline's final evaluation step has opened the test sets."""
    from splits import LAB, TestGate
    if split not in LAB:
        raise ValueError("unknown split %r (one of %s)" % (split, ", ".join(LAB)))
    if split == "test":
        TestGate.require("the lab test split")
    return [load_capture(REPO / d / "capture.pcap", REPO / d / "capture.labels.tsv", time_scale, cache_dir)
            for d in LAB[split]]


def window_keys(capture: Capture) -> List[Optional[str]]:
    """The engine's window key of every packet (docs/engine-abi.md, "Temporal window"): its source
    IP address when it has captured IP addresses (ip_version 4 or 6), else None, one key shared by
    ARP, other non-IP frames and frames cut before their addresses."""
    ip = capture.packets["ip_version"]
    return [a if v in (4, 6) else None for v, a in zip(ip, capture.packets["src_addr"])]


def window_rows(capture: Capture, window: int, sources: int = 0) -> np.ndarray:
    """rows[i, j]: the packet at position j of packet i's window (the last position is packet i
    itself), -1 where the position holds a zero frame. sources 0: one window over the whole
    capture. sources S > 0: as the engine keeps windows, one per window key (window_keys) in a
    table of S with least-recently-used eviction; a key that enters the table (first seen, or
    back after eviction) starts from zero frames."""
    n = len(capture)
    if sources == 0:
        pos = np.arange(n)[:, None] + np.arange(1 - window, 1)[None, :]
        return np.where(pos >= 0, pos, -1)
    if not 0 < sources <= 256:
        raise ValueError("window sources %r, expected 0..256" % (sources,))
    table: "OrderedDict[Optional[str], int]" = OrderedDict()  # key -> its current group, LRU first
    group = np.empty(n, dtype=np.int64)
    for i, k in enumerate(window_keys(capture)):
        if k in table:
            table.move_to_end(k)
        else:
            if len(table) == sources:
                table.popitem(last=False)
            table[k] = i  # the group is named by its first packet
        group[i] = table[k]
    rows = np.full((n, window), -1, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    for g in np.split(order, starts[1:]):
        pos = np.arange(len(g))[:, None] + np.arange(1 - window, 1)[None, :]
        rows[g] = np.where(pos >= 0, g[np.maximum(pos, 0)], -1)
    return rows


# ---------------------------------------------------------------- timing augmentation

def rescale_capture(src: Path, dst: Path, time_scale: float) -> None:
    """Copies a classic pcap or pcapng capture, multiplying each packet's distance in time from
    the first packet by time_scale (so every gap scales; the first timestamp stays)."""
    data = bytearray(src.read_bytes())
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        _rescale_pcapng(data, Fraction(time_scale))
    else:
        _rescale_classic(data, Fraction(time_scale))
    dst.write_bytes(data)


def _scaled(t, first, scale: Fraction) -> int:
    # A timestamp before the first one (odd clocks) moves away from it too; never below 0.
    return max(0, round(first + (t - first) * scale))


def _rescale_classic(data: bytearray, scale: Fraction) -> None:
    for order in "<>":
        magic = struct.unpack_from(order + "I", data)[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            per_sec = 10**6 if magic == 0xA1B2C3D4 else 10**9
            break
    else:
        raise ValueError("not a classic pcap or pcapng file (magic %s)" % data[:4].hex())
    rec = struct.Struct(order + "IIII")
    at, first = 24, None
    while at + 16 <= len(data):
        sec, frac, incl, _ = rec.unpack_from(data, at)
        t = sec * per_sec + frac
        first = t if first is None else first
        s, f = divmod(_scaled(t, first, scale), per_sec)
        struct.pack_into(order + "II", data, at, s, f)
        at += 16 + incl


def _rescale_pcapng(data: bytearray, scale: Fraction) -> None:
    """Enhanced (6) and obsolete (2) packet blocks carry timestamps in their interface's units
    (if_tsresol, if_tsoffset), so times are compared in seconds, exactly, across interfaces."""
    at, order, interfaces, first = 0, "<", [], None
    while at + 12 <= len(data):
        btype = struct.unpack_from(order + "I", data, at)[0]
        if btype == 0x0A0D0D0A:
            order = "<" if data[at + 8:at + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            interfaces = []
        length = struct.unpack_from(order + "I", data, at + 4)[0]
        if length < 12 or at + length > len(data):
            raise ValueError("pcapng block at byte %d has a bad length %d" % (at, length))
        if btype == 1:
            interfaces.append(_interface_clock(data, at, length, order))
        elif btype in (2, 6):
            ts_at = at + 12  # after the interface id (4 bytes; 2 + 2 drop count in the obsolete block)
            iface = struct.unpack_from(order + ("I" if btype == 6 else "H"), data, at + 8)[0]
            units, offset = interfaces[iface]
            hi, lo = struct.unpack_from(order + "II", data, ts_at)
            t = Fraction((hi << 32) | lo, units) + offset
            first = t if first is None else first
            raw = max(0, round((first + (t - first) * scale - offset) * units))
            struct.pack_into(order + "II", data, ts_at, raw >> 32, raw & 0xFFFFFFFF)
        at += length


def _interface_clock(data: bytearray, at: int, length: int, order: str):
    """(timestamp units per second, offset in seconds) of an interface description block."""
    units, offset = 10**6, 0
    opt, end = at + 16, at + length - 4
    while opt + 4 <= end:
        code, olen = struct.unpack_from(order + "HH", data, opt)
        if code == 0:
            break
        if code == 9:
            r = data[opt + 4]
            units = 2 ** (r & 0x7F) if r & 0x80 else 10 ** r
        elif code == 14:
            offset = struct.unpack_from(order + "q", data, opt + 4)[0]
        opt += 4 + olen + (-olen % 4)
    return units, offset
