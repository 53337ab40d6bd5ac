"""A git repository as graphs and histories, with pygit2: the commit DAG (networkx), refs, file
history across renames, where each Python function or class was introduced and last changed, blame,
merge bases, bisection ranges, and the cut-off copy that carries a repository inside a task with no future
history.

Every function ignores the user's git configuration (`isolate_config`): a global `diff.renames` or
`init.defaultBranch` must not change a task or its truth.
"""
from __future__ import annotations

import ast
import base64
import functools
import hashlib
import importlib
import json
import os
import random
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pygit2
from pygit2.enums import ConfigLevel, DeltaStatus, DiffFind, SortMode


def isolate_config() -> None:
    """Make libgit2 read no global, XDG or system configuration (process-wide, idempotent)."""
    for level in (ConfigLevel.GLOBAL, ConfigLevel.XDG, ConfigLevel.SYSTEM, ConfigLevel.PROGRAMDATA):
        pygit2.settings.search_path[level] = os.devnull


def open_repo(path: str) -> pygit2.Repository:
    """Open a repository (bare or not); ValueError with a clear message when there is none."""
    isolate_config()
    try:
        return pygit2.Repository(path)
    except pygit2.GitError:
        raise ValueError(f"--repo {path!r}: not a git repository") from None


def resolve(repo: pygit2.Repository, rev: str) -> str:
    """The full id of the commit a revision names (ref, tag, id prefix, `main~2`); ValueError if none."""
    try:
        return str(repo.revparse_single(rev).peel(pygit2.Commit).id)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise ValueError(f"{rev!r} names no commit") from None


def refs(repo: pygit2.Repository) -> dict[str, str]:
    """Every branch, remote-tracking branch and tag (full ref name) with the id of the commit it points to."""
    out = {}
    for ref in repo.references.iterator():
        kept = ref.name.startswith(("refs/heads/", "refs/tags/", "refs/remotes/"))
        if kept and not ref.name.endswith("/HEAD"):  # a remote's HEAD only names one of its branches
            try:
                out[ref.name] = str(ref.peel(pygit2.Commit).id)
            except (pygit2.InvalidSpecError, ValueError):
                continue  # a tag of a tree or blob names no commit
    return dict(sorted(out.items()))


def branches(repo: pygit2.Repository) -> dict[str, str]:
    """Every branch (short name, as `main`) and remote-tracking branch (as `origin/dev`), with the id of
    the commit it points to. A clone of a project often has its branches only as remote-tracking ones."""
    return {name.removeprefix("refs/heads/").removeprefix("refs/remotes/"): sha
            for name, sha in refs(repo).items() if name.startswith(("refs/heads/", "refs/remotes/"))}


def commit_graph(repo: pygit2.Repository, tips: list[str] | None = None) -> nx.DiGraph:
    """The commit DAG reachable from `tips` (default: every branch and tag), edges child -> parent.

    Nodes carry `time` (committer epoch seconds); edges carry `n`, the parent's position (0 = first).
    """
    walker = repo.walk(None, SortMode.TOPOLOGICAL)
    for tip in sorted(set(tips if tips is not None else refs(repo).values())):
        walker.push(pygit2.Oid(hex=tip))
    g = nx.DiGraph()
    for c in walker:
        h = str(c.id)
        g.add_node(h, time=c.commit_time)
        g.add_edges_from((h, str(p), {"n": i}) for i, p in enumerate(c.parent_ids))
    return g


def ancestry(g: nx.DiGraph, commit: str) -> set[str]:
    """The commit and all its ancestors."""
    return nx.descendants(g, commit) | {commit}


def commit_range(g: nx.DiGraph, a: str, b: str) -> set[str]:
    """The commits of `git log a..b`: reachable from b and not from a."""
    return ancestry(g, b) - ancestry(g, a)


def merge_bases_all(g: nx.DiGraph, a: str, b: str) -> set[str]:
    """Every best common ancestor of a and b, as `git merge-base --all` gives them."""
    common = ancestry(g, a) & ancestry(g, b)
    return {x for x in common if not any(child in common for child in g.predecessors(x))}


def topo_order(g: nx.DiGraph) -> list[str]:
    """Commits oldest first, ties broken by time then id, so the order is the same on every run."""
    oldest_first = g.reverse(copy=False)
    return list(nx.lexicographical_topological_sort(oldest_first, key=lambda h: (g.nodes[h]["time"], h)))


def tags_in_history(repo: pygit2.Repository, g: nx.DiGraph, tip: str) -> list[tuple[str, str]]:
    """(tag name, commit) of every tag reachable from tip, oldest first (ties by name)."""
    order = {c: i for i, c in enumerate(topo_order(g))}
    past = ancestry(g, tip)
    return sorted(((name.removeprefix("refs/tags/"), sha) for name, sha in refs(repo).items()
                   if name.startswith("refs/tags/") and sha in past), key=lambda t: (order[t[1]], t[0]))


def branch_pairs_with_bases(g: nx.DiGraph, branches: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """(x, y, their best common ancestors, sorted) for every pair of branches x < y that has any."""
    pairs = []
    for x in sorted(branches):
        for y in sorted(branches):
            bases = sorted(merge_bases_all(g, branches[x], branches[y])) if x < y else []
            if bases:
                pairs.append((x, y, bases))
    return pairs


def first_parent_line(g: nx.DiGraph, tip: str) -> list[str]:
    """The tip, its first parent, that one's first parent, and so on back to a root commit."""
    line = [tip]
    while parents := [p for _, p, n in g.out_edges(line[-1], data="n") if n == 0]:
        line.append(parents[0])
    return line


def fork_point(g: nx.DiGraph, tip: str, other: str) -> str | None:
    """The newest commit of tip's first-parent line that `other` reaches: where tip's branch seems to
    leave the other in its log, the naive guess at their merge base (None if they share no history)."""
    reach = ancestry(g, other)
    return next((c for c in first_parent_line(g, tip) if c in reach), None)


def fork_points(g: nx.DiGraph, a: str, b: str) -> set[str]:
    """Where each of two branches seems to leave the other: guesses at a merge base that need no search."""
    return {f for f in (fork_point(g, a, b), fork_point(g, b, a)) if f is not None}


def patch_ids(repo: pygit2.Repository, commits: set[str]) -> dict[str, str]:
    """The `git patch-id` of each commit that is not a merge (its diff against its parent, line numbers
    and whitespace ignored): two commits with the same one make the same change."""
    out = {}
    for c in sorted(commits):
        commit = repo[c]
        if len(commit.parent_ids) < 2:
            parent = commit.parents[0].tree if commit.parents else repo[repo.TreeBuilder().write()]
            out[c] = str(repo.diff(parent, commit.tree).patchid)
    return out


def cherry(repo: pygit2.Repository, g: nx.DiGraph, upstream: str, head: str) -> tuple[list[str], list[str]]:
    """What `git cherry upstream head` marks: the commits of upstream..head (no merges) whose patch no
    commit of head..upstream makes (`+`, sorted), and those whose patch one does (`-`, sorted)."""
    ours = patch_ids(repo, commit_range(g, upstream, head))
    theirs = set(patch_ids(repo, commit_range(g, head, upstream)).values())
    return (sorted(c for c, p in ours.items() if p not in theirs),
            sorted(c for c, p in ours.items() if p in theirs))


def bisect_pairs(g: nx.DiGraph, tip: str, ok: Callable[[str], bool],
                 min_range: int = 1) -> list[tuple[str, str, str]]:
    """(good, bad, first bad commit) for each pair of tip's first-parent line, bad the newer, where `ok`
    (a test passes) holds at good and not at bad, `good..bad` holds at least `min_range` commits, and
    exactly one of them fails while all its parents pass. `ok` is called only where needed."""
    line = first_parent_line(g, tip)
    pairs = []
    for i, bad in enumerate(line):
        for good in line[i + 1:] if not ok(bad) else []:
            if not ok(good):
                continue
            span = commit_range(g, good, bad)
            culprits = [c for c in sorted(span) if not ok(c) and all(ok(p) for p in g.successors(c))]
            if len(culprits) == 1 and len(span) >= min_range:
                pairs.append((good, bad, culprits[0]))
    return pairs


@dataclass(frozen=True)
class FileHistory:
    """Where one file lived through history, following renames."""

    path_at: dict[str, str]
    """For each commit where the file exists (walking back from the tip), its path there."""
    changed: list[str]
    """Commits that changed it (not identical to any parent's version), oldest first."""

    def names(self) -> list[str]:
        """Every path the file has had, oldest first."""
        names: list[str] = []
        for commit in self.changed:
            if not names or names[-1] != self.path_at[commit]:
                names.append(self.path_at[commit])
        return names


def follow(repo: pygit2.Repository, tip: str, path: str) -> FileHistory:
    """The history of `path` at `tip` across renames, like `git log --follow` but per parent.

    A commit whose parent holds the same blob at the same path passes the path to that parent only
    (as git's history simplification does); otherwise each parent is diffed with rename detection.
    """
    path_at: dict[str, str] = {tip: path}
    changed = []
    for c in repo.walk(pygit2.Oid(hex=tip), SortMode.TOPOLOGICAL | SortMode.TIME):
        h = str(c.id)
        if h not in path_at:
            continue
        here = path_at[h]
        blob = c.tree[here].id
        same = next((p for p in c.parents if _blob_id(p.tree, here) == blob), None)
        if same is not None:
            path_at.setdefault(str(same.id), here)
            continue
        changed.append(h)
        for p in c.parents:
            old = _old_path(repo, p, c, here)
            if old is not None:
                path_at.setdefault(str(p.id), old)
    return FileHistory(path_at, changed[::-1])


def _blob_id(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    try:
        return tree[path].id
    except KeyError:
        return None


def _old_path(repo: pygit2.Repository, parent: pygit2.Commit, commit: pygit2.Commit, path: str) -> str | None:
    """The path in `parent` of the file at `path` in `commit`, or None if the commit created it."""
    diff = repo.diff(parent, commit)
    diff.find_similar(DiffFind.FIND_RENAMES)  # explicit: the default follows diff.renames in config
    for delta in diff.deltas:
        if delta.new_file.path == path:
            return None if delta.status == DeltaStatus.ADDED else delta.old_file.path
    return path  # not in the diff: unchanged in this parent


def python_symbols(source: bytes) -> dict[str, str]:
    """The top-level functions and classes of a Python file, with their source; {} if it doesn't parse."""
    try:
        text = source.decode()
        tree = ast.parse(text)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    return {node.name: ast.get_source_segment(text, node) or "" for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


class SymbolIndex:
    """The Python functions and classes defined in each commit's tree, cached by tree and blob id."""

    def __init__(self, repo: pygit2.Repository):
        self.repo = repo
        self._trees: dict[tuple[pygit2.Oid, str], dict[str, tuple[tuple[str, str], ...]]] = {}
        self._blobs: dict[pygit2.Oid, dict[str, str]] = {}

    def at(self, commit: str) -> dict[str, tuple[tuple[str, str], ...]]:
        """Each symbol name -> its (path, source) definitions in that commit, sorted."""
        return self._tree(self.repo[commit].peel(pygit2.Commit).tree, "")

    def _tree(self, tree: pygit2.Tree, prefix: str) -> dict[str, tuple[tuple[str, str], ...]]:
        key = (tree.id, prefix)  # the same subtree may sit at two paths
        if key not in self._trees:
            found: dict[str, list[tuple[str, str]]] = {}
            for entry in tree:
                path = prefix + entry.name
                if entry.type_str == "tree":
                    items = self._tree(self.repo[entry.id], path + "/").items()
                elif entry.type_str == "blob" and entry.name.endswith(".py"):
                    if entry.id not in self._blobs:
                        self._blobs[entry.id] = python_symbols(self.repo[entry.id].data)
                    items = ((name, ((path, src),)) for name, src in self._blobs[entry.id].items())
                else:
                    continue
                for name, defs in items:
                    found.setdefault(name, []).extend(defs)
            self._trees[key] = {name: tuple(sorted(defs)) for name, defs in found.items()}
        return self._trees[key]


@dataclass(frozen=True)
class SymbolHistory:
    """When each Python function or class came into being and when it last changed."""

    introduced: dict[str, list[str]]
    """Symbol -> commits that define it while none of their parents does (usually one)."""
    last_changed: dict[str, str]
    """Symbol -> the newest commit whose source of it differs from every parent's (moving is no change)."""


def symbol_history(repo: pygit2.Repository, g: nx.DiGraph, tip: str) -> SymbolHistory:
    """Introduction and last change of every symbol defined anywhere in the history of `tip`."""
    index = SymbolIndex(repo)
    introduced: dict[str, list[str]] = {}
    last_changed: dict[str, str] = {}
    for c in topo_order(g.subgraph(ancestry(g, tip))):
        defs = index.at(c)
        parents = [index.at(p) for p in g.successors(c)]
        for name, d in defs.items():
            if not any(name in p for p in parents):
                introduced.setdefault(name, []).append(c)
            if all(_sources(p.get(name, ())) != _sources(d) for p in parents):
                last_changed[name] = c
    return SymbolHistory(introduced, last_changed)


def _sources(defs: tuple[tuple[str, str], ...]) -> list[str]:
    return sorted(src for _, src in defs)


def source_changes(index: SymbolIndex, g: nx.DiGraph, commits: set[str], name: str) -> set[str]:
    """The commits among `commits` whose source of `name` differs from every parent's (what `git log -L`
    lists for the function): moving it between files is no change, reformatting it is one."""
    near = commits | {p for c in commits for p in g.successors(c)}
    here = {c: _sources(index.at(c).get(name, ())) for c in near}
    return {c for c in commits if here[c] and all(here[p] != here[c] for p in g.successors(c))}


def mentions(repo: pygit2.Repository, commits: set[str], word: str) -> set[str]:
    """The commits among `commits` whose patch against their first parent adds or removes a line holding
    `word` (what `git log -G word` finds)."""
    found = set()
    for c in sorted(commits):
        commit = repo[c]
        diff = repo.diff(commit.parents[0], commit) if commit.parents else commit.tree.diff_to_tree(swap=True)
        if any(word in line.content for patch in diff for hunk in patch.hunks for line in hunk.lines
               if line.origin in "+-"):
            found.add(c)
    return found


def sample_text_files(repo: pygit2.Repository, commit: str, rng: random.Random,
                      limit: int) -> list[tuple[str, pygit2.Blob]]:
    """Up to `limit` text files of a commit in random order: big repositories are sampled, not scanned."""
    files = sorted(text_files(repo, repo[commit].peel(pygit2.Commit).tree), key=lambda f: f[0])
    return [files[k] for k in sorted(range(len(files)), key=lambda _: rng.random())[:limit]]


def text_files(repo: pygit2.Repository, tree: pygit2.Tree,
               prefix: str = "") -> Iterator[tuple[str, pygit2.Blob]]:
    """Every non-binary file of a tree, in every folder, as (path, blob)."""
    for entry in tree:
        obj = repo[entry.id]
        if isinstance(obj, pygit2.Tree):
            yield from text_files(repo, obj, prefix + entry.name + "/")
        elif isinstance(obj, pygit2.Blob) and not obj.is_binary:
            yield prefix + entry.name, obj


def blame(repo: pygit2.Repository, path: str, commit: str) -> list[str]:
    """For each line of `path` at `commit` (line 1 first), the id of the commit that last changed it."""
    lines = len(repo[commit].peel(pygit2.Commit).tree[path].data.splitlines())
    result = repo.blame(path, newest_commit=commit)
    return [str(result.for_line(n).final_commit_id) for n in range(1, lines + 1)]


def blamed_lines(repo: pygit2.Repository, commit: str, path: str,
                 blob: pygit2.Blob) -> tuple[list, list, list]:
    """The file's non-blank lines as (path, number, text, last commit); those whose last commit had the
    file under another name (the trap: blame must follow the rename); and those last changed by neither
    the file's first commit nor `commit` itself (which a guess from its log would name)."""
    history = follow(repo, commit, path)
    texts = blob.data.decode(errors="replace").splitlines()
    lines = [(path, n, text, owner) for n, (text, owner) in
             enumerate(zip(texts, blame(repo, path, commit), strict=True), 1) if text.strip()]
    renamed = [line for line in lines if history.path_at.get(line[3], path) != path]
    guessed = {commit, *history.changed[:1]}
    return lines, renamed, [line for line in lines if line[3] not in guessed]


# Second methods: slower or narrower algorithms for the same facts, so that checks of a task's truth
# (`enumerate_answers` of the family) do not repeat the code path that made it.

def introductions_by_regex(repo: pygit2.Repository, symbol: str) -> list[str]:
    """Commits (of all branches) whose .py files define `symbol` at line start while no parent's do."""
    pattern = re.compile(rf"^(async\s+)?(def|class)\s+{re.escape(symbol)}\b", re.M)
    defines = {c: any(pattern.search(b.data.decode(errors="replace"))
                      for p, b in text_files(repo, repo[c].tree) if p.endswith(".py"))
               for c in sorted(commit_graph(repo))}
    return [c for c in sorted(defines) if defines[c] and not any(defines[str(p)] for p in repo[c].parent_ids)]


def first_parent_names(repo: pygit2.Repository, tip: str, path: str) -> dict[str, str]:
    """The file's path at each commit of tip's first-parent line (newest first), through renames."""
    names, c = {}, repo[tip].peel(pygit2.Commit)
    while True:
        names[str(c.id)] = path
        if not c.parents:
            return names
        diff = repo.diff(c.parents[0], c)
        diff.find_similar(DiffFind.FIND_RENAMES)
        delta = next((d for d in diff.deltas if d.new_file.path == path), None)
        if delta is not None and delta.status == DeltaStatus.ADDED:
            return names
        path = delta.old_file.path if delta is not None else path
        c = c.parents[0]


def best_common_ancestors_pairwise(repo: pygit2.Repository, tips: list[str], limit: int = 500,
                                   ) -> list[str] | None:
    """Common ancestors of the tips that are ancestors of no other one, by pairwise pygit2 checks
    (None when there are more than `limit` common ancestors)."""
    reach = [{str(c.id) for c in repo.walk(pygit2.Oid(hex=t))} for t in tips]
    common = sorted(set.intersection(*reach))
    if len(common) > limit:
        return None
    return [c for c in common if not any(d != c and repo.descendant_of(d, c) for d in common)]


def pack_history(repo: pygit2.Repository, tips: dict[str, str], head: str,
                 named: tuple[str, ...] = (), base: dict[str, Any] | None = None) -> dict[str, object]:
    """A copy of the history visible from `tips` ({branch name: commit}), for a task's env: self-contained,
    or with `base` ({"module", "args"} of `BASES`: a repository rebuilt the same on every machine) a
    delta that leaves out the objects of the base's history, which `materialize` takes from its rebuild.

    It holds exactly the objects reachable from the tips, those branches, the tags `named` (by short name:
    the tags a prompt names), and the other tags that existed at the cut-off: the newest of the commits'
    and the named tags' creation times. An annotated tag was created at its tagger date; a lightweight tag
    or another branch has no creation time, so it could have been made later and is left out. HEAD is on
    `head`; there is no note, stash, reflog or later commit.
    """
    g = commit_graph(repo, list(tips.values()))
    copy_refs = {f"refs/heads/{name}": sha for name, sha in tips.items()}
    every = refs(repo)
    for tag in named:
        if every.get(f"refs/tags/{tag}") not in g:
            raise ValueError(f"tag {tag!r} names no commit of the copy's history")
        copy_refs[f"refs/tags/{tag}"] = every[f"refs/tags/{tag}"]
    cut = max([t for _, t in g.nodes(data="time")] + [_created(repo, f"refs/tags/{t}") or 0 for t in named])
    for name, sha in every.items():
        created = _created(repo, name) if name.startswith("refs/tags/") else None
        if sha in g and name not in copy_refs and created is not None and created <= cut:
            copy_refs[name] = sha
    if base is None:
        def add_history(builder: pygit2.PackBuilder) -> None:
            for c in topo_order(g):
                builder.add_recur(pygit2.Oid(hex=c))  # the commit and its tree; parents come in turn
        data, extra = _pack(repo, add_history), {}
    else:
        base_repo = _base_repo(base)
        base_tips = sorted(set(refs(base_repo).values()))
        known = _base_objects(base_repo.path, tuple(base_tips))
        objects = _closure(repo, sorted(set(copy_refs.values())), known)
        data = _pack(repo, lambda builder: [builder.add(o) for o in objects])
        extra = {"base": {"module": base["module"], "args": base.get("args", {}), "tips": base_tips}}
    return {"pack": base64.b64encode(data["pack"]).decode(), "idx": base64.b64encode(data["idx"]).decode(),
            "refs": dict(sorted(copy_refs.items())), "head": f"refs/heads/{head}", **extra}


def _pack(repo: pygit2.Repository, add: Callable[[pygit2.PackBuilder], object]) -> dict[str, bytes]:
    """{"pack": bytes, "idx": bytes} of the objects `add` puts in a pack builder."""
    with tempfile.TemporaryDirectory() as tmp:
        repo.pack(tmp, add, n_threads=1)  # one thread: the same bytes every time
        return {name.rsplit(".", 1)[1]: _read(os.path.join(tmp, name)) for name in sorted(os.listdir(tmp))}


# The repositories a copy may be a delta against: module -> the function that builds one (once per user,
# in the private cache) from the copy's "args" and returns its path. Each builds the same objects on every
# machine, so a copy names them by id and leaves them out; a module not listed here is refused.
BASES = {"graphs.paper_repo": "embedded_path", "graphs.synth_repo": "embedded_path",
         "graphs.long_history": "path_for", "graphs.behaviour_history": "path_for"}


def _base_repo(base: dict[str, Any]) -> pygit2.Repository:
    module = base.get("module")
    if module not in BASES or not isinstance(base.get("args", {}), dict):
        raise ValueError(f"a repository copy names an unknown base {module!r}")
    return pygit2.Repository(getattr(importlib.import_module(module), BASES[module])(**base.get("args", {})))


@functools.lru_cache(maxsize=8)
def _base_objects(path: str, tips: tuple[str, ...]) -> frozenset[pygit2.Oid]:
    """Every object of a base's history (its commits, trees and blobs reachable from `tips`)."""
    return frozenset(_closure(pygit2.Repository(path), list(tips)))


def _closure(repo: pygit2.Repository, commits: list[str], known: frozenset[pygit2.Oid] = frozenset()
             ) -> list[pygit2.Oid]:
    """The objects reachable from `commits` (commits, their trees and blobs; no submodule's commits), in
    a fixed order, without entering `known` (a closed set: what reaches from it is in it)."""
    seen, order = set(known), []
    todo = [pygit2.Oid(hex=c) for c in reversed(commits)]
    while todo:
        oid = todo.pop()
        if oid in seen:
            continue
        seen.add(oid)
        order.append(oid)
        obj = repo[oid]
        if isinstance(obj, pygit2.Commit):
            todo += [*obj.parent_ids, obj.tree_id]
        elif isinstance(obj, pygit2.Tree):
            todo += [entry.id for entry in obj if entry.type_str != "commit"]
    return order


def _created(repo: pygit2.Repository, ref_name: str) -> int | None:
    """When an annotated tag was made (its tagger date); None for a ref that records no time."""
    obj = repo.get(repo.references[ref_name].target)
    return obj.tagger.time if isinstance(obj, pygit2.Tag) and obj.tagger is not None else None


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def source_key(*files: str, extra: bytes = b"") -> str:
    """A key for what is built from these source files (and `extra`): their bytes hashed, 16 hex digits.
    Read at import, so that a process holding older code never builds under a newer source's key."""
    return str(pygit2.hash(extra + b"".join(_read(name) for name in files)))[:16]


def built_once(path: str, build) -> str:
    """`path`, a repository `build(folder)` makes, built once: into a fresh folder beside it and then
    renamed into place, so no reader ever sees half a repository and racing builders agree."""
    if not os.path.isdir(path):
        tmp = tempfile.mkdtemp(dir=os.path.dirname(path), prefix="build-")
        build(os.path.join(tmp, "repo.git"))
        try:
            os.rename(os.path.join(tmp, "repo.git"), path)
        except OSError:  # another process won the race; its copy is identical
            pass
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def private_cache(name: str) -> str:
    """A folder of this user's cache (`$KGTASKS_CACHE`, else the user cache folder) that no one else can
    read or write: made 0700, and refused if another user owns it or the cache around it."""
    root = os.environ.get("KGTASKS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kgtasks")
    path = os.path.join(root, name)
    os.makedirs(path, mode=0o700, exist_ok=True)
    for folder in (root, path):
        info = os.lstat(folder)
        if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode):
            raise ValueError(f"cache folder {folder!r} is not a folder of this user's; set KGTASKS_CACHE")
        if info.st_mode & 0o077:
            os.chmod(folder, 0o700)
    return path


def materialize(packed: dict[str, object]) -> pygit2.Repository:
    """Open the repository a `pack_history` copy describes, unpacked once into the private cache (keyed by
    its content) and made read-only. Before each use the unpacked folder is checked to hold exactly the
    files unpacking wrote, byte for byte (its manifest, written inside it, says which); anything else (a
    ref, an object, a log added since) and it is unpacked again."""
    isolate_config()
    pack, idx = base64.b64decode(packed["pack"]), base64.b64decode(packed["idx"])
    base = packed.get("base")
    key = hashlib.sha256(pack + repr(sorted(packed["refs"].items())).encode() + packed["head"].encode()
                         + json.dumps(base, sort_keys=True).encode())
    cache = private_cache("git")
    path = os.path.join(cache, f"{key.hexdigest()[:32]}.git")
    pack_sha = hashlib.sha256(pack).hexdigest()
    if not _intact(path, pack_sha):
        if os.path.lexists(path):
            _writable(path, True)
            shutil.rmtree(path)
        tmp = tempfile.mkdtemp(prefix="unpack-", dir=cache)
        unpacked = os.path.join(tmp, "r.git")
        repo = _unpacked(unpacked, pack, idx)
        if base is not None:  # the delta and the base's objects it reaches, in one pack of their own
            complete = _with_base(repo, base, list(packed["refs"].values()))
            shutil.rmtree(unpacked)
            repo = _unpacked(unpacked, complete["pack"], complete["idx"])
        for ref, sha in packed["refs"].items():
            repo.references.create(ref, pygit2.Oid(hex=sha), force=True)
        repo.references.create("HEAD", packed["head"], force=True)
        del repo
        _writable(unpacked, False)
        contents = _contents(unpacked)
        os.chmod(unpacked, 0o700)
        with open(os.path.join(unpacked, _MANIFEST), "w", encoding="utf-8") as fh:
            json.dump({**contents, _SOURCE: pack_sha}, fh, sort_keys=True)
        _writable(unpacked, False)
        try:
            os.rename(unpacked, path)
        except OSError:  # another process unpacked the same copy first
            _writable(unpacked, True)
        shutil.rmtree(tmp, ignore_errors=True)
    return pygit2.Repository(path)


_MANIFEST = "kgtasks-manifest.json"  # inside the copy's folder, where git ignores it
_SOURCE = "/source"  # the manifest's entry for the sha256 of the pack it was unpacked from (no file's name)


def _unpacked(path: str, pack: bytes, idx: bytes) -> pygit2.Repository:
    """A new bare repository at `path` holding one pack and no ref."""
    repo = pygit2.init_repository(path, bare=True, initial_head="main")
    name = hashlib.sha1(pack).hexdigest()
    for ext, data in (("pack", pack), ("idx", idx)):
        with open(os.path.join(repo.path, "objects", "pack", f"pack-{name}.{ext}"), "wb") as fh:
            fh.write(data)
    return pygit2.Repository(repo.path)


def _with_base(delta: pygit2.Repository, base: dict[str, Any], commits: list[str]) -> dict[str, bytes]:
    """One pack of every object reachable from `commits`, from a delta's repository and its base's rebuild
    (reached as an alternate object store, then packed apart from it). A base whose rebuild lacks a tip the
    copy was made against was built by another version of its module: a clear error, not a broken copy."""
    base_repo = _base_repo(base)
    missing = [t for t in base.get("tips", []) if pygit2.Oid(hex=t) not in base_repo]
    if missing:
        raise ValueError(f"this task's repository copy is a delta against {base['module']} as another "
                         f"version of kgtasks built it (commit {missing[0][:12]} is not in it): "
                         "regenerate the task")
    alternates = os.path.join(delta.path, "objects", "info", "alternates")
    os.makedirs(os.path.dirname(alternates), exist_ok=True)
    with open(alternates, "w", encoding="utf-8") as fh:
        fh.write(os.path.join(os.path.abspath(base_repo.path), "objects") + "\n")
    joined = pygit2.Repository(delta.path)
    objects = _closure(joined, commits)
    return _pack(joined, lambda builder: [builder.add(o) for o in objects])


def _contents(path: str) -> dict[str, str]:
    """Every entry under `path` but the manifest, with its mode, and for a file the sha256 of its bytes."""
    out = {}
    for folder, dirs, files in os.walk(path):
        for entry in dirs + files:
            full = os.path.join(folder, entry)
            info = os.lstat(full)
            digest = f" {hashlib.sha256(_read(full)).hexdigest()}" if stat.S_ISREG(info.st_mode) else ""
            out[os.path.relpath(full, path)] = f"{info.st_mode:o}{digest}"
    out.pop(_MANIFEST, None)
    return out


def _intact(path: str, pack_sha: str) -> bool:
    """Whether an unpacked copy holds exactly what its manifest records, and was unpacked from this pack."""
    try:
        with open(os.path.join(path, _MANIFEST), encoding="utf-8") as fh:
            expected = json.load(fh)
        return (isinstance(expected, dict) and expected.pop(_SOURCE, None) == pack_sha
                and _contents(path) == expected)
    except (OSError, ValueError):
        return False


def _writable(path: str, writable: bool) -> None:
    """Make a folder tree writable by its owner again, or read-only (folders stay listable)."""
    for folder, _, files in os.walk(path):
        os.chmod(folder, 0o700 if writable else 0o500)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o600 if writable else 0o400)
