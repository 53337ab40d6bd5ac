"""docs/failure-modes.md has one section per reason code, anchored by the code, as tasks.report links it."""
import re
from pathlib import Path

from graders.reasons import REASONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "failure-modes.md"


def _sections() -> dict[str, str]:
    parts = re.split(r"^### (.+)$", DOC.read_text(encoding="utf-8"), flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_every_reason_code_has_a_section():
    missing = sorted(set(REASONS) - set(_sections()))
    assert not missing, f"document these reason codes in docs/failure-modes.md: {missing}"


def test_every_section_is_anchored_by_a_reason_code_once():
    titles = re.findall(r"^### (.+)$", DOC.read_text(encoding="utf-8"), flags=re.M)
    assert sorted(set(titles)) == sorted(titles), "a code has two sections"
    assert set(titles) <= set(REASONS), f"not reason codes: {sorted(set(titles) - set(REASONS))}"


def test_every_section_gives_an_example():
    assert [code for code, body in _sections().items() if "Example" not in body] == []
