import json

import pytest

from tests.conftest import register_family
from tasks.calibrate import Search, SimulatedAgent, calibrate, generate_command, main, simulated_ladders
from tests import toy_family
from tests.fakes import FakeServer, messages_api

LADDER = [{"level": i} for i in range(8)]


def test_the_calibrator_picks_an_in_band_level_nine_times_in_ten_at_half_a_sweeps_cost():
    hits = trials = 0
    for i, rates in enumerate(simulated_ladders(400, len(LADDER))):
        result = calibrate(LADDER, SimulatedAgent(LADDER, rates, seed=i))
        hits += result.chosen is not None and 0.10 <= rates[result.chosen] <= 0.40
        trials += sum(len(level.results) for level in result.levels)
    assert hits / 400 >= 0.90
    assert trials / (400 * 40 * len(LADDER)) <= 0.5  # against a fixed sweep of 40 trials a level


def test_a_level_clearly_inside_the_band_is_confirmed():
    rates = [0.97, 0.95, 0.9, 0.25, 0.01, 0.0]
    result = calibrate(LADDER[:6], SimulatedAgent(LADDER[:6], rates, seed=1))
    assert (result.chosen, result.confirmed, result.stopped) == (3, True, "confirmed")


def test_levels_beyond_a_clearly_too_hard_level_are_never_tried():
    rates = [0.9, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    result = calibrate(LADDER, SimulatedAgent(LADDER, rates, seed=2), start=2)
    assert result.chosen == 1
    assert max(lv.index for lv in result.levels if lv.results) == 2


def test_a_ladder_without_an_in_band_level_is_not_confirmed():
    rates = [1.0, 0.9, 0.8, 0.0, 0.0]  # the band falls between two steps
    result = calibrate(LADDER[:5], SimulatedAgent(LADDER[:5], rates, seed=3))
    assert not result.confirmed and result.stopped == "no open level left"


def test_the_trial_budget_is_never_exceeded():
    result = calibrate(LADDER, SimulatedAgent(LADDER, [0.4] * 8, seed=4), Search(budget_trials=12))
    assert sum(len(lv.results) for lv in result.levels) == 12 and result.stopped == "trial budget"


def test_the_dollar_budget_stops_between_batches():
    agent, ran = SimulatedAgent(LADDER, [0.4] * 8, seed=5), []

    def run_level(settings, n):
        ran.extend(agent(settings, n))
        return ran[-n:]

    result = calibrate(LADDER, run_level, Search(budget_dollars=1.0), spent=lambda: 0.1 * len(ran))
    assert len(ran) == 10 and result.stopped == "dollar budget"  # $0.10 a trial, batches of 5


@pytest.mark.parametrize("search, message", [
    (Search(band=(0.4, 0.1)), "band must satisfy"),
    (Search(confidence=1.0), "confidence"),
    (Search(min_trials=50, max_trials=40), "min_trials <= max_trials, got 50 and 40"),
    (Search(batch=0), "batch must be >= 1, got 0"),
    (Search(budget_trials=0), "trial budget"),
])
def test_bad_search_settings_are_refused(search, message):
    with pytest.raises(ValueError, match=message):
        calibrate(LADDER, SimulatedAgent(LADDER, [0.5] * 8, seed=0), search)


def test_the_command_names_every_knob_of_the_level():
    settings = {"nodes": 12, "anonymize": False, "lineage": "dqn rainbow"}
    command = generate_command(toy_family, "path", settings, 3)
    assert command == ("python -m tests.toy_family --kind path --no-anonymize --lineage 'dqn rainbow' "
                       "--nodes 12 --seed 3 --n 100 --out toy.path.jsonl")


# -- the CLI, with the real runner and the scripted random agent on the toy family -------------------------

@pytest.fixture
def toy_registered(monkeypatch):
    register_family(monkeypatch, "toy", "tests.toy_family")


def _calibrate(tmp_path, name, *extra):
    argv = ["--family", "toy.path", "--model", "random", "--results", str(tmp_path / f"{name}.jsonl"),
            "--out", str(tmp_path / f"{name}.json"), *extra]
    code = main(argv)
    return code, json.loads((tmp_path / f"{name}.json").read_text())


def test_the_cli_writes_the_chosen_setting_every_level_and_the_command(tmp_path, toy_registered, capsys):
    code, record = _calibrate(tmp_path, "run")
    assert code == (0 if record["chosen"]["confirmed"] else 1)
    levels = {lv["level"]: lv for lv in record["levels"]}
    assert record["chosen"]["level"] in levels
    assert record["trials"] == sum(lv["trials"] for lv in levels.values())
    assert all(lv["interval"][0] <= lv["rate"] <= lv["interval"][1] for lv in levels.values())
    assert record["cost"] == 0.0 and record["tokens"] == 0  # the scripted agent is free
    assert record["command"] in capsys.readouterr().out
    rows = (tmp_path / "run.jsonl").read_text().splitlines()
    assert len(rows) == record["trials"]


def test_an_interrupted_calibration_resumes_from_its_results_and_ends_as_an_uninterrupted_one(tmp_path,
                                                                                              toy_registered):
    _, whole = _calibrate(tmp_path, "whole")
    _, part = _calibrate(tmp_path, "part", "--budget", "15")
    assert part["trials"] == 15 and part["stopped"] == "trial budget"
    _, resumed = _calibrate(tmp_path, "part")
    assert resumed == whole
    assert len((tmp_path / "part.jsonl").read_text().splitlines()) == whole["trials"]  # nothing run twice


def test_tokens_and_cost_of_a_real_client_are_summed_and_the_dollar_budget_stops_it(tmp_path, toy_registered,
                                                                                   monkeypatch):
    # claude-haiku-4-5 through the real anthropic client, against a local fake of the Messages API
    # that answers every task at once: 100 input and 10 output tokens, $1 and $5 a million
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    guess = messages_api(lambda turn, results: [("submit_answer", {"path": ["n0", "n3"]})])
    with FakeServer(guess) as server:
        code = main(["--family", "toy.path", "--model", "claude-haiku-4-5", "--provider", "anthropic",
                     "--base-url", server.url, "--budget", "$0.0029",
                     "--results", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "o.json")])
    record = json.loads((tmp_path / "o.json").read_text())
    assert (code, record["stopped"], record["trials"]) == (1, "dollar budget", 20)  # $0.00015 a trial
    assert record["tokens"] == 110 * 20
    assert record["cost"] == pytest.approx(0.00015 * 20)
    assert sum(lv["cost"] for lv in record["levels"]) == pytest.approx(record["cost"])


def test_trials_the_provider_failed_stop_the_calibration_instead_of_counting_as_failures(
        tmp_path, toy_registered, monkeypatch, capsys):
    import anthropic._base_client

    monkeypatch.setattr(anthropic._base_client, "INITIAL_RETRY_DELAY", 0.0)
    monkeypatch.setattr(anthropic._base_client, "MAX_RETRY_DELAY", 0.0)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    down = (500, {}, {"type": "error", "error": {"type": "api_error", "message": "down"}})
    with FakeServer(lambda request: down) as server:
        code = main(["--family", "toy.path", "--model", "claude-haiku-4-5", "--provider", "anthropic",
                     "--base-url", server.url, "--results", str(tmp_path / "r.jsonl"),
                     "--out", str(tmp_path / "o.json")])
    assert code == 2 and "failed at the provider" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


@pytest.mark.parametrize("argv, message", [
    (["--family", "toy.nope"], "kinds of toy are path"),
    (["--family", "toy.path", "--band", "0.5", "0.2"], "band must satisfy"),
    (["--family", "toy.path", "--budget", "5x"], "--budget '5x'"),
    (["--family", "nofamily.path"], "unknown family 'nofamily'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, toy_registered, capsys, argv, message):
    assert main([*argv, "--model", "random", "--results", str(tmp_path / "r.jsonl"),
                 "--out", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_token_budget_caps_an_unpriced_model_and_a_given_price_makes_a_dollar_budget_work(
        tmp_path, toy_registered, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    from tests.fakes import chat_api
    guess = chat_api(lambda turn, results: [("submit_answer", {"path": ["n0", "n3"]})])
    with FakeServer(guess) as server:  # 110 tokens a trial; batches of 5
        code = main(["--family", "toy.path", "--model", "local-model", "--base-url", server.url + "/v1",
                     "--budget", "1000 tokens", "--results", str(tmp_path / "r.jsonl"),
                     "--out", str(tmp_path / "o.json")])
        record = json.loads((tmp_path / "o.json").read_text())
        assert (code, record["stopped"], record["trials"]) == (1, "token budget", 10)
        code = main(["--family", "toy.path", "--model", "local-model", "--base-url", server.url + "/v1",
                     "--budget", "$0.01", "--price", "10", "10", "--results", str(tmp_path / "r2.jsonl"),
                     "--out", str(tmp_path / "o2.json")])
    record = json.loads((tmp_path / "o2.json").read_text())
    assert (code, record["stopped"], record["trials"]) == (1, "dollar budget", 10)  # $0.0055 a batch
    assert record["cost"] == pytest.approx(10 * 110 * 10 / 1e6)


def test_a_dollar_budget_for_an_unpriced_model_is_refused(tmp_path, toy_registered, capsys):
    assert main(["--family", "toy.path", "--model", "local-model", "--base-url", "http://127.0.0.1:9/v1",
                 "--budget", "$5", "--results", str(tmp_path / "r.jsonl"),
                 "--out", str(tmp_path / "o.json")]) == 2
    assert "no price for local-model" in capsys.readouterr().err
