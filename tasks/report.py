"""Read a results file: `python -m tasks.report results.jsonl [--html report.html]`.

Per model, family and knob setting: pass rate with its Wilson 95% interval, where that lies against
the 10-40% target band, mean turns / tool calls / tokens / cost, the failure reasons with one example
transcript each. The file is streamed, so its size does not matter; `--html` writes one offline page.
"""
from __future__ import annotations

import argparse
import html
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tasks.run import TOKEN_FIELDS
from tasks.stats import band_verdict, wilson
from tasks.task import open_output

BAND = (0.10, 0.40)
CONFIDENCE = 0.95
FAILURE_DOCS = "docs/failure-modes.md#"
REQUIRED = {"model", "family", "passed", "reasons", "turns", "tool_calls", *TOKEN_FIELDS}
EXCERPT_ENTRIES = 4  # the last few transcript entries show how an episode ended
EXCERPT_CHARS = 240


class ResultsReadError(ValueError):
    """A results file that cannot be read: names the file and the line."""


@dataclass
class Group:
    """The trials of one model on one family at one knob setting."""

    model: str
    family: str
    knobs: dict[str, Any] | None
    n: int = 0
    passed: int = 0
    turns: int = 0
    tool_calls: int = 0
    tokens: int = 0
    cost: float = 0.0
    priced: int = 0
    """Trials with a known cost (unpriced models have none)."""
    reasons: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    """One transcript excerpt per failure reason: the first trial that failed for it."""

    provider_errors: int = 0
    """Trials the provider failed (no judgement on the model): not in n; tasks.run retries them."""

    def add(self, row: dict[str, Any]) -> None:
        if row.get("stop_reason") == "provider_error":
            self.provider_errors += 1
            return
        self.n += 1
        self.passed += bool(row["passed"])
        self.turns += row["turns"]
        self.tool_calls += row["tool_calls"]
        self.tokens += sum(row[k] for k in TOKEN_FIELDS)
        if row.get("cost") is not None:
            self.cost += row["cost"]
            self.priced += 1
        for reason in row["reasons"]:
            self.reasons[reason] += 1
            self.examples.setdefault(reason, excerpt(row))

    @property
    def rate(self) -> float:
        return self.passed / self.n

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.passed, self.n, CONFIDENCE)

    @property
    def band(self) -> str:
        """inside / below / above the band, or undecided (too few trials, or the interval straddles it)."""
        return band_verdict(self.passed, self.n, BAND, CONFIDENCE)

    @property
    def mean_cost(self) -> float | None:
        return self.cost / self.priced if self.priced else None


def read_results(path: str) -> Iterator[dict[str, Any]]:
    """Stream the rows of a results file; a last line still being written (no newline yet) is skipped."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as e:
        raise ResultsReadError(f"{path}: cannot read results ({e.strerror})") from None
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.endswith("\n"):
                return
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            if not isinstance(row, dict) or not REQUIRED <= row.keys():
                raise ResultsReadError(f"{path}:{lineno}: not a results line")
            yield row


def summarize(rows: Iterable[dict[str, Any]]) -> list[Group]:
    """Groups by model, family and knob setting, in a stable order (knob values compared as numbers)."""
    groups: dict[tuple[str, str, str], Group] = {}
    for row in rows:
        knobs = row.get("knobs")
        key = (row["model"], row["family"], json.dumps(knobs, sort_keys=True))
        if key not in groups:
            groups[key] = Group(row["model"], row["family"], knobs)
        groups[key].add(row)
    return sorted(groups.values(), key=lambda g: (g.model, g.family, _knob_order(g.knobs)))


def _of_model(groups: list[Group], model: str) -> tuple[list[Group], str | None]:
    """The model's groups with a judged trial, and a note on the trials the provider failed, if any."""
    mine = [g for g in groups if g.model == model]
    errors = sum(g.provider_errors for g in mine)
    note = (f"model {model}: {errors} trials failed at the provider and are not counted; "
            "rerun the same tasks.run command to retry them") if errors else None
    return [g for g in mine if g.n], note


def _knob_order(knobs: dict[str, Any] | None) -> tuple:
    return tuple((k, (0, v, "") if isinstance(v, int | float) else (1, 0, str(v)))
                 for k, v in sorted((knobs or {}).items()))


def knob_label(knobs: dict[str, Any] | None) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(knobs.items())) if knobs else "-"


def excerpt(row: dict[str, Any]) -> str:
    """The end of a trial's transcript, a few short lines, then its answer."""
    lines = []
    for entry in row.get("transcript", [])[-EXCERPT_ENTRIES:]:
        if entry["role"] == "assistant":
            calls = ", ".join(f"{c['name']}({json.dumps(c['args'], sort_keys=True)})" for c in entry["calls"])
            text = " ".join(part for part in (entry["text"].strip(), calls and f"calls {calls}") if part)
            lines.append("model: " + (text or "(empty reply)"))
        else:
            lines.append(f"tool {entry['name']}{' ERROR' if entry['is_error'] else ''}: {entry['text']}")
    lines.append(f"answer: {json.dumps(row.get('answer'), sort_keys=True)}")
    if row.get("error"):
        lines.append(f"error: {row['error']}")
    return "\n".join(_clip(" ".join(line.split())) for line in lines)


def _clip(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:.4f}"


def varying_knobs(groups: list[Group]) -> set[str]:
    """The knobs whose settings differ between the groups; the others are shown once, not on every row."""
    names = {k for g in groups for k in (g.knobs or {})}
    return {k for k in names if len({json.dumps((g.knobs or {}).get(k)) for g in groups}) > 1}


def _only(knobs: dict[str, Any] | None, names: set[str]) -> dict[str, Any]:
    return {k: v for k, v in (knobs or {}).items() if k in names}


def _shared(groups: list[Group], varying: set[str]) -> dict[str, Any]:
    """The knob settings every group has in common."""
    return {k: v for k, v in (groups[0].knobs or {}).items() if k not in varying}


def _row_cells(g: Group, varying: set[str]) -> list[str]:
    lo, hi = g.interval
    return [g.family, knob_label(_only(g.knobs, varying)), str(g.n), f"{100 * g.rate:.1f}%",
            f"{100 * lo:.1f}-{100 * hi:.1f}%", g.band, f"{g.turns / g.n:.1f}", f"{g.tool_calls / g.n:.1f}",
            f"{g.tokens / g.n:,.0f}", _money(g.mean_cost)]


HEADER = ["family", "knobs", "n", "pass", "95% CI", "10-40% band", "turns", "tool calls", "tokens", "cost"]


def render_text(groups: list[Group]) -> str:
    """The report as plain text: one table per model, then each group's failure reasons with an example."""
    out = []
    for model in sorted({g.model for g in groups}):
        mine, note = _of_model(groups, model)
        if note:
            out.append(note)
        if not mine:
            continue
        varying = varying_knobs(mine)
        table = [HEADER, *(_row_cells(g, varying) for g in mine)]
        widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
        out.append(f"model {model}: {sum(g.n for g in mine)} trials, means per trial")
        if shared := _shared(mine, varying):
            out.append(f"  knobs of every row: {knob_label(shared)}")
        out += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
        for g in mine:
            if not g.reasons:
                continue
            out.append(f"\n  failures of {g.family} [{knob_label(_only(g.knobs, varying))}]:")
            width = max(map(len, g.reasons))
            for reason, count in g.reasons.most_common():
                out.append(f"    {reason:<{width}} {count:>5}  {'#' * round(30 * count / g.n)}"
                           f"  ({FAILURE_DOCS}{reason})")
                out += ["      | " + line for line in g.examples[reason].splitlines()]
        out.append("")
    return "\n".join(out) if groups else "no results yet\n"


# -- HTML -----------------------------------------------------------------------------------------------

_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(-n+2),th{text-align:left}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;max-width:60em}.in{background:#e6f4e6}"""


def _pass_rate_svg(groups: list[Group]) -> str:
    """Pass rate and 95% interval per knob setting, with the target band shaded."""
    w, h, left, top, step = 60 + 70 * len(groups), 220, 40, 10, 70
    y = lambda p: top + (1 - p) * 180  # noqa: E731
    parts = [f'<rect x="{left}" y="{y(BAND[1]):.1f}" width="{w - left}" '
             f'height="{y(BAND[0]) - y(BAND[1]):.1f}" fill="#e6f4e6"/>',
             *(f'<text x="{left - 4}" y="{y(p) + 4:.1f}" text-anchor="end" font-size="10">{p:.0%}</text>'
               f'<line x1="{left}" x2="{w}" y1="{y(p):.1f}" y2="{y(p):.1f}" stroke="#ddd"/>'
               for p in (0, 0.25, 0.5, 0.75, 1))]
    varying = varying_knobs(groups)  # label each point by what differs, not what the settings share
    for i, g in enumerate(groups):
        x = left + step / 2 + i * step
        lo, hi = g.interval
        short = knob_label(_only(g.knobs, varying))
        parts.append(f'<line x1="{x}" x2="{x}" y1="{y(hi):.1f}" y2="{y(lo):.1f}" stroke="#333"/>'
                     f'<circle cx="{x}" cy="{y(g.rate):.1f}" r="4" fill="#1f5fa8"><title>'
                     f'{html.escape(knob_label(g.knobs))}: {g.passed}/{g.n}</title></circle>'
                     f'<text x="{x}" y="{h - 8}" text-anchor="middle" font-size="10">'
                     f'{html.escape(short[:14])}</text>')
    return f'<svg width="{w}" height="{h}" role="img">{"".join(parts)}</svg>'


def _reasons_svg(reasons: Counter) -> str:
    """A horizontal bar per failure reason."""
    top = max(reasons.values(), default=1)
    rows = reasons.most_common()
    parts = [f'<text x="190" y="{16 + 20 * i}" text-anchor="end" font-size="11">{html.escape(r)}</text>'
             f'<rect x="196" y="{5 + 20 * i}" width="{200 * c / top:.1f}" height="14" fill="#c0504d"/>'
             f'<text x="{200 + 200 * c / top:.1f}" y="{16 + 20 * i}" font-size="11">{c}</text>'
             for i, (r, c) in enumerate(rows)]
    return f'<svg width="440" height="{10 + 20 * len(rows)}" role="img">{"".join(parts)}</svg>'


def render_html(groups: list[Group], title: str) -> str:
    """One self-contained page: the same tables, plus the plots; no external assets."""
    e = html.escape
    body = [f"<h1>{e(title)}</h1>"]
    for model in sorted({g.model for g in groups}):
        mine, note = _of_model(groups, model)
        if note:
            body.append(f"<p>{e(note)}</p>")
        if not mine:
            continue
        varying = varying_knobs(mine)
        body.append(f"<h2>model {e(model)}</h2>")
        if shared := _shared(mine, varying):
            body.append(f"<p>knobs of every row: {e(knob_label(shared))}</p>")
        body.append(f"<table><tr>{''.join(f'<th>{e(c)}</th>' for c in HEADER)}</tr>")
        body += [f"<tr class=\"{'in' if g.band == 'inside' else ''}\">"
                 f"{''.join(f'<td>{e(c)}</td>' for c in _row_cells(g, varying))}</tr>" for g in mine]
        body.append("</table>")
        for family in sorted({g.family for g in mine}):
            of_family = [g for g in mine if g.family == family]
            reasons = sum((g.reasons for g in of_family), Counter())
            body.append(f"<h3>{e(family)}</h3><p>pass rate by difficulty (95% interval; band shaded)</p>"
                        + _pass_rate_svg(of_family))
            if reasons:
                body.append("<p>failure reasons</p>" + _reasons_svg(reasons))
            for g in of_family:
                for reason, count in g.reasons.most_common():
                    body.append(f'<details><summary><a href="{FAILURE_DOCS}{e(reason)}">{e(reason)}</a> '
                                f"× {count} [{e(knob_label(_only(g.knobs, varying)))}]</summary>"
                                f"<pre>{e(g.examples[reason])}</pre></details>")
    if not groups:
        body.append("<p>no results yet</p>")
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.report", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results file written by python -m tasks.run")
    parser.add_argument("--html", help="also write a self-contained HTML page here")
    args = parser.parse_args(argv)
    try:
        groups = summarize(read_results(args.results))
        if args.html:
            with open_output(args.html) as fh:
                fh.write(render_html(groups, f"kgtasks report: {args.results}"))
    except ResultsReadError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{parser.prog}: error: cannot write {args.html}: {e.strerror}", file=sys.stderr)
        return 1
    sys.stdout.write(render_text(groups))
    return 0


if __name__ == "__main__":
    sys.exit(main())
