import subprocess
import sys

import pytest

from tasks.api import families, generate, grade


def test_generate_gives_the_same_tasks_as_the_generator_cli():
    tasks = generate("causal", n=3, seed=5, kind="adjustment", edges=6)
    cli = subprocess.run([sys.executable, "-m", "generators.causal", "--n", "3", "--seed", "5", "--kind",
                          "adjustment", "--edges", "6"], capture_output=True, text=True, check=True).stdout
    assert [t.to_json() for t in tasks] == cli.splitlines()


def test_lazy_generate_builds_tasks_as_they_are_taken():
    it = generate("causal", n=1_000_000, seed=1, kind="discover", edges=3, lazy=True)
    first = next(it)
    assert first.family == "causal.discover"


def test_a_knob_the_family_lacks_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="hops"):
        generate("causal", n=1, hops=3)


def test_families_list_kinds_knobs_and_ladders():
    info = families()
    assert {"causal", "lineage", "git", "wikidata"} <= set(info)
    assert "adjustment" in info["causal"]["kinds"]
    assert info["causal"]["knobs"]["edges"]["default"] == 0  # 0: the kind's default, named in the help
    assert info["causal"]["ladders"]["adjustment"]


def test_grade_takes_a_dict_or_model_text_holding_the_reference():
    task = generate("causal", n=1, seed=2, kind="adjustment")[0]
    ref = task.truth["reference"]
    import json
    assert grade(task, ref).passed
    assert grade(task, f"Done.\n```json\n{json.dumps(ref)}\n```\n").passed
    assert grade(task, "I give up").reasons == ("invalid_json",)
