"""`make test` runs tasks.check on a fresh sample of every registered family: a task of each kind."""
import pytest

from generators import family_names, load_family
from generators.base import iter_tasks
from tasks.check import check_tasks, format_report

TASKS_PER_KIND = 1  # small, to keep `make test` fast; tasks.check on a generated file goes further


@pytest.mark.parametrize("family", family_names())
def test_a_fresh_sample_of_the_family_passes_every_check(family):
    module = load_family(family)
    tasks = [task for kind in module.KINDS
             for task in iter_tasks(module, module.Config(kind=kind), seed=1, n=TASKS_PER_KIND)]
    report = check_tasks(tasks)
    assert not report.defects, format_report(report)
