"""Graders of the paper-to-code family: code run against hidden behavioural cases in the sandbox, and
sets of qualified function names, and the commit where a component first behaves as its paper defines it.

The hidden cases' inputs go into the sandbox; what the functions return comes back as JSON and is
compared here with the values the definition gives, within a tolerance, never with source text.
"""
from __future__ import annotations

import math
from typing import Any

from graders.git import resolve_commit
from graders.registry import Grade, failed, grader, passed
from graphs import git as G
from tasks.task import Task
from tools.paper_code import files_problem, overlay, run_cases

# reason of a case the harness could not run, by the harness's error name
_ERRORS = {"import": "code_import_error", "crash": "code_crash", "timeout": "code_timeout"}
# an integrated agent's pieces, each with those whose wrong values it follows from: a wrong piece is
# reported only when none upstream of it is wrong, so the reason names where the agent first slipped
_UPSTREAM = {"wrong_agent_target": {"wrong_agent_action"},
             "wrong_agent_loss": {"wrong_agent_action", "wrong_agent_target"},
             "wrong_agent_priorities": {"wrong_agent_action", "wrong_agent_target"},
             "wrong_agent_sampling": {"wrong_agent_action", "wrong_agent_target", "wrong_agent_priorities"}}
_AGENT = {"wrong_agent_values", "wrong_agent_action", *_UPSTREAM}


def same_value(expected: Any, got: Any, rtol: float, atol: float) -> bool:
    """Whether a returned value (as the harness encodes it) matches the expected one: the same
    structure and shape, every number within atol + rtol * |expected| (a NaN matches nothing)."""
    if not isinstance(got, dict):
        return False
    if "tuple" in expected:
        parts = got.get("tuple")
        return (isinstance(parts, list) and len(parts) == len(expected["tuple"])
                and all(same_value(e, g, rtol, atol) for e, g in zip(expected["tuple"], parts, strict=True)))
    values = got.get("values")
    if got.get("shape") != expected["shape"] or not isinstance(values, list):
        return False
    if len(values) != len(expected["values"]):
        return False
    pairs = zip(expected["values"], values, strict=True)
    return all(isinstance(g, (int, float)) and not isinstance(g, bool) and math.isfinite(g)
               and abs(g - e) <= atol + rtol * abs(e) for e, g in pairs)


@grader("paper_code.implement")
def grade_implement(task: Task, answer: dict[str, Any]) -> Grade:
    """Passes when every hidden case returns the expected value; the score is the share that do."""
    files = answer["files"]
    if files_problem(files):
        return failed("bad_file_path")
    merged = overlay(task.env, files)
    if isinstance(merged, str):
        return failed("patch_does_not_apply")
    cases, expected = task.truth["cases"], task.truth["expected"]
    results = run_cases(merged, cases)
    tol = task.truth["tolerance"]
    codes = task.truth.get("case_reasons", [])  # per case: its agent method's reason code(s), or None
    reasons, hits = [], 0
    for i, ((_, name, _), result, want) in enumerate(zip(cases, results, expected, strict=True)):
        error = result.get("error") if isinstance(result, dict) else "crash"
        agent = "." in name  # a method of the agent the component is wired into
        if error == "crash" and agent and str(result.get("detail", "")).startswith("NotImplementedError"):
            reasons.append("not_wired")
        elif error:
            reasons.append(_ERRORS.get(error, "code_crash"))
        elif same_value(want, result.get("value"), tol["rtol"], tol["atol"]):
            hits += 1
        elif not agent:
            reasons.append("wrong_values")
        else:
            reasons += _wrong_parts(want, result.get("value"), codes[i] if i < len(codes) else None, tol)
    if "wrong_values" in reasons:  # the agent's values follow from the component's: its own slip first
        reasons = [r for r in reasons if r not in _AGENT]
    reasons = [r for r in reasons if not _UPSTREAM.get(r, set()) & set(reasons)]
    return failed(*dict.fromkeys(reasons), score=round(hits / len(cases), 4)) if reasons else passed()


def _wrong_parts(want: Any, got: Any, code: Any, tol: dict[str, float]) -> list[str]:
    """The reason codes of an agent's wrong value: one per wrong part where the case names a code per
    part of a returned tuple, else the case's code (wrong_agent_values when it names none)."""
    if isinstance(code, (list, tuple)) and "tuple" in want:
        parts = got.get("tuple") if isinstance(got, dict) else None
        if not isinstance(parts, list) or len(parts) != len(want["tuple"]):
            return [code[0]]
        return [c for c, w, g in zip(code, want["tuple"], parts, strict=True)
                if not same_value(w, g, tol["rtol"], tol["atol"])]
    return [code if isinstance(code, str) else "wrong_agent_values"]


def qualified(name: str) -> str:
    """A function's name as `module.function`; `path/to/module.py::function` is accepted too."""
    name = name.strip()
    if "::" in name:
        path, _, function = name.partition("::")
        return path.strip().removesuffix(".py").replace("/", ".") + "." + function.strip()
    return name


@grader("paper_code.functions")
def grade_functions(task: Task, answer: dict[str, Any]) -> Grade:
    """Passes when the qualified names are exactly `truth["functions"]`, each once; partial score F1."""
    named = [qualified(n) for n in answer["functions"]]
    expected, got = set(task.truth["functions"]), set(named)
    reasons = ["duplicate_item"] if len(got) < len(named) else []
    reasons += ["missing_functions"] if expected - got else []
    reasons += ["extra_functions"] if got - expected else []
    if not reasons:
        return passed()
    f1 = 2 * len(expected & got) / (len(expected) + len(got))
    return failed(*reasons, score=round(f1, 4))


@grader("paper_code.commit")
def grade_commit(task: Task, answer: dict[str, Any]) -> Grade:
    """Passes when the commit is one of `truth["accepted"]`; a wrong one is told apart as a commit
    before the component existed, one where it existed but did not yet behave as defined (from
    `truth["introduced"]`, its first version, up to the fix), one of a partial fix before the complete
    version (from `truth["partial"]`, where a task has one), one after it first did, and, where the
    history has a regression, one of the versions it broke (from `truth["regression"]` up to
    `truth["refix"]`) or one from the re-fix on."""
    repo = G.materialize(task.env["repo"])
    commit = resolve_commit(repo, answer["commit"])
    if isinstance(commit, Grade):
        return commit
    accepted = task.truth["accepted"]
    if commit in accepted:
        return passed()

    def at_or_after(key: str) -> bool:
        sha = task.truth.get(key)
        return bool(sha) and (commit == sha or repo.descendant_of(commit, sha))

    if any(repo.descendant_of(commit, a) for a in accepted):
        return failed("after_regression" if at_or_after("refix") else
                      "regressed_version" if at_or_after("regression") else "commit_too_late")
    if at_or_after("partial"):
        return failed("partial_fix")
    if at_or_after("introduced"):
        return failed("incomplete_version")
    return failed("commit_too_early")
