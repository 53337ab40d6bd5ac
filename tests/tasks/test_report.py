import itertools
import json
import re

from tasks.report import main, read_results, render_html, render_text, summarize

_ids = itertools.count()


def row(family="f.a", knobs=None, passed=False, reasons=(), turns=1, tool_calls=0, tokens=(0, 0),
        cost=0.0, transcript=(), answer=None, task_id=None, model="m", trial=0):
    """A results row; each of its own task unless `task_id` is given."""
    return {"task_id": task_id or f"t{next(_ids)}", "family": family, "knobs": knobs, "trial": trial,
            "model": model, "provider": "scripted", "passed": passed, "score": float(passed),
            "reasons": list(reasons),
            "answer": answer, "turns": turns, "tool_calls": tool_calls, "input_tokens": tokens[0],
            "output_tokens": tokens[1], "cache_creation_tokens": 0, "cache_read_tokens": 0, "cost": cost,
            "wall_time": 0.1, "stop_reason": "submitted", "error": None, "transcript": list(transcript)}


LOOKUP_TURN = [{"role": "assistant", "text": "Let me look.",
                "calls": [{"id": "1", "name": "lookup", "args": {"k": 1}}]},
               {"role": "tool", "id": "1", "name": "lookup", "text": "no such key", "is_error": True}]

EXAMPLE = [
    row(knobs={"n": 8}, passed=True, turns=2, tool_calls=1, tokens=(100, 10), cost=0.01),
    row(knobs={"n": 8}, passed=True, turns=3, tool_calls=2, tokens=(200, 20), cost=0.02),
    row(knobs={"n": 8}, reasons=["turn_limit"], turns=5, tool_calls=5, tokens=(300, 30), cost=0.03,
        transcript=LOOKUP_TURN),
    row(knobs={"n": 8}, reasons=["outside_tolerance", "duplicate_item"], turns=4, tool_calls=4,
        tokens=(400, 40), cost=None, answer={"total": 43}),
    *[row(knobs={"n": 12}, reasons=["no_submission"]) for _ in range(40)],
    *[row(family="f.b", passed=i < 50, reasons=[] if i < 50 else ["outside_tolerance"]) for i in range(200)],
]


def cells(text, first_two):
    (line,) = [ln for ln in text.splitlines() if re.split(r"\s{2,}", ln.strip())[:2] == first_two]
    return re.split(r"\s{2,}", line.strip())


def test_the_numbers_match_a_hand_computed_example():
    text = render_text(summarize(EXAMPLE))
    # 2/4: Wilson 95% is 0.5 +- 1.96*sqrt(.0625 + 3.8415/64)/1.9604 = 0.5 +- 0.3500; the mean cost skips
    # the unpriced trial: (0.01 + 0.02 + 0.03) / 3
    # (one trial per task: the task-as-unit interval is the Wilson interval of the trials)
    assert cells(text, ["f.a", "n=8"]) == ["f.a", "n=8", "4", "4", "50.0%", "15.0-85.0%", "-", "undecided",
                                           "0.0%", "0.0%", "3.5", "3.0", "275", "$0.0200"]
    # 0/40: the upper end is (3.8415/40) / (1 + 3.8415/40) = 0.0876, below 10%
    assert cells(text, ["f.a", "n=12"])[2:8] == ["40", "40", "0.0%", "0.0-8.8%", "-", "below"]
    # 50/200: centre (0.25 + 3.8415/400) / 1.0192 = 0.2547, half 1.96 * 0.03101 / 1.0192 = 0.0596
    assert cells(text, ["f.b", "-"])[2:8] == ["200", "200", "25.0%", "19.5-31.4%", "-", "inside"]


def test_knob_settings_are_ordered_as_numbers():
    text = render_text(summarize(EXAMPLE))
    assert text.index("n=8") < text.index("n=12")  # as strings "12" < "8"


def test_failure_reasons_are_counted_linked_and_shown_with_an_example():
    text = render_text(summarize(EXAMPLE))
    assert re.search(r"no_submission\s+40 .*\(docs/failure-modes.md#no_submission\)", text)
    for reason in ("turn_limit", "outside_tolerance", "duplicate_item"):
        assert re.search(rf"{reason}\s+1 .*docs/failure-modes.md#{reason}", text)
    assert "| model: Let me look. calls lookup({\"k\": 1})" in text
    assert "| tool lookup ERROR: no such key" in text
    assert '| answer: {"total": 43}' in text


def test_the_html_page_is_self_contained(tmp_path):
    page = render_html(summarize(EXAMPLE), "report", trials=EXAMPLE)
    # f.a: histogram, a plot for its knob n (two levels), reasons; f.b: histogram and reasons, no knob plot
    assert page.count("<svg") == 5 and page.count('class="knob"') == 1
    assert "<b>turn_limit</b> (the episode reached its turn limit before submitting)" in page
    assert "<a href" not in page  # no relative links that break once the page is moved
    assert not re.search(r"https?://|<link|src=", page)
    assert "15.0-85.0%" in page


def test_the_cli_writes_html_and_prints_the_text_report(tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    still_writing = '{"task_id": "t", "tri'
    results.write_text("".join(json.dumps(r) + "\n" for r in EXAMPLE) + still_writing)
    assert main([str(results), "--html", str(tmp_path / "r.html")]) == 0
    assert "model m: 244 trials" in capsys.readouterr().out
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")


def test_a_bad_line_is_one_clear_error(tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps(EXAMPLE[0]) + "\n[1, 2]\n")
    assert main([str(results)]) == 2
    err = capsys.readouterr().err
    assert err == f"python -m tasks.report: error: {results}:2: not a results line\n"


def test_reading_streams_rows(tmp_path):
    results = tmp_path / "r.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in EXAMPLE[:3]))
    assert [r["turns"] for r in read_results(str(results))] == [2, 3, 5]


def test_rows_and_plot_labels_name_only_the_knobs_that_vary():
    groups = summarize([row(knobs={"n": n, "shared": 1}, passed=True) for n in (8, 12)])
    text, page = render_text(groups), render_html(groups, "report")
    assert "knobs of every f.a row: shared=1" in text and "knobs of every f.a row: shared=1" in page
    assert cells(text, ["f.a", "n=12"])[2:4] == ["1", "1"]
    assert ">n=8</text>" in page and ">n=12</text>" in page
    assert "shared=1</text>" not in page


# -- the task as unit, defects apart, what a model wrote ----------------------------------------------

def _nested(tasks=13, trials=12, model="m", family="f.n"):
    """Tasks that either always pass (every fourth) or never do: trials nested in tasks."""
    return [row(family=family, task_id=f"{family}-{t}", trial=k, model=model, passed=t % 4 == 0,
                reasons=[] if t % 4 == 0 else ["wrong_answer"]) for t in range(tasks) for k in range(trials)]


def test_tasks_and_trials_are_counted_apart_and_the_interval_treats_the_task_as_unit():
    (group,) = summarize(_nested())
    text = render_text([group])
    tasks, trials, rate, interval = cells(text, ["f.n", "-"])[2:6]
    assert (tasks, trials, rate) == ("13", "156", "30.8%")  # 4 of 13 tasks pass
    lo, hi = (float(x) for x in interval.rstrip("%").split("-"))
    # as wide as 13 draws would give (every trial of a task agrees), not 156: Wilson(4, 13) is 12.7-57.6%
    assert lo < 13 and hi > 57
    assert cells(text, ["f.n", "-"])[8] == "0.0%"  # no task gives a learning signal


def test_a_grader_error_is_a_task_defect_reported_apart_not_the_models_failure():
    rows = [row(task_id="good", passed=True), row(task_id="broken", reasons=["grader_error"]),
            row(task_id="good2")]
    (group,) = summarize(rows)
    assert (group.n, group.passed, group.grader_errors) == (2, 1, {"broken"})
    text = render_text([group])
    assert "f.a: the grader failed on 1 tasks (a task defect, not the model's failure" in text
    assert cells(text, ["f.a", "-"])[2:5] == ["2", "2", "50.0%"]
    assert "grader_error" not in group.reasons


def test_control_characters_a_model_wrote_are_not_printed(tmp_path):
    nasty = "\x1b[2A\x1b[2Kgone\x07\x9b"
    rows = [row(reasons=["wrong_answer"], answer={"x": nasty}, transcript=[
        {"role": "assistant", "text": nasty, "calls": [{"id": "1", "name": "t", "args": {"q": nasty}}]},
        {"role": "tool", "id": "1", "name": "t", "text": nasty, "is_error": False}])]
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps(rows[0]) + "\n")
    cleaned = list(read_results(str(results)))
    text = render_text(summarize(cleaned))
    page = render_html(summarize(cleaned), "r", trials=cleaned)
    for out in (text, page):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out.replace("\n", ""))
    assert "[2A[2Kgone" in text


def test_several_models_get_a_model_by_family_matrix():
    rows = _nested(model="a") + _nested(model="b", tasks=10, trials=2)
    page = render_html(summarize(rows), "r", chance={"f.n": 0.05})
    assert "<h2>models x families</h2>" in page
    assert "30.8% [" in page and "13x12" in page and "10x2" in page
    assert render_html(summarize(_nested()), "r").count("models x families") == 0


def test_the_histogram_counts_tasks_by_their_own_pass_rate():
    page = render_html(summarize(_nested()), "r")
    bins = re.findall(r"<title>(\d+)-\d+%: (\d+) tasks</title>", page)
    assert dict(bins)["0"] == "9" and dict(bins)["90"] == "4"  # 9 never pass, 4 always do


def test_chance_is_drawn_and_judges_the_band():
    rows = [row(family="f.c", passed=i < 3, reasons=[] if i < 3 else ["wrong_answer"]) for i in range(10)]
    groups = summarize(rows)
    assert "at chance" in render_text(groups, {"f.c": 0.25})
    assert "chance 25%" in render_html(groups, "r", chance={"f.c": 0.25})


def test_the_trial_browser_filters_and_opens_a_trial_in_a_real_browser(tmp_path):
    from tests.browser import rendered_dom

    rows = [*_nested(tasks=3, trials=2), row(family="f.z", task_id="z1", reasons=["turn_limit"],
                                             transcript=LOOKUP_TURN, answer={"total": "</script><b>x"})]
    page = tmp_path / "r.html"
    page.write_text(render_html(summarize(rows), "r", trials=rows, prompts={"z1": "Find <the> total."}))
    dom = rendered_dom(page)
    assert "7 of 7 trials" in dom
    dom = rendered_dom(page, "reason=turn_limit&trial=0")
    assert "1 of 7 trials" in dom
    assert "Find &lt;the&gt; total." in dom  # the prompt, as text
    assert "tool lookup ERROR: no such key" in dom and "model: Let me look." in dom
    assert "&lt;/script&gt;&lt;b&gt;x" in dom and "<b>x" not in dom  # the answer as text, never as markup
    dom = rendered_dom(page, "family=f.n&task_id=f.n-0")
    assert "2 of 7 trials" in dom


def test_a_row_shows_only_the_knobs_of_its_own_kind():
    rows = [row(family="f.a", knobs={"edges": e}) for e in (4, 8)] + [row(family="f.b", knobs={"depth": 2})]
    text = render_text(summarize(rows))
    assert cells(text, ["f.a", "edges=4"]) and cells(text, ["f.b", "-"])
    assert "knobs of every f.b row: depth=2" in text and "edges" not in cells(text, ["f.b", "-"])[1]


def test_the_cli_with_tasks_shows_chance_and_the_prompts(tmp_path, capsys, monkeypatch):
    from generators.base import iter_tasks
    from tasks.task import write_tasks
    from tests import toy_family
    from tests.conftest import register_family

    register_family(monkeypatch, "toy", "tests.toy_family")
    tasks = list(iter_tasks(toy_family, toy_family.Config(nodes=6), seed=7, n=4))
    with open(tmp_path / "t.jsonl", "w") as fh:
        write_tasks(tasks, fh)
    rows = [row(family="toy.path", task_id=t.id, reasons=["wrong_answer"]) for t in tasks]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main([str(tmp_path / "r.jsonl"), "--tasks", str(tmp_path / "t.jsonl"),
                 "--html", str(tmp_path / "r.html")]) == 0
    # the best trivial baseline passes 1 of these 4 toy tasks (tests/tasks/test_check.py)
    assert cells(capsys.readouterr().out, ["toy.path", "-"])[6:8] == ["25.0%", "undecided"]  # 4 trials
    page = (tmp_path / "r.html").read_text()
    assert json.dumps(tasks[0].prompt)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e") in page


def test_each_task_is_judged_against_the_band_on_the_page():
    rows = [row(family="f.v", task_id=f"v{t}", trial=k, passed=k < p,
                reasons=[] if k < p else ["wrong_answer"])
            for t, p in enumerate([0, 9, 10, 40]) for k in range(40)]
    page = render_html(summarize(rows), "r")
    # 0/40, 9/40 (Wilson 95%: 12-38%), 10/40 (14-40.2%: reaches past the band), 40/40
    assert "1 below, 1 inside, 1 above, 1 undecided" in page


def test_the_shared_knobs_line_shows_only_the_knobs_of_the_kind():
    # the causal Config has samples, but adjustment's ladder never moves it: another kind's knob
    knobs = {"edges": 8, "hidden": 2, "samples": 500, "max_cost": 5, "budget": 0}
    text = render_text(summarize([row("causal.adjustment", knobs, passed=True) for _ in range(3)]))
    line = next(line for line in text.splitlines() if "knobs of every causal.adjustment row" in line)
    assert "edges=8" in line and "hidden=2" in line and "samples" not in line
