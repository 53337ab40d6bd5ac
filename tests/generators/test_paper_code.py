"""The paper-to-code family: deterministic tasks, prompts that state the contract (in full or by
reference), cut-off copies without the component, and locate's trap of a first version fixed later."""
import os
import subprocess
import sys

import pytest

from generators import paper_code as pc
from generators.base import iter_tasks, main
from generators.paper_code_checks import baseline, enumerate_answers
from graphs.git import materialize
from graders import grade
from tools import call_tool

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_same_bytes_under_any_hash_seed(capsys):
    args = ["--n", "3", "--seed", "2"]
    other = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    there = subprocess.run([sys.executable, "-m", "generators.paper_code", *args], capture_output=True,
                           text=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": other})
    assert main(pc, args) == 0
    assert there.returncode == 0, there.stderr
    assert capsys.readouterr().out == there.stdout and len(there.stdout.splitlines()) == 3


@pytest.mark.parametrize("flags", [["--component", "c52"], ["--definition", "vague"], ["--components", "4"],
                                   ["--slack", "-1"]])
def test_a_bad_knob_is_one_line_and_exit_2(flags, capsys):
    with pytest.raises(SystemExit) as e:
        main(pc, flags)
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and flags[1] in err


def test_the_full_contract_states_the_definition_and_the_reference_one_only_names_it():
    full = pc.generate(pc.Config(kind="implement", component="c51_projection", definition="full"), 0, 0)
    config = pc.Config(kind="implement", component="c51_projection", definition="reference")
    by_name = pc.generate(config, 0, 0)
    assert "(floor(x) + 1 - x)" in full.prompt and "(floor(x) + 1 - x)" not in by_name.prompt
    for task in (full, by_name):
        assert "targets exactly on an atom" in task.prompt and "1707.06887" in task.prompt
        assert '"files"' in task.prompt and "rl/distributional.py" in task.prompt


def test_the_cut_off_copy_has_neither_the_component_nor_its_fix():
    task = pc.generate(pc.Config(kind="implement", component="c51_projection", wire=False), 0, 0)
    assert call_tool("git_grep", {"pattern": "project_distribution"}, task.env).text == "No matches found."
    assert call_tool("git_grep", {"pattern": "clip"}, task.env).text == "No matches found."
    wired = pc.generate(pc.Config(kind="implement", component="c51_projection"), 0, 0)
    found = call_tool("git_grep", {"pattern": "project_distribution"}, wired.env).text
    assert {line.split(":", 1)[0] for line in found.splitlines()} == {"rl/agent.py"}  # only the agent's call


def test_the_default_integrates_three_components_into_distinct_agents():
    tasks = list(iter_tasks(pc, pc.Config(kind="implement"), 1, 8))
    assert len(tasks) == 8 and len({t.prompt for t in tasks}) == 8
    assert len({str(sorted(t.truth["conventions"].items())) for t in tasks}) == 8
    assert all(len(t.truth["components"]) == 3 and "wire them all" in t.prompt for t in tasks)
    assert "(floor(x) + 1 - x)" not in " ".join(t.prompt for t in tasks)


def test_one_component_draws_wired_tasks_by_reference_over_distinct_agents():
    tasks = list(iter_tasks(pc, pc.Config(kind="implement", components=1), 1, 8))
    assert len(tasks) == 8 and len({t.prompt for t in tasks}) == 8
    assert all("Wire it in too" in t.prompt and t.truth["component"] in pc.WIRED for t in tasks)
    assert "(floor(x) + 1 - x)" not in " ".join(t.prompt for t in tasks)


def test_locate_names_the_functions_only_at_its_easy_level():
    easy = pc.generate(pc.Config(kind="locate", component="dueling", name_functions=True), 0, 0)
    hard = pc.generate(pc.Config(kind="locate", component="dueling"), 0, 0)
    assert "`dueling_q` in `rl/networks.py`" in easy.prompt and "dueling_q" not in hard.prompt


@pytest.mark.parametrize("kind", ["implement", "locate"])
def test_every_ladder_level_holds_eight_distinct_questions(kind):
    for level in pc.LADDERS[kind]:
        config = pc.Config(kind=kind, **level)
        assert len(list(iter_tasks(pc, config, 1, 8))) == 8, level


def test_wire_with_a_component_that_has_no_agent_is_a_clear_error():
    with pytest.raises(ValueError, match="--no-wire"):
        pc.Config(kind="implement", component="dueling").validate()
    pc.Config(kind="implement", component="dueling", wire=False).validate()


def test_locate_asks_for_the_fix_not_the_first_version_of_the_projection():
    task = pc.generate(pc.Config(kind="locate", component="c51_projection"), 0, 0)
    assert task.truth["introduced"] != task.truth["accepted"][0]
    assert grade(task, {"commit": task.truth["accepted"][0][:7]}).passed
    assert grade(task, {"commit": task.truth["introduced"]}).reasons == ("incomplete_version",)


@pytest.mark.parametrize("key", sorted(pc.CC.COMPONENTS))
def test_the_commit_whose_subject_names_the_component_is_never_the_answer(key):
    # the players' shortcut: read the log for the subject that names the component
    task = pc.generate(pc.Config(kind="locate", component=key), 0, 0)
    shortcut = baseline(task, None)["commit"]
    assert shortcut == task.truth["named"]
    assert grade(task, {"commit": shortcut}).reasons in (("incomplete_version",), ("commit_too_late",))


def test_locate_tells_too_early_incomplete_and_too_late_apart():
    task = pc.generate(pc.Config(kind="locate", component="n_step_returns"), 0, 0)
    found = enumerate_answers(task)  # the hidden cases run at every commit, oldest first
    assert found == [{"commit": task.truth["accepted"][0]}]
    repo = materialize(task.env["repo"])
    commits = [str(c.id) for c in repo.walk(repo.head.target)][::-1]
    at = commits.index(task.truth["accepted"][0])
    first = commits.index(task.truth["introduced"])
    assert grade(task, {"commit": commits[first - 1]}).reasons == ("commit_too_early",)
    assert grade(task, {"commit": commits[first]}).reasons == ("incomplete_version",)
    assert grade(task, {"commit": commits[at - 1]}).reasons == ("partial_fix",)  # just before: the partial fix
    assert grade(task, {"commit": commits[at + 1]}).reasons == ("commit_too_late",)


def test_most_components_first_go_in_with_a_slip_under_a_subject_that_names_them():
    links = pc.R.links().values()
    slipped = [link for link in links if link.introduced != link.commit]
    assert len(slipped) >= len(links) / 2 and all(link.named == link.introduced for link in slipped)


def test_trace_counts_the_papers_functions_defined_at_the_release():
    task = pc.generate(pc.Config(kind="trace", component="value_support"), 0, 0)
    assert task.truth["paper"] == "1911.08265"
    assert set(task.truth["functions"]) <= {"search.transform.h", "search.transform.h_inv",
                                            "search.targets.n_step_value_targets",
                                            "search.support.scalar_to_support",
                                            "search.support.support_to_scalar"}
    assert grade(task, task.truth["reference"]).passed


def test_no_expected_value_appears_in_the_prompt_or_the_tools_env():
    task = pc.generate(pc.Config(kind="implement", component="puct"), 0, 0)
    assert "expected" not in task.env and "cases" not in task.env
    assert all(str(e["values"]) not in task.prompt for e in task.truth["expected"])


def test_trace_names_the_components_credited_to_the_paper_and_no_other_papers():
    # A3C's n-step returns and MuZero's n-step value targets compute alike; the prompt says which counts
    task = pc.generate(pc.Config(kind="trace", component="n_step_returns"), 0, 0)
    own = [c.what for c in pc.CC.COMPONENTS.values() if c.paper == task.truth["paper"]]
    others = [c.what for c in pc.CC.COMPONENTS.values() if c.paper != task.truth["paper"]]
    assert all(w in task.prompt for w in own) and not any(w in task.prompt for w in others)


def test_the_default_cites_the_papers_equations_and_names_edge_cases_without_their_values():
    tasks = list(iter_tasks(pc, pc.Config(kind="implement"), 1, 8))
    text = " ".join(t.prompt for t in tasks)
    assert "its equation (7)" in text and "its equation (1)" in text and "Algorithm S2" in text
    # the values the equations give on the edge cases are left to the papers
    for told in ("all of their probability stays", "rewards after it must not count", "largest weight",
                 "the target is the reward alone", "clipped to -S and S", "nothing after the episode's end"):
        assert told not in text, told
    assert "targets exactly on an atom" in text and "alpha = 0 with zero priorities" in text
    assert all(t.env["public_runs"] == 1 and "you may call it 1 time;" not in t.prompt
               and "you may call it 1 time." in t.prompt for t in tasks)


def test_the_full_contract_still_states_what_a_zero_priority_does_at_alpha_0():
    config = pc.Config(kind="implement", component="prioritized_replay", definition="full", wire=False)
    assert "alpha = 0 included" in pc.generate(config, 0, 0).prompt
