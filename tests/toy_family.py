"""A tiny family for testing tasks.check and tasks.calibrate: a shortest directed path in a small DAG.

It follows generators.base's protocol. `TOY_DEFECT` (an environment variable, so the check's
regeneration subprocesses see it too) plants one defect for the tests of tasks.check:
`lenient_grader` accepts a reversed path, `loose_grader` accepts a jump from source to target,
`fragile_grader` raises on long paths, `leaky_tool` reveals the answer, `crashing_tool` fails on
the target node, `nondeterministic` lets the hash seed order the nodes, `prompt_missing_field` never
names the answer field.
The grader borrows the project's reason codes, which are all a path check needs.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

import networkx as nx

from generators.base import knobs_of, task_id
from graders.registry import Grade, failed, grader, passed
from tasks.task import Task
from tools.registry import ToolError, tool

FAMILY = "toy"
KINDS = ("path",)
PROMPT = ("A hidden DAG has nodes {nodes}. Find a shortest directed path from {source} to {target}. "
          "Use toy_children to see a node's children. Submit {{\"path\": [...]}}: the nodes of the path "
          "in order, from {source} to {target}.")
SCHEMA = {"type": "object", "properties": {"path": {"type": "array", "items": {"type": "string"}}},
          "required": ["path"], "additionalProperties": False}
LADDERS = {"path": [{"nodes": n} for n in (4, 6, 8, 10, 12, 14)]}
REVEALS = {"path": {"kind": "answer_hidden"}}


def _defect() -> str:
    return os.environ.get("TOY_DEFECT", "")


@dataclass(frozen=True)
class Config:
    """Knobs of the toy family."""

    nodes: int = field(default=6, metadata={"help": "nodes in the DAG"})
    kind: str = "path"

    def validate(self) -> None:
        if not 4 <= self.nodes <= 30:
            raise ValueError(f"nodes must be in 4..30, got {self.nodes}")
        if self.kind not in (*KINDS, "mixed"):
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")


def _dag(nodes: int, rng: random.Random) -> nx.DiGraph:
    names = [f"n{i}" for i in range(nodes)]
    dag = nx.DiGraph()
    dag.add_nodes_from(names)
    dag.add_edges_from((a, b) for i, a in enumerate(names) for b in names[i + 1:] if rng.random() < 0.45)
    dag.add_edges_from(nx.utils.pairwise(names))  # a chain, so the last node is reachable from the first
    return dag


def generate(config: Config, seed: int, index: int) -> Task:
    rng = random.Random(f"{FAMILY}:{seed}:{index}")
    dag = _dag(config.nodes, rng)
    source, target = "n0", f"n{config.nodes - 1}"
    names = sorted(dag.nodes)
    if _defect() == "nondeterministic":
        names = list(set(names))  # string-set order follows PYTHONHASHSEED
    prompt = PROMPT.format(nodes=", ".join(names), source=source, target=target)
    if _defect() == "prompt_missing_field":
        prompt = prompt.replace('{"path": [...]}', "a list").replace("the nodes of the path", "its nodes")
    edges = sorted(map(list, dag.edges))
    return Task(
        id=task_id(FAMILY, config, seed, index), family=f"{FAMILY}.{config.kind}", prompt=prompt,
        tools=["toy_children"], answer_schema=SCHEMA,
        env={"edges": edges, "source": source, "target": target},
        truth={"edges": edges, "reference": {"path": nx.shortest_path(dag, source, target)}},
        grader="toy.path", meta={"seed": seed, "knobs": knobs_of(config), "version": 1},
    )


def _graph(task_or_env: dict) -> nx.DiGraph:
    return nx.DiGraph([tuple(e) for e in task_or_env["edges"]])


@tool
def toy_children(env: dict, node: str) -> str:
    """The children of a node of the hidden DAG.

    Args:
        node: a node name, e.g. n0.
    """
    dag = _graph(env)
    if node not in dag:
        raise ToolError(f"unknown node {node!r}")
    if _defect() == "crashing_tool" and node == env["target"]:
        raise KeyError(node)
    text = ", ".join(sorted(dag.successors(node))) or "(none)"
    if _defect() == "leaky_tool":
        text += f"\nhint: {nx.shortest_path(dag, env['source'], env['target'])}"
    return text


@grader("toy.path")
def grade_path(task: Task, answer: dict) -> Grade:
    dag, path = _graph(task.truth), answer["path"]
    if _defect() == "fragile_grader" and len(path) > 1000:
        raise IndexError("path too long")
    if _defect() == "loose_grader" and path == [task.env["source"], task.env["target"]]:
        return passed()
    if any(node not in dag for node in path):
        return failed("unknown_node")
    if len(set(path)) != len(path):
        return failed("duplicate_item")
    if _defect() == "lenient_grader" and path[::-1] == task.truth["reference"]["path"]:
        return passed()
    if not path or path[0] != task.env["source"] or path[-1] != task.env["target"] \
            or not all(dag.has_edge(a, b) for a, b in nx.utils.pairwise(path)):
        return failed("not_a_dag_edge")
    shortest = nx.shortest_path_length(dag, task.env["source"], task.env["target"])
    return passed() if len(path) - 1 == shortest else failed("outside_tolerance")


def baseline(task: Task, rng) -> dict:
    return {"path": [task.env["source"], task.env["target"]]}


def random_answer(task: Task, rng) -> dict:
    dag, node, path = _graph(task.env), task.env["source"], [task.env["source"]]
    while node != task.env["target"]:
        children = sorted(dag.successors(node))
        node = children[int(rng.integers(len(children)))]
        path.append(node)
    return {"path": path}


def probe_calls(task: Task, rng) -> list[tuple[str, dict]]:
    return [("toy_children", {"node": node}) for node in sorted(_graph(task.env).nodes)]


def enumerate_answers(task: Task) -> list[dict]:
    # brute force over every simple path, not the generator's BFS
    paths = list(nx.all_simple_paths(_graph(task.truth), task.env["source"], task.env["target"]))
    shortest = min(map(len, paths))
    return [{"path": p} for p in sorted(paths) if len(p) == shortest]


def mutants(task: Task) -> list[dict]:
    path = task.truth["reference"]["path"]
    return [{"path": path[::-1]}, {"path": path[:-1]}, {"path": [*path, "n99"]}, {"path": path + path[-1:]},
            {"path": [path[0], *path]}, {"path": []}]
