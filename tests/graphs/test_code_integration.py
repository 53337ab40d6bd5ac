"""The Rainbow agent that integration tasks wire several components into: under every choice of
conventions a second agent written apart from the reference (on the looped components) gives the same
values, each slip changes the values of the method it belongs to, and a hand-computed target agrees."""
import random

import numpy as np
import pytest

from graders.paper_code import same_value
from graphs import code_components as CC
from graphs.code_integration import INTEGRATIONS

WIRINGS = [w for ws in INTEGRATIONS.values() for w in ws]


def _namespace(version_of_components: str, wiring, conventions, version) -> dict:
    namespace = {"np": np}
    for c in sorted(CC.COMPONENTS.values(), key=lambda c: c.key != "value_transform"):
        exec(getattr(c, version_of_components), namespace)
    exec(wiring.render(conventions, version), namespace)
    return namespace


def _values(namespace, cases):
    out = []
    for name, kwargs in cases:
        try:
            out.append(CC.to_json(CC.call_case(namespace, name, kwargs)))
        except Exception as e:  # the scaffold raises NotImplementedError
            out.append({"error": type(e).__name__})
    return out


def _variants():
    return [(w.name, cv) for w in WIRINGS for cv in w.variants()]


def _wiring(name):
    return next(w for w in WIRINGS if w.name == name)


@pytest.mark.parametrize("name,conventions", _variants())
def test_the_alternative_agent_on_looped_components_gives_the_references_values(name, conventions):
    wiring = _wiring(name)
    cases = wiring.cases(random.Random(5), conventions)
    expected = CC.expected(cases, (wiring.render(conventions, "reference"),))
    got = _values(_namespace("looped", wiring, conventions, "alternative"), cases)
    assert all(same_value(e, g, **CC.TOLERANCE) for e, g in zip(expected, got, strict=True)), (expected, got)


@pytest.mark.parametrize("name,conventions", _variants())
def test_every_slip_changes_a_value_of_its_own_method_and_the_scaffold_fails(name, conventions):
    wiring = _wiring(name)
    cases = wiring.cases(random.Random(6), conventions)
    expected = CC.expected(cases, (wiring.render(conventions, "reference"),))
    for slip in (*wiring.slips(conventions), "scaffold"):
        got = _values(_namespace("reference", wiring, conventions, slip), cases)
        wrong = {name.split(".")[1] for (name, _), e, g in zip(cases, expected, got, strict=True)
                 if not same_value(e, g, **CC.TOLERANCE)}
        assert wrong, slip
        source = wiring.render(conventions, slip)
        reference = wiring.render(conventions, "reference")
        changed = {m for m in wiring.methods if _method(source, m) != _method(reference, m)}
        # a slip in sample and learn together that samples alike shows in learn alone
        assert slip == "scaffold" or (changed <= wrong if slip != "priorities_stored_raw" else wrong == {"learn"})


def _method(source: str, name: str) -> str:
    return source.split(f"    def {name}(", 1)[1].split("\n    def ", 1)[0]


def test_a_hand_computed_two_step_target_follows_the_online_choice_and_the_early_end():
    # support -3..3 (7 atoms), gamma 1, n_steps 2. Row 0: rewards 1, 0 with no end; the online network
    # prefers action 1 (mass on +3), whose target distribution is all on -3: Tz = 1 + (-3) = -2, atom 1.
    # Row 1: the episode ends at step 0 with reward -1: all the mass on -1 (atom 2), whatever the next state.
    wiring = _wiring("rainbow3")
    cv = {"support": "bounds", "mask": "dones", "store": "raw", "loss": "cross_entropy", "rewards": "per_step"}
    namespace = _namespace("reference", wiring, cv, "reference")
    agent = namespace["RainbowAgent"](capacity=4, v_min=-3.0, v_max=3.0, n_atoms=7, gamma=1.0, n_steps=2,
                                      alpha=0.6, beta_start=0.4, beta_steps=10, eps=0.01)
    one_hot = [np.eye(7)[j] for j in range(7)]
    batch = {"rewards": np.array([[1.0, 0.0], [-1.0, 5.0]]), "dones": np.array([[0.0, 0.0], [1.0, 0.0]]),
             "next_probs_online": np.array([[one_hot[0], one_hot[6]], [one_hot[0], one_hot[6]]]),
             "next_probs_target": np.array([[one_hot[6], one_hot[0]], [one_hot[3], one_hot[3]]]),
             "probs": np.full((2, 7), 1 / 7)}
    assert np.allclose(agent.target_distribution(batch), [one_hot[1], one_hot[2]])
    loss, priorities = agent.learn(batch, np.array([0, 3]), np.array([1.0, 0.5]))
    assert np.allclose(priorities, np.log(7) + 0.01) and np.isclose(loss, 0.75 * np.log(7))
