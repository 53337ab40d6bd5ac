"""`make test` runs tasks.check on a fresh sample of every registered family: a few tasks of each kind."""
import pytest

from generators import FAMILIES, load_family
from generators.base import iter_tasks
from tasks.check import check_tasks, format_report

TASKS_PER_KIND = 1  # small: the suite shares a 2-core machine; tasks.check on a file goes further


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_fresh_sample_of_the_family_passes_every_check(family):
    try:
        module = load_family(family)
    except ModuleNotFoundError as e:
        if e.name != FAMILIES[family]:  # a missing dependency of an existing family is a failure
            raise
        pytest.skip(f"{FAMILIES[family]} does not exist yet")
    tasks = [task for kind in module.KINDS
             for task in iter_tasks(module, module.Config(kind=kind), seed=1, n=TASKS_PER_KIND)]
    report = check_tasks(tasks)
    assert not report.defects, format_report(report)
