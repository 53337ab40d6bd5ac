"""Causal tasks on random DAGs: find wrongly oriented edges from data (`reversed_edge`, in
generators/causal_reversed.py), choose the cheapest backdoor
adjustment set, estimate an average causal effect under confounding, recover an equivalence class
from a d-separation oracle, decide whether an effect is identifiable with unobserved variables (the
`identify` kind, in generators/causal_identify.py), and compute one unit's counterfactual outcome
(`counterfactual`, in generators/causal_counterfactual.py).

    python -m generators.causal --edges 8 --kind adjustment --n 100
"""
from __future__ import annotations

import functools
import itertools
import math
import sys
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from generators import (
    causal_counterfactual,
    causal_identify,
    causal_identify_counts,
    causal_reversed,
    tool_kind,
)
from generators.base import MIXED, knobs_of, main, task_id
from graphs import causal as cg
from tasks.task import Task

FAMILY = "causal"
KINDS = ("reversed_edge", "adjustment", "effect", "discover", "identify", "counterfactual",
         tool_kind.KIND)
VERSION = 12  # 4: discover --from data keeps only PC runs without conflicting v-structures; 5: harder
# identify and counterfactual defaults; 6: counterfactual units with a partial record;
# 7: prompts name the variables without edges; 8: identify on binary data by default (--scm);
# 9: identify on a counts table by default, effects that need the ID algorithm and subtle hedges;
# 10: identify on rows (--scm linear, binary) draws up to 8 SCMs on a graph that passes its checks;
# 11: identify on counts runs no code by default: its tool evaluate computes a formula of probabilities the
# model derived (--compute python: v10's tasks, byte for byte but the version); 12: identify --compute formula
# takes the formula itself as an answer too, graded exactly on the SCM's and three more SCMs' distributions
MIN_EDGES = {"reversed_edge": 2, "adjustment": 3, "effect": 3, "discover": 1,
             "identify": causal_identify.MIN_EDGES, "counterfactual": causal_counterfactual.MIN_EDGES,
             tool_kind.KIND: 1, MIXED: 3}
MAX_NODES = 60
KEEP_NO_SET = 0.1  # adjustment: the chance an instance without a valid set is kept (about 5% of tasks)
SOURCES = ("oracle", "data")  # discover: d-separation queries, or data alone
COMPUTE = ("formula", "python")  # identify --scm counts: the evaluate tool, or code on counts.csv
PC_ALPHA = 0.01  # discover --from data: the level at which PC must recover the true CPDAG
TRIES = 200  # random graphs drawn before giving up on a knob setting that admits no instance
TOLERANCE_SES = 3  # effect tolerance, in standard errors of the parent-adjusted estimator

PROMPTS = {
    "reversed_edge": causal_reversed.PROMPT,
    "adjustment": """\
A causal DAG over the variables {variables} is hidden; explore it with parents(node) and children(node). \
You want the causal effect of {x} on {y}. Observed variables and what measuring each costs: {costs}. \
Unobserved: {hidden}.
Find a set of observed variables (neither {x} nor {y}) of minimum total cost that satisfies the backdoor \
criterion for ({x}, {y}): it contains no descendant of {x} and blocks every path between {x} and {y} that \
starts with an edge into {x}.
Submit {{"adjustment_set": ["A", ...]}}, or {{"adjustment_set": null}} if no set of observed variables \
satisfies the criterion. Graded correct if the set satisfies the criterion and no valid set costs less; \
any valid set of minimum cost is accepted.""",
    "effect": """\
The data in data.csv ({samples} rows, one column per variable) come from a linear structural causal \
model with Gaussian noise on this DAG:
{edges}
Estimate the average causal effect of {x} on {y}: the change in the expected value of {y} when {x} is \
set by intervention to one unit higher. Tools: python runs code in a folder holding data.csv; ci_test \
runs a partial-correlation test on the data.
Submit {{"effect": 0.5}}. Graded correct if within {tolerance} of the true effect.""",
    "discover": """\
A causal DAG over the variables {variables} is hidden. ci_test(x, y, given) tells you whether x and y \
are d-separated given a set of other variables (a perfect oracle); you may ask it {budget} times.
Recover the DAG's Markov equivalence class as a CPDAG: the edges directed in every DAG of the class, and \
the other adjacencies as undirected pairs.
Submit {{"directed": [["A", "B"], ...], "undirected": [["C", "D"], ...]}} where ["A", "B"] means A -> B. \
Graded correct if it is exactly the true CPDAG; edges in any order, undirected pairs in either order.""",
    "discover_data": """\
The data in data.csv ({samples} rows, one column per variable) come from a linear structural causal \
model with Gaussian noise on a hidden DAG over the variables {variables}, faithful to it.
Recover the DAG's Markov equivalence class as a CPDAG: the edges directed in every DAG of the class, and \
the other adjacencies as undirected pairs. These data determine it: the PC algorithm as causal-learn \
implements it (`pc`, stable variant, \
Fisher-z partial-correlation tests at alpha = {alpha}) run on them finds exactly the true CPDAG, with no \
conflicting v-structures (no two colliders orient one edge both ways), so any way of resolving such \
conflicts gives the same graph. Tools: \
ci_test runs a partial-correlation test (Fisher z) on the data; python runs code in a folder holding \
data.csv.
Submit {{"directed": [["A", "B"], ...], "undirected": [["C", "D"], ...]}} where ["A", "B"] means A -> B. \
Graded correct if it is exactly the true CPDAG; edges in any order, undirected pairs in either order.""",
    "identify": causal_identify.PROMPT,
    "identify_binary": causal_identify.PROMPT_BINARY,
    "identify_counts": causal_identify_counts.PROMPT,
    "identify_formula": causal_identify_counts.PROMPT_FORMULA,
    "counterfactual": causal_counterfactual.PROMPT,
}

_PAIR = {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}
SCHEMAS = {
    "reversed_edge": causal_reversed.SCHEMA,
    "adjustment": {"adjustment_set": {"type": ["array", "null"], "items": {"type": "string"}}},
    "effect": {"effect": {"type": "number"}},
    "discover": {"directed": {"type": "array", "items": _PAIR},
                 "undirected": {"type": "array", "items": _PAIR}},
    "identify": causal_identify.SCHEMA,
    "counterfactual": causal_counterfactual.SCHEMA,
}
REQUIRED = {"identify": causal_identify.REQUIRED}  # the other kinds require every field
TOOLS = {"reversed_edge": ["ci_test", "python"], "adjustment": ["parents", "children"],
         "effect": ["ci_test", "python"], "discover": ["ci_test"], "identify": ["ci_test", "python"],
         "counterfactual": ["ci_test", "python"]}
# What tools may show, for the leak check of tasks.check: none reveals a reference answer.
REVEALS = {kind: {"kind": "answer_hidden"} for kind in KINDS}
# The defaults of the causal-reasoning kinds are larger than the others' (their old defaults are now easy
# levels of their ladders).
KIND_DEFAULTS = {"identify": {"edges": 20, "hidden": 4}, "counterfactual": {"edges": 12}}
LADDERS = {
    "reversed_edge": causal_reversed.LADDER,
    "adjustment": [{"edges": 4, "hidden": 0}, {"edges": 8, "hidden": 1}, {"edges": 12, "hidden": 2},
                   {"edges": 18, "hidden": 3}, {"edges": 26, "hidden": 4}],
    "effect": [{"edges": 3, "samples": 2000}, {"edges": 6, "samples": 1000}, {"edges": 10, "samples": 500},
               {"edges": 16, "samples": 300}, {"edges": 24, "samples": 200}],
    "discover": [{"edges": 3}, {"edges": 6}, {"edges": 10}, {"edges": 15}, {"edges": 22}],
    "identify": causal_identify.LADDER,
    "counterfactual": causal_counterfactual.LADDER,
    tool_kind.KIND: tool_kind.LADDER,
}


@dataclass(frozen=True)
class Config(tool_kind.ToolKnobs):
    """Difficulty knobs of the causal family."""

    kind: str = MIXED
    edges: int = field(default=0, metadata={"help": "edges of the DAG (0: the kind's default, 8 but for "
                                                     "identify 20 and counterfactual 12)"})
    nodes: int = field(default=0, metadata={"help": "variables (0: edges // 2 + 3, or as edges need)"})
    samples: int = field(default=0, metadata={"help": "rows of data (all kinds but adjustment, discover; 0: "
                                                      "500, but for identify 10000 on binary data, 10^6 "
                                                      "counted)"})
    binary: bool = field(default=False, metadata={"help": "reversed_edge: binary data and chi-square tests"})
    scm: str = field(default="", metadata={"help": "identify: counts (binary variables, data as a table "
                                                    "of counts), binary (variables with conditional "
                                                    "probability tables) or linear (linear-Gaussian); "
                                                    "default counts for kind identify, linear in mixed"})
    compute: str = field(default="formula", metadata={
        "help": "identify --scm counts: formula (no code runs; the tool evaluate computes a formula of the "
                "observed probabilities the model derived) or python (code runs on counts.csv)"})
    hidden: int = field(default=-1, metadata={"help": "adjustment, identify: unobserved variables (-1: the "
                                                      "kind's default, 2 but for identify 4)"})
    max_cost: int = field(default=5, metadata={"help": "adjustment: measurement costs are 1..max_cost"})
    budget: int = field(default=0, metadata={"help": "discover: oracle queries (0: 3 per pair of variables)"})
    reversals: int = field(default=1, metadata={"help": "reversed_edge: edges of the proposed DAG reversed"})
    source: str = field(default="oracle", metadata={
        "flag": "--from", "help": "discover: learn from an oracle (d-separation queries) or from data"})
    interaction: bool = field(default=True, metadata={
        "help": "counterfactual: a product of two parents in the equations of the outcome and its mediators "
                "(default on)"})
    unrecorded: int = field(default=-1, metadata={
        "help": "counterfactual: the unit's variables left unrecorded, so the answer is an expectation given "
                "the rest (-1: 2 with --interaction, else 0; 0: a full record)"})

    def __post_init__(self) -> None:
        """Replace the 'kind default' markers by the kind's defaults, so tasks record what they used."""
        defaults = KIND_DEFAULTS.get(self.kind, {})
        if self.edges == 0:
            object.__setattr__(self, "edges", defaults.get("edges", 8))
        if self.hidden == -1:
            object.__setattr__(self, "hidden", defaults.get("hidden", 2))
        if not self.scm:  # mixed shares one --samples among kinds: its identify tasks stay linear
            object.__setattr__(self, "scm", "counts" if self.kind == "identify" else "linear")
        if self.samples == 0:
            object.__setattr__(self, "samples", causal_identify.DEFAULT_SAMPLES[self.scm]
                               if self.kind == "identify" and self.scm in causal_identify.SCMS else 500)
        if self.unrecorded == -1:
            object.__setattr__(self, "unrecorded", causal_counterfactual.DEFAULT_UNRECORDED
                               if self.kind == "counterfactual" and self.interaction else 0)

    @property
    def n_nodes(self) -> int:
        """The number of variables: --nodes, or enough for the edges with room to spare."""
        return self.nodes or max(self.edges // 2 + 3, math.ceil((1 + math.sqrt(1 + 8 * self.edges)) / 2))

    def validate(self) -> None:
        """Raise ValueError naming the knob, its value and the allowed range."""
        if self.kind not in (*KINDS, MIXED):
            raise ValueError(f"kind must be one of {', '.join((*KINDS, MIXED))}, got {self.kind!r}")
        tool_kind.validate_knobs(self, FAMILY)
        checks = [("edges", self.edges, MIN_EDGES[self.kind], cg.max_edges(MAX_NODES)),
                  ("nodes", self.nodes, 0, MAX_NODES),
                  ("samples", self.samples, 20, 10 ** 8 if self.scm == "counts" else 100_000),
                  ("max_cost", self.max_cost, 1, 1000), ("budget", self.budget, 0, 100_000),
                  ("reversals", self.reversals, 1, max(1, self.edges))]
        for name, value, low, high in checks:
            if not low <= value <= high:
                raise ValueError(f"--{name.replace('_', '-')} must be in {low}..{high}"
                                 f"{f' for kind {self.kind}' if name == 'edges' else ''}, got {value}")
        if self.edges > cg.max_edges(self.n_nodes):
            raise ValueError(f"--edges {self.edges} is more than a DAG on {self.n_nodes} nodes can hold "
                             f"({cg.max_edges(self.n_nodes)}); raise --nodes or lower --edges")
        if self.scm not in causal_identify.SCMS:
            raise ValueError(f"--scm must be one of {', '.join(causal_identify.SCMS)}, got {self.scm!r}")
        if self.compute not in COMPUTE:
            raise ValueError(f"--compute must be one of {', '.join(COMPUTE)}, got {self.compute!r}")
        if self.source not in SOURCES:
            raise ValueError(f"--from must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if self.kind in ("adjustment", "identify", MIXED) and not 0 <= self.hidden <= self.n_nodes - 2:
            raise ValueError(f"--hidden must be in 0..{self.n_nodes - 2} (the nodes but treatment and "
                             f"outcome), got {self.hidden}")
        if not 0 <= self.unrecorded <= self.n_nodes - 2:
            raise ValueError(f"--unrecorded must be in 0..{self.n_nodes - 2} (the nodes but treatment and "
                             f"outcome), got {self.unrecorded}")
        if self.unrecorded and not self.interaction:
            raise ValueError("--unrecorded needs --interaction: in a linear SCM the counterfactual does not "
                             f"depend on the unrecorded values, got --unrecorded {self.unrecorded}")
        if self.kind == "identify" and self.hidden < 1:
            raise ValueError(f"--hidden must be at least 1 for kind identify (it asks about unobserved "
                             f"variables), got {self.hidden}")


    def mixed_kinds(self) -> tuple[str, ...]:
        """The kinds `mixed` cycles through: those the number of edges allows, and never tool, whose grading
        runs code on hidden instances."""
        return tuple(kind for kind in KINDS if kind != tool_kind.KIND and self.edges >= MIN_EDGES[kind])


def _edges(g: nx.DiGraph) -> list[list[str]]:
    return [list(e) for e in sorted(g.edges)]


def _confounded_pair(rng: np.random.Generator, dag: nx.DiGraph) -> tuple[str, str] | None:
    """A random (x, y) with y a descendant of x and an open backdoor path between them, if any."""
    for k in rng.permutation(len(dag)):
        x = list(dag)[k]
        descendants = sorted(nx.descendants(dag, x))
        if not descendants or not next(iter(dag.predecessors(x)), None):
            continue  # without parents, x has no backdoor path
        backdoor = cg.backdoor_graph(dag, x)
        for j in rng.permutation(len(descendants)):
            if not nx.is_d_separator(backdoor, {x}, {descendants[j]}, set()):
                return x, descendants[j]
    return None


def _adjustment(rng, config, dag) -> dict[str, Any] | None:
    pair = _confounded_pair(rng, dag)
    if pair is None:
        return None
    x, y = pair
    others = [v for v in dag if v not in pair]
    hidden = sorted(others[i] for i in rng.choice(len(others), size=config.hidden, replace=False))
    cost = {v: int(rng.integers(1, config.max_cost + 1)) for v in others if v not in hidden}
    best = cg.cheapest_backdoor_set(dag, x, y, cost)
    if best is None and rng.random() >= KEEP_NO_SET:
        return None  # left to chance, "none exists" would be a third of the answers: a constant guess
    return {"format": {"x": x, "y": y, "hidden": ", ".join(hidden) or "none",
                       "costs": ", ".join(f"{v} {c}" for v, c in cost.items()) or "none besides the two"},
            "env": {"dag": _edges(dag)},
            "truth": {"treatment": x, "outcome": y, "cost": cost,
                      "min_cost": None if best is None else sum(cost[v] for v in best),
                      "reference": {"adjustment_set": None if best is None else sorted(best)}}}


def _effect(rng, config, dag) -> dict[str, Any] | None:
    pair = _confounded_pair(rng, dag)
    if pair is None:
        return None
    x, y = pair
    weights = cg.random_weights(rng, dag)
    data = np.round(cg.sample_linear_gaussian(rng, dag, weights, config.samples), 3)  # what the CSV holds
    col = {v: i for i, v in enumerate(dag)}
    effect = cg.total_effect(dag, weights, x, y)
    coef, se = cg.ols(data, col[y], [col[x]] + [col[p] for p in sorted(dag.predecessors(x))])
    tolerance = math.ceil(TOLERANCE_SES * se[1] * 1000) / 1000
    naive = float(cg.ols(data, col[y], [col[x]])[0][1])
    if abs(coef[1] - effect) > tolerance or abs(naive - effect) <= tolerance:
        return None  # the adjusted estimate must pass and the unadjusted one must fail
    return {"format": {"edges": cg.edge_lines(dag), "x": x, "y": y, "tolerance": tolerance},
            "env": {"files": {"data.csv": cg.to_csv(list(dag), data, "%.3f")},
                    "ci_test": "partial_correlation"},
            "truth": {"treatment": x, "outcome": y, "effect": effect, "tolerance": tolerance,
                      "weights": [[u, v, w] for (u, v), w in sorted(weights.items())],
                      "naive_estimate": naive,
                      "reference": {"effect": round(float(coef[1]), 4)}}}


def _discover(rng, config, dag) -> dict[str, Any] | None:
    directed, undirected = cg.cpdag(dag)
    reference = {"directed": sorted(map(list, directed)), "undirected": sorted(sorted(p) for p in undirected)}
    if config.source == "data":
        from graphs.causal_pc import pc_recovers  # here, so only data tasks import scipy

        data = np.round(cg.sample_linear_gaussian(rng, dag, cg.random_weights(rng, dag), config.samples), 3)
        if not pc_recovers(data, dag, PC_ALPHA):  # pc_cpdag(...) == (directed, undirected), faster
            return None  # the data must determine the answer by the method the prompt names
        return {"template": "discover_data", "tools": ["ci_test", "python"], "format": {"alpha": PC_ALPHA},
                "env": {"files": {"data.csv": cg.to_csv(list(dag), data, "%.3f")},
                        "ci_test": "partial_correlation"},
                "truth": {"reference": reference}}
    budget = config.budget or 3 * len(dag) * (len(dag) - 1) // 2
    return {"format": {"budget": budget},
            "env": {"dag": _edges(dag), "ci_test": "d_separation", "budget": budget},
            "truth": {"reference": reference}}


BUILDERS = {"reversed_edge": causal_reversed.build, "adjustment": _adjustment, "effect": _effect,
            "discover": _discover, "identify": causal_identify.build,
            "counterfactual": lambda rng, config, dag: causal_counterfactual.build(
                rng, config, dag, _confounded_pair(rng, dag))}


def generate(config: Config, seed: int, index: int) -> Task:
    """Task `index` of the family for this config and seed; raises ValueError if no instance exists."""
    if config.kind == tool_kind.KIND:
        return tool_kind.generate(FAMILY, config, seed, index)
    rng = np.random.default_rng([seed, index])
    builder = BUILDERS[config.kind]
    if config.kind == "identify":  # the sort of instance is chosen once per task, not once per graph
        builder = functools.partial(causal_identify.build, target=causal_identify.target_of(seed, index,
                                                                                      config.scm))
    tries = causal_identify.TRIES if config.kind == "identify" else TRIES
    for _ in range(tries):
        dag = cg.random_dag(rng, config.n_nodes, config.edges)
        built = builder(rng, config, dag)
        if built is not None:
            break
    else:
        raise ValueError(f"no {config.kind} instance in {tries} random DAGs with --edges {config.edges} "
                         f"on {config.n_nodes} nodes; try other --edges or --nodes")
    dag = built.pop("dag", dag)  # identify may plant a structure in a DAG of its own
    variables = built["env"].pop("variables", list(dag))  # identify: only the observed ones
    template = PROMPTS[built.get("template", config.kind)]  # discover --from data has its own
    prompt = template.format(variables=", ".join(variables), samples=config.samples, **built["format"])
    return Task(
        id=task_id(FAMILY, config, seed, index),
        family=f"{FAMILY}.{config.kind}",
        prompt=prompt,
        tools=list(built.get("tools", TOOLS[config.kind])),
        answer_schema={"type": "object",
                       "properties": {**SCHEMAS[config.kind], **built.get("answer_fields", {})},
                       "required": REQUIRED.get(config.kind, sorted(SCHEMAS[config.kind])),
                       "additionalProperties": False},
        env={"variables": variables, **built["env"]},
        truth={"variables": list(dag), "dag": _edges(dag), **built["truth"]},
        grader=f"{FAMILY}.{config.kind}",
        meta={"seed": seed, "index": index, "generator": f"{FAMILY}/{VERSION}", "knobs": knobs_of(config),
              "provenance": "synthetic: DAG and SCM drawn from numpy.random.default_rng([seed, index])"},
    )


# --- the scripted agents and self-checks of the family protocol --------------------------------------

def _pick(rng: Any, items: list) -> Any:
    """A random item; `rng` may be a random.Random or a numpy Generator (both have .random())."""
    return items[int(rng.random() * len(items))]


def _truth_dag(task: Task) -> nx.DiGraph:
    return cg.dag_from(task.truth["variables"], task.truth["dag"])


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: the first proposed edge, adjust for everything observed, the unadjusted regression
    slope, or the empty graph."""
    kind = task.family.split(".")[1]
    if kind == tool_kind.KIND:
        return tool_kind.baseline(task, rng)
    if kind == "reversed_edge":
        return causal_reversed.baseline(task)
    if kind == "adjustment":
        return {"adjustment_set": sorted(task.truth["cost"])}
    if kind == "identify":
        return causal_identify.baseline(task)
    if kind == "counterfactual":
        return causal_counterfactual.baseline(task)
    if kind == "effect":
        names, data = cg.from_csv(task.env["files"]["data.csv"])
        x, y = names.index(task.truth["treatment"]), names.index(task.truth["outcome"])
        return {"effect": round(float(cg.ols(data, y, [x])[0][1]), 4)}
    return {"directed": [], "undirected": []}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: k random proposed edges, a random observed set (or null), a random effect in
    [-2, 2], or a random orientation of random pairs."""
    kind = task.family.split(".")[1]
    if kind == tool_kind.KIND:
        return tool_kind.random_answer(task, rng)
    if kind == "reversed_edge":
        return causal_reversed.random_answer(task, rng)
    if kind == "adjustment":
        chosen = [v for v in sorted(task.truth["cost"]) if rng.random() < 0.5]
        return {"adjustment_set": None if rng.random() < 0.2 else chosen}
    if kind == "effect":
        return {"effect": round(4 * rng.random() - 2, 3)}
    if kind == "identify":
        return causal_identify.random_answer(task, rng)
    if kind == "counterfactual":
        return causal_counterfactual.random_answer(task, rng)
    pairs = [list(p) for p in itertools.combinations(task.truth["variables"], 2) if rng.random() < 0.3]
    directed = [p if rng.random() < 0.5 else p[::-1] for p in pairs if rng.random() < 0.5]
    undirected = [p for p in pairs if p not in directed and p[::-1] not in directed]
    return {"directed": directed, "undirected": undirected}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Valid calls of every tool the task offers, on random variables."""
    if task.family.endswith("." + tool_kind.KIND):
        return tool_kind.probe_calls(task, rng)
    variables = task.env["variables"]
    calls: list[tuple[str, dict[str, Any]]] = []
    for _ in range(3):
        x = _pick(rng, variables)
        y = _pick(rng, [v for v in variables if v != x])
        z = [v for v in variables if v not in (x, y) and rng.random() < 0.3]
        if "ci_test" in task.tools:
            calls += [("ci_test", {"x": x, "y": y, "given": []}), ("ci_test", {"x": x, "y": y, "given": z})]
        if "parents" in task.tools:
            calls += [("parents", {"node": x}), ("children", {"node": y})]
        if "evaluate" in task.tools:  # identify --compute formula: a backdoor formula on random variables
            inner = f'P("{y}=1 | {x}=1, {", ".join(z)}") * P("{", ".join(z)}")'
            formula = f'sum("{", ".join(z)}", {inner})' if z else f'P("{y}=1 | {x}=1")'
            calls.append(("evaluate", {"formula": formula}))
    if "python" in task.tools:  # data.csv, or identify's counts.csv
        name = sorted(task.env["files"])[0]
        calls.append(("python", {"code": "import numpy as np\n"
                                         f"d = np.loadtxt({name!r}, delimiter=',', skiprows=1)\n"
                                         "print(d.shape, d.mean(axis=0).round(2))"}))
    return calls


def enumerate_answers(task: Task) -> list[dict[str, Any]] | None:
    """Every correct answer by brute force, judged by a second method: equivalence by comparing CPDAGs,
    backdoor validity by enumerating paths, the CPDAG by orienting the skeleton every way. None for
    effect (a continuum) and for graphs too large to enumerate."""
    kind = task.family.split(".")[1]
    if kind == tool_kind.KIND:
        return tool_kind.enumerate_answers(task)
    dag = _truth_dag(task)
    if kind == "reversed_edge":
        return causal_reversed.enumerate_answers(task, dag)
    if kind == "adjustment" and len(task.truth["cost"]) <= 12 and len(dag) <= 14:
        x, y, cost = task.truth["treatment"], task.truth["outcome"], task.truth["cost"]
        valid = [list(z) for k in range(len(cost) + 1) for z in itertools.combinations(sorted(cost), k)
                 if cg.blocks_backdoor_paths(dag, x, y, z)]
        if not valid:
            return [{"adjustment_set": None}]
        least = min(sum(cost[v] for v in z) for z in valid)
        return [{"adjustment_set": z} for z in valid if sum(cost[v] for v in z) == least]
    if kind == "identify" and "formula" in task.answer_schema["properties"]:  # the ID functional, written out
        return [{"identifiable": True, "formula": task.truth["formula"]} if task.truth["identifiable"]
                else {"identifiable": False}]
    if kind == "discover" and dag.number_of_edges() <= 14:
        directed, undirected = cg.cpdag_by_enumeration(dag)
        return [{"directed": sorted(map(list, directed)),
                 "undirected": sorted(sorted(p) for p in undirected)}]
    return None


def mutants(task: Task) -> list[dict[str, Any]]:
    """Near misses that must fail, the most instructive first."""
    kind, ref = task.family.split(".")[1], task.truth["reference"]
    if kind == tool_kind.KIND:
        return tool_kind.mutants(task)
    if kind == "reversed_edge":
        return causal_reversed.mutants(task, enumerate_answers(task))
    if kind == "adjustment":
        x, chosen = task.truth["treatment"], ref["adjustment_set"]
        if chosen is None:
            return [{"adjustment_set": []}, {"adjustment_set": sorted(task.truth["cost"])}]
        dag = _truth_dag(task)
        descendants = sorted(nx.descendants(dag, x) & set(task.truth["cost"]))
        out = [{"adjustment_set": chosen[1:]}] if chosen else []  # cheaper than a minimum, so invalid
        out += [{"adjustment_set": sorted(chosen + descendants[:1])}] if descendants else []
        return out + [{"adjustment_set": None}, {"adjustment_set": chosen + [x]}]
    if kind == "identify":
        return causal_identify.mutants(task)
    if kind == "counterfactual":
        return causal_counterfactual.mutants(task)
    if kind == "effect":
        return [{"effect": task.truth["naive_estimate"]},
                {"effect": task.truth["effect"] + 2 * task.truth["tolerance"]}]
    first_edge = ref["directed"][:1] or ref["undirected"][:1]
    out = [{"directed": [e for e in ref["directed"] if e not in first_edge],
            "undirected": [p for p in ref["undirected"] if p not in first_edge]}]  # an adjacency missing
    if ref["undirected"]:
        out.append({"directed": ref["directed"] + ref["undirected"][:1], "undirected": ref["undirected"][1:]})
    if ref["directed"]:
        out.append({"directed": ref["directed"][1:], "undirected": ref["undirected"] + ref["directed"][:1]})
    return out


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))
