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
