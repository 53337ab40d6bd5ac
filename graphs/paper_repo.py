"""The paper-to-code repository: a small numpy codebase whose history adds the components of the
DQN -> Rainbow and AlphaGo -> MuZero papers (graphs.code_components) one commit at a time, each with
its public test, among commits that change other things.

`build(path)` writes it with pygit2 alone, deterministically (the authors and clock of graphs.synth_repo),
so its object ids are the same on every machine. Most components first go in with a slip (a mutant of
graphs.code_components: the C51 projection loses the mass of targets that land on an atom) under a
subject that names them, and a later commit with a vague subject ("tidy up") completes them; the
others go in under a vague subject and a later commit's subject names them. `links()` joins the two
graphs: each component, the paper that introduced it, the commit where it first behaves as the paper
defines it, and the functions that hold it; tests check each link by running the component's hidden
cases at that commit and at its parent.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import pygit2
from pygit2.enums import FileMode, ObjectType

from graphs import code_components
from graphs.code_components import COMPONENTS, committed, module_source
from graphs.git import built_once, isolate_config, private_cache, python_symbols, source_key
from graphs.synth_repo import AUTHORS, START_TIME

# Each file: (docstring, imports). Test files are made from their module: tests/test_<dir>_<name>.py.
FILES = {
    "rl/__init__.py": ("Deep Q-learning and its improvements, on numpy arrays.", ""),
    "rl/targets.py": ("Bootstrapped targets for Q-learning.", "import numpy as np"),
    "rl/replay.py": ("Sampling replayed transitions.", "import numpy as np"),
    "rl/networks.py": ("Action-value heads.", "import numpy as np"),
    "rl/returns.py": ("Returns of reward sequences.", "import numpy as np"),
    "rl/distributional.py": ("Distributional reinforcement learning: returns on a fixed support.",
                             "import numpy as np"),
    "rl/schedule.py": ("Exploration schedules.", ""),
    "rl/noisy.py": ("Layers with learned noise, for exploration.", "import numpy as np"),
    "search/__init__.py": ("Tree search and learned models for planning.", ""),
    "search/ucb.py": ("Bandit selection rules.", "import numpy as np"),
    "search/puct.py": ("Selecting actions inside the search tree.", "import numpy as np"),
    "search/transform.py": ("Transforms of values and rewards.", "import numpy as np"),
    "search/targets.py": ("Training targets from finished episodes.", "import numpy as np"),
    "search/support.py": ("Categorical representations of scalars.", COMPONENTS["value_support"].header),
}

OTHER = {  # functions that belong to no paper's component: the scaffold and distractors
    "td_target": '''def td_target(rewards, dones, next_q, gamma):
    """The one-step Q-learning target r + gamma * max_a Q(s', a), without bootstrap at an episode's end."""
    return np.asarray(rewards) + gamma * (1.0 - np.asarray(dones)) * np.max(next_q, axis=1)''',
    "linear_q": '''def linear_q(weights, states):
    """Action values of a linear Q-function: one weight row per action."""
    return np.asarray(states) @ np.asarray(weights).T''',
    "uniform_sample": '''def uniform_sample(size, u):
    """Indices drawn uniformly from a buffer of `size` items, one per number u in [0, 1)."""
    return np.minimum((np.asarray(u) * size).astype(int), size - 1)''',
    "discounted_return": '''def discounted_return(rewards, gamma):
    """The Monte Carlo return sum_k gamma ** k * r_k of a whole episode."""
    return float(np.asarray(rewards) @ gamma ** np.arange(len(rewards)))''',
    "linear_schedule": '''def linear_schedule(start, end, steps, t):
    """Interpolate from start to end over `steps` steps, then stay at end."""
    return end + (start - end) * max(0.0, 1.0 - t / steps)''',
    "ucb1": '''def ucb1(values, visits, c=1.4):
    """UCB1: the action of the largest mean value plus c * sqrt(ln N / n); unvisited actions first."""
    visits = np.asarray(visits, dtype=float)
    if (visits == 0).any():
        return int(np.argmax(visits == 0))
    return int(np.argmax(np.asarray(values) / visits + c * np.sqrt(np.log(visits.sum()) / visits)))''',
}
OTHER_TESTS = {
    "td_target": '''def test_td_target_stops_at_terminal_state():
    assert np.allclose(td_target(np.array([1.0]), np.array([1.0]), np.array([[5.0, 7.0]]), 0.9), [1.0])''',
    "uniform_sample": '''def test_uniform_sample_stays_in_the_buffer():
    assert list(uniform_sample(4, np.array([0.0, 0.99]))) == [0, 3]''',
    "ucb1": '''def test_ucb1_tries_unvisited_actions_first():
    assert ucb1(np.array([5.0, 0.0]), np.array([3.0, 0.0])) == 1''',
    "c51_atom": '''def test_targets_on_an_atom_keep_their_mass():
    m = project_distribution(np.array([[0.5, 0.5, 0.0]]), np.array([1.0]), np.array([0.0]), 1.0, -1.0, 1.0)
    assert np.allclose(m, [[0.0, 0.5, 0.5]])''',
}
_README_TOP = "# tinyrl\n\nReinforcement learning building blocks on numpy arrays: Q-learning targets first"
_TARGETS = "`rl/targets.py` holds the one-step targets; every function takes a batch as arrays.\n"
_DUELING = ("`rl/networks.py` aggregates a state value and action advantages into action values by "
            "centring the advantages.\n")
README = {
    1: _README_TOP + ".\n",
    2: _README_TOP + ".\n\n" + _TARGETS,
    3: _README_TOP + ".\n\n" + _TARGETS + _DUELING,
    4: _README_TOP + ",\nthen tree search.\n\n" + _TARGETS + _DUELING
       + "`search/` holds selection rules and the training targets of search-based agents: n-step value\n"
         "targets bootstrap from the search value n steps on.\n",
}

# (author, message, operations): ("component", key[, slip]) commits a component's source (with a slip:
# that mutant of it, a first version a later commit completes) with its public test; ("names", key)
# marks the commit whose subject names the component (never the one where it first behaves right);
# ("other", path, name) a function of OTHER, with its test when OTHER_TESTS has one; ("test", path, name) one of OTHER_TESTS; ("readme", n); ("tag", name, what).
HISTORY: list[tuple[str, str, list[tuple]]] = [
    ("ada", "Start tinyrl: one-step TD targets and a linear Q-function", [
        ("readme", 1), ("file", "rl/__init__.py"), ("other", "rl/targets.py", "td_target"),
        ("other", "rl/networks.py", "linear_q"), ("tag", "v0.1", "Q-learning")]),
    ("bo", "Sample replay batches uniformly", [("other", "rl/replay.py", "uniform_sample")]),
    ("chidi", "Add Double DQN targets", [("component", "double_dqn", "no_terminal_mask"), ("names", "double_dqn")]),
    ("deepa", "Describe the targets in README", [("readme", 2)]),
    ("ada", "Sample replay by priority, with importance-sampling weights", [
        ("component", "prioritized_replay", "no_alpha"), ("names", "prioritized_replay")]),
    ("chidi", "tidy up", [("component", "double_dqn")]),
    ("bo", "refactor networks", [("component", "dueling"), ("tag", "v0.2", "Replay and heads")]),
    ("chidi", "Add Monte Carlo returns", [("other", "rl/returns.py", "discounted_return")]),
    ("ada", "misc", [("component", "prioritized_replay")]),
    ("chidi", "Add n-step returns", [("component", "n_step_returns", "no_terminal_mask"),
                                     ("names", "n_step_returns"), ("tag", "v0.3", "Multi-step")]),
    ("deepa", "Project distributional targets onto the atoms", [
        ("component", "c51_projection", "mass_lost_on_an_atom"), ("names", "c51_projection")]),
    ("bo", "Add a linear exploration schedule", [("other", "rl/schedule.py", "linear_schedule")]),
    ("ada", "Add NoisyNet layers", [("component", "noisy_layer", "sign_dropped"), ("names", "noisy_layer")]),
    ("bo", "Explain the dueling aggregation in README", [("readme", 3), ("names", "dueling")]),
    ("chidi", "small fixes", [("component", "n_step_returns"), ("tag", "v0.4", "Rainbow parts")]),
    ("deepa", "tidy up", [("component", "c51_projection"), ("test", "rl/distributional.py", "c51_atom")]),
    ("ada", "refactor", [("component", "noisy_layer"), ("tag", "v1.0", "Rainbow parts, reviewed")]),
    ("bo", "Start search: UCB1 selection", [
        ("file", "search/__init__.py"), ("other", "search/ucb.py", "ucb1")]),
    ("chidi", "Select actions with PUCT and the policy's priors", [
        ("component", "puct", "one_added_inside_the_root"), ("names", "puct"), ("tag", "v1.1", "Search")]),
    ("ada", "Squash values with an invertible transform", [
        ("component", "value_transform", "inverse_ignores_eps"), ("names", "value_transform")]),
    ("chidi", "misc", [("component", "puct")]),
    ("deepa", "wip", [("component", "n_step_value_targets")]),
    ("ada", "numerics", [("component", "value_transform")]),
    ("bo", "Document the n-step value targets in README", [
        ("readme", 4), ("names", "n_step_value_targets"), ("tag", "v1.2", "Value targets")]),
    ("chidi", "Represent values on a categorical support", [
        ("component", "value_support", "no_transform"), ("names", "value_support")]),
    ("chidi", "tidy up", [("component", "value_support"), ("tag", "v2.0", "MuZero parts")]),
]


def test_path(path: str) -> str:
    """The public test file of a module: rl/targets.py -> tests/test_rl_targets.py."""
    return "tests/test_" + path.removesuffix(".py").replace("/", "_") + ".py"


def module_name(path: str) -> str:
    """The dotted module of a file: rl/targets.py -> rl.targets."""
    return path.removesuffix(".py").replace("/", ".")


def _render(blocks: dict[str, dict[str, str]]) -> dict[str, bytes]:
    """Every file's bytes from its blocks; a test file imports every function its module defines."""
    out = {}
    for path, named in blocks.items():
        if path == "README.md":
            out[path] = named[""].encode()
        elif path.startswith("tests/"):
            module = named[""]
            names = sorted(python_symbols(out[module]))
            header = f"import numpy as np\n\nfrom {module_name(module)} import {', '.join(names)}"
            tests = [s for k, s in named.items() if k]
            out[path] = module_source(header, tests, f"Tests of {module}.").encode()
        else:
            doc, header = FILES[path]
            out[path] = module_source(header, [s for k, s in named.items() if k], doc).encode()
    return out


def _apply(blocks: dict[str, dict[str, str]], op: tuple) -> None:
    kind = op[0]
    if kind == "names":
        return
    if kind == "readme":
        blocks["README.md"] = {"": README[op[1]]}
    elif kind == "file":
        blocks.setdefault(op[1], {})
    elif kind == "other":
        blocks.setdefault(op[1], {})[op[2]] = OTHER[op[2]]
        if op[2] in OTHER_TESTS:
            blocks.setdefault(test_path(op[1]), {"": op[1]})[op[2]] = OTHER_TESTS[op[2]]
    elif kind == "test":
        blocks.setdefault(test_path(op[1]), {"": op[1]})[op[2]] = OTHER_TESTS[op[2]]
    elif kind == "component":
        c = COMPONENTS[op[1]]
        blocks.setdefault(c.path, {})[c.key] = committed(c, op[2] if op[2:] else "reference")
        blocks.setdefault(test_path(c.path), {"": c.path})[c.key] = c.public_test


def build(path: str) -> pygit2.Repository:
    """Write the repository as a bare repository at `path` (which must not hold one yet)."""
    isolate_config()
    repo = pygit2.init_repository(path, bare=True, initial_head="main")
    blocks: dict[str, dict[str, str]] = {}
    parents: list[pygit2.Oid] = []
    for step, (author_key, message, ops) in enumerate(HISTORY):
        author, email, offset = AUTHORS[author_key]
        when = START_TIME + step * 2 * 86_400 + 7 * 3600
        sig = pygit2.Signature(author, email, when, offset)
        for op in ops:
            _apply(blocks, op)
        index = pygit2.Index()
        for file, data in _render(blocks).items():
            index.add(pygit2.IndexEntry(file, repo.create_blob(data), FileMode.BLOB))
        tip = repo.create_commit(None, sig, sig, message + "\n", index.write_tree(repo), parents)
        parents = [tip]
        for op in ops:
            if op[0] == "tag":
                tagger = pygit2.Signature(author, email, when + 3600, offset)
                repo.create_tag(op[1], tip, ObjectType.COMMIT, tagger, f"Release {op[1]}: {op[2]}\n")
    repo.references.create("refs/heads/main", parents[0], force=True)
    return repo


# this module, the components it commits, and the authors and clock it borrows
_SOURCE_KEY = source_key(__file__, code_components.__file__, extra=repr((AUTHORS, START_TIME)).encode())


def embedded_path() -> str:
    """The repository, built once per user in the private cache (keyed by its sources): not the shared
    temporary folder, where another user could plant a repository whose code the tools would run."""
    return built_once(os.path.join(private_cache("embedded"), f"papercode-{_SOURCE_KEY}.git"), build)


@dataclass(frozen=True)
class Link:
    """A component of a paper, joined to the repository's history."""

    component: str
    """Key in graphs.code_components.COMPONENTS."""
    paper: str
    """The snapshot paper that introduced it."""
    commit: str
    """The commit where it first behaves as the paper defines it."""
    introduced: str
    """The commit that first added its functions (the same commit unless a later fix completed it)."""
    functions: tuple[str, ...]
    """Qualified names, `module.function`."""
    named: str
    """The commit whose subject names the component (its first version, or a later commit)."""


@functools.cache
def links() -> dict[str, Link]:
    """Every component's link, by construction from HISTORY (tests verify them by running the code)."""
    repo = pygit2.Repository(embedded_path())
    commits = [str(c.id) for c in repo.walk(repo.head.target)][::-1]  # linear: oldest first
    first, done, named = {}, {}, {}
    for sha, (_, _, ops) in zip(commits, HISTORY, strict=True):
        for op in ops:
            if op[0] == "component":
                first.setdefault(op[1], sha)
                if not op[2:]:
                    done.setdefault(op[1], sha)
            elif op[0] == "names":
                named[op[1]] = sha
    return {key: Link(key, c.paper, done[key], first[key],
                      tuple(f"{module_name(c.path)}.{f}" for f in c.functions), named[key])
            for key, c in COMPONENTS.items()}


def tree_files(repo: pygit2.Repository, commit: str) -> dict[str, str]:
    """Every file of a commit, path -> text."""
    out = {}

    def walk(tree: pygit2.Tree, prefix: str) -> None:
        for entry in tree:
            obj = repo[entry.id]
            if isinstance(obj, pygit2.Tree):
                walk(obj, prefix + entry.name + "/")
            else:
                out[prefix + entry.name] = obj.data.decode()

    walk(repo.revparse_single(commit).peel(pygit2.Commit).tree, "")
    return out


def commit_on(repo: pygit2.Repository, parent: str, files: dict[str, str], message: str) -> str:
    """A commit on top of `parent` with these files written (no reference moves): the same id for the
    same arguments, an hour after its parent."""
    base = repo[parent]
    index = pygit2.Index()
    index.read_tree(base.tree)
    for path, text in sorted(files.items()):
        index.add(pygit2.IndexEntry(path, repo.create_blob(text.encode()), FileMode.BLOB))
    author, email, offset = AUTHORS["bo"]
    sig = pygit2.Signature(author, email, base.commit_time + 3600, offset)
    return str(repo.create_commit(None, sig, sig, message + "\n", index.write_tree(repo), [base.id]))


def component_file(tree: dict[str, str], key: str, source: str) -> str:
    """A component's file with its functions written as `source`, after the functions of OTHER that
    the file holds in `tree` (a commit's files, e.g. a task's cut-off)."""
    c = COMPONENTS[key]
    doc, header = FILES[c.path]
    others = [s for name, s in OTHER.items() if f"def {name}(" in tree.get(c.path, "")]
    return module_source(header, [*others, source], doc)


def public_test_file(repo: pygit2.Repository, tree: dict[str, str], key: str) -> str:
    """The public test file of a component for a copy whose files are `tree`: the one committed with
    the component where the component's file already exists there (its other tests import functions
    the file keeps), else one that imports the component's functions alone."""
    c = COMPONENTS[key]
    if c.path in tree:
        return tree_files(repo, links()[key].introduced)[test_path(c.path)]
    header = f"import numpy as np\n\nfrom {module_name(c.path)} import {', '.join(sorted(c.functions))}"
    return module_source(header, [c.public_test], f"Tests of {c.path}.")


def main_line(repo: pygit2.Repository) -> list[str]:
    """The main line's commits, oldest first (the history is linear)."""
    return [str(c.id) for c in repo.walk(repo.head.target)][::-1]
