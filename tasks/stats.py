"""Pass-rate statistics in one place, used by tasks.report, tasks.calibrate, tasks.check and tasks.select.

The task is the unit. A task's rate is its passes over its trials, with a Wilson interval. A family's
rate is the mean of its tasks' rates; its interval comes from a beta-binomial model (trials of one task
are correlated: some tasks are easy for a model, some hard): the intraclass correlation is estimated
by the ANOVA estimator and shrinks the trial count to an effective sample size, which enters the same
Wilson interval, its quantile taken from Student's t on tasks - 1 degrees of freedom, as the
correlation is itself estimated from few tasks. With one trial per task (the calibrator's design) that
is the plain Wilson interval.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

Verdict = Literal["below", "inside", "above", "undecided", "at chance"]


def z_score(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level (0.95 -> 1.96)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a pass rate; (0, 1) when there are no trials.

    Unlike the normal (Wald) interval it stays inside [0, 1] and is not zero-width at 0/n or n/n,
    which matters for the small trial counts of calibration.
    """
    return _wilson_z(successes, trials, z_score(confidence))


def _wilson_z(successes: float, trials: float, z: float) -> tuple[float, float]:
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    # At 0/n and n/n the exact endpoint is 0 or 1; say so rather than leave float rounding there.
    lo = 0.0 if successes == 0 else centre - half
    hi = 1.0 if successes == trials else centre + half
    return lo, hi


def band_verdict(successes: int, trials: int, band: tuple[float, float], confidence: float = 0.90,
                 min_trials: int = 10) -> Verdict:
    """Where a pass rate lies relative to `band`, judged from its Wilson interval.

    `below`/`above`: the whole interval lies outside the band; `inside`: the whole interval lies in
    it. Before `min_trials` the answer is always `undecided`, so no level is judged on a lucky start.
    """
    if trials < min_trials:
        return "undecided"
    return interval_verdict(wilson(successes, trials, confidence), band)


def interval_verdict(interval: tuple[float, float], band: tuple[float, float],
                     chance: float | None = None) -> Verdict:
    """Where an interval lies against `band`; `at chance` first, when it does not clear a positive
    chance rate (what trivial baselines pass), since a rate a guess reaches says nothing of skill."""
    lo, hi = interval
    low, high = band
    if chance and lo <= chance:
        return "at chance"
    if hi < low:
        return "below"
    if lo > high:
        return "above"
    if low <= lo and hi <= high:
        return "inside"
    return "undecided"


def band_margin(successes: int, trials: int, band: tuple[float, float]) -> float:
    """How far the observed rate lies inside the band, in standard errors (negative when outside).

    Used to pick the most convincing level when none could be confirmed inside the band. The
    standard error uses the Wilson-style +2/+4 adjustment so 0/n and n/n do not give zero.
    """
    if trials == 0:
        return -math.inf
    p = successes / trials
    se = math.sqrt((successes + 2) * (trials - successes + 2) / (trials + 4) ** 3)
    return min(p - band[0], band[1] - p) / se


@dataclass(frozen=True)
class TaskRate:
    """One task's trials."""

    task_id: str
    passed: int
    trials: int

    @property
    def rate(self) -> float:
        return self.passed / self.trials if self.trials else 0.0

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        return wilson(self.passed, self.trials, confidence)

    def verdict(self, band: tuple[float, float], confidence: float = 0.95, min_trials: int = 10) -> Verdict:
        return band_verdict(self.passed, self.trials, band, confidence, min_trials)


def task_rates(outcomes: Iterable[tuple[str, bool]]) -> list[TaskRate]:
    """Per task, from (task id, passed) pairs; in task-id order."""
    counts: dict[str, list[int]] = {}
    for task_id, passed in outcomes:
        c = counts.setdefault(task_id, [0, 0])
        c[0] += bool(passed)
        c[1] += 1
    return [TaskRate(t, p, n) for t, (p, n) in sorted(counts.items())]


def intraclass_correlation(tasks: Sequence[TaskRate]) -> float:
    """The ANOVA estimate of how alike one task's trials are (0: independent; 1: a task always passes
    or always fails), clipped to [0, 1]. One task: 1, since one task shows nothing of the spread
    between tasks. No spread at all (every trial passed, or none): 0."""
    tasks = [t for t in tasks if t.trials]
    k, n = len(tasks), sum(t.trials for t in tasks)
    if k < 2:
        return 1.0
    if n == k:  # one trial per task: trials and tasks coincide, the correlation plays no part
        return 0.0
    x = sum(t.passed for t in tasks)
    between = sum(t.passed ** 2 / t.trials for t in tasks)
    msb = (between - x * x / n) / (k - 1)
    msw = (x - between) / (n - k)
    m0 = (n - sum(t.trials ** 2 for t in tasks) / n) / (k - 1)
    denominator = msb + (m0 - 1) * msw
    if denominator <= 0:
        return 0.0
    return min(max((msb - msw) / denominator, 0.0), 1.0)


@dataclass(frozen=True)
class FamilyRate:
    """A family's pass rate with the task as unit."""

    tasks: int
    trials: int
    rate: float
    """The mean of the tasks' rates."""
    interval: tuple[float, float]
    icc: float
    """Intraclass correlation of trials within a task."""
    signal_share: float
    """Tasks whose rate is strictly between 0 and 1: those that give a learning signal."""
    band_share: float
    """Tasks whose observed rate lies in the band."""

    def verdict(self, band: tuple[float, float], chance: float | None = None,
                min_trials: int = 10) -> Verdict:
        if self.trials < min_trials:
            return "undecided"
        return interval_verdict(self.interval, band, chance)


def _t_quantile(confidence: float, dof: int) -> float:
    """The two-sided quantile of Student's t (12.7 for 95% on 1 degree of freedom)."""
    from scipy.stats import t  # imported here: only families with repeated trials need it

    return float(t.ppf(0.5 + confidence / 2, dof))


def family_rate(tasks: Sequence[TaskRate], band: tuple[float, float] = (0.10, 0.40),
                confidence: float = 0.95) -> FamilyRate:
    """The family's rate and its beta-binomial interval (module docstring); (0, 1) with no trials."""
    tasks = [t for t in tasks if t.trials]
    if not tasks:
        return FamilyRate(0, 0, 0.0, (0.0, 1.0), 0.0, 0.0, 0.0)
    k = len(tasks)
    rate = sum(t.rate for t in tasks) / k
    icc = intraclass_correlation(tasks)
    # Var(mean) = p(1-p)/k^2 * sum (1 + (m_i - 1) icc) / m_i, so that of a binomial of n_eff trials:
    n_eff = k * k / sum((1 + (t.trials - 1) * icc) / t.trials for t in tasks)
    z = z_score(confidence)
    if k >= 2 and sum(t.trials for t in tasks) > k:
        z = _t_quantile(confidence, k - 1)
    lo, hi = _wilson_z(rate * n_eff, n_eff, z)
    return FamilyRate(k, sum(t.trials for t in tasks), rate, (lo, hi), icc,
                      sum(0 < t.rate < 1 for t in tasks) / k,
                      sum(band[0] <= t.rate <= band[1] for t in tasks) / k)
