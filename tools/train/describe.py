"""Per-packet natural-language descriptions for PacketCLIP pretraining (paper
section III-B, Fig. 2) and the class prompts for zero-shot classification.
How and why: docs/descriptions.md.

Each description has three parts, each picked from several template variants:
  1. the packet itself: protocol, service, ports, TCP flags, size, direction,
     its position in its flow;
  2. the flow it belongs to (a row of `packetclip flows --csv`): packets each
     way, bytes, duration, rate, flag counts, how it ended;
  3. the semantics: concepts sampled from the knowledge graph of the packet's
     class (a small benign vocabulary for Benign) and the class's name.
Parts 1-2 carry per-packet numbers, so InfoNCE sees distinct texts within a
class; part 3 carries what the class means. A Paraphraser then rewrites the
text: offline WordNet synonyms by default, or an OpenAI-compatible LLM (the
paper's step 4) when one is configured.

    /usr/bin/python3 tools/train/describe.py --packets packets.tsv --flows flows.csv \\
        --labels capture.labels.tsv [--limit 20] [--llm-endpoint URL --llm-model NAME]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from dataset import FINE_TO_COARSE, read_flows, read_labels, read_packet_table
from kg import load_kgs
from model import MissionKG
from wordnet import default as default_wordnet

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KG_DIR = REPO / "models/kg"

# There is no Benign knowledge graph (missions are attacks), so benign
# packets draw their semantic words from this list instead. Short noun
# phrases, so they read like the KG nouns in the same templates.
BENIGN_VOCAB = ("normal use", "routine exchange", "legitimate requests", "ordinary sessions",
                "regular service", "expected replies", "everyday activity", "harmless browsing",
                "usual telemetry", "benign behavior")

# How each fine class is named in text. The first phrase is the canonical one.
CLASS_PHRASES = {
    "Benign": ("benign traffic", "normal network activity", "legitimate traffic"),
    "OS Scan": ("an OS scan", "operating-system fingerprinting", "an OS detection probe"),
    "Vulnerability Scan": ("a vulnerability scan", "a scan for vulnerable services",
                           "vulnerability probing"),
    "Port Scan": ("a port scan", "a sweep of ports", "port probing"),
    "ICMP Flood": ("an ICMP flood", "a ping flood", "an echo-request flood"),
    "Slowloris": ("a Slowloris attack", "slow HTTP connection exhaustion",
                  "a slow header denial of service"),
    "SYN Flood": ("a SYN flood", "a flood of half-open TCP handshakes", "a TCP SYN flood"),
    "UDP Flood": ("a UDP flood", "a flood of UDP datagrams", "a UDP packet flood"),
    "DNS Flood": ("a DNS flood", "a flood of DNS queries", "a DNS query flood"),
    "Dictionary Attack": ("a dictionary attack", "password guessing from a wordlist",
                          "a login brute-force attack"),
}
COARSE_PHRASES = {"Benign": "no attack at all", "DoS": "a denial-of-service attack",
                  "Reconnaissance": "a reconnaissance attack", "Brute Force": "a brute-force attack"}

PROTOCOLS = {1: "ICMP", 2: "IGMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 132: "SCTP", 47: "GRE", 50: "ESP"}
SERVICES = {20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 53: "DNS", 67: "DHCP",
            68: "DHCP", 80: "HTTP", 110: "POP3", 123: "NTP", 137: "NetBIOS", 138: "NetBIOS",
            139: "NetBIOS", 143: "IMAP", 161: "SNMP", 443: "HTTPS", 445: "SMB", 1883: "MQTT",
            1900: "SSDP", 3306: "MySQL", 3389: "RDP", 5353: "mDNS", 5683: "CoAP", 8080: "HTTP",
            8883: "MQTT over TLS"}
ICMP_TYPES = {0: "echo reply", 3: "destination unreachable", 5: "redirect", 8: "echo request",
              11: "time exceeded", 13: "timestamp request", 14: "timestamp reply",
              128: "echo request", 129: "echo reply", 133: "router solicitation",
              134: "router advertisement", 135: "neighbor solicitation", 136: "neighbor advertisement"}
TCP_FLAGS = ((0x02, "SYN"), (0x10, "ACK"), (0x08, "PSH"), (0x01, "FIN"), (0x04, "RST"),
             (0x20, "URG"), (0x40, "ECE"), (0x80, "CWR"))
FLAG_COLUMNS = (("syn_count", "SYN"), ("ack_count", "ACK"), ("psh_count", "PSH"),
                ("fin_count", "FIN"), ("rst_count", "RST"), ("urg_count", "URG"))
END_REASONS = {"fin": "closed with FIN", "rst": "reset with RST", "idle": "ended by idling",
               "evicted": "evicted from the flow table", "end": "still open at the end of the capture"}


# ---------------------------------------------------------------- formatting

def duration_text(us: float) -> str:
    if us < 1000:
        return f"{us:.0f} microseconds"
    if us < 1e6:
        return f"{us / 1000:.1f} ms"
    if us < 120e6:
        return f"{us / 1e6:.2f} s"
    return f"{us / 60e6:.1f} minutes"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def rate_text(per_s: Optional[float], unit: str) -> str:
    if per_s is None:
        return "no measurable rate"
    return f"{per_s:,.0f} {unit}/s" if per_s >= 10 else f"{per_s:.2f} {unit}/s"


def size_word(n: int) -> str:
    return "tiny" if n <= 64 else "small" if n <= 200 else "medium" if n <= 1000 else "large"


def flags_text(flags: int) -> str:
    names = [n for bit, n in TCP_FLAGS if flags & bit]
    return "+".join(names) if names else "NULL"  # nmap's name for a flagless probe


def service_of(sport: Optional[int], dport: Optional[int]) -> Optional[str]:
    """The service by the destination port, else by the source port (replies)."""
    for p in (dport, sport):
        if p is not None and p in SERVICES:
            return SERVICES[p]
    return None


def pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[rng.randrange(len(options))]


# ---------------------------------------------------------------- facts

@dataclass
class FlowFacts:
    """What the templates say about one flow, computed once per flow."""
    proto: str
    n: int
    fwd: int
    bwd: int
    bytes: int
    duration: str
    packet_rate: str
    byte_rate: str
    flags: str
    ending: str
    service: Optional[str]
    icmp: Optional[str]
    src: str
    dst: str
    sport: int


def flow_facts(f: Mapping) -> FlowFacts:
    proto = PROTOCOLS.get(f["protocol"], f"IP protocol {f['protocol']}")
    is_icmp = f["protocol"] in (1, 58)
    counts = [f"{f[c]} {n}" for c, n in FLAG_COLUMNS if f.get(c)]
    return FlowFacts(
        proto=proto, n=f["fwd_packets"] + f["bwd_packets"], fwd=f["fwd_packets"], bwd=f["bwd_packets"],
        bytes=f["fwd_bytes"] + f["bwd_bytes"], duration=duration_text(f["duration_us"]),
        packet_rate=rate_text(f.get("packets_per_s"), "packets"),
        byte_rate=rate_text(f.get("bytes_per_s"), "bytes"),
        flags=", ".join(counts) if counts else "",
        ending=END_REASONS.get(f["end_reason"], f["end_reason"]),
        service=None if is_icmp else service_of(f["src_port"], f["dst_port"]),
        icmp=ICMP_TYPES.get(f["src_port"], f"type {f['src_port']}") if is_icmp else None,
        src=f["src_addr"], dst=f["dst_addr"], sport=f["src_port"])


def packet_sentence(p: Mapping, ff: FlowFacts, k: int, rng: random.Random) -> str:
    size = p["ip_len"]
    forward = p["src_addr"] == ff.src and (ff.icmp is not None or p["src_port"] == ff.sport)
    direction = pick(rng, ("forward, from the flow's initiator", "from the initiating host")
                     if forward else ("backward, in reply", "back from the responder"))
    if ff.icmp is not None:
        what = f"{ff.proto} {ff.icmp} packet" if forward else f"{ff.proto} packet answering an {ff.icmp}"
        ends = f"from {p['src_addr']} to {p['dst_addr']}"
    else:
        what = f"{ff.proto} packet"
        if p["tcp_flags"] is not None:
            what = f"{ff.proto} {flags_text(p['tcp_flags'])} packet"
        ends = f"from port {p['src_port']} to port {p['dst_port']}"
        if ff.service:
            ends += f" ({ff.service})"
    position = f"packet {k} of {ff.n}"
    return pick(rng, (
        f"A {size_word(size)} {what} of {size} bytes {ends}, sent {direction}.",
        f"This {size}-byte {what} travels {ends}; it is {position} of its flow, sent {direction}.",
        f"{what[0].upper() + what[1:]}, {size} bytes, {ends}, {position}.",
        f"Observed: a {what} {ends} with {size} bytes ({position}, {direction}).",
    ))


def flow_sentence(ff: FlowFacts, rng: random.Random) -> str:
    service = f" {ff.service}" if ff.service else ""
    flags = f" with {ff.flags}" if ff.flags else ""
    return pick(rng, (
        f"Its{service} {ff.proto} flow has {plural(ff.n, 'packet')} ({ff.fwd} forward, {ff.bwd} backward) "
        f"and {ff.bytes} bytes over {ff.duration}, at {ff.packet_rate}{flags}; it was {ff.ending}.",
        f"The flow lasted {ff.duration} and carried {ff.bytes} bytes in {plural(ff.n, 'packet')} "
        f"at {ff.byte_rate}, {ff.bwd} in reply" + (f" ({ff.flags})." if ff.flags else "."),
        f"Flow summary: {ff.fwd} out and {ff.bwd} back, {ff.bytes} bytes, "
        f"{ff.duration}, {ff.packet_rate}, {ff.ending}.",
        f"Between {ff.src} and {ff.dst}, the{service} flow sent {plural(ff.n, 'packet')} in {ff.duration} "
        f"({ff.packet_rate}){flags}.",
    ))


def unflowed_sentence(p: Mapping, rng: random.Random) -> str:
    size = f"{p['ip_len']}-byte " if p["ip_len"] is not None else ""
    if p["status"] == "arp":
        return pick(rng, (f"An ARP frame from {p['src_addr']} about {p['dst_addr']}, outside any IP flow.",
                          f"Address resolution: {p['src_addr']} asks or answers for {p['dst_addr']}."))
    return f"A {size}{p['status']} frame that belongs to no IP flow."


# ---------------------------------------------------------------- semantics

def class_vocabulary(fine: str, kgs: Sequence[MissionKG]) -> List[tuple]:
    """(word, weight) pairs to sample from: key concepts weigh most, as they
    are what the class is about; deeper associations add variety."""
    coarse = FINE_TO_COARSE[fine]
    if coarse == "Benign":
        return [(w, 1.0) for w in BENIGN_VOCAB]
    kg = next((k for k in kgs if k.name == coarse), None)
    if kg is None:
        raise KeyError(f"no knowledge graph for mission {coarse!r} (have {[k.name for k in kgs]})")
    return [(c, 1.0 / lv) for c, lv in zip(kg.concepts, kg.levels)]


def sample_words(vocab: List[tuple], n: int, rng: random.Random) -> List[str]:
    words, weights = [w for w, _ in vocab], [x for _, x in vocab]
    out: List[str] = []
    while len(out) < min(n, len(words)):
        w = rng.choices(words, weights)[0]
        if w not in out:
            out.append(w)
    return out


def semantic_sentence(fine: str, vocab: List[tuple], rng: random.Random) -> str:
    a, b, c = sample_words(vocab, 3, rng)
    name = pick(rng, CLASS_PHRASES[fine])
    kind = COARSE_PHRASES[FINE_TO_COARSE[fine]]
    return pick(rng, (
        f"The traffic shows {a} and {b}, typical of {name}.",
        f"This is probably {name}, {kind}: {a}, {b}, {c}.",
        f"Traces of {a}, {b} and {c} point to {name}.",
        f"It is apparently {name} ({kind}), with {a} and {b}.",
    ))


# ---------------------------------------------------------------- paraphrase

class Paraphraser:
    """Rewrites template descriptions (paper eq. (2): T_i = LLM(T*_i))."""

    def paraphrase(self, texts: Sequence[str], rng: random.Random) -> List[str]:
        raise NotImplementedError


# Template words -> (WordNet sense they are used in, suffix the template
# adds to the base form). Their single-word synonyms in that sense replace
# them at random; numbers, names and KG words are never touched, so the facts
# survive.
PARAPHRASE_SENSES = {
    "large": ("large.a.1", ""), "small": ("small.a.1", ""), "reply": ("reply.n.1", ""),
    "flow": ("flow.n.3", ""), "typical": ("typical.a.2", ""), "apparently": ("apparently.r.1", ""),
    "traces": ("trace.n.1", "s"), "responder": ("responder.n.1", ""),
}


class OfflineParaphraser(Paraphraser):
    """WordNet synonym substitution, each replaceable word with probability
    `rate`; deterministic given the rng."""

    def __init__(self, rate: float = 0.5):
        self.rate = rate
        wn = default_wordnet()
        self.synonyms: Dict[str, List[str]] = {}
        for word, (sense, suffix) in PARAPHRASE_SENSES.items():
            syns = [w + suffix for w in wn.sense(sense).lemma_names() if re.fullmatch(r"[a-z]+", w)]
            self.synonyms[word] = [w for w in syns if w != word] + [word]
        self.pattern = re.compile(r"\b(" + "|".join(self.synonyms) + r")\b")

    def paraphrase(self, texts: Sequence[str], rng: random.Random) -> List[str]:
        def swap(m: re.Match) -> str:
            w = m.group(0)
            return pick(rng, self.synonyms[w]) if rng.random() < self.rate else w
        return [self.pattern.sub(swap, t) for t in texts]


class OpenAIParaphraser(Paraphraser):
    """Paraphrases with an OpenAI-compatible /v1/chat/completions endpoint
    (a local llama.cpp/vLLM/Ollama server or a hosted API): the paper's
    step 4. One request per distinct text. Only used when the caller asks for
    it (--llm-endpoint); default runs never touch the network."""

    PROMPT = ("Paraphrase the following description of a network packet in fluent English. "
              "Keep every number, port, address, protocol, flag and attack name exactly. "
              "Answer with the paraphrase only.")

    def __init__(self, base_url: str, model: str, api_key_env: str = "OPENAI_API_KEY",
                 timeout: float = 60.0, temperature: float = 0.7):
        self.url = base_url.rstrip("/") + ("" if base_url.rstrip("/").endswith("/v1") else "/v1") + "/chat/completions"
        self.model, self.api_key_env = model, api_key_env
        self.timeout, self.temperature = timeout, temperature
        self.cache: Dict[str, str] = {}

    def _ask(self, text: str) -> str:
        body = json.dumps({"model": self.model, "temperature": self.temperature,
                           "messages": [{"role": "system", "content": self.PROMPT},
                                        {"role": "user", "content": text}]}).encode()
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                reply = json.load(r)
            return reply["choices"][0]["message"]["content"].strip()
        except (OSError, KeyError, IndexError, ValueError) as e:
            raise RuntimeError(f"LLM paraphrase via {self.url} (model {self.model}) failed: {e}") from e

    def paraphrase(self, texts: Sequence[str], rng: random.Random) -> List[str]:
        for t in texts:
            if t not in self.cache:
                self.cache[t] = self._ask(t)
        return [self.cache[t] for t in texts]


# ---------------------------------------------------------------- API

def as_rows(packets) -> List[Mapping]:
    """Packet rows as dicts from a list of dicts (None for an empty cell) or a
    dict of columns (numpy arrays from dataset.read_packet_table, where -1
    means an empty cell)."""
    if not isinstance(packets, Mapping):
        return list(packets)
    cols = {k: (v.tolist() if hasattr(v, "tolist") else list(v)) for k, v in packets.items()}
    names = list(cols)
    rows = [dict(zip(names, vals)) for vals in zip(*cols.values())]
    for r in rows:
        for k in ("src_port", "dst_port", "ip_len", "tcp_flags"):
            if r.get(k) == -1:
                r[k] = None
    return rows


def as_random(rng) -> random.Random:
    """random.Random from an int seed, a Random or a numpy Generator; the
    stdlib generator is an order of magnitude cheaper per call."""
    if isinstance(rng, random.Random):
        return rng
    if rng is None or isinstance(rng, int):
        return random.Random(rng or 0)
    return random.Random(int(rng.integers(0, 2**63 - 1)))


def describe_packets(packets, flows: Mapping[int, Mapping], fine: Sequence[str],
                     kgs: Sequence[MissionKG], rng=None,
                     paraphraser: Optional[Paraphraser] = None) -> List[str]:
    """One description per packet, in order. packets: list of row dicts or a
    dict of columns (docs/packet-table-format.md); flows: flow_id -> row of
    the flows CSV (docs/flows-format.md); fine: the packet's fine class."""
    rng = as_random(rng)
    paraphraser = paraphraser or default_paraphraser()
    rows = as_rows(packets)
    if len(rows) != len(fine):
        raise ValueError(f"{len(rows)} packets but {len(fine)} labels")
    facts: Dict[int, FlowFacts] = {}
    seen: Dict[int, int] = {}
    vocab = {c: class_vocabulary(c, kgs) for c in set(fine)}
    out = []
    for p, c in zip(rows, fine):
        fid = p["flow_id"]
        if fid is None or fid < 0:
            parts = [unflowed_sentence(p, rng)]
        else:
            if fid not in facts:
                if fid not in flows:
                    raise KeyError(f"packet {p['index']}: flow {fid} is not in the flows table")
                facts[fid] = flow_facts(flows[fid])
            seen[fid] = seen.get(fid, 0) + 1
            parts = [packet_sentence(p, facts[fid], seen[fid], rng), flow_sentence(facts[fid], rng)]
        parts.append(semantic_sentence(c, vocab[c], rng))
        # The semantic sentence first half the time: word order is a
        # paraphrase too, and the text encoder should not key on position.
        if rng.random() < 0.5:
            parts.insert(0, parts.pop())
        out.append(" ".join(parts))
    return paraphraser.paraphrase(out, rng)


@lru_cache(maxsize=None)
def default_paraphraser() -> Paraphraser:
    return OfflineParaphraser()


def paraphraser_from_args(llm_endpoint: Optional[str], llm_model: Optional[str],
                          api_key_env: str = "OPENAI_API_KEY") -> Paraphraser:
    """The paraphraser a command line asks for: the LLM only with --llm-endpoint."""
    if not llm_endpoint:
        return default_paraphraser()
    if not llm_model:
        raise ValueError("--llm-endpoint needs --llm-model")
    return OpenAIParaphraser(llm_endpoint, llm_model, api_key_env)


@lru_cache(maxsize=None)
def _default_kgs() -> tuple:
    return tuple(load_kgs(DEFAULT_KG_DIR))


def class_prompts(fine_class: str, kgs: Optional[Sequence[MissionKG]] = None) -> List[str]:
    """Natural prompts for one fine class, for zero-shot classification: its
    names, its coarse class and its KG's key concepts."""
    if fine_class not in CLASS_PHRASES:
        raise KeyError(f"unknown fine class {fine_class!r} (known: {list(CLASS_PHRASES)})")
    kgs = _default_kgs() if kgs is None else kgs
    names = CLASS_PHRASES[fine_class]
    kind = COARSE_PHRASES[FINE_TO_COARSE[fine_class]]
    keys = [w for w, weight in class_vocabulary(fine_class, kgs) if weight == 1.0][:4]
    return [
        f"network packets of {names[0]}",
        f"{names[1]}, {kind}",
        f"{names[2]} showing {', '.join(keys[:-1])} and {keys[-1]}",
        f"a flow that looks like {names[0]}: {' '.join(keys[:3])}",
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Print packet descriptions of one capture.")
    ap.add_argument("--packets", type=Path, required=True, help="packet table TSV (docs/packet-table-format.md)")
    ap.add_argument("--flows", type=Path, required=True, help="flows CSV (docs/flows-format.md)")
    ap.add_argument("--labels", type=Path, required=True, help="label manifest (docs/labels-format.md)")
    ap.add_argument("--kg", type=Path, default=DEFAULT_KG_DIR)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=10, help="descriptions to print (0: none)")
    ap.add_argument("--llm-endpoint", help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1")
    ap.add_argument("--llm-model")
    ap.add_argument("--llm-key-env", default="OPENAI_API_KEY")
    args = ap.parse_args(argv)
    packets = read_packet_table(args.packets)
    flows, fine = read_flows(args.flows), list(read_labels(args.labels))
    para = paraphraser_from_args(args.llm_endpoint, args.llm_model, args.llm_key_env)
    t = time.perf_counter()
    texts = describe_packets(packets, flows, fine, load_kgs(args.kg), args.seed, para)
    print(f"described {len(texts)} packets in {time.perf_counter() - t:.2f} s", file=sys.stderr)
    step = max(1, len(texts) // max(1, args.limit))
    for i in range(0, len(texts), step)[: args.limit]:
        print(f"[{i}] {fine[i]}: {texts[i]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
