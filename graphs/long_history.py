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
from typing import Any

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
TESTED = {"disc": "discounted_returns", "td": "td_errors", "gae": "gae", "norm": "normalize",
          "ev": "explained_variance"}  # the function each break's test calls
TARGETS = {"disc": "discounted_returns", "td": "one_step", "gae": "gae", "norm": "normalize",
           "ev": "explained_variance"}  # where each break lands
_NOTES = ("keep this allocation-free", "see docs/notes.md", "called once per batch",
          "checked against the reference implementation", "kept simple on purpose", "TODO: vectorize",
          "floats only", "mirrors the paper's notation")


def bisect_by_halves(n: int, probe: Any) -> tuple[int, int]:
    """The planned bisection of a line of commits 0..n (0 good, n bad): test the middle of what is left,
    and where it cannot be tested, its nearest neighbours inside that part, alternately after and before.
    `probe(i)` says "bad", "good" or "skip" at commit i. Returns (the first bad commit's index, probes
    made): at most ceil(log2(n)) plus one per untestable commit met."""
    lo, hi, runs = 0, n, 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        order = [i for d in range(hi - lo) for i in (mid + d, mid - d) if lo < i < hi]
        for i in dict.fromkeys(order):
            runs += 1
            verdict = probe(i)
            if verdict == "skip":
                continue
            lo, hi = (lo, i) if verdict == "bad" else (i, hi)
            break
        else:  # nothing between lo and hi can be tested: hi is the first testable bad commit
            break
    return hi, runs


def _wip(name: str, done: bool) -> bytes:
    if not done:
        return f'"""Work in progress: {name}."""\nPARTS = ({name!r},\n'.encode()
    return (f'"""Helpers for {name}."""\nfrom agent.advantages import normalize\n\n\n'
            f"def {name}_scores(xs):\n    return normalize(xs)\n").encode()


CLUSTER_LEVELS = 3  # the first halving steps of a bisection toward the break each meet a broken build
DECOY = "    check_finite(locals())"  # a guard called before it is written: the test fails with NameError


def _question(rng: random.Random, length: int, target: str) -> dict[str, Any]:
    """The question a history is built for: the function that breaks (its test is asked about), where
    (`slip`), a stretch [decoy_start, decoy_end) before it where the same test fails with NameError, and
    runs of commits that do not build ([start, end) each) at the points where the planned bisection
    (`bisect_by_halves` from the root to the tip) tests first, so that each of its first steps costs runs."""
    slip = rng.randint(int(0.55 * length), int(0.7 * length))  # far from the tip: blame walks back far
    clusters: list[tuple[int, int]] = []
    lo, hi = 0, length
    for _ in range(CLUSTER_LEVELS):
        mid = (lo + hi) // 2
        size = rng.randint(3, 6)
        start = mid - rng.randint(0, size - 1)
        if hi - lo > 4 * size and not {slip - 1, slip} & set(range(start - 1, start + size + 1)):
            clusters.append((start, start + size))  # the commit at start + size builds again
        broken = {i for a, b in clusters for i in range(a, b)}
        probe = next(i for d in range(hi - lo) for i in (mid + d, mid - d) if lo < i < hi and i not in broken)
        if not clusters:  # the first probe must meet the decoy: plant the decoy around it
            clusters.append((probe, probe))  # an empty run keeps the decoy's placement below uniform
        lo, hi = (lo, probe) if probe >= slip else (probe, hi)
    first = clusters[0]
    decoy_start = first[0] - rng.randint(3, 9)
    decoy_end = min(first[1] + rng.randint(3, 9), slip - 3)
    return {"target": target, "slip": slip, "decoy_start": decoy_start, "decoy_end": decoy_end,
            "clusters": [c for c in clusters if c[1] > c[0]]}


def question(key: str, length: int, target: str) -> dict[str, Any]:
    """The question the history for (key, length, target) was built for (the plan drawn again, no build)."""
    return _plan(random.Random(f"long_history:{key}:{length}"), length, target)[1]


def _plan(rng: random.Random, length: int, target: str) -> tuple[list[tuple[str, dict]], dict[str, Any]]:
    """(subject, change) for commits 1..length, and the question they are planned for: a change sets
    advantage versions, starts or finishes a module, or appends a line to a doc."""
    free = list(range(1, length + 1))
    rng.shuffle(free)
    events: dict[int, tuple[str, dict]] = {}
    q = _question(rng, length, target)
    events[q["slip"]] = (rng.choice(_VAGUE), {target: SLIPS[target]})
    events[q["decoy_start"]] = (rng.choice(_VAGUE), {"decoy": TARGETS[target]})
    events[q["decoy_end"]] = (rng.choice(_VAGUE), {"decoy": None})
    for k, (start, end) in enumerate(q["clusters"]):
        if not {start, end} & set(events):  # in a short history a run may meet the decoy: left out
            name = f"{_WIP[k]}_wip"
            events[start] = (rng.choice(_VAGUE), {"wip": (name, False)})
            events[end] = (rng.choice(_VAGUE), {"wip": (name, True)})
    # Where the question needs a commit that builds: the break, the decoy's start, and their parents.
    keep = {q["slip"], q["slip"] - 1, q["decoy_start"], q["decoy_start"] - 1}
    free = [p for p in free if p not in events]

    def take(low: float, high: float) -> int:
        pos = next(p for p in free if low * length <= p <= high * length and p not in events)
        free.remove(pos)
        return pos

    def harmless(after: int, target: str, how: str) -> None:
        """A harmless edit of `target` at a free commit after `after`, if one is left."""
        if any(p > after for p in free):
            events[take((after + 1) / length, 1.0)] = (rng.choice(_VAGUE), {"cosmetic": (target, how)})

    kw_start = take(0.05, 0.3)
    kw_end = next(p for p in range(kw_start + rng.randint(6, 20), length) if p in free)
    free.remove(kw_end)
    events[kw_start] = ("Make the discount arguments keyword-only", {"keyword_only": True})
    events[kw_end] = ("Accept the discount arguments positionally again", {"keyword_only": False})
    slips = {target: q["slip"]}
    for name, version in SLIPS.items():
        if name != target:
            slips[name] = take(0.15, 0.95)
            events[slips[name]] = (rng.choice(_VAGUE), {name: version})
    events[take(0.1, 0.9)] = ("Rename helpers", {"renamed": True})
    events[take(0.1, 0.9)] = ("Fix gae's discount", {"gae_reformatted": True})  # only reformats gae
    for k in range(max(3, length // 15)):  # about a sixth of the commits cannot be tested
        name = f"{_WIP[k % len(_WIP)]}{k // len(_WIP) or ''}"
        start = take(0.02, 0.97)
        end = start + rng.randint(1, 4)
        if end <= length and end not in events and not keep & set(range(start, end)):
            events[start] = (rng.choice(_VAGUE), {"wip": (name, False)})
            events[end] = (rng.choice(_VAGUE), {"wip": (name, True)})
    for name in sorted(slips):  # twice after each break, its lines renamed with the bug kept
        for _ in range(2):
            harmless(slips[name], TARGETS[name], "rename")
    # The asked function's lines are renamed every few commits, before its break and after, so that
    # blame at any commit names a rename a few commits back, seldom the break: following blame back
    # costs a call or two per rename.
    pos = rng.randint(2, 4)
    while pos <= length:
        spot = next((p for p in range(pos, min(pos + 3, length + 1)) if p in free and p not in events), None)
        if spot is not None:
            free.remove(spot)
            events[spot] = (rng.choice(_VAGUE), {"cosmetic": (TARGETS[target], "rename")})
        pos += rng.randint(1, 4)
    for _ in range(max(0, length * 2 // 5 - 10 - length // 5)):  # about two fifths of the commits edit
        harmless(0, rng.choice(sorted(_LOCALS)), rng.choice(("rename", "rename", "note", "order")))  # code
    for pos in range(1, length + 1):
        if pos not in events:
            doc = rng.choice(_DOCS)
            events[pos] = (rng.choice(_VAGUE) if rng.random() < 0.5 else f"Update {doc}",
                           {"doc": (doc, f"- note {pos}: {rng.choice(_VAGUE).lower()}\n")})
    return [events[p] for p in range(1, length + 1)], q


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
    decoy = [DECOY] if state["decoy"] == name else []
    return "\n".join(lines[:head] + ([f"    # {note}"] if note else []) + decoy + lines[head:])


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


def build(path: str, key: str, length: int, target: str = "td") -> pygit2.Repository:
    """Write the history as a bare repository at `path`, the same bytes for the same key, length and
    target (the key of SLIPS whose function's break the history is planned around)."""
    G.isolate_config()
    repo = pygit2.init_repository(path, bare=True, initial_head="main")
    rng = random.Random(f"long_history:{key}:{length}")
    state = {"disc": "right", "td": "right", "gae": "right", "norm": "right", "ev": "right",
             "keyword_only": False, "renamed": False, "gae_reformatted": False, "names": {}, "notes": {},
             "decoy": None,
             "order": tuple(n for n in synth_repo._advantages() if n)}
    files = {"README.md": "# tinyrl advantages\n\nAdvantage estimates for actor-critic agents.\n",
             synth_repo.ADVANTAGE_TEST_FILE: synth_repo.render(synth_repo.ADVANTAGE_TESTS).decode(),
             **{doc: f"# {os.path.basename(doc)}\n" for doc in _DOCS}}
    authors = sorted(synth_repo.AUTHORS)
    parent: list[pygit2.Oid] = []
    for step, (subject, change) in enumerate([("Add advantage estimates and their tests", {}),
                                              *_plan(rng, length, target)[0]]):
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


_SOURCE_KEY = G.source_key(__file__, synth_repo.__file__)


def path_for(key: str, length: int, target: str = "td") -> str:
    """The history for (key, length, target), built once per user in the private cache."""
    name = f"long-{_SOURCE_KEY}-{key.replace(':', '-')}-{length}-{target}.git"
    path = os.path.join(G.private_cache("long"), name)
    return G.built_once(path, lambda folder: build(folder, key, length, target))


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
