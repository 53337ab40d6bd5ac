"""Binomial statistics in one place: the Wilson score interval (reports) and the sequential band test
(calibration), which decides after each batch of trials whether a pass rate is clearly below, inside
or above a target band, or needs more trials.
"""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Literal

Verdict = Literal["below", "inside", "above", "undecided"]


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
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return 0.0, 1.0
    z = z_score(confidence)
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
    low, high = band
    if trials < min_trials:
        return "undecided"
    lo, hi = wilson(successes, trials, confidence)
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
