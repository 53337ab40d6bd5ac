import json
import re

from tasks.report import main, read_results, render_html, render_text, summarize


def row(family="f.a", knobs=None, passed=False, reasons=(), turns=1, tool_calls=0, tokens=(0, 0),
        cost=0.0, transcript=(), answer=None):
    return {"task_id": "t", "family": family, "knobs": knobs, "trial": 0, "model": "m",
            "provider": "scripted", "passed": passed, "score": float(passed), "reasons": list(reasons),
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
    assert cells(text, ["f.a", "n=8"]) == ["f.a", "n=8", "4", "50.0%", "15.0-85.0%", "undecided", "3.5",
                                           "3.0", "275", "$0.0200"]
    # 0/40: the upper end is (3.8415/40) / (1 + 3.8415/40) = 0.0876, below 10%
    assert cells(text, ["f.a", "n=12"])[2:6] == ["40", "0.0%", "0.0-8.8%", "below"]
    # 50/200: centre (0.25 + 3.8415/400) / 1.0192 = 0.2547, half 1.96 * 0.03101 / 1.0192 = 0.0596
    assert cells(text, ["f.b", "-"])[2:6] == ["200", "25.0%", "19.5-31.4%", "inside"]


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
    page = render_html(summarize(EXAMPLE), "report")
    assert page.count("<svg") == 4  # per family: pass rate by difficulty, failure reasons
    assert '<a href="docs/failure-modes.md#turn_limit">' in page
    assert not re.search(r"https?://|<script|<link|src=", page)
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
    assert "knobs of every row: shared=1" in text and "knobs of every row: shared=1" in page
    assert cells(text, ["f.a", "n=12"])[2] == "1"
    assert ">n=8</text>" in page and ">n=12</text>" in page
    assert "shared=1</text>" not in page
