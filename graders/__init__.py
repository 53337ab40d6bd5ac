"""Graders: answer -> Grade(passed, score, reasons), checked structurally against the graph."""
from graders.reasons import REASONS
from graders.registry import Grade, failed, get_grader, grade, grader, parse_answer, passed

__all__ = ["REASONS", "Grade", "failed", "get_grader", "grade", "grader", "parse_answer", "passed"]
