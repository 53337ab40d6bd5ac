"""The paper-to-code repository: built the same every time, and each link from a component to its
commit holds when the code is run: its hidden cases first all pass at that commit."""
import random

import pygit2
import pytest

from graders.paper_code import same_value
from graphs import paper_repo as R
from graphs.code_components import COMPONENTS, expected
from tools.paper_code import run_cases


def _passes(repo, commit, key):
    component = COMPONENTS[key]
    drawn = component.cases(random.Random(7))
    cases = [[R.module_name(component.path), name, kwargs] for name, kwargs in drawn]
    results = run_cases(R.tree_files(repo, commit), cases)
    return all("value" in r and same_value(e, r["value"], 1e-6, 1e-8)
               for r, e in zip(results, expected(drawn), strict=True))


def test_two_builds_give_the_same_commit_ids(tmp_path):
    first = R.build(str(tmp_path / "a.git"))
    second = R.build(str(tmp_path / "b.git"))
    assert first.head.target == second.head.target
    assert sorted(first.references) == sorted(second.references)


def test_every_component_has_a_link_to_a_paper_of_the_snapshot():
    from graphs.papers import load_snapshot
    papers = {p["id"] for p in load_snapshot()["papers"]}
    links = R.links()
    assert sorted(links) == sorted(COMPONENTS)
    assert all(link.paper in papers for link in links.values())


@pytest.mark.parametrize("key", sorted(COMPONENTS))
def test_the_components_cases_first_pass_at_its_linked_commit(key):
    repo = pygit2.Repository(R.embedded_path())
    link = R.links()[key]
    parent = str(repo[link.commit].parent_ids[0])
    assert _passes(repo, link.commit, key)
    assert not _passes(repo, parent, key)


@pytest.mark.parametrize("key", sorted(k for k, link in R.links().items() if link.introduced != link.commit))
def test_a_component_that_went_in_with_a_slip_fails_its_cases_until_the_fix(key):
    repo = pygit2.Repository(R.embedded_path())
    link = R.links()[key]
    assert not _passes(repo, link.introduced, key)
    component = COMPONENTS[key]
    assert f"def {component.functions[0]}(" in R.tree_files(repo, link.introduced)[component.path]


def test_public_tests_pass_at_every_release():
    from tools.paper_code import run_harness
    repo = pygit2.Repository(R.embedded_path())
    for tag in ("v0.1", "v0.4", "v1.0", "v2.0"):
        files = R.tree_files(repo, tag)
        tests = sorted(p for p in files if p.startswith("tests/"))
        outcomes = run_harness(files, {"mode": "tests", "tests": tests})["tests"]
        assert outcomes and all(outcome == "passed" for _, outcome, _ in outcomes), (tag, outcomes)
