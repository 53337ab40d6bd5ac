"""Calibration cost and accuracy on simulated agents (logistic pass rates along the ladder).

Prints the trials tasks.calibrate spends as a ratio to a fixed sweep of 40 trials per level over the
whole ladder (target <= 0.5), and the hit rate (an in-band level chosen) of both, measured here on
the same ladders.
"""
from __future__ import annotations

import time

from tasks.calibrate import SimulatedAgent, calibrate, simulated_ladders
from tasks.stats import band_margin

BAND = (0.10, 0.40)
SWEEP_TRIALS = 40
REPEATS = 1000


def _sweep(ladder: list[dict], agent: SimulatedAgent) -> int:
    """The fixed sweep: 40 trials at every level, then the level deepest inside the band."""
    passes = [sum(agent(settings, SWEEP_TRIALS)) for settings in ladder]
    return max(range(len(ladder)), key=lambda i: band_margin(passes[i], SWEEP_TRIALS, BAND))


def main() -> None:
    for n_levels in (5, 8, 12):
        ladder = [{"level": i} for i in range(n_levels)]
        hits = sweep_hits = trials = 0
        start = time.perf_counter()
        for i, rates in enumerate(simulated_ladders(REPEATS, n_levels, BAND, seed=n_levels)):
            in_band = [BAND[0] <= p <= BAND[1] for p in rates]
            result = calibrate(ladder, SimulatedAgent(ladder, rates, seed=i))
            hits += result.chosen is not None and in_band[result.chosen]
            trials += sum(len(level.results) for level in result.levels)
            sweep_hits += in_band[_sweep(ladder, SimulatedAgent(ladder, rates, seed=i))]
        ratio = trials / (REPEATS * SWEEP_TRIALS * n_levels)
        print(f"{n_levels:>2} levels: trials / fixed sweep = {ratio:.2f} (target <= 0.5); "
              f"hit rate {hits / REPEATS:.1%} vs sweep {sweep_hits / REPEATS:.1%} "
              f"({REPEATS} ladders, {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
