"""Graders of the git-history family: commits named by id or unique prefix, sets of commits, file names
across renames, and blame (commit and author).

A commit may be given by its full id or any prefix of at least 7 hex digits that names one object in
the task's repository copy (`env["repo"]`), the same rule git uses.
"""
from __future__ import annotations

import re
from typing import Any

import pygit2

from graders.registry import Grade, failed, grader, passed
from graphs import git as G
from tasks.task import Task

MIN_PREFIX = 7
_HEX = re.compile(r"[0-9a-f]{7,40}")


def resolve_commit(repo: pygit2.Repository, text: str) -> str | Grade:
    """The full id of the commit `text` names, or a failed Grade saying why it names none."""
    text = text.strip().lower()
    if not _HEX.fullmatch(text):
        return failed("not_a_commit_id")
    try:
        obj = repo[text]
    except pygit2.AmbiguousError:
        return failed("ambiguous_commit")
    except (KeyError, ValueError):
        return failed("unknown_node")
    if not isinstance(obj, pygit2.Commit):
        return failed("unknown_node")
    return str(obj.id)


@grader("git.commit")
def grade_commit(task: Task, answer: dict[str, Any]) -> Grade:
    """Passes when the commit is one of `truth["accepted"]`. For merge bases (`truth["tips"]`), a wrong
    answer is told apart as a common ancestor that is not a best one, or no common ancestor at all."""
    repo = G.materialize(task.env["repo"])
    commit = resolve_commit(repo, answer["commit"])
    if isinstance(commit, Grade):
        return commit
    if commit in task.truth["accepted"]:
        return passed()
    if "untestable" in task.truth:
        return _bisect_miss(task.truth, commit)
    if "decoys" in task.truth:
        return _behaviour_miss(task.truth, commit)
    if commit in task.truth.get("titled", ()):  # behaviour: the log's subject named the function
        return failed("named_in_subject")
    if commit in task.truth.get("text_changed", ()):
        return failed("text_only_change")
    tips = task.truth.get("tips")
    if tips:
        common = all(commit == tip or repo.descendant_of(tip, commit) for tip in tips)
        return failed("not_best_common_ancestor" if common else "not_an_ancestor_of_both")
    return failed("wrong_commit")


def _behaviour_miss(truth: dict[str, Any], commit: str) -> Grade:
    """Which trap of a long behaviour question a wrong commit fell into: a change the call does not see
    (other inputs do), a subject naming the function, or a commit of the line before the change or after
    it (`before`, `after`: the line's, oldest first)."""
    if commit in truth["decoys"]:
        return failed("other_inputs_change")
    if commit in truth["titled"]:
        return failed("named_in_subject")
    if commit in set(truth["after"]):
        return failed("after_change")
    if commit in set(truth["before"]):
        return failed("before_change")
    return failed("wrong_commit")


def _bisect_miss(truth: dict[str, Any], commit: str) -> Grade:
    """Which trap of a noisy bisection a wrong commit fell into: a commit that cannot be tested, where the
    named test starts failing with another error, the start of another test's failure, a commit of the
    range after the first bad one or before it, or none of the range (`truth` lists each trap's commits;
    before and after: the range's, oldest first)."""
    span_after, others = set(truth["after"]), set(truth["other_failures"])
    if commit in truth["untestable"]:
        return failed("untestable_commit")
    if commit in set(truth.get("other_errors", ())):
        return failed("other_error")
    if commit in others:
        return failed("other_failure")
    if commit in span_after:
        return failed("after_first_bad")
    if commit in set(truth["before"]):
        return failed("before_first_bad")
    return failed("wrong_commit")


@grader("git.commit_set")
def grade_commit_set(task: Task, answer: dict[str, Any]) -> Grade:
    """Passes when the commits are exactly `truth["commits"]`, each named once; partial score is the F1."""
    repo = G.materialize(task.env["repo"])
    named = []
    for text in answer["commits"]:
        commit = resolve_commit(repo, text)
        if isinstance(commit, Grade):
            return commit
        named.append(commit)
    expected, got = set(task.truth["commits"]), set(named)
    picked, same_subject = set(task.truth.get("picked", ())), set(task.truth.get("same_subject", ()))
    reasons = ["duplicate_item"] if len(got) < len(named) else []
    # cherry: a commit already on the other branch under another id, or one whose subject is there too
    # but whose patch is not, are told apart from other extra and missing commits
    reasons += ["listed_picked_commit"] if got & picked else []
    reasons += ["missed_changed_patch"] if (expected - got) & same_subject else []
    reasons += ["missing_commits"] if expected - got - same_subject else []
    reasons += ["extra_commits"] if got - expected - picked else []
    if not reasons:
        return passed()
    hits = len(expected & got)
    f1 = 2 * hits / (len(expected) + len(got)) if expected or got else 0.0
    return failed(*reasons, score=round(f1, 4))


@grader("git.renamed")
def grade_renamed(task: Task, answer: dict[str, Any]) -> Grade:
    """Passes when the name (`truth["name"]`) or the ordered list of names (`truth["names"]`) is exact."""
    if "name" in task.truth:
        return passed() if answer["name"].strip() == task.truth["name"] else failed("wrong_name")
    names = [n.strip() for n in answer["names"]]
    expected = task.truth["names"]
    if names == expected:
        return passed()
    if sorted(names) == sorted(expected):
        return failed("wrong_order")
    return failed("wrong_name")


@grader("git.blame")
def grade_blame(task: Task, answer: dict[str, Any]) -> Grade:
    """Passes when the commit is `truth["commit"]` and the author is its author, by name or email."""
    repo = G.materialize(task.env["repo"])
    commit = resolve_commit(repo, answer["commit"])
    reasons = []
    if isinstance(commit, Grade):
        reasons += commit.reasons
    elif commit != task.truth["commit"]:
        reasons.append("wrong_commit")
    author = " ".join(answer["author"].split()).casefold()
    accepted = {task.truth["author"].casefold(), task.truth["email"].casefold(),
                f"{task.truth['author']} <{task.truth['email']}>".casefold()}
    if author not in accepted:
        reasons.append("wrong_author")
    return failed(*reasons) if reasons else passed()
