import subprocess
import sys


def _kgtasks(*args, **kw):
    return subprocess.run([sys.executable, "-m", "tasks.cli", *args], capture_output=True, text=True, **kw)


def test_generate_subcommand_writes_what_the_module_form_writes():
    a = _kgtasks("generate", "causal", "--n", "2", "--seed", "3").stdout
    b = subprocess.run([sys.executable, "-m", "generators.causal", "--n", "2", "--seed", "3"],
                       capture_output=True, text=True).stdout
    assert a == b and a.count("\n") == 2


def test_check_subcommand_runs_the_checker(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(_kgtasks("generate", "causal", "--n", "2", "--kind", "adjustment").stdout)
    assert _kgtasks("check", str(path)).returncode == 0


def test_unknown_command_or_family_is_one_line_and_exit_2():
    for args in (("frobnicate",), ("generate", "nosuch"), ("generate",)):
        r = _kgtasks(*args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_the_console_script_is_declared():
    import tomllib
    from pathlib import Path
    meta = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["kgtasks"] == "tasks.cli:main"
