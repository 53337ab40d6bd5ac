"""Task generators, one module per family; each is a CLI: `python -m generators.<module>`.

Families are listed once here and imported lazily, so `--help` never pays for dowhy or pygit2.
"""
from __future__ import annotations

import importlib
from types import ModuleType

FAMILIES: dict[str, str] = {
    "causal": "generators.causal",
    "lineage": "generators.lineage",
    "git": "generators.git_history",
    "wikidata": "generators.wikidata",
}


def load_family(name: str) -> ModuleType:
    """The generator module of a family (`causal`) or of a family.kind (`causal.adjustment`)."""
    family = name.split(".", 1)[0]
    if family not in FAMILIES:
        raise KeyError(f"unknown family {family!r}; known: {', '.join(sorted(FAMILIES))}")
    return importlib.import_module(FAMILIES[family])
