"""A long generated history for the bisect kind: hundreds of commits on one line, too many to test or
read one by one within a task's budget.

`build(path, key, length)` writes, with pygit2 alone and deterministically, a repository whose main
holds `length` commits after its root. Its code is the embedded repository's advantage estimates
(`synth_repo._advantages`, td_errors through a one-step helper in agent/steps.py) and their test file;
each function breaks once, at a random commit, and stays broken (td_errors through its helper); for a
while the discount arguments are keyword-only (two tests fail with TypeError); several short runs of
commits leave a module that does not compile (no test can run there); a commit claims to fix gae but
only reformats it; about two fifths of the commits edit the code harmlessly (a comment, renamed locals,
functions reordered), among them, after each break, a renaming of every local of the broken function
that keeps the bug; the other commits edit docs, notes and settings. Subjects are vague wherever a
specific one would give a break, a broken build or a harmless edit away. So the test asked about has
one first bad commit, with untestable commits and other failures (other tests, the same test with
another error) around it, and neither the commits touching its function's file nor blame at the tip
point to it.
"""
from __future__ import annotations

import os
import random
import re

import pygit2
from pygit2.enums import FileMode

from graphs import git as G
from graphs import synth_repo

SLIPS = {"disc": "tidy", "td": "slip", "gae": "fast", "norm": "sample", "ev": "slip"}
# Modules started in one commit with an unclosed bracket (the build breaks) and finished a few later.
_WIP = ("vector", "report", "batching", "buffers", "schedule", "plots", "logger", "seeding", "metrics",
        "tracing", "export", "sweeps")
_VAGUE = ("Tidy up", "Refactor", "Small fixes", "Clean up", "Simplify", "Update", "Minor changes",
          "Polish", "Rework loops", "Follow-ups", "Address review comments", "Cleanups")
_DOCS = ("docs/notes.md", "docs/changelog.md", "settings.toml", "docs/roadmap.md")
MODULE = "agent/advantages.py"  # the functions the tests import
HELPER = "agent/steps.py"  # td_errors' one-step helper: td's break lands there
_HELPER = {"right": "    return reward + gamma * next_value - value",
           "slip": "    return reward + gamma * value - next_value"}
_TD_BODY = "    return [one_step(r, values[t], values[t + 1], gamma) for t, r in enumerate(rewards)]"
# The locals of each function (the helper's arguments too: it is called positionally) and the names a
# harmless commit may give them. A renaming gives every local a new name, so that every line using one
# changes: each broken line uses one, and blame at the tip of a break renamed later names the renaming.
_LOCALS = {"discounted_returns": {"out": ("result", "rets"), "total": ("acc", "running"),
                                  "reward": ("r", "rew")},
           "td_errors": {"t": ("i", "k"), "r": ("rew", "x")},
           "gae": {"out": ("result", "advs"), "total": ("acc", "running"), "t": ("i", "k"),
                   "delta": ("err", "td")},
           "normalize": {"mean": ("mu", "avg"), "std": ("sigma", "scale")},
           "explained_variance": {"d": ("diff", "resid")},
           "one_step": {"reward": ("r", "rew"), "value": ("v", "v_now"), "next_value": ("v_next", "nxt"),
                        "gamma": ("g", "discount")}}
TARGETS = {"disc": "discounted_returns", "td": "one_step", "gae": "gae", "norm": "normalize",
           "ev": "explained_variance"}  # where each break lands
_NOTES = ("keep this allocation-free", "see docs/notes.md", "called once per batch",
          "checked against the reference implementation", "kept simple on purpose", "TODO: vectorize",
          "floats only", "mirrors the paper's notation")


def _wip(name: str, done: bool) -> bytes:
    if not done:
        return f'"""Work in progress: {name}."""\nPARTS = ({name!r},\n'.encode()
    return (f'"""Helpers for {name}."""\nfrom agent.advantages import normalize\n\n\n'
            f"def {name}_scores(xs):\n    return normalize(xs)\n").encode()


def _plan(rng: random.Random, length: int) -> list[tuple[str, dict]]:
    """(subject, change) for commits 1..length: a change sets advantage versions, starts or finishes a
    module, or appends a line to a doc."""
    free = list(range(1, length + 1))
    rng.shuffle(free)
    events: dict[int, tuple[str, dict]] = {}

    def take(low: float, high: float) -> int:
        pos = next(p for p in free if low * length <= p <= high * length and p not in events)
        free.remove(pos)
        return pos

    def harmless(after: int, target: str, how: str) -> None:
        """A harmless edit of `target` at a free commit after `after`, if one is left."""
        if any(p > after for p in free):
            events[take((after + 1) / length, 1.0)] = (rng.choice(_VAGUE), {"cosmetic": (target, how)})

    kw_start = take(0.05, 0.35)
    kw_end = min(length, kw_start + rng.randint(6, 20))
    events[kw_start] = ("Make the discount arguments keyword-only", {"keyword_only": True})
    if kw_end not in events:
        events[kw_end] = ("Accept the discount arguments positionally again", {"keyword_only": False})
    slips = {}
    for name, version in SLIPS.items():
        slips[name] = take(0.15, 0.95)
        events[slips[name]] = (rng.choice(_VAGUE), {name: version})
    events[take(0.1, 0.9)] = ("Rename helpers", {"renamed": True})
    events[take(0.1, 0.9)] = ("Fix gae's discount", {"gae_reformatted": True})  # only reformats gae
    for k in range(max(3, length // 15)):  # about a sixth of the commits cannot be tested
        name = f"{_WIP[k % len(_WIP)]}{k // len(_WIP) or ''}"
        start = take(0.02, 0.97)
        end = start + rng.randint(1, 4)
        if end <= length and end not in events:
            events[start] = (rng.choice(_VAGUE), {"wip": (name, False)})
            events[end] = (rng.choice(_VAGUE), {"wip": (name, True)})
    for name in sorted(slips):  # twice after each break, its lines renamed with the bug kept
        for _ in range(2):
            harmless(slips[name], TARGETS[name], "rename")
    for _ in range(length * 2 // 5 - 10):  # and about two fifths of the commits edit code harmlessly
        harmless(0, rng.choice(sorted(_LOCALS)), rng.choice(("rename", "rename", "note", "order")))
    for pos in range(1, length + 1):
        if pos not in events:
            doc = rng.choice(_DOCS)
            events[pos] = (rng.choice(_VAGUE) if rng.random() < 0.5 else f"Update {doc}",
                           {"doc": (doc, f"- note {pos}: {rng.choice(_VAGUE).lower()}\n")})
    return [events[p] for p in range(1, length + 1)]


def _styled(block: str, name: str, state: dict) -> str:
    """A function's block with its locals under their current names and its current comment."""
    lines = block.split("\n")
    head = 2 if len(lines) > 2 and lines[1].startswith('    """') else 1  # the def line and the docstring
    names = state["names"].get(name, {})
    if names:
        # The docstring is kept, and so is a function's def line (the helper is called positionally).
        keep = {0, head - 1} if name != "one_step" else {head - 1} - {0}
        pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b")
        lines = [line if k in keep else pattern.sub(lambda m: names[m.group(1)], line)
                 for k, line in enumerate(lines)]
    note = state["notes"].get(name)
    return "\n".join(lines[:head] + ([f"    # {note}"] if note else []) + lines[head:])


def _advantages_text(state: dict) -> str:
    gae = "reformatted" if state["gae"] == "right" and state["gae_reformatted"] else state["gae"]
    versions = {k: state[k] for k in ("disc", "norm", "ev")}
    blocks = synth_repo._advantages(gae=gae, keyword_only=state["keyword_only"], renamed=state["renamed"],
                                    **versions)
    blocks[""] += f"\nfrom {HELPER[:-3].replace('/', '.')} import one_step"
    blocks["td_errors"] = blocks["td_errors"].rsplit("\n", 1)[0] + "\n" + _TD_BODY
    functions = {n: _styled(b, n, state) for n, b in blocks.items() if n}
    return synth_repo.render({"": blocks[""], **{n: functions[n] for n in state["order"]}}).decode()


def _helper_text(state: dict) -> str:
    block = ("def one_step(reward, value, next_value, gamma):\n"
             '    """The TD error of one transition."""\n' + _HELPER[state["td"]])
    return synth_repo.render({"": '"""One-step quantities of a transition."""',
                              "one_step": _styled(block, "one_step", state)}).decode()


def _restyle(rng: random.Random, state: dict, target: str, how: str) -> None:
    """Apply a harmless edit: every local renamed (each to a new name), the comment changed, or the
    function moved to another place in its file (the helper, alone in its file, gets a comment)."""
    if how == "order" and target != "one_step":
        order = [n for n in state["order"] if n != target]
        place = rng.choice([k for k in range(len(order) + 1) if k != state["order"].index(target)])
        state["order"] = (*order[:place], target, *order[place:])
    elif how == "rename":
        now = state["names"].get(target, {})
        state["names"][target] = {old: rng.choice([n for n in (old, *new) if n != now.get(old, old)])
                                  for old, new in _LOCALS[target].items()}
    else:
        state["notes"][target] = rng.choice([n for n in _NOTES if n != state["notes"].get(target)])


def build(path: str, key: str, length: int) -> pygit2.Repository:
    """Write the history as a bare repository at `path`, the same bytes for the same key and length."""
    G.isolate_config()
    repo = pygit2.init_repository(path, bare=True, initial_head="main")
    rng = random.Random(f"long_history:{key}:{length}")
    state = {"disc": "right", "td": "right", "gae": "right", "norm": "right", "ev": "right",
             "keyword_only": False, "renamed": False, "gae_reformatted": False, "names": {}, "notes": {},
             "order": tuple(n for n in synth_repo._advantages() if n)}
    files = {"README.md": "# tinyrl advantages\n\nAdvantage estimates for actor-critic agents.\n",
             synth_repo.ADVANTAGE_TEST_FILE: synth_repo.render(synth_repo.ADVANTAGE_TESTS).decode(),
             **{doc: f"# {os.path.basename(doc)}\n" for doc in _DOCS}}
    authors = sorted(synth_repo.AUTHORS)
    parent: list[pygit2.Oid] = []
    for step, (subject, change) in enumerate([("Add advantage estimates and their tests", {}),
                                              *_plan(rng, length)]):
        for key, value in change.items():
            if key == "wip":
                files[f"agent/{value[0]}.py"] = _wip(*value).decode()
            elif key == "doc":
                files[value[0]] += value[1]
            elif key == "cosmetic":
                _restyle(rng, state, *value)
            else:
                state[key] = value
        files[MODULE] = _advantages_text(state)
        files[HELPER] = _helper_text(state)
        index = pygit2.Index()
        for p in sorted(files):
            index.add(pygit2.IndexEntry(p, repo.create_blob(files[p].encode()), FileMode.BLOB))
        name, email, offset = synth_repo.AUTHORS[authors[rng.randrange(len(authors))]]
        sig = pygit2.Signature(name, email, synth_repo.START_TIME + step * 5 * 3600, offset)
        commit = repo.create_commit(None, sig, sig, subject + "\n", index.write_tree(repo), parent)
        parent = [commit]
    repo.references.create("refs/heads/main", parent[0], force=True)
    return repo


def _source_key() -> str:
    """This module's and synth_repo's source, hashed: a process holding older code never builds a
    history under a newer one's key."""
    text = b""
    for module in (__file__, synth_repo.__file__):
        with open(module, "rb") as fh:
            text += fh.read()
    return str(pygit2.hash(text))[:16]


_SOURCE_KEY = _source_key()


def path_for(key: str, length: int) -> str:
    """The history for (key, length), built once per user in the private cache."""
    name = f"long-{_SOURCE_KEY}-{key.replace(':', '-')}-{length}.git"
    path = os.path.join(G.private_cache("long"), name)
    return G.built_once(path, lambda folder: build(folder, key, length))


def code_key(repo: pygit2.Repository, commit: str) -> tuple[tuple[str, str], ...]:
    """The Python files outside tests/ at a commit, by blob id: all that a test run there depends on (the
    runner compiles and imports only these, and writes the test file itself)."""
    return tuple(sorted((p, str(b.id)) for p, b in G.text_files(repo, repo[commit].peel(pygit2.Commit).tree)
                        if p.endswith(".py") and not p.startswith("tests/")))


_RUNS: dict[tuple, dict[str, str]] = {}


def file_results(repo: pygit2.Repository, commit: str, path: str, source: str) -> dict[str, str]:
    """Each test of the file at a commit -> its result line, run once per distinct code (commits that
    differ only in docs share one run)."""
    key = (code_key(repo, commit), path, source)
    if key not in _RUNS:
        names = sorted(n for n in G.python_symbols(source.encode()) if n.startswith("test_"))
        _RUNS[key] = synth_repo.run_tests(repo, commit, path, names, source)
    return dict(_RUNS[key])
