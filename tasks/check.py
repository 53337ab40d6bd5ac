"""Verify the verifiers: `python -m tasks.check TASKS.jsonl`.

For every task, through generators.base's family protocol only: the reference answer passes; every
independently enumerated correct answer passes; every mutant and every malformed answer fails, and no
grader raises; trivial baselines pass no task where they are known to be wrong; no tool output shows
what the family's REVEALS says is hidden; regenerating under two PYTHONHASHSEEDs gives the same bytes;
the prompt names every answer field the schema requires; no two tasks ask the same question (the same
prompt on the same env, or the same question with the same answer: generators.base.question_keys).
Prints a table per family with the offending task ids and exits 1 on any defect (2 when the task file
cannot be read).

The trivial baselines (empty, most common, random, family baseline) also give each family its chance
rate, the best of them. One passing more than the band's lower edge (`--band`, default 0.10 0.40) is
a warning, more than its upper edge a defect: a guess would then land a model in or above the band.

REVEALS[kind] is `{"kind": "answer_hidden"}` (no tool output contains the reference, or any field of
it; `"fields": [...]` limits that to the fields named) or `{"kind": "answer_visible"}` (the tools list
candidate answers by design, e.g. commit ids, so only the whole reference object must not appear).
In every kind, no tool output may contain a container of three or more items from `truth`.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import numpy as np

from generators import load_family
from generators.base import config_from, question_keys
from graders import grade
from tasks.task import Task, TaskFileError, read_tasks, task_key
from tools import call_tool

PROTOCOL = ("KINDS", "Config", "generate", "LADDERS", "baseline", "random_answer", "probe_calls",
            "enumerate_answers", "mutants", "REVEALS")
CHECKS = ("protocol", "reference", "alternatives", "mutants", "malformed", "baselines", "tools", "leak",
          "determinism", "prompt", "duplicates")
HASH_SEEDS = ("1", "2")
REGENERATE_TIMEOUT = 600  # seconds for a child to regenerate the whole file
VARIED_CALLS_PER_TOOL = 4
HUGE_CHARS = 90_000  # just under the registry's size cap, so the answer reaches the grader
# a trivial baseline passing more than the band's lower edge of a family's tasks (of at least so many)
# gets a warning, more than its upper edge a defect: tasks a guess solves (answers vary too little, or
# the naive method is right) cannot measure a model in the band
BAND, WARN_MIN_TASKS = (0.10, 0.40), 4
_WRONG_VALUES = (12345, 0.5, "x", True, None, [], {}, [None], [12345])
_ID = re.compile(r"-s(\d+)-(\d+)$")
_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Defect:
    """One failed check of one task."""

    family: str
    """`family.kind` of the task."""
    check: str
    """One of CHECKS."""
    task_id: str
    """The offending task, or "-" for a defect of the whole family."""
    detail: str
    """What was wrong, with the answer or tool call that showed it."""


@dataclass
class BaselineTally:
    """How a trivial baseline fared on one family."""

    tasks: int = 0
    """Tasks the baseline answered."""
    passed: int = 0
    """Tasks it passed."""
    explained: int = 0
    """Passes by an answer that is the reference or an enumerated correct answer: chance, not a defect."""
    unverifiable: int = 0
    """Other passes on tasks whose correct answers cannot be enumerated (not judged)."""


@dataclass
class Report:
    """Everything the check found."""

    tasks: Counter = field(default_factory=Counter)
    """Tasks checked, per family."""
    defects: list[Defect] = field(default_factory=list)
    """Every defect found, in the order found."""
    baselines: defaultdict[tuple[str, str], BaselineTally] = field(
        default_factory=lambda: defaultdict(BaselineTally))
    """Per (family, baseline name)."""
    passing: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Per family, how many answers pass each task that records it (`meta["passing"]`)."""
    band: tuple[float, float] = BAND
    """The target pass-rate band the baselines are judged against."""

    def chance(self) -> dict[str, float]:
        """Per family, the best pass rate of a trivial baseline."""
        best: dict[str, float] = {}
        for (family, _), t in self.baselines.items():
            if t.tasks:
                best[family] = max(best.get(family, 0.0), t.passed / t.tasks)
        return best


def _rng(purpose: str, task: Task) -> np.random.Generator:
    return np.random.default_rng(int(task_key(["check", purpose, task.id])[:16], 16))


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} chars)"


def _canonical(value: Any) -> str:
    """Order-insensitive identity, so a correct set in another order still counts as known correct."""
    def norm(v: Any) -> Any:
        if isinstance(v, list):
            return sorted((norm(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v
    return json.dumps(norm(value), sort_keys=True)


# -- answers that must pass or fail ---------------------------------------------------------------------

def _check_answers(task: Task, module: ModuleType, enumerated: list | None) -> Iterable[tuple[str, str]]:
    reference = task.truth.get("reference")
    g = grade(task, reference)
    if not g.passed:
        yield "reference", f"the reference answer fails {g.reasons}"
    if enumerated is not None:
        if not enumerated:
            yield "alternatives", "enumerate_answers found no correct answer"
        for answer in enumerated:
            g = grade(task, answer)
            if not g.passed:
                yield "alternatives", f"correct answer {_short(answer)} fails {g.reasons}"
    corruptions = module.mutants(task)
    if not corruptions:
        yield "mutants", "mutants() gave no corruption to test the grader with"
    for answer in corruptions:
        g = grade(task, answer)
        if g.passed:
            yield "mutants", f"mutant {_short(answer)} passes"
        elif "grader_error" in g.reasons:
            yield "mutants", f"the grader raised on mutant {_short(answer)}"
    for answer in malformed_answers(task):
        g = grade(task, answer)
        if g.passed or "grader_error" in g.reasons:
            yield "malformed", f"malformed answer {_short(answer)} gives {g}"


def malformed_answers(task: Task) -> list[Any]:
    """Wrong JSON, wrong types, missing fields and huge values, built from the schema and the reference."""
    reference = task.truth.get("reference")
    answers: list[Any] = ["", "{", "not json", "null", "[]", '"answer"', "x" * 200_000, "[" * 100_000,
                          None, 7, [reference], {}]
    if not isinstance(reference, dict):
        return answers
    schema = task.answer_schema
    answers += [{k: v for k, v in reference.items() if k != name} for name in schema.get("required", [])]
    for name, prop in schema.get("properties", {}).items():
        answers += [{**reference, name: wrong} for wrong in _WRONG_VALUES
                    if not jsonschema.Draft202012Validator(prop).is_valid(wrong)]
        value = reference.get(name)
        if isinstance(value, list):
            item = value[0] if value else "x"
            answers.append({**reference, name: [item] * (HUGE_CHARS // (len(json.dumps(item)) + 2))})
        elif isinstance(value, str):
            answers.append({**reference, name: "x" * HUGE_CHARS})
    return answers


# -- trivial baselines ----------------------------------------------------------------------------------

def _emptied(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _emptied(v) for k, v in value.items()}
    if isinstance(value, bool):
        return False
    return {list: [], str: "", int: 0, float: 0.0}.get(type(value), value)


def _guesses(tasks: list[Task], module: ModuleType) -> dict[str, Callable[[Task], Any]]:
    """The trivial baselines of a family: what a model that reads no tool output could submit."""
    references = Counter(json.dumps(t.truth.get("reference"), sort_keys=True) for t in tasks)
    mode = json.loads(min(references, key=lambda r: (-references[r], r)))
    return {
        "empty": lambda t: _emptied(t.truth.get("reference")),
        "most common": lambda t: mode,
        "random": lambda t: module.random_answer(t, _rng("random", t)),
        "family baseline": lambda t: module.baseline(t, _rng("baseline", t)),
    }


def chance_rates(tasks: Iterable[Task]) -> dict[str, float]:
    """Per family, the best pass rate of its trivial baselines on these tasks (no other check is run)."""
    by_family: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        by_family[task.family].append(task)
    chance = {}
    for family, family_tasks in sorted(by_family.items()):
        guesses = _guesses(family_tasks, load_family(family))
        chance[family] = max(sum(grade(t, guess(t)).passed for t in family_tasks) / len(family_tasks)
                             for guess in guesses.values())
    return chance


def _check_baselines(family: str, tasks: list[Task], module: ModuleType, enumerated: dict[str, list | None],
                     report: Report) -> Iterable[tuple[str, str, str]]:
    for name, guess in _guesses(tasks, module).items():
        tally = report.baselines[family, name]
        for task in tasks:
            answer = guess(task)
            correct = enumerated[task.id]
            known = {_canonical(a) for a in [task.truth.get("reference"), *(correct or [])]}
            is_known = _canonical(answer) in known
            passed = grade(task, answer).passed
            tally.tasks += 1
            tally.passed += passed
            tally.explained += passed and is_known
            if passed and not is_known:
                if correct is None:
                    tally.unverifiable += 1
                else:
                    yield task.id, "baselines", f"{name} answer {_short(answer)} passes but is not correct"
        if tally.tasks >= WARN_MIN_TASKS and tally.passed > report.band[1] * tally.tasks:
            yield "-", "baselines", (f"the {name} answer passes {tally.passed}/{tally.tasks} tasks, above "
                                     f"the band's upper edge {report.band[1]:.0%}: a guess passes them")


# -- tools: coverage and leaks --------------------------------------------------------------------------

def _renderings(value: Any) -> set[str]:
    """How a tool might print a value. Short strings and numbers are left out: node names and small
    numbers appear in honest outputs, and a number the agent computes with a tool is found, not leaked."""
    if isinstance(value, str):
        return {value} if len(value) >= 4 else set()
    if isinstance(value, (list, dict)) and value:
        return {json.dumps(value), json.dumps(value, separators=(",", ":")), repr(value)}
    return set()


def _needles(task: Task, reveals: dict[str, Any]) -> dict[str, str]:
    """Text that must not appear in any tool output, mapped to what it would reveal."""
    reference = task.truth.get("reference")
    needles = {text: "the reference answer" for text in _renderings(reference)}
    if reveals.get("kind") == "answer_hidden" and isinstance(reference, dict):
        for name in reveals.get("fields", sorted(reference)):
            needles.update({text: f"the answer's {name}" for text in _renderings(reference.get(name))})
    for key, value in task.truth.items():
        if key != "reference" and isinstance(value, (list, dict)) and len(value) >= 3:
            needles.update({text: f"truth[{key!r}]" for text in _renderings(value)})
    return needles


def _varied(calls: list[tuple[str, dict]], task: Task, rng: np.random.Generator) -> list[tuple[str, dict]]:
    """The probe calls with their string arguments swapped for others seen in probes or the answer."""
    pool = sorted({v for _, args in calls for v in args.values() if isinstance(v, str)}
                  | {v for v in re.findall(r'"([^"]{1,40})"', json.dumps(task.truth.get("reference")))})
    varied = []
    for name in sorted({n for n, _ in calls}):
        options = [(name, {**args, key: other}) for n, args in calls if n == name
                   for key, value in sorted(args.items()) if isinstance(value, str)
                   for other in pool if other != value]
        picks = rng.permutation(len(options))[:VARIED_CALLS_PER_TOOL] if options else []
        varied += [options[i] for i in sorted(picks)]
    return varied


def _check_tools(task: Task, module: ModuleType) -> Iterable[tuple[str, str]]:
    rng = _rng("probe", task)
    calls = [(name, dict(args)) for name, args in module.probe_calls(task, rng)]
    for name in sorted(set(task.tools) - {n for n, _ in calls}):
        yield "tools", f"probe_calls never calls the offered tool {name}"
    reveals = module.REVEALS.get(task.family.split(".", 1)[-1])
    if not isinstance(reveals, dict) or reveals.get("kind") not in ("answer_hidden", "answer_visible"):
        yield "leak", f"REVEALS gives no known kind for this task kind: {reveals!r}"
        return
    needles = _needles(task, reveals)
    for name, args in calls + _varied(calls, task, rng):
        result = call_tool(name, args, copy.deepcopy(task.env))  # a fresh env, as each trial has
        if result.text.startswith(f"Error: {name} failed internally"):
            yield "tools", f"{name}({_short(args)}) crashed: {_short(result.text, 160)}"
        echoed = json.dumps(args) + json.dumps(args, separators=(",", ":")) + repr(args)
        for needle, what in needles.items():
            if needle in result.text and needle not in echoed:  # repeating the agent's input reveals nothing
                yield "leak", f"{name}({_short(args)}) shows {what}: {_short(needle)}"
                break


# -- determinism ----------------------------------------------------------------------------------------

def _spec(task: Task, module: ModuleType) -> dict[str, Any]:
    match = _ID.search(task.id)
    knobs = task.meta.get("knobs")
    if not match or not isinstance(knobs, dict):
        raise ValueError("cannot regenerate: the id must end in -s<seed>-<index> and meta must hold knobs")
    return {"module": module.__name__, "settings": {**knobs, "kind": task.family.split(".", 1)[-1]},
            "seed": int(match[1]), "index": int(match[2])}


def regenerate_from_stdin() -> None:
    """Child side of the determinism check: specs as JSON on stdin, one task a line on stdout."""
    import importlib
    for spec in json.load(sys.stdin):
        module = importlib.import_module(spec["module"])
        task = module.generate(config_from(module, spec["settings"]), spec["seed"], spec["index"])
        sys.stdout.write(task.to_json() + "\n")


def _regenerate(specs: list[dict]) -> list[list[str]]:
    """The tasks regenerated once under each of HASH_SEEDS, in parallel child processes."""
    path = os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    children = [subprocess.Popen(
        [sys.executable, "-c", "from tasks.check import regenerate_from_stdin; regenerate_from_stdin()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": path}) for seed in HASH_SEEDS]
    payload = json.dumps(specs)
    try:  # one thread per child, so each gets its input at once and none waits for the other
        with ThreadPoolExecutor(len(children)) as pool:
            outputs = list(pool.map(lambda child: child.communicate(payload, timeout=REGENERATE_TIMEOUT),
                                    children))
    except subprocess.TimeoutExpired:
        for child in children:
            child.kill()
            child.wait()
        raise
    for seed, child, (_, err) in zip(HASH_SEEDS, children, outputs, strict=True):
        if child.returncode != 0:
            last = (err.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"regeneration under PYTHONHASHSEED={seed} failed: {last}")
    return [out.splitlines() for out, _ in outputs]


def _check_determinism(tasks: list[Task], modules: dict[str, ModuleType]) -> Iterable[tuple[str, str, str]]:
    specs, checked = [], []
    for task in tasks:
        try:
            specs.append(_spec(task, modules[task.family]))
            checked.append(task)
        except ValueError as e:
            yield task.id, "determinism", str(e)
    if not specs:
        return
    try:
        runs = _regenerate(specs)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        for task in checked:
            yield task.id, "determinism", str(e)
        return
    for i, task in enumerate(checked):
        first, second = (lines[i] if i < len(lines) else None for lines in runs)
        if first != second:
            yield task.id, "determinism", f"PYTHONHASHSEED={' and '.join(HASH_SEEDS)} give different bytes"
        elif first != task.to_json():
            yield task.id, "determinism", ("the generator now makes other bytes from this task's seed and "
                                           "knobs (a stale file, or generation depends on more than them)")


# -- the whole check ------------------------------------------------------------------------------------

def _names(prompt: str, field_name: str) -> bool:
    """Whether the prompt names a field as a quoted token, as an answer format does: a bare word
    such as "path" or "set" also turns up in prose that never says what to submit."""
    return any(f"{q}{field_name}{q}" in prompt for q in "\"'`")


def _required_fields(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        return set(schema.get("required", [])) | {f for v in schema.values() for f in _required_fields(v)}
    if isinstance(schema, list):
        return {f for v in schema for f in _required_fields(v)}
    return set()


def _collect(report: Report, family: str, task_id: str, check: str,
             found: Iterable[tuple[str, str]]) -> None:
    """Record what a check found; a family hook that raises is a defect of that family, not a crash."""
    try:
        for name, detail in found:
            report.defects.append(Defect(family, name, task_id, detail))
    except Exception as e:
        report.defects.append(Defect(family, check, task_id, f"raised {type(e).__name__}: {e}"))


def _check_family(family: str, tasks: list[Task], module: ModuleType, report: Report) -> None:
    enumerated: dict[str, list | None] = {}
    for task in tasks:
        try:
            enumerated[task.id] = module.enumerate_answers(task)
        except Exception as e:
            enumerated[task.id] = None
            report.defects.append(Defect(family, "alternatives", task.id,
                                         f"enumerate_answers raised {type(e).__name__}: {e}"))
        _collect(report, family, task.id, "reference", _check_answers(task, module, enumerated[task.id]))
        _collect(report, family, task.id, "tools", _check_tools(task, module))
        _collect(report, family, task.id, "prompt",
                 (("prompt", f"the prompt never names the required field {name!r} in quotes")
                  for name in sorted(_required_fields(task.answer_schema)) if not _names(task.prompt, name)))
        if hasattr(module, "prompt_defects"):  # optional: what the prompt says that the task lacks
            _collect(report, family, task.id, "prompt", (("prompt", d) for d in module.prompt_defects(task)))
    try:
        for task_id, check, detail in _check_baselines(family, tasks, module, enumerated, report):
            report.defects.append(Defect(family, check, task_id, detail))
    except Exception as e:
        report.defects.append(Defect(family, "baselines", "-", f"raised {type(e).__name__}: {e}"))


def _check_duplicates(tasks: list[Task]) -> Iterable[tuple[str, str, str]]:
    """Each task asking a question an earlier task of the file asked, naming that task."""
    first: dict[str, str] = {}
    for task in tasks:
        keys = question_keys(task)
        earlier = next((first[k] for k in keys if k in first), None)
        if earlier is not None:
            how = "the same prompt on the same env" if keys[0] in first else "the same question and answer"
            yield task.family, task.id, f"asks what {earlier} asks ({how})"
        for key in keys:
            first.setdefault(key, task.id)


def check_tasks(tasks: Iterable[Task], band: tuple[float, float] = BAND) -> Report:
    """Run every check on every task; family modules are found with generators.load_family."""
    report = Report(band=band)
    tasks = list(tasks)
    by_family: dict[str, list[Task]] = defaultdict(list)
    for family, task_id, detail in _check_duplicates(tasks):
        report.defects.append(Defect(family, "duplicates", task_id, detail))
    for task in tasks:
        by_family[task.family].append(task)
        report.tasks[task.family] += 1
        if isinstance(task.meta.get("passing"), int):
            report.passing[task.family].append(task.meta["passing"])
    modules = {family: load_family(family) for family in by_family}
    complete = []
    for family, family_tasks in sorted(by_family.items()):
        missing = [name for name in PROTOCOL if not hasattr(modules[family], name)]
        if missing:
            report.defects.append(Defect(family, "protocol", "-",
                                         f"{modules[family].__name__} lacks {', '.join(missing)}"))
            continue
        _check_family(family, family_tasks, modules[family], report)
        complete += family_tasks
    family_of = {task.id: task.family for task in complete}
    for task_id, check, detail in _check_determinism(complete, modules):
        report.defects.append(Defect(family_of[task_id], check, task_id, detail))
    return report


# -- output ---------------------------------------------------------------------------------------------

def format_report(report: Report, max_ids: int = 5) -> str:
    """The per-family table of checks with offending task ids, the baselines table, then each defect."""
    lines = [f"{'family':<24}{'check':<14}{'tasks':>6}{'failed':>8}  offending task ids"]
    for family in sorted(report.tasks):
        for i, check in enumerate(CHECKS):
            ids = sorted({d.task_id for d in report.defects if d.family == family and d.check == check})
            more = f" (+{len(ids) - max_ids} more)" if len(ids) > max_ids else ""
            lines.append(f"{family if i == 0 else '':<24}{check:<14}{report.tasks[family]:>6}{len(ids):>8}  "
                         + ", ".join(ids[:max_ids]) + more)
    lines += ["", "trivial baselines: passes, those by a known correct answer (chance), those not judged",
              f"{'family':<24}{'baseline':<17}{'passed':>10}{'by chance':>11}{'not judged':>12}"]
    for (family, name), t in sorted(report.baselines.items()):
        lines.append(f"{family:<24}{name:<17}{f'{t.passed}/{t.tasks}':>10}{t.explained:>11}{t.unverifiable:>12}")
    low, high = report.band
    lines += [f"{family}: chance {rate:.0%} (the best trivial baseline)"
              for family, rate in sorted(report.chance().items())]
    lines += [f"warning: {family}: the {name} answer passes {t.passed}/{t.tasks} tasks, above the band's "
              f"lower edge {low:.0%}; a model could pass without solving them"
              for (family, name), t in sorted(report.baselines.items())
              if t.tasks >= WARN_MIN_TASKS and low * t.tasks < t.passed <= high * t.tasks]
    if report.passing:  # a task thousands of answers pass is easier than one only three pass
        lines += ["", "answers that pass a task (meta.passing)", f"{'family':<24}{'min':>6}{'median':>8}{'max':>8}"]
        lines += [f"{family:<24}{min(n):>6}{sorted(n)[len(n) // 2]:>8}{max(n):>8}"
                  for family, n in sorted(report.passing.items())]
    if report.defects:
        lines += ["", f"{len(report.defects)} defect(s):"]
        lines += [f"  {d.task_id}: {d.check}: {d.detail}" for d in report.defects]
    else:
        lines += ["", f"no defects in {sum(report.tasks.values())} task(s)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The CLI: exit 0 when every check passes, 1 on any defect, 2 when the input cannot be checked."""
    parser = argparse.ArgumentParser(prog="python -m tasks.check", description=__doc__.splitlines()[0])
    parser.add_argument("tasks", help="task file (JSONL), e.g. from python -m generators.causal --out FILE")
    parser.add_argument("--band", nargs=2, type=float, default=BAND, metavar=("LOW", "HIGH"),
                        help="target pass-rate band the trivial baselines are judged against "
                             "(default 0.10 0.40)")
    args = parser.parse_args(argv)
    if not 0 <= args.band[0] < args.band[1] <= 1:
        print(f"{parser.prog}: error: --band must satisfy 0 <= LOW < HIGH <= 1, got {args.band[0]} "
              f"{args.band[1]}", file=sys.stderr)
        return 2
    try:
        tasks = list(read_tasks(args.tasks))
        if not tasks:
            raise TaskFileError(f"{args.tasks}: no tasks to check")
        report = check_tasks(tasks, tuple(args.band))
    except (TaskFileError, KeyError, ModuleNotFoundError) as e:  # a bad file, an unknown or absent family
        print(f"{parser.prog}: error: {e.args[0]}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 1 if report.defects else 0


if __name__ == "__main__":
    raise SystemExit(main())
