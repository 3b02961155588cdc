"""A small reader of the WordNet 3.0 database files (Debian package `wordnet`,
installed under /usr/share/wordnet), for the offline stand-ins of the paper's
LLM steps: knowledge-graph expansion (kg.py) and paraphrasing (describe.py).

The format is WordNet's own (wndb(5WN)): `index.<pos>` files are sorted one
lemma a line, so a lemma is found by binary search; each index line lists the
byte offsets of its synsets in `data.<pos>`, so a synset is one seek and one
line read. Nothing is loaded up front, which keeps start-up instant.

    wn = WordNet()
    for s in wn.synsets("flood", "n"):
        print(s.lemma_names(), s.gloss, [h.lemma_names() for h in s.related("@")])

Pointer symbols (data line, wninput(5WN)): `!` antonym, `@` hypernym,
`@i` instance hypernym, `~` hyponym, `~i` instance hyponym, `#m #s #p` member/
substance/part holonym, `%m %s %p` member/substance/part meronym, `=`
attribute, `+` derivationally related form, `;c ;r ;u` domain of synset
(topic/region/usage), `-c -r -u` member of that domain, `*` entailment, `>`
cause, `^` also see, `$` verb group, `&` similar to, `<` participle of verb,
`\\` pertainym / derived from adjective.
"""
from __future__ import annotations

import mmap
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

DEFAULT_ROOT = Path("/usr/share/wordnet")

POS_FILE = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
# Search order when no part of speech is given: nouns first, because concept
# words in a knowledge graph are mostly things and events.
ALL_POS = ("n", "v", "a", "r")

# Morphy's detachment rules (morph(7WN)): suffix -> replacement, per pos.
DETACH = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"),
          ("shes", "sh"), ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"),
          ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


class WordNetMissing(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Pointer:
    symbol: str
    offset: int
    pos: str
    source: int   # 1-based word number in the source synset, 0 = whole synset
    target: int   # 1-based word number in the target synset, 0 = whole synset


@dataclass(frozen=True)
class Synset:
    offset: int
    pos: str                      # n, v, a, s (satellite adjective) or r
    lex_filenum: int
    words: Tuple[str, ...]        # as written in the database (underscores, case)
    pointers: Tuple[Pointer, ...]
    gloss: str
    wn: "WordNet" = field(repr=False, compare=False, hash=False)

    def lemma_names(self) -> List[str]:
        """Words of the synset, lowercase, spaces for underscores."""
        return [w.replace("_", " ").lower() for w in self.words]

    def related(self, symbol: str) -> List["Synset"]:
        """Synsets reached by pointers with exactly this symbol (e.g. "@")."""
        return [self.wn.synset(p.offset, p.pos) for p in self.pointers if p.symbol == symbol]

    def links(self, symbol: str, word: Optional[str] = None) -> List[Tuple[str, "Synset"]]:
        """(lemma name, its synset) reached by `symbol`. A lexical pointer (one
        between two particular words, as derivations are) gives only its
        target word, and only when its source is `word` (if given)."""
        out: List[Tuple[str, Synset]] = []
        names = self.lemma_names()
        for p in self.pointers:
            if p.symbol != symbol or (word is not None and p.source and names[p.source - 1] != word):
                continue
            t = self.wn.synset(p.offset, p.pos)
            tgt = t.lemma_names()
            out.extend((w, t) for w in ([tgt[p.target - 1]] if p.target else tgt))
        return out

    @property
    def name(self) -> str:
        return f"{self.lemma_names()[0]}.{self.pos}.{self.offset:08d}"


class WordNet:
    def __init__(self, root: os.PathLike = DEFAULT_ROOT):
        self.root = Path(root)
        missing = [f for f in ("index.noun", "data.noun", "index.verb", "data.verb",
                               "index.adj", "data.adj", "index.adv", "data.adv")
                   if not (self.root / f).is_file()]
        if missing:
            raise WordNetMissing(
                f"WordNet 3.0 database not found: {self.root / missing[0]} is missing "
                f"(install it with: apt-get install -y wordnet)")
        self._maps: Dict[str, mmap.mmap] = {}
        self._exc = {pos: self._read_exc(pos) for pos in ALL_POS}

    def _map(self, name: str) -> mmap.mmap:
        if name not in self._maps:
            with open(self.root / name, "rb") as f:
                self._maps[name] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return self._maps[name]

    def _read_exc(self, pos: str) -> Dict[str, List[str]]:
        path = self.root / f"{POS_FILE[pos]}.exc"
        out: Dict[str, List[str]] = {}
        if path.is_file():
            for line in path.read_text(encoding="latin-1").splitlines():
                parts = line.split()
                if len(parts) >= 2:
                    out.setdefault(parts[0], []).extend(parts[1:])
        return out

    def _index_line(self, lemma: str, pos: str) -> Optional[str]:
        """Binary search of the sorted index file; the license header lines
        start with two spaces, which sort before every lemma."""
        m = self._map(f"index.{POS_FILE[pos]}")
        key = lemma.encode("latin-1", "replace") + b" "
        lo, hi = 0, len(m)
        while lo < hi:
            mid = (lo + hi) // 2
            start = m.rfind(b"\n", 0, mid) + 1
            end = m.find(b"\n", start)
            end = len(m) if end < 0 else end
            line = m[start:end]
            if line.startswith(key):
                return line.decode("latin-1")
            if line[:len(key)] < key:
                lo = end + 1
            else:
                hi = start
        return None

    @lru_cache(maxsize=None)
    def _offsets(self, lemma: str, pos: str) -> Tuple[int, ...]:
        line = self._index_line(lemma, pos)
        if line is None:
            return ()
        f = line.split()
        n_synsets, n_ptr = int(f[2]), int(f[3])
        return tuple(int(o) for o in f[4 + n_ptr + 2: 4 + n_ptr + 2 + n_synsets])

    def morphy(self, word: str, pos: str) -> List[str]:
        """Base forms of `word` that are in the index (exceptions, then the
        detachment rules), the word itself first when it is a lemma."""
        w = word.strip().lower().replace(" ", "_")
        cands = [w] + self._exc[pos].get(w, [])
        cands += [w[: -len(suf)] + rep for suf, rep in DETACH[pos] if w.endswith(suf) and len(w) > len(suf)]
        seen: List[str] = []
        for c in cands:
            if c not in seen and self._offsets(c, pos):
                seen.append(c)
        return seen

    def synsets(self, word: str, pos: Optional[str] = None) -> List[Synset]:
        """Synsets of `word` (any inflected form), most frequent sense first
        within each part of speech; nouns, verbs, adjectives, adverbs."""
        out: List[Synset] = []
        for p in ([pos] if pos else ALL_POS):
            p = "a" if p == "s" else p
            for lemma in self.morphy(word, p):
                for off in self._offsets(lemma, p):
                    s = self.synset(off, p)
                    if s not in out:
                        out.append(s)
        return out

    def sense(self, name: str) -> Synset:
        """The synset named "lemma.pos.N": the N-th sense (1-based, most
        frequent first) of lemma as that part of speech, e.g. "flood.n.2";
        underscores stand for spaces ("log_in.v.1")."""
        lemma, pos, n = name.rsplit(".", 2)
        found = self.synsets(lemma, pos)
        if not 1 <= int(n) <= len(found):
            raise KeyError(f"WordNet has no sense {name} ({len(found)} senses of {lemma!r} as {pos})")
        return found[int(n) - 1]

    @lru_cache(maxsize=None)
    def synset(self, offset: int, pos: str) -> Synset:
        m = self._map(f"data.{POS_FILE[pos]}")
        end = m.find(b"\n", offset)
        line = m[offset:end].decode("latin-1")
        if not line.startswith(f"{offset:08d} "):
            raise ValueError(f"{self.root / ('data.' + POS_FILE[pos])}: no synset at byte offset {offset}")
        return self._parse(line)

    def _parse(self, line: str) -> Synset:
        data, _, gloss = line.partition("|")
        f = data.split()
        offset, lex, ss_type, w_cnt = int(f[0]), int(f[1]), f[2], int(f[3], 16)
        # Adjective words may carry a syntactic marker such as "(p)".
        words = tuple(f[4 + 2 * i].split("(")[0] for i in range(w_cnt))
        i = 4 + 2 * w_cnt
        p_cnt = int(f[i])
        ptrs = []
        for j in range(p_cnt):
            sym, off, pos, st = f[i + 1 + 4 * j: i + 5 + 4 * j]
            ptrs.append(Pointer(sym, int(off), pos, int(st[:2], 16), int(st[2:], 16)))
        return Synset(offset, ss_type, lex, words, tuple(ptrs), gloss.strip(), self)


@lru_cache(maxsize=None)
def default() -> WordNet:
    """The shared reader over the system database."""
    return WordNet()
