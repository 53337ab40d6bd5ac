"""Difficulty to a pass-rate band: `python -m tasks.calibrate --family causal.adjustment --model M`.

The family's ladder (LADDERS[kind], easy to hard) is searched for a level whose pass rate lies in the
band. Each level is run in batches and judged by the sequential band test of tasks.stats (the task
as unit, as in tasks.report; here each trial is a task of its own): a level
stops as soon as its interval lies clearly outside the band (and so, the ladder being ordered, do all
levels on that side), or clearly inside it (the answer). The next level is where a logistic fit to
the levels seen so far puts the middle of the band. Trials go through tasks.run into a results file,
and the search is a function of those results alone, so a rerun replays the trials already recorded
at no cost and carries on where it stopped.
"""
from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from generators.base import config_from
from tasks.stats import FamilyRate, TaskRate, band_margin, family_rate
from tasks.task import open_output, task_key

RunLevel = Callable[[dict[str, Any], int], list[bool]]
"""Runs `n` new trials at a ladder level's knob settings and says which passed."""

DEFAULT_SLOPE = 1.0  # logits per ladder step, assumed until two levels have been measured


@dataclass(frozen=True)
class Search:
    """How the calibrator judges levels and spends trials."""

    band: tuple[float, float] = (0.10, 0.40)
    """The target pass-rate band."""
    confidence: float = 0.90
    """Two-sided confidence of the intervals that rule levels in or out, applied after every batch (a
    rate just outside the band is then confirmed inside a few times in a hundred, not ten)."""
    batch: int = 5
    """Trials run at a time (run concurrently by the real runner)."""
    min_trials: int = 10
    """No level is judged on fewer trials."""
    max_trials: int = 40
    """A level still undecided after this many trials is left as a fallback candidate."""
    budget_trials: int | None = None
    """Stop after this many trials in all."""
    budget_dollars: float | None = None
    """Stop once this much has been spent (checked between batches, so one batch may overshoot)."""
    budget_tokens: int | None = None
    """Stop once this many tokens have been used (of every kind; checked between batches)."""

    def validate(self) -> None:
        low, high = self.band
        if not 0 <= low < high <= 1:
            raise ValueError(f"band must satisfy 0 <= low < high <= 1, got {low} {high}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence}")
        if self.batch < 1:
            raise ValueError(f"batch must be >= 1, got {self.batch}")
        if not 1 <= self.min_trials <= self.max_trials:
            raise ValueError(f"need 1 <= min_trials <= max_trials, got {self.min_trials} and "
                             f"{self.max_trials}")
        if self.budget_trials is not None and self.budget_trials < 1:
            raise ValueError(f"the trial budget must be >= 1, got {self.budget_trials}")
        if self.budget_dollars is not None and self.budget_dollars <= 0:
            raise ValueError(f"the dollar budget must be > 0, got {self.budget_dollars}")
        if self.budget_tokens is not None and self.budget_tokens <= 0:
            raise ValueError(f"the token budget must be > 0, got {self.budget_tokens}")


@dataclass
class Level:
    """One ladder level and what its trials showed."""

    index: int
    """Position on the ladder, 0 the easiest."""
    settings: dict[str, Any]
    """The knob settings of the level (a dict of Config fields)."""
    results: list[bool] = field(default_factory=list)
    """Whether each trial run at this level passed, in order."""

    @property
    def passes(self) -> int:
        """Trials passed."""
        return sum(self.results)


@dataclass
class Calibration:
    """The outcome: the chosen level (None when no level fits), whether its interval lies inside the
    band, why the search stopped, and every level tried."""

    chosen: int | None
    """Index of the chosen level."""
    confirmed: bool
    """Whether the chosen level's interval lies inside the band."""
    stopped: str
    """Why the search ended: confirmed, no open level left, trial, dollar or token budget."""
    levels: list[Level]
    """Every level of the ladder, with the trials run at it (none for levels never tried)."""


def level_rate(level: Level, search: Search) -> FamilyRate:
    """A level's rate with the task as unit, as tasks.report computes it: each trial is its own task
    (task index k at the level's settings), so this is the Wilson interval of its trials."""
    return family_rate([TaskRate(str(i), passed, 1) for i, passed in enumerate(level.results)],
                       search.band, search.confidence)


def verdict(level: Level, search: Search) -> str:
    """The sequential band test on a level, with `exhausted` for a level that hit max_trials undecided."""
    v = level_rate(level, search).verdict(search.band, min_trials=search.min_trials)
    return "exhausted" if v == "undecided" and len(level.results) >= search.max_trials else v


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _predicted_index(levels: list[Level], search: Search) -> float:
    """The ladder position where a logistic fit to the judged levels puts the middle of the band.

    Weighted least squares of the smoothed logit on the index, each level weighted by n·p·(1-p),
    the inverse variance of its logit; the slope falls back to DEFAULT_SLOPE until two levels differ.
    """
    target = (_logit(max(search.band[0], 1e-3)) + _logit(min(search.band[1], 1 - 1e-3))) / 2
    points = [(lv.index, (lv.passes + 0.5) / (len(lv.results) + 1), len(lv.results)) for lv in levels
              if len(lv.results) >= search.min_trials]
    weights = [n * p * (1 - p) for _, p, n in points]
    total = sum(weights)
    mean_x = sum(w * x for w, (x, _, _) in zip(weights, points, strict=True)) / total
    mean_y = sum(w * _logit(p) for w, (_, p, _) in zip(weights, points, strict=True)) / total
    sxx = sum(w * (x - mean_x) ** 2 for w, (x, _, _) in zip(weights, points, strict=True))
    sxy = sum(w * (x - mean_x) * (_logit(p) - mean_y) for w, (x, p, _) in zip(weights, points, strict=True))
    slope = -sxy / sxx if sxx > 0 and sxy < 0 else DEFAULT_SLOPE
    slope = min(max(slope, 0.25), 4.0)
    return mean_x + (mean_y - target) / slope


def _next_level(levels: list[Level], current: Level, lo: int, hi: int, search: Search) -> Level | None:
    """The open level nearest to where the fit puts the band; ties go to the easier, cheaper level."""
    open_levels = [lv for lv in levels[lo:hi + 1] if verdict(lv, search) in ("undecided", "inside")]
    if not open_levels:
        return None
    if verdict(current, search) == "exhausted":  # step away from the edge the rate sits on
        toward = 1 if current.passes / len(current.results) > sum(search.band) / 2 else -1
        neighbour = current.index + toward
        return next((lv for lv in open_levels if lv.index == neighbour), None)
    goal = _predicted_index([lv for lv in levels if lv.results], search)
    return min(open_levels, key=lambda lv: (abs(lv.index - goal), lv.index))


def calibrate(ladder: list[dict[str, Any]], run_level: RunLevel, search: Search = Search(),
              spent: Callable[[], float] = lambda: 0.0, start: int | None = None,
              tokens: Callable[[], int] = lambda: 0) -> Calibration:
    """Search the ladder for a level in the band; `spent()` gives the dollars spent so far, `tokens()`
    the tokens used."""
    search.validate()
    if not ladder:
        raise ValueError("the ladder is empty")
    levels = [Level(i, dict(settings)) for i, settings in enumerate(ladder)]
    lo, hi = 0, len(levels) - 1  # levels outside [lo, hi] are ruled out, the ladder being ordered
    current: Level | None = levels[len(levels) // 2 if start is None else start]
    stopped = "no open level left"
    while current is not None:
        total = sum(len(lv.results) for lv in levels)
        if search.budget_trials is not None and total >= search.budget_trials:
            stopped = "trial budget"
            break
        if search.budget_dollars is not None and spent() >= search.budget_dollars:
            stopped = "dollar budget"
            break
        if search.budget_tokens is not None and tokens() >= search.budget_tokens:
            stopped = "token budget"
            break
        room = search.budget_trials - total if search.budget_trials is not None else search.batch
        current.results += run_level(current.settings, min(search.batch, room))
        v = verdict(current, search)
        if v == "inside":
            return Calibration(current.index, True, "confirmed", levels)
        if v == "above":  # too easy: so is every easier level
            lo = max(lo, current.index + 1)
        elif v == "below":  # too hard: so is every harder level
            hi = min(hi, current.index - 1)
        if v != "undecided":
            current = _next_level(levels, current, lo, hi, search)
    # unconfirmed: the level whose observed rate lies deepest inside (or least far outside) the band
    fallback = [lv for lv in levels[lo:hi + 1] if verdict(lv, search) in ("undecided", "exhausted")
                and len(lv.results) >= search.min_trials]
    best = max(fallback, key=lambda lv: band_margin(lv.passes, len(lv.results), search.band), default=None)
    return Calibration(best.index if best else None, False, stopped, levels)


# -- the real run_level: the family's tasks through tasks.run --------------------------------------------

class ModelLevels:
    """`run_level` for a real model (or a scripted agent): the k-th trial at a level is task index k of
    the family at that level's settings, run once through tasks.run into the results file. The runner
    skips trials already in the file, so a rerun replays them without spending anything."""

    def __init__(self, module: ModuleType, kind: str, model: str, results: str, seed: int = 0,
                 **run_options: Any):
        self.module, self.kind, self.model, self.results, self.seed = module, kind, model, results, seed
        self.run_options = run_options
        self.usage: dict[str, dict[str, Any]] = {}
        """Per level (keyed by task_key of its settings): tokens and cost of its trials so far."""

    def __call__(self, settings: dict[str, Any], n: int) -> list[bool]:
        from tasks.providers import FatalProviderError  # imported late: the runner loads the provider clients
        from tasks.run import TOKEN_FIELDS, run_trials

        config = config_from(self.module, {**settings, "kind": self.kind})
        usage = self.usage.setdefault(task_key(settings), {"trials": 0, "tokens": 0, "cost": 0.0})
        start = usage["trials"]
        tasks = [self.module.generate(config, self.seed, index) for index in range(start, start + n)]
        run_trials(tasks, self.results, self.model, **self.run_options)
        rows = self._rows({task.id for task in tasks})
        failed_at_provider = sum(row["stop_reason"] == "provider_error" for row in rows.values())
        if failed_at_provider:  # no judgement on the model: stop rather than count them as failures
            raise FatalProviderError(f"{failed_at_provider} trials failed at the provider (see the error "
                                     f"field in {self.results}); rerun the same command to retry them")
        broken = sorted(task_id for task_id, row in rows.items() if "grader_error" in row["reasons"])
        if broken:  # a task defect, not the model's failure: a level's rate would be wrong
            raise ValueError(f"the grader failed on {len(broken)} tasks at {json.dumps(settings)} (a task "
                             f"defect; run python -m tasks.check on them): {', '.join(broken[:3])}")
        usage["trials"] += n
        for row in rows.values():
            usage["tokens"] += sum(row[k] for k in TOKEN_FIELDS)
            unpriced = usage["cost"] is None or row["cost"] is None
            usage["cost"] = None if unpriced else usage["cost"] + row["cost"]
        return [bool(rows[task.id]["passed"]) for task in tasks]

    def _rows(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        rows = {}
        with open(self.results, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row["task_id"] in ids and row["trial"] == 0 and row["model"] == self.model:
                    rows[row["task_id"]] = row
        return rows

    def spent(self) -> float:
        """Dollars spent on the calibration's trials, replayed ones included (so a replay decides alike)."""
        return sum(u["cost"] or 0.0 for u in self.usage.values())

    def tokens(self) -> int:
        """Tokens used by the calibration's trials, replayed ones included."""
        return sum(u["tokens"] for u in self.usage.values())


def generate_command(module: ModuleType, kind: str, settings: dict[str, Any], seed: int, n: int = 100) -> str:
    """The generator command line for a family at a ladder level."""
    flags = [f"--kind {kind}"]
    for name, value in sorted(settings.items()):
        flag = "--" + name.replace("_", "-")
        flags.append((flag if value else "--no-" + flag[2:]) if isinstance(value, bool)
                     else f"{flag} {shlex.quote(str(value))}")
    out = shlex.quote(f"{module.FAMILY}.{kind}.jsonl")
    return f"python -m {module.__name__} {' '.join(flags)} --seed {seed} --n {n} --out {out}"


def summary(calibration: Calibration, search: Search, usage: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON record: the chosen setting, every level tried with its trials and interval, tokens, cost."""
    tried = []
    for lv in calibration.levels:
        if not lv.results:
            continue
        spent = usage.get(task_key(lv.settings), {})
        n = len(lv.results)
        tried.append({"level": lv.index, "settings": lv.settings, "trials": n, "passed": lv.passes,
                      "rate": lv.passes / n, "interval": list(level_rate(lv, search).interval),
                      "verdict": verdict(lv, search), "tokens": spent.get("tokens"),
                      "cost": spent.get("cost")})
    costs = [t["cost"] for t in tried]
    chosen = calibration.levels[calibration.chosen] if calibration.chosen is not None else None
    return {
        "band": list(search.band), "confidence": search.confidence, "stopped": calibration.stopped,
        "chosen": None if chosen is None else {"level": chosen.index, "settings": chosen.settings,
                                                "confirmed": calibration.confirmed},
        "levels": tried, "trials": sum(t["trials"] for t in tried),
        "tokens": sum(t["tokens"] or 0 for t in tried),
        "cost": None if None in costs else sum(costs),
    }


def main(argv: list[str] | None = None) -> int:
    """The CLI: exit 0 with a level confirmed in the band, 1 without one, 2 for bad input."""
    from generators import load_family
    from tasks.prices import Budget, parse_budget, price_of
    from tasks.providers import PROVIDERS, SCRIPTED_AGENTS, FatalProviderError
    from tasks.run import add_budget_arguments, chosen_price

    parser = argparse.ArgumentParser(prog="python -m tasks.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--family", required=True, help="family.kind, e.g. causal.adjustment")
    parser.add_argument("--model", required=True, help="model name, or a scripted agent (oracle, random)")
    parser.add_argument("--band", nargs=2, type=float, default=(0.10, 0.40), metavar=("LOW", "HIGH"),
                        help="target pass-rate band (default 0.10 0.40)")
    parser.add_argument("--confidence", type=float, default=Search.confidence,
                        help=f"two-sided confidence of the band test (default {Search.confidence})")
    parser.add_argument("--max-trials", type=int, default=Search.max_trials,
                        help=f"trials after which an undecided level is left (default {Search.max_trials})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated tasks (default 0)")
    parser.add_argument("--results", help="results JSONL, appended to and replayed on a rerun "
                        "(default: calibrate-FAMILY-MODEL.results.jsonl)")
    parser.add_argument("--out", help="calibration JSON (default: calibrate-FAMILY-MODEL.json)")
    parser.add_argument("--provider", choices=PROVIDERS, help="as for tasks.run (default: from the model)")
    parser.add_argument("--base-url", help="API base URL, as for tasks.run")
    parser.add_argument("--batch", type=int, default=Search.batch,
                        help=f"trials run at once between two looks at a level (default {Search.batch})")
    add_budget_arguments(parser, trials=True)
    args = parser.parse_args(argv)
    stem = f"calibrate-{args.family}-{args.model}".replace("/", "_")
    results, out = args.results or stem + ".results.jsonl", args.out or stem + ".json"
    try:
        budget = parse_budget(args.budget, trials=True) if args.budget else Budget()
        price = chosen_price(args)
        if budget.dollars is not None and price is None and price_of(args.model) is None \
                and args.model not in SCRIPTED_AGENTS:
            raise ValueError(f"--budget {args.budget}: no price for {args.model}; give --price IN OUT or "
                             "--prices FILE, or cap tokens (--budget '2M tokens')")
        search = Search(band=tuple(args.band), confidence=args.confidence, batch=args.batch,
                        min_trials=min(Search.min_trials, args.max_trials), max_trials=args.max_trials,
                        budget_trials=budget.trials, budget_dollars=budget.dollars,
                        budget_tokens=budget.tokens)
        search.validate()
        family, _, kind = args.family.partition(".")
        module = load_family(family)
        if kind not in module.KINDS:
            raise ValueError(f"--family {args.family!r}: kinds of {family} are {', '.join(module.KINDS)}")
        levels = ModelLevels(module, kind, args.model, results, args.seed, provider=args.provider,
                             base_url=args.base_url, concurrency=args.batch, price=price)
        calibration = calibrate(module.LADDERS[kind], levels, search, spent=levels.spent,
                                tokens=levels.tokens)
    except (ValueError, KeyError, ModuleNotFoundError, FatalProviderError) as e:
        print(f"{parser.prog}: error: {e.args[0] if isinstance(e, KeyError) else e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{parser.prog}: error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n{parser.prog}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    record = {"family": args.family, "model": args.model, **summary(calibration, search, levels.usage)}
    if calibration.chosen is not None:
        settings = module.LADDERS[kind][calibration.chosen]
        record["command"] = generate_command(module, kind, settings, args.seed)
    with open_output(out) as fh:
        json.dump(record, fh, indent=2, sort_keys=True)
    for lv in record["levels"]:
        lo, hi = lv["interval"]
        print(f"level {lv['level']} {json.dumps(lv['settings'], sort_keys=True)}: "
              f"{lv['passed']}/{lv['trials']} passed, {100 * lo:.0f}-{100 * hi:.0f}% -> {lv['verdict']}")
    if calibration.chosen is None:
        print(f"no level found ({calibration.stopped}); wrote {out}")
        return 1
    if calibration.confirmed:
        print(f"level {calibration.chosen} is in the band at {search.confidence:.0%} confidence; wrote {out}")
    else:
        print(f"level {calibration.chosen} is the closest to the band but NOT confirmed "
              f"(stopped: {calibration.stopped}); wrote {out}")
    print(record["command"])
    return 0 if calibration.confirmed else 1


class SimulatedAgent:
    """A stand-in for a model: level i passes with probability `rates[i]`, drawn from a seeded RNG."""

    def __init__(self, ladder: list[dict[str, Any]], rates: list[float], seed: int):
        self.ladder, self.rates = ladder, rates
        self.rng = np.random.default_rng(seed)

    def __call__(self, settings: dict[str, Any], n: int) -> list[bool]:
        p = self.rates[self.ladder.index(settings)]
        return [bool(x) for x in self.rng.random(n) < p]


def logistic_rates(n_levels: int, midpoint: float, slope: float) -> list[float]:
    """Pass rates falling along the ladder as a logistic curve: 0.5 at `midpoint`, `slope` logits a step."""
    return [1 / (1 + math.exp(slope * (i - midpoint))) for i in range(n_levels)]


def simulated_ladders(count: int, n_levels: int, band: tuple[float, float] = (0.10, 0.40),
                      seed: int = 0) -> Iterator[list[float]]:
    """Random logistic ladders (slope 0.6-1.5 logits a step, midpoint anywhere along the ladder),
    keeping only those with at least one level in the band, so that a hit is always possible."""
    rng = np.random.default_rng(seed)
    while count:
        rates = logistic_rates(n_levels, rng.uniform(-1, n_levels), rng.uniform(0.6, 1.5))
        if any(band[0] <= p <= band[1] for p in rates):
            count -= 1
            yield rates

if __name__ == "__main__":
    raise SystemExit(main())
