"""The evaluation protocol's data splits, and the gate in front of the test sets.

docs/training.md ("Protocol") is the rule; this module is its one source of
truth in code:

- LAB: which lab captures are training, validation and test. Split by
  capture (one lab run = one seed = one session), never by packet.
- REAL_VALIDATION: the public real captures (../shared/realpcaps) that may
  steer choices; every other non-DERIVED file of the manifest is real-traffic
  test data. The validation files were picked by a fixed rule before any
  model was scored on them: within each manifest class, the files sorted by
  the SHA-256 of their manifest path, the first floor(n/3) (so a class with
  one file, BruteForce, has no validation file). `real_validation_rule()`
  recomputes the rule and a test checks it still gives this list.
- The test sets (lab test captures, real test files) are read only through
  `TestGate.open(...)`, which the pipeline calls once, in its final
  evaluation step, after the shipped run has been chosen and written. Every
  opening is recorded (what, when, the shipped model's SHA-256) and the
  report prints the record. Loading them any other way raises TestSetSealed.
"""
from __future__ import annotations

import csv
import hashlib
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[2]
REALPCAPS = REPO.parent / "shared/realpcaps"

# Lab captures by split (folders under data/, each holding capture.pcap and
# capture.labels.tsv). data/README.md documents them. Seeds 31 and 32 were the
# test captures of the first run under the protocol; once scored they cannot
# test again, so they train. Seeds 33 and 34 (made afterwards) were the second
# run's test captures; scored once, they left data/ (git history keeps them) to
# keep it under 60 MB, and seeds 35 and 36 (made after that) test. data/test/seed3 (lab v1)
# is not in any split: earlier sessions used it to compare settings and to
# pick a model, so it can no longer give an unbiased number; it stays for the
# CI tests that need a long lab capture and for benchmarks.
LAB: Dict[str, List[str]] = {
    "train": ["data/train/seed1", "data/train/seed2"]
             + ["data/train/lab2-seed%d" % s for s in (11, 12, 13, 14, 15, 16, 31, 32)],
    "validation": ["data/validation/lab2-seed21", "data/validation/lab2-seed22"],
    "test": ["data/test/lab2-seed35", "data/test/lab2-seed36"],
}
LAB_V1_CI_ONLY = "data/test/seed3"

REAL_VALIDATION = [
    # Recon (10 files -> 3)
    "lucaderi+sgr/2022_Favilli_tests_hs-tcp_synPingSweepRand.pcapng",
    "lucaderi+sgr/2022_Favilli_tests_hs-arpScan.pcap",
    "chrissanders+packets/ppa1e_osfingerprinting.pcap",
    # DoS (6 files, DERIVED excluded -> 2)
    "doup123+attacker/icmp_blacknurse.pcap",
    "doup123+attacker/dns.pcap",
    # Benign (14 files -> 4)
    "chrissanders+packets/http_espn.pcapng",
    "chrissanders+packets/tcp_retransmissions.pcapng",
    "chrissanders+packets/icmp_traceroute.pcapng",
    "chrissanders+packets/dns_query_response.pcapng",
    # BruteForce (1 file -> 0): brute-force validation comes from the lab validation captures
]


def manifest_rows(root: Path = REALPCAPS) -> List[dict]:
    with open(root / "MANIFEST.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def real_validation_rule(root: Path = REALPCAPS) -> List[str]:
    """The fixed rule that chose REAL_VALIDATION (see the module docstring)."""
    by_class = defaultdict(list)
    for row in manifest_rows(root):
        if "DERIVED" not in row["notes"]:
            by_class[row["label"].split(":", 1)[0]].append(row["file"])
    out = []
    for files in by_class.values():
        files = sorted(files, key=lambda f: hashlib.sha256(f.encode()).hexdigest())
        out += files[:len(files) // 3]
    return out


def real_split(file: str) -> str:
    """"validation" or "test" for a manifest path."""
    return "validation" if file in REAL_VALIDATION else "test"


class TestSetSealed(RuntimeError):
    """Raised when code outside the final evaluation step asks for test data."""


class TestGate:
    """The only way to the test sets. `open(reason, model_sha256)` unseals them
    for the rest of the process and records the opening; `require()` raises
    TestSetSealed while sealed. One opening per pipeline run: a second call
    raises, so the test sets cannot be scored, looked at, and scored again."""

    _opened: List[dict] = []

    @classmethod
    def open(cls, reason: str, model_sha256: str) -> None:
        if cls._opened:
            raise TestSetSealed("the test sets were already opened in this run (%s)" % cls._opened[0]["reason"])
        cls._opened.append({"reason": reason, "model_sha256": model_sha256,
                            "opened_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())})

    @classmethod
    def require(cls, what: str) -> None:
        if not cls._opened:
            raise TestSetSealed("%s is test data: only the pipeline's final evaluation step reads it "
                                "(docs/training.md, Protocol)" % what)

    @classmethod
    def record(cls) -> List[dict]:
        return list(cls._opened)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check() -> list:
    """Problems with the splits (empty when sound): the real validation list
    must be what its rule gives; no lab capture may be in two splits; every
    listed lab capture must exist with its labels; the CI-only v1 capture must
    not be in any split."""
    problems = []
    if (REALPCAPS / "MANIFEST.tsv").exists() and sorted(real_validation_rule()) != sorted(REAL_VALIDATION):
        problems.append("REAL_VALIDATION is not what its rule gives")
    seen = {}
    for split, dirs in LAB.items():
        for d in dirs:
            if d in seen:
                problems.append("%s is in %s and %s" % (d, seen[d], split))
            seen[d] = split
            if not (REPO / d / "capture.pcap").exists() or not (REPO / d / "capture.labels.tsv").exists():
                problems.append("%s (%s) has no capture.pcap/capture.labels.tsv" % (d, split))
    if LAB_V1_CI_ONLY in seen:
        problems.append("%s must stay out of the splits" % LAB_V1_CI_ONLY)
    return problems


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["--check"]:
        bad = check()
        print("\n".join(bad) or "splits ok")
        sys.exit(1 if bad else 0)
    rule = real_validation_rule()
    print("real validation files (rule):")
    for f in rule:
        print("  " + f)
    print("matches REAL_VALIDATION:", sorted(rule) == sorted(REAL_VALIDATION))
    for split, dirs in LAB.items():
        print("lab %s: %s" % (split, ", ".join(d + ("" if (REPO / d / "capture.pcap").exists() else " (missing)")
                                              for d in dirs)))
