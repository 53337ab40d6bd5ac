"""The agents that implement tasks wire a component into: under every choice of conventions the
reference and a second wiring written apart from it (on the looped components) give the same values,
each slip a hasty reader makes gives other values on the hidden cases, and the cut-off's class is not
wired yet."""
import random

import numpy as np
import pytest

from graders.paper_code import same_value
from graphs import code_components as CC
from graphs.code_wiring import WIRINGS


def _namespace(version_of_components: str) -> dict:
    namespace = {"np": np}
    for c in sorted(CC.COMPONENTS.values(), key=lambda c: c.key != "value_transform"):
        exec(getattr(c, version_of_components), namespace)
    return namespace


def _values(namespace, wiring, conventions, version, cases):
    exec(wiring.render(conventions, version), namespace)
    out = []
    for name, kwargs in cases:
        try:
            out.append(CC.to_json(CC.call_case(namespace, name, kwargs)))
        except Exception as e:  # a slip may crash where the shapes disagree
            out.append({"error": type(e).__name__})
    return out


def _variants():
    return [(key, cv) for key, w in sorted(WIRINGS.items()) for cv in w.variants()]


@pytest.mark.parametrize("key,conventions", _variants())
def test_the_alternative_wiring_on_looped_components_gives_the_references_values(key, conventions):
    wiring = WIRINGS[key]
    cases = wiring.cases(random.Random(5), conventions)
    expected = CC.expected(cases, (wiring.render(conventions, "reference"),))
    got = _values(_namespace("looped"), wiring, conventions, "alternative", cases)
    assert all(same_value(e, g, **CC.TOLERANCE) for e, g in zip(expected, got, strict=True))


@pytest.mark.parametrize("key,conventions", _variants())
def test_every_slip_of_these_conventions_and_the_scaffold_fail_a_hidden_case(key, conventions):
    wiring = WIRINGS[key]
    cases = wiring.cases(random.Random(6), conventions)
    expected = CC.expected(cases, (wiring.render(conventions, "reference"),))
    assert wiring.slips(conventions)
    for slip in (*wiring.slips(conventions), "scaffold"):
        got = _values(_namespace("reference"), wiring, conventions, slip, cases)
        assert not all(same_value(e, g, **CC.TOLERANCE) for e, g in zip(expected, got, strict=True)), slip


def test_a_c51_batch_marks_episode_ends_under_the_key_its_conventions_name():
    wiring = WIRINGS["c51_projection"]
    for cv in wiring.variants():
        (_, kwargs), *_ = wiring.cases(random.Random(0), cv)
        batch = kwargs["call"]["batch"]
        assert (cv["mask"] in batch) and (("next_probs_online" in batch) == (cv["chooser"] == "online"))
        assert wiring.file(cv, "scaffold").count(f'"{cv["mask"]}"') >= 1
