"""The one price table: US dollars per million tokens, per model, for the cost column of results.

Source: Anthropic's pricing page (platform.claude.com/docs/en/about-claude/pricing) and model pages,
base input, output, 5-minute cache writes and cache hits, read from copies of 2026 (unverified against
the live page; check with `curl -s https://platform.claude.com/docs/en/about-claude/pricing | grep MTok`).
A model not listed has no cost (None), never a guessed one. Left out on purpose: models whose price
depends on each request's prompt length (claude-haiku-5-5), which per-trial totals cannot apply.
Any other model is priced by the user: `--price IN OUT` or `--prices FILE` (see `load_prices`).
Budgets (`--budget`) cap dollars or tokens; see `parse_budget`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """$ per million tokens of each kind."""

    input: float
    output: float
    cache_write: float
    cache_read: float


PRICES: dict[str, Price] = {
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 0.10),
    "claude-sonnet-4-5": Price(3.00, 15.00, 3.75, 0.30),
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 0.30),
    "claude-sonnet-5": Price(2.00, 10.00, 2.50, 0.20),
    "claude-sonnet-5-5": Price(2.00, 10.00, 2.50, 0.10),  # cache hits cut from 0.20 on 2026-10-07
    "claude-opus-4-1": Price(15.00, 75.00, 18.75, 1.50),
    "claude-opus-4-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-6": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-7": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-8": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-fable-5": Price(10.00, 50.00, 12.50, 1.00),
    "claude-fable-5-1": Price(10.00, 50.00, 12.50, 0.25),
}


def price_of(model: str) -> Price | None:
    """A model's price; a dated name (`claude-haiku-4-5-20251001`) matches its longest listed prefix."""
    matches = [name for name in PRICES if model == name or model.startswith(name + "-")]
    return PRICES[max(matches, key=len)] if matches else None


def given_price(input: float, output: float) -> Price:
    """A price from `--price IN OUT`; cache writes and hits at the input price, an upper bound."""
    if input < 0 or output < 0:
        raise ValueError(f"--price takes two prices >= 0 in $ per million tokens, got {input} {output}")
    return Price(input, output, input, input)


def load_prices(path: str) -> dict[str, Price]:
    """A prices file: a JSON object of model name -> {"input": $, "output": $ per million tokens, and
    optionally "cache_write", "cache_read" (default: the input price)}. ValueError naming what is wrong."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as e:
        raise ValueError(f"--prices {path}: cannot read it ({e.strerror})") from None
    except ValueError as e:
        raise ValueError(f"--prices {path}: not JSON ({e})") from None
    if not isinstance(data, dict):
        raise ValueError(f"--prices {path}: expected an object of model -> price")
    prices = {}
    for model, p in data.items():
        ok = isinstance(p, dict) and {"input", "output"} <= p.keys() <= set(Price.__dataclass_fields__) \
            and all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in p.values())
        if not ok:
            raise ValueError(f"--prices {path}: {model}: expected {{\"input\": $, \"output\": $}} per "
                             f"million tokens (optionally cache_write, cache_read), got {json.dumps(p)}")
        prices[model] = Price(p["input"], p["output"], p.get("cache_write", p["input"]),
                              p.get("cache_read", p["input"]))
    return prices


@dataclass(frozen=True)
class Budget:
    """A cap on what a run spends; None where there is none."""

    dollars: float | None = None
    tokens: int | None = None
    trials: int | None = None


_TOKENS = re.compile(r"(\d+(?:\.\d+)?)\s*([kKmM]?)\s*tokens?")


def parse_budget(text: str, trials: bool = False) -> Budget:
    """`$5` (or `5$`) caps dollars, `2M tokens` (or `500k tokens`, `80000 tokens`) caps tokens of every
    kind; with `trials`, a plain number caps trials."""
    text = text.strip()
    try:
        if "$" in text:
            dollars = float(text.replace("$", ""))
            if dollars > 0:
                return Budget(dollars=dollars)
        elif match := _TOKENS.fullmatch(text):
            tokens = int(float(match[1]) * {"": 1, "k": 1e3, "m": 1e6}[match[2].lower()])
            if tokens > 0:
                return Budget(tokens=tokens)
        elif trials and int(text) > 0:
            return Budget(trials=int(text))
    except ValueError:
        pass
    kinds = "a number of trials (200), " if trials else ""
    raise ValueError(f"--budget {text!r}: give {kinds}dollars ($5) or tokens (2M tokens), more than 0")


def cost(model: str, input: int, output: int, cache_write: int, cache_read: int,
         price: Price | None = None) -> float | None:
    """Dollars for these tokens: 0 when none were used (scripted agents), None for an unpriced model.
    `price` overrides the table (a price the user gave)."""
    if not (input or output or cache_write or cache_read):
        return 0.0
    price = price or price_of(model)
    if price is None:
        return None
    return (input * price.input + output * price.output + cache_write * price.cache_write
            + cache_read * price.cache_read) / 1e6
