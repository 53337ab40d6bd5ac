import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.stats import band_margin, band_verdict, wilson, z_score


def test_wilson_matches_the_textbook_values():
    # 5/10 at 95%: (0.2366, 0.7634); 0/10: upper 0.2775 (the "rule of three" would say 0.3)
    assert wilson(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    assert wilson(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert wilson(10, 10) == pytest.approx((0.72247, 1.0), abs=1e-5)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_endpoints_solve_the_score_test_equation(counts, confidence):
    # An independent definition: the interval is every p0 the score test does not reject at level z.
    successes, n = counts
    z = z_score(confidence)
    p = successes / n
    for p0 in wilson(successes, n, confidence):
        if 0 < p0 < 1:
            assert abs(p - p0) / math.sqrt(p0 * (1 - p0) / n) == pytest.approx(z, rel=1e-6)
    lo, hi = wilson(successes, n, confidence)
    assert lo <= p <= hi


def test_no_trials_means_no_information():
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("successes, trials", [(-1, 3), (4, 3)])
def test_impossible_counts_are_refused(successes, trials):
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson(successes, trials)


@pytest.mark.parametrize(
    "successes, trials, verdict",
    [
        (0, 9, "undecided"),    # below min_trials, however clear it looks
        (10, 10, "above"),
        (0, 30, "below"),       # 90% upper bound 0.083 < 0.10
        (0, 20, "undecided"),   # 90% upper bound 0.119 still reaches into the band
        (10, 40, "inside"),     # 90% interval (0.15, 0.37)
        (4, 40, "undecided"),   # 0.10 on the edge: never confidently either side
    ],
)
def test_band_verdict_needs_the_whole_interval_on_one_side(successes, trials, verdict):
    assert band_verdict(successes, trials, (0.10, 0.40), confidence=0.90) == verdict


def test_band_margin_prefers_the_centre_and_more_evidence():
    band = (0.10, 0.40)
    assert band_margin(10, 40, band) > band_margin(15, 40, band) > 0 > band_margin(20, 40, band)
    assert band_margin(10, 40, band) > band_margin(5, 20, band)
    assert band_margin(0, 0, band) == -math.inf


def _sequential(p, rng, batch=5, max_trials=40):
    """The band test applied after every batch, as tasks.calibrate does: the first verdict reached."""
    successes = trials = 0
    while trials < max_trials:
        successes += int((rng.random(batch) < p).sum())
        trials += batch
        verdict = band_verdict(successes, trials, (0.10, 0.40), confidence=0.90)
        if verdict != "undecided":
            return verdict
    return "undecided"


@pytest.mark.parametrize("p", [0.07, 0.45])
def test_looking_after_every_batch_rarely_confirms_a_rate_outside_the_band(p):
    rng = np.random.default_rng(0)
    verdicts = [_sequential(p, rng) for _ in range(4000)]
    assert verdicts.count("inside") / len(verdicts) < 0.05  # measured: 0.036 at 0.07, 0.023 at 0.45


def test_looking_after_every_batch_confirms_a_central_rate_most_of_the_time():
    rng = np.random.default_rng(1)
    verdicts = [_sequential(0.25, rng) for _ in range(2000)]
    assert verdicts.count("inside") / len(verdicts) > 0.5  # measured 0.59; the rest mostly undecided
    assert (verdicts.count("above") + verdicts.count("below")) / len(verdicts) < 0.01


# -- the task as unit ----------------------------------------------------------------------------------

from tasks.stats import (  # noqa: E402
    TaskRate,
    family_rate,
    interval_verdict,
    intraclass_correlation,
    task_rates,
)


def _simulated_family(rng, tasks, trials, mean, icc):
    """Task rates from a Beta of that mean and intraclass correlation, then binomial trials."""
    strength = 1 / icc - 1
    rates = rng.beta(mean * strength, (1 - mean) * strength, tasks)
    return [TaskRate(str(i), int(rng.binomial(trials, p)), trials) for i, p in enumerate(rates)]


def test_family_interval_covers_the_true_mean_where_the_pooled_wilson_does_not():
    # 13 tasks x 12 trials with correlated trials (icc 0.3): pooled Wilson treats them as 156 draws
    rng = np.random.default_rng(7)
    ours = pooled = 0
    runs = 400
    for _ in range(runs):
        family = _simulated_family(rng, 13, 12, 0.25, 0.3)
        lo, hi = family_rate(family).interval
        ours += lo <= 0.25 <= hi
        plo, phi = wilson(sum(t.passed for t in family), sum(t.trials for t in family))
        pooled += plo <= 0.25 <= phi
    assert ours / runs >= 0.92  # nominal 0.95; 0.94 in this run
    assert pooled / runs <= 0.85


def test_one_trial_per_task_gives_the_plain_wilson_interval():
    family = [TaskRate(str(i), i % 4 == 0, 1) for i in range(20)]
    assert family_rate(family).interval == pytest.approx(wilson(5, 20))


def test_tasks_that_always_or_never_pass_count_once_each():
    # 5 tasks always pass and 5 never do: as informative as 10 coin flips, not 100
    family = [TaskRate(str(i), 10 * (i < 5), 10) for i in range(10)]
    assert intraclass_correlation(family) == pytest.approx(1.0)
    assert family_rate(family).interval == pytest.approx(wilson(5, 10, 0.97631), abs=1e-4)  # t on 9 dof
    assert family_rate(family).signal_share == 0.0


def test_icc_of_independent_trials_is_near_zero():
    rng = np.random.default_rng(1)
    family = [TaskRate(str(i), int(rng.binomial(20, 0.3)), 20) for i in range(200)]
    assert intraclass_correlation(family) < 0.03


def test_family_rate_is_the_mean_of_task_rates_not_of_trials():
    family = [TaskRate("a", 1, 1), TaskRate("b", 0, 9)]
    assert family_rate(family).rate == 0.5


def test_signal_and_band_shares():
    family = [TaskRate("a", 0, 10), TaskRate("b", 2, 10), TaskRate("c", 7, 10), TaskRate("d", 10, 10)]
    r = family_rate(family, band=(0.10, 0.40))
    assert (r.tasks, r.trials, r.signal_share, r.band_share) == (4, 40, 0.5, 0.25)


def test_task_rates_group_outcomes_by_task():
    assert task_rates([("b", True), ("a", False), ("b", False)]) == [TaskRate("a", 0, 1), TaskRate("b", 1, 2)]


@pytest.mark.parametrize("interval, chance, verdict", [
    ((0.12, 0.35), 0.15, "at chance"),   # inside the band, yet a guess would do as well
    ((0.16, 0.35), 0.15, "inside"),
    ((0.00, 0.05), 0.0, "below"),        # no baseline passes: nothing to be at
    ((0.00, 0.05), None, "below"),
])
def test_at_chance_when_the_interval_does_not_clear_the_best_baseline(interval, chance, verdict):
    assert interval_verdict(interval, (0.10, 0.40), chance) == verdict
