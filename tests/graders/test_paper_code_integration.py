"""The implement grader on integration tasks (several components wired into one agent): correct
answers written apart pass, and each slip fails with the reason of the piece it belongs to."""
import pytest

from generators import paper_code as pc
from generators.paper_code_checks import _wiring, enumerate_answers, mutants, with_function
from graders import grade
from graphs.code_components import COMPONENTS

# the reasons each slip of the Rainbow agent must give: the first pieces of the agent that go wrong (the
# other divergence changes both parts of learn's result: the loss and the priorities made from it)
SLIP_REASON = {"target_network_chooses": "wrong_agent_action", "one_step_discount": "wrong_agent_target",
               "mask_read_as_dones": "wrong_agent_target", "bootstrap_after_an_early_end": "wrong_agent_target",
               "priorities_from_the_td_error": "wrong_agent_priorities", "weights_ignored": "wrong_agent_loss",
               "the_other_divergence": ("wrong_agent_loss", "wrong_agent_priorities"), "alpha_applied_twice": "wrong_agent_sampling",
               "beta_not_annealed": "wrong_agent_sampling", "priorities_stored_raw": "wrong_agent_priorities",
               # MuZero's value learner: a value target's slip shows in the targets (and the loss after them)
               "targets_not_bootstrapped": "wrong_agent_target", "bootstrap_one_step_early": "wrong_agent_target",
               "transformed_twice": "wrong_agent_target", "expectation_not_mapped_back": "wrong_agent_values",
               "outputs_read_as_probabilities": "wrong_agent_values",
               "softmax_of_probabilities": "wrong_agent_values"}


@pytest.fixture(scope="module", params=[(2, "rainbow2"), (3, "rainbow3"), (3, "muzero3")])
def task(request):
    k, name = request.param
    config = pc.Config(kind="implement", components=k)
    return next(t for t in (pc.generate(config, 3, i) for i in range(40)) if t.truth["wiring"] == name)


def test_the_reference_the_looped_agent_and_the_diffs_pass(task):
    assert grade(task, task.truth["reference"]).passed
    for answer in enumerate_answers(task):
        assert grade(task, answer).passed


def test_each_slip_of_the_agent_fails_with_the_reason_of_its_piece(task):
    wiring = _wiring(task)
    slips = wiring.slips(task.truth["conventions"])
    assert set(slips) <= set(SLIP_REASON) and len(slips) >= 5
    reasons = {slip: grade(task, with_function(task, COMPONENTS[task.meta["component"]].reference, slip)).reasons
               for slip in slips}
    want = {slip: r if isinstance(r, tuple) else (r,) for slip, r in SLIP_REASON.items()}
    assert reasons == {slip: want[slip] for slip in slips}


def test_a_slip_in_any_of_the_components_is_wrong_values_and_the_untouched_files_fail(task):
    for key in task.truth["components"]:
        for source in COMPONENTS[key].mutants.values():
            g = grade(task, with_function(task, source, key=key))
            assert "wrong_values" in g.reasons and not any(r.startswith("wrong_agent") for r in g.reasons)
    assert not any(grade(task, answer).passed for answer in mutants(task))


def test_the_cut_off_holds_none_of_the_components_and_the_prompt_names_each_rule(task):
    from tools import call_tool
    for key in task.truth["components"]:
        for function in COMPONENTS[key].functions:
            found = call_tool("git_grep", {"pattern": f"def {function}"}, task.env).text
            assert found == "No matches found.", function
    assert all(rule in task.prompt for rule in _wiring(task).rules)
    if task.truth["wiring"].startswith("rainbow"):
        assert "gamma ** n_steps" in task.prompt and "not from a TD error" in task.prompt
