"""Mission knowledge graphs (paper section III-A, eq. (1)): generation, files
and loader. Spec of the files: docs/kg-format.md.

    /usr/bin/python3 tools/train/kg.py --out models/kg          # regenerate
    /usr/bin/python3 tools/train/kg.py --out models/kg --check  # verify committed files

The paper asks an LLM twice. No LLM is reachable when the model is built, and
the graphs must be reproducible, so both prompts have offline stand-ins:

1. "List V typical vocabularies to represent [event name]? Note: Everything
   should be a single word." -> KEY_CONCEPTS, a curated list per mission. Each
   key is pinned to the WordNet sense(s) meant (flood = "an overwhelming number
   or amount", not the river), because the expansion walks from those senses.
2. "What are associated words with vocabularies in set K?" -> WordNet
   relations of each concept's sense: synonyms, derivations, hypernyms,
   hyponyms, similar-to, attributes, domains. Candidates are ranked by a
   deterministic relevance score (relation weight, networking vocabulary in
   the candidate's gloss, a curated allow/deny list) and the best
   PER_CONCEPT[i] new single words become level i+2, with an edge from the
   concept that produced them. A word found through a synset carries that
   synset along, so level 3 expands the sense level 2 was reached in.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from model import MissionKG
from wordnet import Synset, WordNet, default as default_wordnet

FORMAT = "packetclip-kg"
VERSION = 1

# Mission name -> file name; the order is the model's mission order (the
# attack classes of Dims.classes).
MISSION_FILES = {"DoS": "dos.json", "Reconnaissance": "reconnaissance.json",
                 "Brute Force": "brute_force.json"}

# Stand-in for the first prompt. word -> WordNet senses ("lemma.pos.N") meant.
# "login" is not a WordNet lemma; its sense is the verb "log in".
KEY_CONCEPTS: Dict[str, List[Tuple[str, Tuple[str, ...]]]] = {
    "DoS": [
        ("flood", ("flood.n.2", "flood.v.1")),
        ("overload", ("overload.n.2", "overload.v.2")),
        ("exhaustion", ("exhaustion.n.3",)),
        ("disruption", ("disruption.n.1",)),
        ("outage", ("outage.n.2",)),
        ("congestion", ("congestion.n.2",)),
        ("unavailability", ("unavailability.n.1",)),
        ("overwhelm", ("overwhelm.v.4",)),
    ],
    "Reconnaissance": [
        ("scan", ("scan.n.1", "scan.v.3")),
        ("probe", ("probe.n.3", "probe.v.1")),
        ("fingerprint", ("fingerprint.n.2",)),
        ("enumeration", ("enumeration.n.2",)),
        ("discovery", ("discovery.n.1",)),
        ("reconnaissance", ("reconnaissance.n.1",)),
    ],
    "Brute Force": [
        ("password", ("password.n.1",)),
        ("login", ("log_in.v.1",)),
        ("guess", ("guess.n.2", "guess.v.4")),
        ("dictionary", ("dictionary.n.1",)),
        ("credential", ("credential.n.1",)),
        ("authentication", ("authentication.n.2",)),
        ("attempt", ("attempt.n.1",)),
    ],
}

# Stand-in for the second prompt: N = len(PER_CONCEPT) expansions; a concept
# of level i contributes at most PER_CONCEPT[i-1] new words. Fewer at the
# deeper level keeps each graph small (the model's cost grows with nodes).
PER_CONCEPT = (2, 1)

# WordNet pointer symbol -> (relation name, weight). Synonyms and derivations
# say the same thing in other words; hypernyms generalise; hyponyms are often
# too specific; domains and "also see" are the loosest.
RELATIONS = {
    "": ("synonym", 3.0),
    "+": ("derivation", 2.5),
    "&": ("similar", 2.5),
    "@": ("hypernym", 2.0),
    "=": ("attribute", 2.0),
    "~": ("hyponym", 1.5),
    "^": ("also-see", 1.0),
    ";c": ("domain", 1.0),
}

# Words in a candidate's gloss that make it relevant to network traffic.
NETWORK_TERMS = frozenset("""
    computer network data information message request traffic system program
    access security secret password user attack excessive excess capacity load
    overwhelming operation function service signal transmission search examine
    examination inquiry investigation identify identifying count list enter
    entry permission authority validate authenticity verification attempt try
    effort failure fail rate crowding overflow continuity
""".split())

# Curated associations an analyst would give for each mission: a bonus, so
# they win over equally-related but everyday words.
ALLOW = {
    "DoS": frozenset("""
        deluge torrent overflow inundate overburden clog surcharge depletion
        interruption stoppage blockage jam overcrowding capacity throughput
        server host failure breakdown malfunction crowding inaccessibility overpower
    """.split()),
    "Reconnaissance": frozenset("""
        examination exploration inspection investigation reconnoiter scout
        identification numbering listing count detection uncovering sweep
        investigate search profiling intelligence
    """.split()),
    "Brute Force": frozenset("""
        watchword countersign certificate certification validation
        conjecture estimate surmise lexicon vocabulary secret validate access
        wordbook
    """.split()),
}
ALLOW_BONUS = 3.0

# Associations of level-2 concepts scoring below this are dropped rather than
# used to fill the quota: such a concept stays a leaf. A key concept always
# gets its best association as its first child, since a key without a child would be a dead
# end in the GNN (only non-key concepts feed the encoding node).
MIN_SCORE = 3.0

# WordNet associations that are correct English but mislead here.
DENY = frozenset("""
    whiskey blood chroma vividness intensity hallmark parole word
    fatigue weariness tiredness surgeon arcanum papers lexical authenticator
    mickle muckle passel hatful situation idea gazetteer nosecount espial
    scalage
""".split())

WORD = re.compile(r"[a-z]{3,}")


@dataclass(frozen=True)
class Candidate:
    word: str
    score: float
    relation: str
    synset: Synset


def relevance(s: Synset) -> int:
    """How many networking terms the synset's gloss and words use (capped,
    so one verbose gloss cannot dominate)."""
    tokens = set(re.findall(r"[a-z]+", s.gloss.lower())) | set(s.lemma_names())
    return min(3, len(tokens & NETWORK_TERMS))


def vagueness(word: str, wn: WordNet) -> float:
    """Penalty for polysemous words ("see", "act", "shot" have dozens of
    senses): in a graph they would carry no specific meaning."""
    return 0.25 * min(12, len(wn.synsets(word)))


def neighbours(s: Synset, word: str) -> Iterable[Tuple[str, str, float, Synset]]:
    """(lemma, relation, weight, synset it belongs to) around one sense."""
    for symbol, (rel, weight) in RELATIONS.items():
        pairs = [(w, s) for w in s.lemma_names()] if symbol == "" else s.links(symbol, word)
        yield from ((w, rel, weight, t) for w, t in pairs)


def overlaps(word: str, used: Iterable[str]) -> bool:
    """Same word or the same stem: one is a prefix of the other (scan/scanner),
    or they differ only in the last few letters (validate/validation,
    endeavor/endeavour). Such pairs would add a node with no new meaning."""
    for u in used:
        short = min(len(word), len(u))
        common = next((i for i, (x, y) in enumerate(zip(word, u)) if x != y), short)
        if word == u or (common == short and short >= 4) or common >= max(5, short - 3):
            return True
    return False


def candidates(word: str, senses: Sequence[Synset], used: Iterable[str],
               allow: frozenset, min_score: float) -> List[Candidate]:
    """Associated single words of `word` scoring at least min_score, best
    first, ties broken by the word."""
    used = list(used)
    best: Dict[str, Candidate] = {}
    for s in senses:
        for w, rel, weight, t in neighbours(s, word):
            if not WORD.fullmatch(w) or w in DENY or overlaps(w, used):
                continue
            score = weight + relevance(t) + (ALLOW_BONUS if w in allow else 0.0) - vagueness(w, s.wn)
            if score >= min_score and (w not in best or score > best[w].score):
                best[w] = Candidate(w, score, rel, t)
    return sorted(best.values(), key=lambda c: (-c.score, c.word))


@dataclass
class Node:
    name: str
    level: int
    senses: Tuple[Synset, ...]
    origin: str


def generate(mission: str, wn: WordNet) -> Tuple[List[Node], List[Tuple[int, int]]]:
    nodes = [Node(w, 1, tuple(wn.sense(s) for s in senses), "key")
             for w, senses in KEY_CONCEPTS[mission]]
    edges: List[Tuple[int, int]] = []
    for level, k in enumerate(PER_CONCEPT, start=1):
        for i in [i for i, n in enumerate(nodes) if n.level == level]:
            for j in range(k):
                # One at a time: a pick must not overlap the previous pick either.
                floor = -math.inf if level == 1 and j == 0 else MIN_SCORE
                found = candidates(nodes[i].name, nodes[i].senses, [n.name for n in nodes],
                                   ALLOW[mission], floor)
                if not found:
                    break
                c = found[0]
                edges.append((i, len(nodes)))
                nodes.append(Node(c.word, level + 1, (c.synset,),
                                  f"{c.relation} of {nodes[i].name} ({c.synset.name})"))
    childless = [nodes[i].name for i in range(len(nodes)) if nodes[i].level == 1
                 and not any(src == i for src, _ in edges)]
    if childless:
        raise ValueError(f"{mission}: key concepts {childless} have no WordNet association; "
                         f"pick other senses or keys in KEY_CONCEPTS")
    return nodes, edges


def to_json(mission: str, nodes: List[Node], edges: List[Tuple[int, int]]) -> str:
    """The file text: one concept per line, so a regenerated graph diffs well."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "mission": mission,
        "generator": {
            "tool": "tools/train/kg.py",
            "key_concepts": "curated (stand-in for the key-concept LLM prompt)",
            "expansion": "WordNet 3.0 relations (stand-in for the association LLM prompt)",
            "expansions": len(PER_CONCEPT),
            "per_concept": list(PER_CONCEPT),
        },
    }
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    concepts = [json.dumps({"name": n.name, "level": n.level, "origin": n.origin}) for n in nodes]
    lines.append('  "concepts": [\n    ' + ",\n    ".join(concepts) + "\n  ],")
    lines.append(f'  "edges": {json.dumps([list(e) for e in edges])}')
    return "{\n" + "\n".join(lines) + "\n}\n"


def generate_all(wn: WordNet) -> Dict[str, str]:
    """File name -> file text, for every mission."""
    return {f: to_json(m, *generate(m, wn)) for m, f in MISSION_FILES.items()}


class KGFormatError(ValueError):
    pass


def parse_kg(text: str, where: str) -> MissionKG:
    """Validate one KG file's text (docs/kg-format.md); `where` names it in errors."""
    def fail(field: str, why: str) -> KGFormatError:
        return KGFormatError(f"{where}: {field}: {why}")

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise fail("(file)", f"not JSON ({e})") from None
    if not isinstance(doc, dict):
        raise fail("(file)", "not a JSON object")
    if doc.get("format") != FORMAT:
        raise fail("format", f"expected {FORMAT!r}, got {doc.get('format')!r}")
    if doc.get("version") != VERSION:
        raise fail("version", f"version {doc.get('version')!r} not supported (this reader knows {VERSION})")
    mission = doc.get("mission")
    if not isinstance(mission, str) or not mission:
        raise fail("mission", "must be a non-empty string")
    concepts = doc.get("concepts")
    if not isinstance(concepts, list) or not concepts:
        raise fail("concepts", "must be a non-empty array")
    names, levels = [], []
    for i, c in enumerate(concepts):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"].strip():
            raise fail(f"concepts[{i}].name", "must be a non-empty string")
        lv = c.get("level")
        if not isinstance(lv, int) or isinstance(lv, bool) or lv < 1:
            raise fail(f"concepts[{i}].level", f"must be an integer >= 1, got {lv!r}")
        if c["name"] in names:
            raise fail(f"concepts[{i}].name", f"duplicate concept {c['name']!r}")
        names.append(c["name"])
        levels.append(lv)
    if 1 not in levels:
        raise fail("concepts", "no key concept (level 1)")
    edges = doc.get("edges")
    if not isinstance(edges, list):
        raise fail("edges", "must be an array of [src, dst] pairs")
    pairs: List[Tuple[int, int]] = []
    for j, e in enumerate(edges):
        ok = (isinstance(e, list) and len(e) == 2
              and all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < len(names) for x in e))
        if not ok:
            raise fail(f"edges[{j}]", f"must be [src, dst] concept indices in 0..{len(names) - 1}, got {e!r}")
        src, dst = e
        if levels[dst] != levels[src] + 1:
            raise fail(f"edges[{j}]", f"goes from level {levels[src]} to level {levels[dst]}; edges must go from level k to k+1")
        if (src, dst) in pairs:
            raise fail(f"edges[{j}]", f"duplicate edge {e!r}")
        pairs.append((src, dst))
    # Level k -> k+1 edges make the graph a DAG; the remaining invariant is
    # that every non-key concept is reached, so the sensor's messages get there.
    has_parent = {d for _, d in pairs}
    for i, lv in enumerate(levels):
        if lv > 1 and i not in has_parent:
            raise fail(f"concepts[{i}]", f"{names[i]!r} has level {lv} but no parent edge")
    return MissionKG(mission, names, levels, pairs)


def load_kgs(directory) -> List[MissionKG]:
    """The mission KGs in model order (DoS, Reconnaissance, Brute Force)."""
    out = []
    for mission, fname in MISSION_FILES.items():
        path = Path(directory) / fname
        if not path.is_file():
            raise FileNotFoundError(f"{path}: knowledge graph of mission {mission!r} is missing "
                                    f"(regenerate: /usr/bin/python3 tools/train/kg.py --out {directory})")
        kg = parse_kg(path.read_text(encoding="utf-8"), str(path))
        if kg.name != mission:
            raise KGFormatError(f"{path}: mission: expected {mission!r}, got {kg.name!r}")
        out.append(kg)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("models/kg"))
    ap.add_argument("--check", action="store_true",
                    help="regenerate in memory; fail if the files in --out differ")
    args = ap.parse_args(argv)
    files = generate_all(default_wordnet())
    for name, text in files.items():
        parse_kg(text, name)  # the generator must satisfy its own spec
    if args.check:
        stale = [n for n, t in files.items()
                 if not (args.out / n).is_file() or (args.out / n).read_text(encoding="utf-8") != t]
        if stale:
            print(f"kg: {', '.join(str(args.out / n) for n in stale)} differ from the generator; "
                  f"run: /usr/bin/python3 tools/train/kg.py --out {args.out}", file=sys.stderr)
            return 1
        print(f"kg: {len(files)} files in {args.out} are up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    for kg in load_kgs(args.out):
        print(f"{kg.name}: {len(kg.concepts)} concepts, {len(kg.edges)} edges, {kg.n_nodes} nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
