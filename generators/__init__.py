"""Task generators, one module per family; each is a CLI: `python -m generators.<module>`.

Families are registered once, in `tasks.families` (entry points), and their modules imported lazily,
so `--help` never pays for dowhy or pygit2.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from tasks.families import families, family


def family_names() -> list[str]:
    """The names of every registered family, sorted."""
    return sorted(families())


def load_family(name: str) -> ModuleType:
    """The generator module of a family (`causal`) or of a family.kind (`causal.adjustment`)."""
    return importlib.import_module(family(name).generator)
