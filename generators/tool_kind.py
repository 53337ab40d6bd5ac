"""The `tool` kind any family can offer: the model writes a function to a contract, and the code is
graded (graders/tool_code.py) on hidden instances drawn at grading time from the task's seed.

A family offers it with a contracts module (`generators/<family>_tools_contracts.py`, listed in
CONTRACT_MODULES) whose `CONTRACTS` maps function names to `Contract`s, and a few lines in its
generator: a Config inheriting `ToolKnobs`, `validate_knobs`, and `generate` plus the check hooks
below for `kind == "tool"`.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from generators.base import knobs_of, task_id
from graders.tool_code import CASE_SECONDS, MAX_CASES
from tasks.task import Task

VERSION = 4  # 4: every hidden instance has a size in the stated range (git histories were 2 commits over,
# some lineage graphs a paper under); each case runs in its own process, under a kernel CPU limit
CONTRACT_MODULES = {family: f"generators.{family}_tools_contracts" for family in ("causal", "git", "lineage",
                                                                                 "wikidata")}
KIND = "tool"

PROMPT = """\
Write a Python function to this contract. It will be graded on {cases} hidden instances you never see.

    def {signature}

{summary}
Input: {input_format}
Return: {returns}
{edge_cases}
Worked sample (the folder of the python tool holds it as sample.json, {{"args": [...], "output": ...}}):
    {name}(*{sample_args})
    -> {sample_output}
Test your code on it with the python tool. Your code runs with Python 3, its standard library, numpy and \
networkx, without network and without files.
Submit {{"code": "<Python source defining {name}>"}}. Graded: the code runs in a sandbox on {cases} \
hidden instances of {low} to {high} {unit}{included}, each in a fresh process with at most {seconds} s \
of CPU. Each return value is judged as follows: {judged_by} Passed only if all \
{cases} return values are correct; the score is the fraction correct."""

# The ladder every family's tool kind shares, easiest first: small instances with the edge cases named,
# then larger ones, then the default (each contract's own large size, edge cases unnamed), then more cases.
LADDER = [{"tool_cases": 6, "tool_size": 8, "tool_name_edge_cases": True},  # every edge case, named
          {"tool_cases": 8, "tool_size": 12, "tool_name_edge_cases": True},
          {"tool_cases": 8, "tool_size": 20},
          {"tool_cases": 10, "tool_size": 0},
          {"tool_cases": 16, "tool_size": 0}]


@dataclass(frozen=True)
class ToolKnobs:
    """The `tool_*` knobs, inherited by the Config of every family that offers the kind."""

    tool_contract: str = field(default="", metadata={
        "help": "tool: the function to write (empty: the family's contracts in turn by index)"})
    tool_cases: int = field(default=10, metadata={
        "help": f"tool: hidden instances the code is graded on (1..{MAX_CASES})"})
    tool_size: int = field(default=0, metadata={
        "help": "tool: size of the largest hidden instance (variables, commits, papers, entities; 0: the "
                "contract's own, large enough that brute force runs out of time)"})
    tool_edge_cases: bool = field(default=True, metadata={
        "help": "tool: every edge case of the contract is among the hidden instances"})
    tool_name_edge_cases: bool = field(default=False, metadata={
        "help": "tool: the prompt lists the contract's edge cases (an easier level)"})


@dataclass(frozen=True)
class Contract:
    """A function the model must write, and how to draw and judge its instances."""

    name: str
    """The function's name, which the submitted code must define."""
    signature: str
    """`name(args...) -> type`, as the prompt shows it."""
    summary: str
    """What the function computes."""
    input_format: str
    """The JSON-able arguments."""
    returns: str
    """What it must return."""
    judged_by: str
    """How a return value is judged, in the words of the family's grader (which answers it accepts)."""
    unit: str
    """What the size of an instance counts ("variables")."""
    min_size: int
    """The smallest instance size the drawing supports."""
    edge_cases: dict[str, str]
    """Edge-case name -> what it is; one hidden instance of each when `tool_edge_cases` is on."""
    draw: Callable[[np.random.Generator, int, str | None], list[Any]]
    """Positional arguments of an instance of about that size, of that edge case (None: random)."""
    judge: Callable[[list[Any], Any], str | None]
    """None if the JSON-decoded return value is correct for these arguments, "wrong_type" if it has
    the wrong shape, else "wrong"; built on the family's grader."""
    solve: Callable[[list[Any]], Any]
    """One correct return value, by the family's own algorithm (for the worked sample)."""
    reference: Callable[..., Any]
    """A self-contained implementation (imports inside); its source is the reference answer."""
    alternatives: tuple[Callable[..., Any], ...]
    """Independently written correct implementations, self-contained: tasks.check runs them."""
    mutants: tuple[Callable[..., Any], ...]
    """Plausible wrong implementations, self-contained, each failing some hidden instance."""
    baseline: Callable[..., Any]
    """The naive implementation (the family baseline's guess, as code)."""
    large_size: int = 20
    """The largest hidden instance at the default size (tool_size 0): where the contract has a brute force
    that is too slow, large enough that it runs out of time while an efficient solution takes a tenth."""
    max_size: int = 60
    """The largest size the drawing and the judge support in reasonable time."""
    must_raise: Callable[[list[Any]], bool] | None = None
    """Whether the contract says to raise ValueError on these arguments (None: never)."""
    brute_force: Callable[..., Any] | None = None
    """The shortcut players take: correct but too slow at the large sizes (a mutant that must time out)."""


@dataclass(frozen=True)
class Case:
    """One hidden instance."""

    args: list[Any]
    """Positional arguments."""
    edge_case: str | None
    """The edge case it is, or None for a random instance."""


def contracts(family: str) -> dict[str, Contract]:
    """The contracts a family offers."""
    return importlib.import_module(CONTRACT_MODULES[family]).CONTRACTS


def contract_of(family: str, name: str) -> Contract:
    """One contract of a family."""
    return contracts(family)[name]


def source(fn: Callable[..., Any], name: str) -> str:
    """A self-contained function's source, renamed to the contract's function name."""
    return re.sub(r"^def \w+\(", f"def {name}(", inspect.getsource(fn), count=1, flags=re.M)


def validate_knobs(config: Any, family: str) -> None:
    """Raise ValueError naming the tool knob, its value and the allowed range."""
    offered = contracts(family)
    if config.tool_contract and config.tool_contract not in offered:
        raise ValueError(f"--tool-contract must be one of {', '.join(sorted(offered))} (or empty), "
                         f"got {config.tool_contract!r}")
    if not 1 <= config.tool_cases <= MAX_CASES:
        raise ValueError(f"--tool-cases must be in 1..{MAX_CASES}, got {config.tool_cases}")
    for contract in ([offered[config.tool_contract]] if config.tool_contract else offered.values()):
        if config.tool_size and not contract.min_size <= config.tool_size <= contract.max_size:
            raise ValueError(f"--tool-size must be 0 or in {contract.min_size}..{contract.max_size} for "
                             f"{contract.name}, got {config.tool_size}")
        if config.tool_edge_cases and config.tool_cases < len(contract.edge_cases):
            raise ValueError(f"--tool-cases must be at least {len(contract.edge_cases)} (one per edge case "
                             f"of {contract.name}) with --tool-edge-cases, got {config.tool_cases}")


def _sizes(low: int, high: int, n: int) -> list[int]:
    """n sizes spread from low to high, both included."""
    return [high] * n if n == 1 else [round(low + (high - low) * i / (n - 1)) for i in range(n)]


def largest(contract: Contract, config: Any) -> int:
    """The size of the largest hidden instance: the knob, or the contract's own at 0."""
    return max(contract.min_size, config.tool_size or contract.large_size)


def hidden_cases(contract: Contract, truth: dict[str, Any]) -> list[Case]:
    """The hidden instances of a task, drawn from its seed: one per edge case (when included), the
    rest random; sizes spread over the stated range. Each case has its own RNG from the whole key."""
    n, (low, high) = truth["cases"], truth["sizes"]
    kinds: list[str | None] = list(truth["edge_cases"])
    kinds += [None] * (n - len(kinds))
    cases = []
    for i, (size, kind) in enumerate(zip(_sizes(low, high, n), kinds, strict=True)):
        rng = np.random.default_rng([*truth["instance_seed"], i])
        cases.append(Case(contract.draw(rng, size, kind), kind))
    return cases


def generate(family: str, config: Any, seed: int, index: int) -> Task:
    """The tool task `index` of a family: a contract, a worked sample, and the hidden cases' recipe."""
    offered = contracts(family)
    name = config.tool_contract or sorted(offered)[index % len(offered)]
    contract = offered[name]
    sample_args = contract.draw(np.random.default_rng([seed, index, 1 << 20]), contract.min_size + 2, None)
    sample_output = contract.solve(sample_args)
    low = contract.min_size
    edge_cases = sorted(contract.edge_cases) if config.tool_edge_cases else []
    if config.tool_name_edge_cases:
        listed = "".join(f"\n  - {contract.edge_cases[k]}" for k in sorted(contract.edge_cases))
        edge_text = f"Edge cases the function must handle:{listed}"
    else:
        edge_text = "Edge cases are yours to find: every input the format allows is covered by the contract."
    included = ", one of each edge case above among them" if edge_cases and config.tool_name_edge_cases else (
        ", edge cases among them" if edge_cases else ", drawn at random")
    prompt = PROMPT.format(cases=config.tool_cases, signature=contract.signature, summary=contract.summary,
                           input_format=contract.input_format, returns=contract.returns, edge_cases=edge_text,
                           name=name, sample_args=json.dumps(sample_args),
                           sample_output=json.dumps(sample_output),
                           low=low, high=largest(contract, config), unit=contract.unit, included=included,
                           seconds=CASE_SECONDS, judged_by=contract.judged_by)
    sample = json.dumps({"args": sample_args, "output": sample_output}, sort_keys=True)
    return Task(
        id=task_id(family, config, seed, index),
        family=f"{family}.{KIND}",
        prompt=prompt,
        tools=["python"],
        answer_schema={"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"],
                       "additionalProperties": False},
        env={"files": {"sample.json": sample}},
        truth={"family": family, "contract": name, "cases": config.tool_cases,
               "sizes": [low, largest(contract, config)], "edge_cases": edge_cases,
               "instance_seed": [seed, index], "reference": {"code": source(contract.reference, name)}},
        grader="tool.code",
        meta={"seed": seed, "index": index, "generator": f"{family}/{KIND}/{VERSION}",
              "knobs": knobs_of(config),
              "provenance": "synthetic: instances drawn from numpy.random.default_rng([seed, index, case])"},
    )


# --- the family protocol's hooks for tool tasks ---------------------------------------------------------

def _contract(task: Task) -> Contract:
    return contract_of(task.truth["family"], task.truth["contract"])


def enumerate_answers(task: Task) -> list[dict[str, Any]]:
    """The independently written correct implementations (they must pass as the reference does)."""
    contract = _contract(task)
    return [{"code": source(fn, contract.name)} for fn in contract.alternatives]


def mutants(task: Task) -> list[dict[str, Any]]:
    """The contract's wrong implementations, its brute force where the instances reach the contract's
    large size (it runs out of time there), and one that answers the worked sample by heart."""
    contract = _contract(task)
    sample = json.loads(task.env["files"]["sample.json"])
    by_heart = (f"import json\nSAMPLE = json.loads({json.dumps(json.dumps(sample))})\n\n"
                f"def {contract.name}(*args):\n"
                f"    return SAMPLE['output'] if list(args) == SAMPLE['args'] else None\n")
    large = task.truth["sizes"][1] >= contract.large_size  # below it the brute force may well finish
    slow = [contract.brute_force] if contract.brute_force and large else []
    return [{"code": source(fn, contract.name)} for fn in [*contract.mutants, *slow]] + [{"code": by_heart}]


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The contract's naive implementation."""
    contract = _contract(task)
    return {"code": source(contract.baseline, contract.name)}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """Code returning a constant: the sample's output, None or an empty list."""
    sample = json.loads(task.env["files"]["sample.json"])
    value = [sample["output"], None, []][int(rng.random() * 3)]
    return {"code": f"def {_contract(task).name}(*args):\n    return {value!r}\n"}


def probe_calls(task: Task, rng: Any) -> list[tuple[str, dict[str, Any]]]:
    """Run the reference-free sample check a model would: load the sample and print it."""
    return [("python", {"code": "import json\nsample = json.load(open('sample.json'))\nprint(sample)"})]
