"""Pseudonyms for a Wikidata graph: every item gets a stable made-up id and English name (its aliases are
dropped), so that memory of the real world cannot answer, neither by name nor by a famous id such as
Q937; the statements' shape, dates, coordinates and quantities stay, and so do the classes (the objects
of P31, e.g. Q5 human) and properties, ids and names, which the questions need.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import Literal, URIRef

from graphs.wikidata import RDFS_LABEL, SKOS_ALT, WD, WDT, Row, short

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "st", "th")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ei", "ou")
# Made-up ids start above every id Wikidata has given (about Q135 000 000 in 2026), so none is a real item's
PSEUDO_ID_BASE = 900_000_000
PSEUDO_ID_SPAN = 99_000_000


def _digest(kind: str, entity: str, salt: str) -> bytes:
    return hashlib.sha256(f"kgtasks-{kind}:{salt}:{entity}".encode()).digest()


def pseudonym(entity: str, salt: str = "") -> str:
    """A pronounceable two-word name drawn from a hash of the id: the same id, the same name."""
    digest = _digest("pseudonym", entity, salt)
    words = []
    for start, syllables in ((0, 2), (8, 3)):
        word = "".join(_ONSETS[digest[start + 2 * i] % len(_ONSETS)] + _VOWELS[digest[start + 2 * i + 1] % len(_VOWELS)]
                       for i in range(syllables))
        words.append(word.capitalize())
    return " ".join(words)


def pseudo_id(entity: str, salt: str = "") -> str:
    """A made-up item id (Q9xxxxxxxx) drawn from a hash of the real one: the same id, the same pseudonym."""
    number = int.from_bytes(_digest("pseudo-id", entity, salt)[:8], "big") % PSEUDO_ID_SPAN
    return f"Q{PSEUDO_ID_BASE + number}"


def _hidden_items(rows: list[Row]) -> list[str]:
    """Every item the rows name (as subject or object) but the classes: sorted, the ones to rename."""
    classes = {short(r["o"]) for r in rows if str(r["p"]) == WDT + "P31"}
    items = {short(t) for r in rows for t in (r["s"], r["o"])
             if isinstance(t, URIRef) and str(t).startswith(WD + "Q")}
    return sorted(items - classes)


def _unique(entities: list[str], make, taken: set[str]) -> dict[str, str]:
    """entity -> make(entity, salt), the salt raised until the value is not taken (sorted input: the same
    collisions are resolved the same way every time)."""
    out = {}
    for entity in entities:
        salt = 0
        while (value := make(entity, str(salt) if salt else "")).casefold() in taken:
            salt += 1
        taken.add(value.casefold())
        out[entity] = value
    return out


def pseudonyms(rows: Iterable[Row]) -> dict[str, tuple[str, str]]:
    """Real item id -> (made-up id, made-up name), for every item of the rows but the classes."""
    rows = list(rows)
    hidden = _hidden_items(rows)
    ids = _unique(hidden, pseudo_id, set())  # made-up ids lie above every real one: only each other to avoid
    taken = {str(r["o"]).casefold() for r in rows if str(r["p"]) == RDFS_LABEL and short(r["s"]) not in ids}
    names = _unique(hidden, pseudonym, taken)
    return {e: (ids[e], names[e]) for e in hidden}


def anonymize(rows: Iterable[Row]) -> list[Row]:
    """The rows with each non-class item's id and label replaced by its pseudonyms and its aliases dropped."""
    rows = list(rows)
    mapping = pseudonyms(rows)
    ids = {URIRef(WD + real): URIRef(WD + fake) for real, (fake, _) in mapping.items()}
    out = []
    for r in rows:
        s, p = short(r["s"]), str(r["p"])
        if s in mapping and p == SKOS_ALT:
            continue
        o = Literal(mapping[s][1], lang="en") if s in mapping and p == RDFS_LABEL else ids.get(r["o"], r["o"])
        out.append({**r, "s": ids.get(r["s"], r["s"]), "o": o})
    return out
