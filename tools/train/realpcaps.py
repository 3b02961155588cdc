"""Public real captures (../shared/realpcaps) as labelled Captures, for evaluation.

Labels are per file; per-packet labels follow the background rule of
docs/realpcaps-eval.md: in an attack file only packets involving the
"central host" (the address in the most packets) take the file's class.
Run as a script to print the per-file packet counts by label.
"""
from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from dataset import COARSE, REPO, Capture, load_capture

REALPCAPS = REPO.parent / "shared/realpcaps"
MANIFEST_CLASS = {"Benign": "Benign", "DoS": "DoS", "Recon": "Reconnaissance", "BruteForce": "Brute Force"}


@dataclass
class RealFile:
    file: str  # path relative to the realpcaps folder, as in the manifest
    label: str  # the manifest's label, `Class:detail`
    coarse: int  # the file's class, index into COARSE
    central_host: Optional[str]  # None for Benign files and files labelled whole
    counts: dict  # coarse class name -> packets with that label


def read_manifest(root: Path = REALPCAPS) -> Tuple[List[dict], List[Tuple[str, str]]]:
    """(rows to load, [(file, why skipped)]): DERIVED files and classes other than the four."""
    keep, skipped = [], []
    with open(root / "MANIFEST.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            cls = row["label"].split(":", 1)[0]
            if "DERIVED" in row["notes"]:
                skipped.append((row["file"], "DERIVED in the manifest: %s" % row["notes"]))
            elif cls not in MANIFEST_CLASS:
                skipped.append((row["file"], "class %r is not one of the model's" % cls))
            else:
                keep.append(row)
    return keep, skipped


def central_host(capture: Capture) -> Optional[str]:
    """The address present in the most packets, as source or destination (ARP sender/target
    included); a packet naming it twice counts once. Ties go to the smallest address text, so
    the choice does not depend on dictionary order."""
    src, dst = capture.packets["src_addr"], capture.packets["dst_addr"]
    seen = Counter(a for pair in zip(src, dst) for a in set(pair) if a is not None)
    if not seen:
        return None
    top = max(seen.values())
    return min(a for a, n in seen.items() if n == top)


MIN_CENTRAL_SHARE = 0.5  # below it no host is central: source and destination are both random


def packet_labels(capture: Capture, file_class: int) -> Tuple[np.ndarray, Optional[str]]:
    """Per-packet coarse labels by the background rule, and the central host it used (None when
    the file is Benign, or has no central host and so is labelled whole)."""
    if file_class == COARSE.index("Benign"):
        return np.zeros(len(capture), dtype=np.int64), None
    host = central_host(capture)
    involved = (capture.packets["src_addr"] == host) | (capture.packets["dst_addr"] == host)
    if involved.mean() < MIN_CENTRAL_SHARE:
        return np.full(len(capture), file_class, dtype=np.int64), None
    return np.where(involved, file_class, 0).astype(np.int64), host


def load_realpcaps(split: str, root: Path = REALPCAPS, cache_dir="build/train-cache") -> Tuple[List[Capture], List[RealFile], List[Tuple[str, str]]]:
    """(captures with `coarse` set by the background rule, their metadata, skipped files)
    of one split: "validation" (splits.REAL_VALIDATION) or "test" (every other
    file kept by read_manifest; raises splits.TestSetSealed until the final
    evaluation step opens the test sets)."""
    from splits import TestGate, real_split
    if split not in ("validation", "test"):
        raise ValueError("split must be 'validation' or 'test', got %r" % split)
    if split == "test":
        TestGate.require("the real-traffic test files")
    if not (root / "MANIFEST.tsv").exists():
        raise FileNotFoundError("%s not found: the real captures live in ../shared/realpcaps beside the repo" % (root / "MANIFEST.tsv"))
    rows, skipped = read_manifest(root)
    rows = [r for r in rows if real_split(r["file"]) == split]
    captures, files = [], []
    for row in rows:
        cls = COARSE.index(MANIFEST_CLASS[row["label"].split(":", 1)[0]])
        capture = load_capture(root / row["file"], cache_dir=cache_dir)
        capture.coarse, host = packet_labels(capture, cls)
        counts = {name: int((capture.coarse == k).sum()) for k, name in enumerate(COARSE)}
        captures.append(capture)
        files.append(RealFile(file=row["file"], label=row["label"], coarse=cls, central_host=host, counts=counts))
    return captures, files, skipped


def main() -> None:
    """Per-file counts of the validation files (the test files stay sealed here)."""
    _, files, skipped = load_realpcaps("validation")
    print("file\tlabel\tcentral_host\t" + "\t".join(COARSE))
    for f in files:
        print("%s\t%s\t%s\t%s" % (f.file, f.label, f.central_host or "", "\t".join(str(f.counts[c]) for c in COARSE)))
    for file, why in skipped:
        print("skipped %s: %s" % (file, why), file=sys.stderr)


if __name__ == "__main__":
    main()
