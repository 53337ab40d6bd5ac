"""Families register one way: entry points of the group kgtasks.families (tasks/families.py)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tasks.families import FamilySpec, families, family, register

ROOT = Path(__file__).parents[2]


def test_the_built_in_families_are_registered():
    assert {"causal", "lineage", "git", "wikidata"} <= set(families())
    assert family("causal.adjustment").generator == "generators.causal"


def test_a_second_family_of_the_same_name_is_refused():
    with pytest.raises(ValueError, match="'causal'"):
        register(FamilySpec("causal", "somewhere.else"))


def _plugin(tmp_path):
    """An installed third-party distribution: a dist-info with an entry point, and its module."""
    dist = tmp_path / "toyplug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toyplug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[kgtasks.families]\ntoy = toyplug:SPEC\n")
    (tmp_path / "toyplug.py").write_text(textwrap.dedent("""
        from tasks.families import FamilySpec
        SPEC = FamilySpec("toy", "tests.toy_family", tools=("tests.toy_family",), graders=("tests.toy_family",))
    """))
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}


def test_a_package_adds_a_family_without_editing_kgtasks(tmp_path):
    env = _plugin(tmp_path)
    out = tmp_path / "toy.jsonl"
    gen = subprocess.run([sys.executable, "-m", "tasks.cli", "generate", "toy", "--n", "3", "--out", str(out)],
                         env=env, cwd=tmp_path, capture_output=True, text=True)
    assert gen.returncode == 0, gen.stderr
    run = subprocess.run([sys.executable, "-m", "tasks.cli", "run", str(out), "--model", "oracle", "--out",
                          str(tmp_path / "r.jsonl")], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "3 trials run (3 passed)" in run.stderr
