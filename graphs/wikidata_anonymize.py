"""Pseudonyms for a Wikidata graph: every item's English label becomes a stable made-up name and its
aliases are dropped, so that memory of the real world cannot answer; the statements, dates,
coordinates, classes (the objects of P31) and properties keep their ids and labels.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import Literal

from graphs.wikidata import RDFS_LABEL, SKOS_ALT, WDT, Row, short

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "st", "th")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ei", "ou")


def pseudonym(entity: str, salt: str = "") -> str:
    """A pronounceable two-word name drawn from a hash of the id: the same id, the same name."""
    digest = hashlib.sha256(f"kgtasks-pseudonym:{salt}:{entity}".encode()).digest()
    words = []
    for start, syllables in ((0, 2), (8, 3)):
        word = "".join(_ONSETS[digest[start + 2 * i] % len(_ONSETS)] + _VOWELS[digest[start + 2 * i + 1] % len(_VOWELS)]
                       for i in range(syllables))
        words.append(word.capitalize())
    return " ".join(words)


def anonymize(rows: Iterable[Row]) -> list[Row]:
    """The rows with each non-class item's label replaced by a pseudonym (unique in the graph) and its
    aliases dropped."""
    rows = list(rows)
    classes = {short(r["o"]) for r in rows if str(r["p"]) == WDT + "P31"}
    hidden = sorted({short(r["s"]) for r in rows if str(r["p"]) == RDFS_LABEL
                     and short(r["s"]).startswith("Q") and short(r["s"]) not in classes})
    names: dict[str, str] = {}
    taken = {str(r["o"]).casefold() for r in rows if str(r["p"]) == RDFS_LABEL and short(r["s"]) not in hidden}
    for entity in hidden:  # sorted, so that a collision is resolved the same way every time
        salt = 0
        while (name := pseudonym(entity, str(salt) if salt else "")).casefold() in taken:
            salt += 1
        taken.add(name.casefold())
        names[entity] = name
    out = []
    for r in rows:
        s, p = short(r["s"]), str(r["p"])
        if s in names and p == SKOS_ALT:
            continue
        out.append({**r, "o": Literal(names[s], lang="en")} if s in names and p == RDFS_LABEL else r)
    return out
