"""A long generated history for the behaviour kind: one function's file rewritten at dozens of commits,
whose result on one call changes at exactly one of them.

`build(path, key, length, exact)` writes, with pygit2 alone and deterministically, a bare repository
whose main holds `length` commits after its root. `agent/returns.py` holds `discounted_returns`, put
together from ASPECTS: the clip bound and its form, the return the loop starts from, where an episode's
end resets it, a guard on gamma or on empty input, the value kept, and the form of the loop. About two
fifths of the commits change that file. Most change its text only (its locals renamed, a comment, the
constant's line written another way, so that blame seldom reaches the commit that set its value, or an
aspect written another way that no input tells apart); about a third change an aspect in a way the
planned call does not see, though other inputs do (the battery); and one, between 45% and 65% of the way
through the file's commits, changes the call's result, drawn among the changes the fewest battery inputs
see (a type, a rounding, a bound). In about half the histories a mask comes first: four decoys around a
read of the stated bisection before the answer, which change another aspect so that the call stops seeing
the answer's one, bring in the answer's variant, and take both back; the version read there shows the
tip's line with the good commit's result. The other commits edit docs. Subjects are vague, but for two
that name the function, on decoys. So reading a diff tells what changed, not whether the call sees it:
each version has to be worked out on the call's inputs.
"""
from __future__ import annotations

import functools
import os
import random
from typing import Any

import pygit2
from pygit2.enums import FileMode

from graphs import git as G
from graphs import synth_repo
from graphs.code_history import renamed_locals
from graphs.long_history import _DOCS, _VAGUE, bisect_by_halves, code_key

MODULE = "agent/returns.py"
FUNCTION = "discounted_returns"
# Each feature's variants; a version of the function takes one of each.
FEATURES = {
    "clip": ("10.0", "5.0", "8.0", "20.0", "4.0", "6.0", "12.0"),
    "bound": ("max(-CLIP, min(CLIP, reward))", "min(CLIP, reward)", "max(-CLIP, reward)",
              "math.copysign(min(abs(reward), CLIP), reward)", "reward"),
    "start": ("last_value", "0.0", "last_value * (not dones[-1])"),
    "reset": ("before", "after", "mask"),
    "guard": ("", "gamma = min(gamma, 0.5)", "if not rewards:\n        return []"),
    "kept": ("total", "round(total, 6)", "round(total, 3)", "float(total)"),
}
# The loop's forms: its head, how a step's return is kept, and what is returned.
FORMS = {
    "zip": ("for reward, done in zip(reversed(rewards), reversed(dones)):", "out.append({})", "out[::-1]"),
    "index": ("for t in range(len(rewards) - 1, -1, -1):\n        reward, done = rewards[t], dones[t]",
              "out.insert(0, {})", "out"),
    "slots": ("for t in reversed(range(len(rewards))):\n        reward, done = rewards[t], dones[t]",
              "out[t] = {}", "out"),
}
ASPECTS = {**FEATURES, "form": tuple(sorted(FORMS))}
# How the module's constant is written: restyled now and then, so that blame at the tip seldom names the
# commit that last changed its value.
_CONSTANT = ("CLIP = {}", "CLIP: float = {}", "CLIP = {}  # reward bound", "CLIP = float({})")
_NOTES = ("", "# backwards from the last step", "# one pass", "# floats in, floats out",
          "# see docs/notes.md", "# dones end an episode", "# kept simple on purpose")
_TITLED = ("Fix discounted_returns at episode ends", "Clip rewards in discounted_returns",
           "discounted_returns: handle the bootstrap", "Make discounted_returns safer")
_REWARDS = (-7.0, -4.0, -2.0, -1.0, 0.5, 1.0, 2.0, 3.0, 6.0, 9.0, 15.0)
FILE_SHARE = 0.4  # of the line's commits, those that change the function's file


def source(version: dict[str, Any]) -> str:
    """The file's text for a version: a variant of each of ASPECTS, a renaming seed (or None), a note and
    how the constant is written. Only the function's own names are renamed, never the module's constant."""
    head, keep, give = FORMS[version["form"]]
    kept = keep.format(version["kept"])
    step = {"before": ["if done:", "    total = 0.0", "total = reward + gamma * total", kept],
            "after": ["total = reward + gamma * total", kept, "if done:", "    total = 0.0"],
            "mask": ["total = reward + gamma * total * (1 - done)", kept]}[version["reset"]]
    body = ([version["guard"]] if version["guard"] else []) + [f"total = {version['start']}"]
    body += ["out = [0.0] * len(rewards)" if version["form"] == "slots" else "out = []", head]
    body += [f"    reward = {version['bound']}"] + [f"    {line}" for line in step] + [f"return {give}"]
    note = [version["note"]] if version["note"] else []
    function = (f"def {FUNCTION}(rewards, dones, gamma, last_value=0.0):\n"
                '    """Each step\'s discounted return, worked out backwards from the last step."""\n'
                + "".join(f"    {line}\n" for line in note + body))
    if version["names"] is not None:
        function = renamed_locals(function, random.Random(version["names"]))
    constant = version["constant"].format(version["clip"])
    return f'"""Returns of a rollout."""\nimport math\n\n{constant}\n\n\n{function}'


def evaluate(text: str, inputs: list[tuple]) -> tuple[str | None, ...]:
    """The repr of the function's result on each of `inputs` (our own generated source, run in this
    process), None where it raises: for planning only; the generator's truth runs the commits in the
    sandbox."""
    namespace: dict[str, Any] = {}
    exec(text, namespace)  # noqa: S102 (the project's own sources)
    out = []
    for args in inputs:
        try:
            out.append(repr(namespace[FUNCTION](*(list(a) if isinstance(a, list) else a for a in args))))
        except Exception:  # noqa: BLE001 (a version that raises gives no value)
            out.append(None)
    return tuple(out)


def _draw_args(rng: random.Random, exact: bool = False) -> tuple:
    """A call's inputs: floats, or (a third of the time) ints, whose results may stay ints. `exact`:
    no gamma of 0.9, so that every result is a sum of halves, quarters and so on, which binary floats
    hold exactly: worked out by hand, its repr is what Python prints."""
    n = rng.randint(4, 6)
    dones = [rng.random() < 0.25 for _ in range(n)]
    if rng.random() < 1 / 3:
        rewards = [int(rng.choice(_REWARDS[:3] + _REWARDS[5:])) for _ in range(n)]
        return rewards, dones, rng.choice((1, 0.5)), rng.choice((0, 1, 3))
    rewards = [rng.choice(_REWARDS) for _ in range(n)]
    return rewards, dones, rng.choice((0.5, 1.0) if exact else (0.5, 0.9, 1.0)), rng.choice((0.0, 1.0, 3.0))


_BATTERY_SIZE = 40


def _battery() -> list[tuple]:
    """Inputs that tell the aspects' variants apart: drawn ones, an empty rollout, and rewards beyond
    every bound on either side."""
    rng = random.Random("behaviour_history:battery")
    drawn = [_draw_args(rng) for _ in range(_BATTERY_SIZE)]
    extremes = [([], [], 0.9, 1.0), ([30.0, -30.0], [False, False], 1.0, 2.0),
                ([30, -30], [True, False], 1, 2)]
    return drawn + extremes


BATTERY = _battery()


def call_text(args: tuple) -> str:
    return f"{FUNCTION}({', '.join(repr(a) for a in args)})"


_SIGNATURES: dict[tuple[str, str], tuple[str | None, ...]] = {}


def _signature(version: dict[str, Any], args: tuple) -> tuple[str | None, ...]:
    """The version's results on the call's inputs, then on the battery's, each worked out once (its
    locals and note left as they were: a renaming keeps the values, and the truth is run again)."""
    text = source({**version, "names": None, "note": "", "constant": _CONSTANT[0]})
    key = (text, call_text(args))
    if key not in _SIGNATURES:
        _SIGNATURES[key] = evaluate(text, [args, *BATTERY])
    return _SIGNATURES[key]


@functools.lru_cache(maxsize=64)
def question(key: str, length: int, exact: bool = False) -> dict[str, Any]:
    """The plan of the history for (key, length, exact: see `_draw_args`): the call, each commit's version
    of the file (None: the file unchanged there), where the call's result changes (`answer`, a commit
    index of the line, 0 the root), the commits that change the result on other inputs only (`decoys`),
    and each commit's subject."""
    rng = random.Random(f"behaviour_history:{key}:{length}" + (":exact" if exact else ""))
    while True:  # almost every call and walk gives a plan; the draws are the seed's, so the loop ends
        plan = _plan(rng, length, exact)
        if plan is not None and (plan["masked"] or rng.random() < 0.5):  # masks in about half the plans
            return plan


def _plan(rng: random.Random, length: int, exact: bool) -> dict[str, Any] | None:
    args = _draw_args(rng, exact)
    version = {f: rng.choice(v) for f, v in ASPECTS.items()}
    version.update(names=None, note="", constant=_CONSTANT[0])
    value = _signature(version, args)[0]
    if value is None:
        return None
    touched = sorted(rng.sample(range(1, length + 1), round(FILE_SHARE * length)))
    answer_slot = rng.randint(int(0.45 * len(touched)), int(0.65 * len(touched)))
    # The stated bisection of [root, *touched] reads index i, the version of slot i - 1; the first read
    # before the answer, with two slots around it on each side, whose version offers a mask gets one.
    early = {i - 1 for i in _reads(len(touched), answer_slot + 1) if 2 <= i - 1 <= answer_slot - 3}
    masked = None
    versions: dict[int, dict[str, Any]] = {0: dict(version)}
    decoys, window, answer, aspect = [], {}, {}, ""
    for slot, commit in enumerate(touched):
        if masked is None and slot + 1 in early and (found := _mask(rng, version, args)):
            masked, (aspect, answer, steps) = slot + 1, found
            window = dict(enumerate(steps, slot))
        if slot in window:
            version = window[slot]
            decoys.append(commit)
        elif slot == answer_slot:
            moved = answer or _move(rng, version, args, "call")
            if moved is None:
                return None
            version, value = moved, _signature(moved, args)[0]
        elif masked is not None and masked - 1 <= slot < answer_slot:  # the answer's context: text only
            version = _restyle(rng, version, args, same=False)
        elif rng.random() < 1 / 3 and (moved := _move(rng, version, args, "others",
                                                       [a for a in ASPECTS if a != aspect])):
            version = moved
            decoys.append(commit)
        else:
            version = _restyle(rng, version, args)
        versions[commit] = dict(version)
    if len(decoys) < len(touched) // 5:
        return None
    subjects = {c: rng.choice(_VAGUE) for c in range(1, length + 1)}
    for c in rng.sample(decoys, 2):
        subjects[c] = rng.choice(_TITLED)
    return {"call": call_text(args), "args": args, "versions": versions, "answer": touched[answer_slot],
            "decoys": decoys, "masked": None if masked is None else touched[masked], "aspect": aspect,
            "subjects": subjects}


def _reads(n: int, first_after: int) -> list[int]:
    """The indices the stated bisection of a list 0..n reads when `first_after` is the answer's."""
    read: list[int] = []

    def probe(i: int) -> str:
        read.append(i)
        return "bad" if i >= first_after else "good"

    bisect_by_halves(n, probe)
    return read


def _mask(rng: random.Random, version: dict[str, Any], args: tuple):
    """(aspect X, the answer's version, four decoys) from `version` S: the answer changes X to a variant
    x the call sees; the decoys change another aspect Y so that the call no longer sees X, then X to x,
    then X back, then Y back, none changing the call's result. So the second decoy, read at a probe,
    shows the tip's X with the result of the good commit: a reader who checks only the line that
    tells the two ends apart takes it for the answer's side. None if no X and Y do that here."""
    value, *battery = _signature(version, args)
    found = []
    for x in sorted(ASPECTS):
        for xv in ASPECTS[x]:
            changed = {**version, x: xv}
            got, *seen = _signature(changed, args)
            if xv == version[x] or got is None or got == value:
                continue
            for y in sorted(set(ASPECTS) - {x}):
                for yv in ASPECTS[y]:
                    masked = {**version, y: yv}
                    both = {**masked, x: xv}
                    (m, *mb), (b, *bb) = _signature(masked, args), _signature(both, args)
                    if yv != version[y] and m == b == value and mb != battery and bb != mb:
                        quiet = sum(a != c for a, c in zip(seen, battery, strict=True))
                        found.append((quiet, x, changed, [masked, both, masked, dict(version)]))
    if not found:
        return None
    x = rng.choice(sorted({f[1] for f in found}))  # an aspect first, so that clip bounds do not crowd out
    found = sorted((f for f in found if f[1] == x), key=lambda f: f[0])  # the rest, then a quiet change
    _, x, changed, steps = rng.choice(found[:max(1, len(found) // 2)])
    return x, changed, steps


def _move(rng: random.Random, version: dict[str, Any], args: tuple, sees: str,
          aspects=ASPECTS) -> dict[str, Any] | None:
    """A version with one aspect (a feature or the loop's form) changed that the call sees (`sees` is
    "call": its result on `args` changes), that only other inputs see ("others": the battery's results
    change, the call's do not) or that nothing sees ("none"); None if no such change exists. Of the
    changes the call sees, one in the half that the fewest battery inputs see: a change that looks
    harmless."""
    value, *before = _signature(version, args)
    found = []
    for aspect in sorted(aspects):
        for variant in ASPECTS[aspect]:
            if variant == version[aspect]:
                continue
            moved = {**version, aspect: variant}
            got, *after = _signature(moved, args)
            seen = sum(a != b for a, b in zip(after, before, strict=True))
            if (sees == "call" and got is not None and got != value
                    or sees != "call" and got == value and bool(seen) == (sees == "others")):
                found.append((seen, aspect, variant))
    if not found:
        return None
    found.sort(key=lambda f: f[0])
    _, aspect, variant = rng.choice(found[:max(1, len(found) // 2)] if sees == "call" else found)
    return {**version, aspect: variant}


def _restyle(rng: random.Random, version: dict[str, Any], args: tuple, same: bool = True) -> dict[str, Any]:
    """A version that no input tells apart from this one: its locals renamed, another note, the constant
    written another way, or (`same`) an aspect written another way with the same results."""
    how = rng.choice(("names", "names", "note", "constant", "same" if same else "names"))
    if how == "same" and (moved := _move(rng, version, args, "none")):
        return moved
    if how == "constant":
        return {**version, "constant": rng.choice([c for c in _CONSTANT if c != version["constant"]])}
    if how == "note":
        return {**version, "note": rng.choice([n for n in _NOTES if n != version["note"]])}
    return {**version, "names": rng.randrange(2**32)}  # a seed of new names


def build(path: str, key: str, length: int, exact: bool = False) -> pygit2.Repository:
    """Write the planned history as a bare repository at `path`, the same bytes for the same key, length
    and exact."""
    G.isolate_config()
    repo = pygit2.init_repository(path, bare=True, initial_head="main")
    plan = question(key, length, exact)
    rng = random.Random(f"behaviour_history:build:{key}:{length}")
    files = {"README.md": "# tinyrl returns\n\nReturns of rollouts for actor-critic agents.\n",
             "agent/__init__.py": "", **{doc: f"# {os.path.basename(doc)}\n" for doc in _DOCS}}
    authors = sorted(synth_repo.AUTHORS)
    parent: list[pygit2.Oid] = []
    for step in range(length + 1):
        if step in plan["versions"]:
            files[MODULE] = source(plan["versions"][step])
        else:
            doc = rng.choice(_DOCS)
            files[doc] += f"- note {step}: {rng.choice(_VAGUE).lower()}\n"
        index = pygit2.Index()
        for p in sorted(files):
            index.add(pygit2.IndexEntry(p, repo.create_blob(files[p].encode()), FileMode.BLOB))
        name, email, offset = synth_repo.AUTHORS[authors[rng.randrange(len(authors))]]
        sig = pygit2.Signature(name, email, synth_repo.START_TIME + step * 5 * 3600, offset)
        subject = "Add discounted returns" if step == 0 else plan["subjects"][step]
        parent = [repo.create_commit(None, sig, sig, subject + "\n", index.write_tree(repo), parent)]
    repo.references.create("refs/heads/main", parent[0], force=True)
    return repo


_SOURCE_KEY = G.source_key(__file__, synth_repo.__file__,
                           os.path.join(os.path.dirname(__file__), "code_history.py"))


def path_for(key: str, length: int, exact: bool = False) -> str:
    """The history for (key, length, exact), built once per user in the private cache."""
    name = f"behaviour-{_SOURCE_KEY}-{key.replace(':', '-')}-{length}{'-exact' if exact else ''}.git"
    return G.built_once(os.path.join(G.private_cache("behaviour"), name),
                        lambda folder: build(folder, key, length, exact))


def results(repo: pygit2.Repository, commits: list[str], call: str) -> dict[str, str | None]:
    """Each commit -> the call's repr on its code, run in the sandbox's runner (`synth_repo.call_functions`),
    once per distinct code (commits that only edit docs share a run)."""
    args = call.split("(", 1)[1].rsplit(")", 1)[0]
    keys = {c: code_key(repo, c) for c in commits}
    first: dict[tuple, str] = {}
    for c in commits:
        first.setdefault(keys[c], c)
    values = dict(zip(first, synth_repo.call_functions(repo, [(c, MODULE, FUNCTION, args)
                                                               for c in first.values()]), strict=True))
    return {c: values[keys[c]] for c in commits}

