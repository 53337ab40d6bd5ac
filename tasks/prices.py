"""The one price table: US dollars per million tokens, per model, for the cost column of results.

Source: Anthropic's pricing page (platform.claude.com/docs/en/about-claude/pricing) and model pages,
base input, output, 5-minute cache writes and cache hits, read from copies of 2026 (unverified against
the live page; check with `curl -s https://platform.claude.com/docs/en/about-claude/pricing | grep MTok`).
A model not listed has no cost (None), never a guessed one. Left out on purpose: models whose price
depends on each request's prompt length (claude-haiku-5-5), which per-trial totals cannot apply.
"""
from __future__ import annotations

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


def cost(model: str, input: int, output: int, cache_write: int, cache_read: int) -> float | None:
    """Dollars for these tokens: 0 when none were used (scripted agents), None for an unpriced model."""
    if not (input or output or cache_write or cache_read):
        return 0.0
    price = price_of(model)
    if price is None:
        return None
    return (input * price.input + output * price.output + cache_write * price.cache_write
            + cache_read * price.cache_read) / 1e6
