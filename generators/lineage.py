"""Paper-lineage tasks over the DQN->Rainbow and AlphaGo->MuZero lines of the embedded snapshot.

Kinds: which papers introduced a paper's components, a shortest citation chain between two papers,
the chronology of a set of papers, and what two papers have in common (the papers both cite, or
their latest common ancestor): warm-ups a lookup or two answers. Then kinds that need reading and
reasoning: which listed paper each one builds on, from descriptions alone (`reconstruct`), the papers
on every citation chain between two (`bottleneck`) and the true ones among K statements (`claims`).
`--anonymize` asks the same questions under stable pseudonyms (the default for components and the
reasoning kinds, so that memory of the real papers is no shortcut; `--no-anonymize` names them).
What each kind asks and how it is drawn is generators.lineage_questions and
generators.lineage_reasoning; the hooks tasks.check calls are generators.lineage_checks, re-exported
here.

    python -m generators.lineage --lineage dqn-rainbow --kind path --hops 3 --n 20
"""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass, field
from typing import Any

from generators import lineage_reasoning as reasoning
from generators import tool_kind
from generators.base import MIXED, knobs_of, main, task_id
from generators.lineage_checks import (  # noqa: F401 (the family protocol's check hooks, re-exported)
    baseline,
    enumerate_answers,
    mutants,
    probe_calls,
    random_answer,
)
from generators.lineage_questions import ASKS, QUESTIONS, SCHEMAS
from graphs.papers import (
    CHECK_COMMAND,
    LINEAGES,
    SNAPSHOT,
    anonymize,
    lineage_members,
    load_snapshot,
    relabel,
    subset,
    to_env,
    to_graph,
)
from tasks.task import Task

FAMILY = "lineage"
KINDS = ("components", "path", "chronology", "common", *reasoning.KINDS, tool_kind.KIND)
# 4: TreeQN builds on the deep Q-network (and ATreeC on the actor-critic agent), as its description says
# 5: claims over the whole collection with a call budget a targeted check fits and a crawl does not;
# bottleneck's answer is empty one task in eight; reconstruct lists 16 papers, a grandparent trap per two
# 6: claims' listings carry no dates (a date costs a get_paper call), 12 statements with no-chain and
# three-step reach ones, and a budget of the targeted check's own calls + 1 (bottleneck's slack is 1 too)
VERSION = 8  # 7: a count statement of one paper says "1 paper"; 8: claims say every-chain statements have a chain
MAX_HOPS = 6

INTRO = """\
A collection of {count} research papers is available through tools: \
search_papers (search titles and summaries), get_paper (a paper's record, with its first-version date), \
references (the papers of the collection it cites) and citations (the papers of the collection citing \
it). Only citations between papers of the collection count.{budget}
Name a paper by its id as the tools list it ({spellings}) or by its exact title.
"""
TOOLS = ["search_papers", "get_paper", "references", "citations"]
# The tools list papers one a line, never an answer's list; a latest common ancestor is one id that
# any listing may show, so for `common` only the `papers` field must stay hidden.
REVEALS = {
    "components": {"kind": "answer_hidden"},
    "path": {"kind": "answer_hidden"},
    "chronology": {"kind": "answer_hidden"},
    "common": {"kind": "answer_hidden", "fields": ["papers"]},
    **reasoning.REVEALS,
    tool_kind.KIND: {"kind": "answer_hidden"},
}
# the kinds asked under pseudonyms unless --no-anonymize: memory of the real papers is no shortcut there
ANONYMIZED = ("components", *reasoning.KINDS)
# bottleneck and claims ask over the whole collection by default, so chains run long and parallel and
# reading every paper's references costs more calls than the budget
KIND_DISTRACTORS = {"bottleneck": 13, "claims": 13}
LADDERS = {
    "components": [
        {"distractors": 0, "decoys": 1, "anonymize": False},
        {"distractors": 6, "decoys": 1, "anonymize": False},
        {"distractors": 13, "decoys": 1, "anonymize": False},
        {"distractors": 13, "decoys": 1, "budget": 8},
        {"distractors": 4, "decoys": 2},
        {"distractors": 13, "decoys": 3},
        {"distractors": 13, "decoys": 3, "budget": 8},
    ],
    "path": [
        {"hops": 2},
        {"hops": 2, "distractors": 6},
        {"hops": 3, "distractors": 6},
        {"hops": 3, "distractors": 13, "budget": 10},
        {"hops": 3, "distractors": 13, "budget": 10, "anonymize": True},
    ],
    "chronology": [
        {"items": 3},
        {"items": 5},
        {"items": 8},
        {"items": 8, "budget": 4},
        {"items": 10, "budget": 4, "anonymize": True},
    ],
    "common": [
        {"distractors": 0},
        {"distractors": 6},
        {"distractors": 13},
        {"distractors": 13, "budget": 6},
        {"distractors": 13, "budget": 6, "anonymize": True},
    ],
    "reconstruct": [
        {"papers": 4, "anonymize": False},
        {"papers": 4},
        {"papers": 6},
        {"papers": 8},
        {"papers": 12},
        {"papers": 16},
    ],
    "bottleneck": [
        {"distractors": 0, "span": 3, "slack": -1, "anonymize": False},
        {"distractors": 0, "span": 3, "slack": -1},
        {"distractors": 6, "span": 5, "slack": -1},
        {"distractors": 13, "span": 6, "slack": -1},
        {"distractors": 13, "span": 6, "slack": 3},
        {"distractors": 13, "span": 8, "slack": 1},
    ],
    "claims": [
        {"statements": 3, "distractors": 0, "slack": -1, "anonymize": False},
        {"statements": 4, "distractors": 0, "slack": -1},
        {"statements": 6, "distractors": 4, "slack": -1},
        {"statements": 10, "distractors": 4, "slack": -1},
        {"statements": 10, "distractors": 13, "slack": 3},
        {"statements": 12, "distractors": 13, "slack": 1},
    ],
    tool_kind.KIND: tool_kind.LADDER,
}


def _load(graph: str) -> dict[str, Any]:
    """The embedded snapshot, or a graph file written by `python -m graphs.papers build`."""
    try:
        data = load_snapshot(graph or SNAPSHOT)
        to_graph(data)  # a malformed file fails here, with the CLI's one-line error
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"--graph {graph}: not a readable paper graph ({type(e).__name__}: {e})") from None
    return data


@dataclass(frozen=True)
class Config(tool_kind.ToolKnobs):
    """Difficulty knobs of the lineage family."""

    kind: str = MIXED
    lineage: str = field(default="all", metadata={"help": "dqn-rainbow, alphago-muzero or all"})
    distractors: int = field(
        default=-1, metadata={"help": "papers from outside the lineage added to the collection (-1: the "
                              f"kind's default, {KIND_DISTRACTORS['bottleneck']} for bottleneck and claims, "
                              "else 4)"}
    )
    hops: int = field(
        default=2, metadata={"help": "path: citation steps on a shortest chain (from 2: one step is a given)"}
    )
    items: int = field(default=5, metadata={"help": "chronology: papers to order"})
    decoys: int = field(
        default=2,
        metadata={"help": "components: at least this many papers the paper cites that gave it no "
                  "component (related ideas a loose reading takes for one)"},
    )
    papers: int = field(default=16, metadata={"help": "reconstruct: papers listed with their descriptions "
                                              "(named with --no-anonymize: the memorization gap)"})
    statements: int = field(default=12,
                            metadata={"help": "claims: statements to judge (a guess passes 2^-K)"})
    span: int = field(
        default=6, metadata={"help": "bottleneck: at least this many papers on the chains between the two "
                             "papers, both included"})
    slack: int = field(
        default=1, metadata={"help": "bottleneck, claims: tool calls allowed beyond those a search of the "
                             "chains (a targeted check of the statements) needs (-1: no limit; a --budget "
                             "above 0 overrides it)"})
    budget: int = field(default=0, metadata={"help": "tool calls allowed per episode (0: no limit)"})
    anonymize: bool = field(
        default=None,
        metadata={"help": "stable pseudonyms for ids, titles and authors (default: on for "
                  f"{', '.join(ANONYMIZED)}, off for the other kinds)"},
    )
    graph: str = field(
        default="",
        metadata={"help": "a graph file from `python -m graphs.papers build` (default: the snapshot)"},
    )

    def __post_init__(self) -> None:
        """Replace the 'kind default' marker by the kind's default, so tasks record what they used."""
        if self.distractors == -1:
            object.__setattr__(self, "distractors", KIND_DISTRACTORS.get(self.kind, 4))

    def mixed_kinds(self) -> tuple[str, ...]:
        """The kinds `mixed` cycles through: reconstruct only on a graph whose papers have descriptions
        (a built graph's have none), and never tool, whose grading runs code on hidden instances."""
        described = any(p.get("description") for p in _load(self.graph)["papers"])
        return tuple(k for k in KINDS if k != tool_kind.KIND and (described or k not in reasoning.NO_TOOLS))

    def validate(self) -> None:
        """Raise ValueError naming the knob, its value and the allowed range."""
        if self.kind not in (*KINDS, MIXED):
            raise ValueError(f"kind must be one of {', '.join((*KINDS, MIXED))}, got {self.kind!r}")
        tool_kind.validate_knobs(self, FAMILY)
        if self.lineage not in (*LINEAGES, "all"):
            raise ValueError(
                f"--lineage must be one of {', '.join((*LINEAGES, 'all'))}, got {self.lineage!r}"
            )
        data = _load(self.graph)
        members = len(lineage_members(data, self.lineage))
        outside = len(data["papers"]) - members
        if not members:
            raise ValueError(f"--lineage {self.lineage}: no paper of the graph is tagged with it; use all")
        for name, value, low, high in [
            ("distractors", self.distractors, 0, outside),
            ("hops", self.hops, 2, MAX_HOPS),
            ("items", self.items, 2, members),
            ("decoys", self.decoys, 1, 10),
            ("statements", self.statements, 2, 20),
            ("papers", self.papers, 2, 30),
            ("span", self.span, 3, 60),
            ("slack", self.slack, -1, 1000),
            ("budget", self.budget, 0, 10_000),
        ]:
            if not low <= value <= high:
                raise ValueError(
                    f"--{name} must be in {low}..{high} for --lineage {self.lineage}, got {value}"
                )


def _collection(data: dict[str, Any], config: Config, rng: random.Random) -> set[str]:
    """The lineage's papers plus `distractors` drawn from the rest."""
    members = lineage_members(data, config.lineage)
    outside = sorted(p["id"] for p in data["papers"] if p["id"] not in members)
    return set(members) | set(rng.sample(outside, config.distractors))


def _mention(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    """Papers as the prompt names them, `Name (id)`; anything else as it is."""
    if isinstance(value, list):
        return ", ".join(_mention(v, by_id) for v in value)
    return f"{by_id[value]['name']} ({value})" if value in by_id else value


def generate(config: Config, seed: int, index: int) -> Task:
    """One task; the question is drawn on the real graph, then relabelled when anonymized, so the
    same seed asks the same question either way."""
    if config.kind == tool_kind.KIND:
        return tool_kind.generate(FAMILY, config, seed, index)
    rng = random.Random(f"{FAMILY}:{config.kind}:{seed}:{index}")
    snapshot = _load(config.graph)
    keep = _collection(snapshot, config, rng)
    data = subset(snapshot, keep)
    if config.kind in reasoning.QUESTIONS:  # bottleneck sets its share of empty answers by index
        question = reasoning.QUESTIONS[config.kind](to_graph(data), config, rng, index)
    else:
        question = QUESTIONS[config.kind](to_graph(data), config, rng)
    if question is None:
        raise ValueError(
            f"no {config.kind} question exists for --lineage {config.lineage} with these knobs "
            f"(hops={config.hops}, distractors={config.distractors}); try other values"
        )
    ask, fields, truth = question
    anonymized = config.anonymize if config.anonymize is not None else config.kind in ANONYMIZED
    # pseudonyms over the whole snapshot, so a summary naming a paper left out of the collection is covered
    renamed = anonymize(snapshot) if anonymized else snapshot
    ids = {real["id"]: fake["id"] for real, fake in zip(snapshot["papers"], renamed["papers"], strict=True)}
    shown = subset(renamed, {ids[k] for k in keep})
    fields, truth = relabel(fields, ids), relabel(truth, ids)
    by_id = {p["id"]: p for p in shown["papers"]}
    if ask == "components":  # described from the shown graph, whose texts name papers by their pseudonyms
        fields["components"] = "; ".join(
            sorted(
                e["builds_on"]
                for e in shown["citations"]
                if e["citing"] == fields["paper"] and e.get("builds_on")
            )
        )
    if ask in reasoning.ASKS:
        named = reasoning.render(ask, fields, lambda v: _mention(v, by_id), shown)
    else:
        named = {k: _mention(v, by_id) for k, v in fields.items()}
    if ask == "chronology":  # titles only, one a line: ids would leak the order, titles hold commas
        named["papers"] = "\n".join(f"- {by_id[k]['title']}" for k in fields["papers"])
    spellings = (
        "pseudonymous ids such as " + shown["papers"][0]["id"]
        if anonymized
        else "e.g. 1710.02298, arXiv:1710.02298, 1710.02298v2, or a DOI"
    )
    needed = truth.get("calls_needed", 0)  # bottleneck: the calls a search of the chains needs
    calls = config.budget or (needed + config.slack if needed and config.slack >= 0 else 0)
    budget = f" You may make at most {calls} tool calls." if calls else ""
    asks, schemas = {**ASKS, **reasoning.ASKS}, {**SCHEMAS, **reasoning.SCHEMAS}
    intro = "" if ask in reasoning.NO_TOOLS else INTRO.format(
        count=len(shown["papers"]), budget=budget, spellings=spellings
    )
    prompt = intro + asks[ask].format(**named)
    schema = {
        "type": "object",
        "properties": schemas[ask],
        "required": sorted(schemas[ask]),
        "additionalProperties": False,
    }
    env = to_env(shown)
    if ask in reasoning.CREDITS:  # what the credits tool reads: [citing, cited, the component taken]
        env["credits"] = sorted([e["citing"], e["cited"], e["builds_on"]]
                                for e in shown["citations"] if e.get("builds_on"))
    if calls and ask not in reasoning.NO_TOOLS:
        env["calls_left"] = calls
    if ask in reasoning.UNDATED:  # the tools list papers without dates, so pruning by date has a price
        env["undated_listings"] = True
    return Task(
        id=task_id(FAMILY, config, seed, index),
        family=f"{FAMILY}.{config.kind}",
        prompt=prompt,
        tools=[] if ask in reasoning.NO_TOOLS else TOOLS + (["credits"] if ask in reasoning.CREDITS else []),
        answer_schema=schema,
        env=env,
        truth=truth,
        grader=f"{FAMILY}.{config.kind}",
        meta={
            "seed": seed,
            "index": index,
            "version": VERSION,
            "knobs": knobs_of(config),
            "anonymized": anonymized,
            "provenance": _provenance(config.graph),
        },
    )


def _provenance(graph: str) -> dict[str, Any]:
    if graph:  # the knobs hold the path; the provenance says what the file is
        return {
            "source": f"{os.path.basename(graph)}, built by graphs.papers from arXiv, Semantic Scholar "
            "and OpenAlex",
            "verified": True,
        }
    return {
        "source": "graphs/data/papers.json, curated from memory",
        "verified": False,
        "check": CHECK_COMMAND,
    }


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))
