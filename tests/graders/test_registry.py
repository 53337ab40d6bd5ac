import pytest

from graders.registry import Grade, failed, grade, grader, passed
from tasks.task import Task


@grader("_parity_for_test")
def _parity(task, answer):
    return passed() if answer["n"] % 2 == task.truth["parity"] else failed("outside_tolerance")


@grader("_buggy_for_test")
def _buggy(task, answer):
    raise ZeroDivisionError


def _task(grader_name="_parity_for_test"):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    return Task("t", "test.parity", "p", [], schema, {}, {"parity": 1}, grader_name)


@pytest.mark.parametrize(
    "answer, reason",
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "not_an_object"),
        (None, "not_an_object"),
        ({"m": 1}, "schema_mismatch"),
        ({"n": "1"}, "schema_mismatch"),
        ("x" * 200_001, "answer_too_large"),
        ("[" * 100_000 + "]" * 100_000, "answer_too_large"),
        ("[" * 50_000 + "]" * 50_000, "invalid_json"),  # nesting too deep for the parser
        ({"n": 2}, "outside_tolerance"),
    ],
)
def test_malformed_or_wrong_answers_fail_with_a_reason(answer, reason):
    g = grade(_task(), answer)
    assert not g.passed and reason in g.reasons


def test_a_json_string_answer_is_parsed():
    assert grade(_task(), '{"n": 3}') == Grade(True, 1.0, ())


def test_a_grader_bug_is_a_failed_grade_not_an_exception():
    assert grade(_task("_buggy_for_test"), {"n": 1}).reasons == ("grader_error",)


def test_unknown_grader_is_a_failed_grade():
    assert grade(_task("no_such_grader"), {"n": 1}).reasons == ("grader_error",)


def test_reason_codes_come_from_one_vocabulary():
    with pytest.raises(ValueError, match="unknown reason code"):
        failed("made_up_reason")


@pytest.mark.parametrize(
    "text",
    [
        'The answer:\n```json\n{"n": 3}\n```',
        '```\n{"n": 3}\n```',
        'First I thought {"n": 2}, but the final answer is {"n": 3}.',
        '{"n": 2}\n\nCorrection:\n```json\n{"n": 3}\n```',  # a fenced object wins over an earlier bare one
    ],
)
def test_an_answer_in_model_text_is_found_and_graded(text):
    assert grade(_task(), text).passed


@pytest.mark.parametrize(
    "text",
    [
        "I cannot decide.",
        '```json\n{"n": 3\n```',  # an unclosed object is no answer
        '{"n": ' + "9" * 5000 + "}",  # past Python's int digit limit: a failed grade, not an exception
        '{"n":' * 20_000,  # many unclosed starts: bounded work, then a failed grade
    ],
)
def test_text_without_a_usable_object_fails_as_invalid_json(text):
    assert grade(_task(), text).reasons == ("invalid_json",)
