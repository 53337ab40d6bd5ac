"""The one registry of task families, built-in ones and those of other packages alike.

A family is a `FamilySpec`: its name, its generator module, and the modules that define its tools and
graders (imported only when a tool or grader is looked up). Every family goes through `register`:
kgtasks's own (`BUILT_IN` below, so a source checkout works uninstalled), those of other packages,
found by their entry points in the group `kgtasks.families`,

    [project.entry-points."kgtasks.families"]
    mine = "my_package.family:SPEC"

and any added in-process (a notebook, a test). This module imports nothing from the project, so every
layer can use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

GROUP = "kgtasks.families"


@dataclass(frozen=True)
class FamilySpec:
    """What kgtasks needs to know of a family to generate, run and grade its tasks."""

    name: str
    """Family name, the first part of every task's `family` (`causal` in `causal.adjustment`)."""
    generator: str
    """Module with the family protocol (`generators.base`): FAMILY, KINDS, Config, generate, hooks."""
    tools: tuple[str, ...] = ()
    """Modules whose `@tool` functions the family's tasks offer."""
    graders: tuple[str, ...] = ()
    """Modules whose `@grader` functions grade the family's tasks."""


# The four graph families also offer the tool kind (generators.tool_kind): python tool, graders.tool_code.
CAUSAL = FamilySpec("causal", "generators.causal", ("tools.causal", "tools.python_tool"),
                    ("graders.causal", "graders.tool_code"))
LINEAGE = FamilySpec("lineage", "generators.lineage", ("tools.lineage", "tools.python_tool"),
                     ("graders.lineage", "graders.tool_code"))
GIT = FamilySpec("git", "generators.git_history", ("tools.git", "tools.python_tool"),
                 ("graders.git", "graders.tool_code"))
WIKIDATA = FamilySpec("wikidata", "generators.wikidata", ("tools.wikidata", "tools.python_tool"),
                      ("graders.wikidata", "graders.tool_code"))
PAPER_CODE = FamilySpec("paper_code", "generators.paper_code",
                        ("tools.git", "tools.lineage", "tools.paper_code"),
                        ("graders.git", "graders.paper_code"))
BUILT_IN = (CAUSAL, LINEAGE, GIT, WIKIDATA, PAPER_CODE)

_REGISTRY: dict[str, FamilySpec] = {}
_loaded = False


def register(spec: FamilySpec) -> FamilySpec:
    """Add a family; a second family of the same name is a ValueError quoting it."""
    if not isinstance(spec, FamilySpec):
        raise TypeError(f"a family must be a tasks.families.FamilySpec, got {type(spec).__name__}")
    if _REGISTRY.get(spec.name, spec) != spec:
        raise ValueError(f"duplicate family name {spec.name!r}")
    _REGISTRY[spec.name] = spec
    return spec


def families() -> dict[str, FamilySpec]:
    """Every registered family by name (the built-in ones and entry points are read on first use)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for spec in BUILT_IN:
            register(spec)
        for ep in entry_points(group=GROUP):
            spec = ep.load()
            if getattr(spec, "name", None) != ep.name:
                raise ValueError(f"entry point {ep.name!r} of {GROUP} names family "
                                 f"{getattr(spec, 'name', None)!r}; the two must agree")
            register(spec)
    return dict(_REGISTRY)


def family(name: str) -> FamilySpec:
    """The spec of a family (`causal`) or of a family.kind (`causal.adjustment`)."""
    known = families()
    base = name.split(".", 1)[0]
    if base not in known:
        raise KeyError(f"unknown family {base!r}; known: {', '.join(sorted(known))}")
    return known[base]


def tool_modules() -> list[str]:
    """Every module that defines tools, once each, in registration order."""
    return list(dict.fromkeys(m for spec in families().values() for m in spec.tools))


def grader_modules() -> list[str]:
    """Every module that defines graders, once each, in registration order."""
    return list(dict.fromkeys(m for spec in families().values() for m in spec.graders))
