"""Commit-graph build time: graphs.git.commit_graph (pygit2 walk + networkx) against
`git rev-list --parents --all` parsed into the same DiGraph, on a 10,000-commit repository with branches
and merges written by `git fast-import`. Prints the ratio (target <= 1.2) measured in this run.

    python bench/git.py [--commits 10000] [--repeat 7]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import networkx as nx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from graphs import git as G  # noqa: E402

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def fast_import_stream(commits: int, seed: int = 0) -> bytes:
    """A history of `commits` commits: a main line, branches forked from random commits (about one in
    twelve commits starts one) and merges of branch tips (about one in twelve commits is a merge)."""
    rng = random.Random(f"bench-git:{seed}")
    out: list[bytes] = []
    tips: dict[str, int | None] = {"main": None}
    names = ["main"]  # in creation order, so choices are the same on every run

    def data(text: str) -> None:
        raw = text.encode()
        out.append(b"data %d\n%s\n" % (len(raw), raw))

    for i in range(1, commits + 1):
        if i > 1 and rng.random() < 1 / 12:
            name = f"topic/{i}"
            tips[name] = rng.randrange(1, i)
            names.append(name)
        else:
            name = rng.choice(names)
        out.append(b"commit refs/heads/%s\nmark :%d\n" % (name.encode(), i))
        out.append(b"committer Bench <bench@example.org> %d +0000\n" % (1_700_000_000 + 60 * i))
        data(f"commit {i}")
        if tips[name] is not None:
            out.append(b"from :%d\n" % tips[name])
        other = tips[rng.choice(names)]
        if tips[name] is not None and other not in (None, tips[name]) and rng.random() < 1 / 12:
            out.append(b"merge :%d\n" % other)
        out.append(b"M 100644 inline f%d.txt\n" % (i % 50))
        data(f"line {i}\n")
        tips[name] = i
    return b"".join(out)


def rev_list_graph(path: str) -> nx.DiGraph:
    """The same DiGraph as graphs.git.commit_graph, from the git command line."""
    out = subprocess.run(["git", "-C", path, "rev-list", "--parents", "--timestamp", "--all"],
                         capture_output=True, text=True, check=True, env=GIT_ENV).stdout
    g = nx.DiGraph()
    for line in out.splitlines():
        time_text, child, *parents = line.split()
        g.add_node(child, time=int(time_text))
        g.add_edges_from((child, p, {"n": i}) for i, p in enumerate(parents))
    return g


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.git")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", path], check=True, env=GIT_ENV)
        stream = fast_import_stream(args.commits)
        start = time.perf_counter()
        subprocess.run(["git", "-C", path, "fast-import", "--quiet"], input=stream, check=True, env=GIT_ENV)
        built = time.perf_counter() - start
        repo = G.open_repo(path)
        ours, theirs = G.commit_graph(repo), rev_list_graph(path)
        same = (set(ours.nodes) == set(theirs.nodes)
                and set(ours.edges(data="n")) == set(theirs.edges(data="n")))
        merges = sum(1 for c in ours if ours.out_degree(c) > 1)
        print(f"repository: {ours.number_of_nodes()} commits, {merges} merges, {len(G.refs(repo))} refs "
              f"(fast-import {built:.2f} s); graphs identical: {same}")
        pygit2_s = median_seconds(lambda: G.commit_graph(repo), args.repeat)
        git_s = median_seconds(lambda: rev_list_graph(path), args.repeat)
        print(f"commit_graph (pygit2 walk + networkx): {pygit2_s * 1000:.0f} ms")
        print(f"git rev-list --parents --all + parse + networkx: {git_s * 1000:.0f} ms")
        print(f"ratio pygit2 / rev-list: {pygit2_s / git_s:.2f} (target <= 1.2; median of {args.repeat})")


if __name__ == "__main__":
    main()
