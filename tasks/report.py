"""Read a results file: `python -m tasks.report results.jsonl [--tasks TASKS.jsonl] [--html report.html]`.

Per model, family and knob setting, with the task as unit (tasks.stats): the mean of the tasks' pass
rates with a beta-binomial 95% interval, tasks and trials counted apart, where that lies against the
10-40% target band or the chance rate, the learning-signal share (tasks neither always nor never
passed), mean turns / tool calls / tokens / cost, the failure reasons with one example transcript each.
With `--tasks`, each family's chance rate (its best trivial baseline, as tasks.check computes it) and
the prompts of the trials. Trials the provider failed, and trials whose grader failed (a task defect),
are reported apart and never counted as the model's failures. `--html` writes one offline page.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graders.reasons import REASONS
from tasks.run import TOKEN_FIELDS
from tasks.stats import FamilyRate, TaskRate, family_rate, task_rates
from tasks.task import open_output

BAND = (0.10, 0.40)
CONFIDENCE = 0.95
FAILURE_DOCS = "docs/failure-modes.md#"
REQUIRED = {"model", "family", "passed", "reasons", "turns", "tool_calls", *TOKEN_FIELDS}
EXCERPT_ENTRIES = 4  # the last few transcript entries show how an episode ended
EXCERPT_CHARS = 240
# C0 controls but tab and newline, DEL and C1: terminal escapes a model (or a tool echoing it) wrote
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ResultsReadError(ValueError):
    """A results file that cannot be read: names the file and the line."""


def judged(row: dict[str, Any]) -> bool:
    """Whether a trial judges the model: not when the provider failed, nor when the grader did."""
    return row.get("stop_reason") != "provider_error" and "grader_error" not in row["reasons"]


@dataclass
class Group:
    """The trials of one model on one family at one knob setting."""

    model: str
    family: str
    knobs: dict[str, Any] | None
    outcomes: list[tuple[str, bool]] = field(default_factory=list)
    """(task id, passed) of every judged trial."""
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
    """Trials the provider failed (no judgement on the model): not counted; tasks.run retries them."""
    grader_errors: set[str] = field(default_factory=set)
    """Tasks whose grader failed on a trial: task defects, their trials not counted."""

    def add(self, row: dict[str, Any]) -> None:
        if row.get("stop_reason") == "provider_error":
            self.provider_errors += 1
            return
        if "grader_error" in row["reasons"]:
            self.grader_errors.add(str(row.get("task_id")))
            return
        self.outcomes.append((str(row.get("task_id")), bool(row["passed"])))
        self.turns += row["turns"]
        self.tool_calls += row["tool_calls"]
        self.tokens += sum(row[k] for k in TOKEN_FIELDS)
        if row.get("cost") is not None:
            self.cost += row["cost"]
            self.priced += 1
        for reason in row["reasons"]:
            self.reasons[reason] += 1
            self.examples.setdefault(reason, excerpt(row))

    def merge(self, other: Group) -> None:
        """Add another group's trials (for views across knob settings or models)."""
        self.outcomes += other.outcomes
        self.turns += other.turns
        self.tool_calls += other.tool_calls
        self.tokens += other.tokens
        self.cost += other.cost
        self.priced += other.priced
        self.reasons += other.reasons
        for reason, text in other.examples.items():
            self.examples.setdefault(reason, text)
        self.provider_errors += other.provider_errors
        self.grader_errors |= other.grader_errors

    @property
    def n(self) -> int:
        """Judged trials."""
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        """Judged trials passed."""
        return sum(p for _, p in self.outcomes)

    @property
    def tasks(self) -> list[TaskRate]:
        return task_rates(self.outcomes)

    @property
    def stats(self) -> FamilyRate:
        return family_rate(self.tasks, BAND, CONFIDENCE)

    def band(self, chance: float | None = None) -> str:
        """inside / below / above the band, at chance, or undecided (too few trials, or the interval
        straddles an edge)."""
        return self.stats.verdict(BAND, chance)

    @property
    def mean_cost(self) -> float | None:
        return self.cost / self.priced if self.priced else None


def clean(value: Any) -> Any:
    """A value with control characters taken out of every string in it, so printing it is safe."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    return value


def read_results(path: str) -> Iterator[dict[str, Any]]:
    """Stream the rows of a results file, control characters removed; a last line still being written
    (no newline yet) is skipped."""
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
            if not (isinstance(row, dict) and REQUIRED <= row.keys() and isinstance(row["reasons"], list)):
                raise ResultsReadError(f"{path}:{lineno}: not a results line")
            yield clean(row)


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


def merged(groups: Iterable[Group], model: str, family: str, knobs: dict[str, Any] | None = None) -> Group:
    """One group holding the trials of several."""
    whole = Group(model, family, knobs)
    for g in groups:
        whole.merge(g)
    return whole


def _of_model(groups: list[Group], model: str) -> tuple[list[Group], list[str]]:
    """The model's groups with a judged trial, and notes on the trials left out, if any."""
    mine = [g for g in groups if g.model == model]
    notes = []
    if errors := sum(g.provider_errors for g in mine):
        notes.append(f"model {model}: {errors} trials failed at the provider and are not counted; "
                     "rerun the same tasks.run command to retry them")
    for family in sorted({g.family for g in mine}):
        broken = sorted(set().union(*(g.grader_errors for g in mine if g.family == family)))
        if broken:
            notes.append(f"model {model}: {family}: the grader failed on {len(broken)} tasks (a task defect, "
                         f"not the model's failure; not counted; run python -m tasks.check on the task "
                         f"file): {', '.join(broken[:3])}{' ...' if len(broken) > 3 else ''}")
    return [g for g in mine if g.n], notes


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


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.1f}%"


def varying_knobs(groups: list[Group]) -> set[str]:
    """The knobs whose settings differ between the groups; the others are shown once, not on every row."""
    names = {k for g in groups for k in (g.knobs or {})}
    return {k for k in names if len({json.dumps((g.knobs or {}).get(k)) for g in groups}) > 1}


def _only(knobs: dict[str, Any] | None, names: set[str]) -> dict[str, Any]:
    return {k: v for k, v in (knobs or {}).items() if k in names}


def kind_knobs(family: str) -> set[str] | None:
    """The knobs a kind's difficulty ladder moves (its generator's LADDERS, declared data), or None when
    the family is unknown here or declares no ladder for the kind: then every knob is shown."""
    from generators import load_family  # imported late: it loads the family registry

    try:
        ladder = load_family(family).LADDERS.get(family.split(".", 1)[-1])
    except (KeyError, ImportError, AttributeError):
        return None
    return {k for level in ladder for k in level} if ladder else None


def _knob_views(groups: list[Group]) -> tuple[dict[str, set[str]], list[str]]:
    """Per family, the knobs that vary between its groups (the rows show only those, so a row shows
    only the knobs of its own kind), and a line per family naming the settings all its rows share of
    the knobs its kind has (those its ladder moves; another kind's knobs are left out)."""
    varying, shared = {}, []
    for family in sorted({g.family for g in groups}):
        mine = [g for g in groups if g.family == family]
        varying[family] = varying_knobs(mine)
        own = kind_knobs(family)
        if common := {k: v for k, v in (mine[0].knobs or {}).items()
                      if k not in varying[family] and (own is None or k in own)}:
            shared.append(f"knobs of every {family} row: {knob_label(common)}")
    return varying, shared


def _row_cells(g: Group, varying: set[str], chance: dict[str, float]) -> list[str]:
    r = g.stats
    lo, hi = r.interval
    c = chance.get(g.family)
    return [g.family, knob_label(_only(g.knobs, varying)), str(r.tasks), str(r.trials), _pct(r.rate),
            f"{100 * lo:.1f}-{100 * hi:.1f}%", _pct(c), g.band(c), _pct(r.signal_share), _pct(r.band_share),
            f"{g.turns / g.n:.1f}", f"{g.tool_calls / g.n:.1f}", f"{g.tokens / g.n:,.0f}",
            _money(g.mean_cost)]


HEADER = ["family", "knobs", "tasks", "trials", "pass", "95% CI", "chance", "10-40% band", "signal",
          "tasks in band", "turns", "tool calls", "tokens", "cost"]
LEGEND = ("pass: mean of the tasks' pass rates; 95% CI: beta-binomial, the task as unit; chance: the best "
          "trivial baseline (with --tasks); signal: tasks passed sometimes but not always; tasks in band: "
          "tasks whose own rate lies in 10-40%")


def render_text(groups: list[Group], chance: dict[str, float] | None = None) -> str:
    """The report as plain text: one table per model, then each group's failure reasons with an example."""
    chance = chance or {}
    out = []
    for model in sorted({g.model for g in groups}):
        mine, notes = _of_model(groups, model)
        out += notes
        if not mine:
            continue
        varying, shared = _knob_views(mine)
        table = [HEADER, *(_row_cells(g, varying[g.family], chance) for g in mine)]
        widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
        out.append(f"model {model}: {sum(g.n for g in mine)} trials, means per trial")
        out += [f"  {line}" for line in shared]
        out += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
        for g in mine:
            if not g.reasons:
                continue
            out.append(f"\n  failures of {g.family} [{knob_label(_only(g.knobs, varying[g.family]))}]:")
            width = max(map(len, g.reasons))
            for reason, count in g.reasons.most_common():
                out.append(f"    {reason:<{width}} {count:>5}  {'#' * round(30 * count / g.n)}"
                           f"  ({FAILURE_DOCS}{reason})")
                out += ["      | " + line for line in g.examples[reason].splitlines()]
        out.append("")
    if any(g.n for g in groups):
        out.append(LEGEND + "\n")
    return "\n".join(out) if groups else "no results yet\n"


# -- HTML -----------------------------------------------------------------------------------------------

BROWSER_TRIALS = 2000  # trials the page's browser holds; beyond that the page would grow without bound
_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(-n+2),th{text-align:left}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;max-width:60em}.in{background:#e6f4e6}
.plots{display:flex;flex-wrap:wrap;gap:1em}#trials li{cursor:pointer}#trials li:hover{background:#eef}
.pass{color:#1a7f37}.fail{color:#b42318}.err{color:#b42318}"""

# The trial browser: filters from the selects (and the page's #hash, so a view can be linked), a list of
# the matching trials, one trial in full. Text goes in with textContent only, never as HTML.
_BROWSER_JS = r"""
const trials = JSON.parse(document.getElementById('trial-data').textContent);
const keys = ['family', 'model', 'task_id', 'reason'];
const sel = Object.fromEntries(keys.map(k => [k, document.getElementById('f-' + k)]));
function values(t, k) { return k === 'reason' ? (t.reasons.length ? t.reasons : ['(passed)']) : [t[k]]; }
for (const k of keys) {
  for (const v of [...new Set(trials.flatMap(t => values(t, k)))].sort()) sel[k].add(new Option(v, v));
  sel[k].onchange = () => { location.hash = new URLSearchParams(
    keys.filter(x => sel[x].value).map(x => [x, sel[x].value])).toString(); };
}
function el(tag, text, cls) { const e = document.createElement(tag); e.textContent = text;
  if (cls) e.className = cls; return e; }
function show(t) {
  const d = document.getElementById('trial'); d.replaceChildren();
  d.append(el('h3', `${t.task_id} · trial ${t.trial} · ${t.model}`));
  d.append(el('p', (t.passed ? 'PASSED' : 'FAILED') + ` · score ${t.score} · reasons: ` +
    (t.reasons.join(', ') || 'none') + ` · stop: ${t.stop_reason}`, t.passed ? 'pass' : 'fail'));
  if (t.error) d.append(el('p', 'error: ' + t.error, 'err'));
  d.append(el('h4', 'prompt')); d.append(el('pre', t.prompt ?? '(give --tasks to see prompts)'));
  d.append(el('h4', 'transcript'));
  for (const e of t.transcript) {
    if (e.role === 'assistant') {
      const calls = e.calls.map(c => `${c.name}(${JSON.stringify(c.args)})`).join('\n');
      d.append(el('pre', 'model: ' + [e.text, calls && 'calls ' + calls].filter(Boolean).join('\n')));
    } else {
      d.append(el('pre', `tool ${e.name}${e.is_error ? ' ERROR' : ''}: ${e.text}`, e.is_error ? 'err' : ''));
    }
  }
  d.append(el('h4', 'answer')); d.append(el('pre', JSON.stringify(t.answer, null, 1)));
}
function render() {
  const want = new URLSearchParams(location.hash.slice(1));
  for (const k of keys) sel[k].value = want.get(k) ?? '';
  const shown = trials.filter(t => keys.every(k => !want.get(k) || values(t, k).includes(want.get(k))));
  const list = document.getElementById('trials'); list.replaceChildren();
  document.getElementById('count').textContent = `${shown.length} of ${trials.length} trials`;
  for (const t of shown) {
    const li = el('li', `${t.passed ? 'pass' : 'fail'} · ${t.family} · ${t.task_id} · trial ${t.trial} · ` +
      `${t.model} · ${t.reasons.join(', ')}`, t.passed ? 'pass' : 'fail');
    li.onclick = () => show(t); list.append(li);
  }
  const open = want.get('trial');
  if (open !== null && shown[+open]) show(shown[+open]);
}
window.onhashchange = render; render();
"""


def _svg_frame(w: int, h: int, left: int, chance: float | None) -> tuple[list[str], Any]:
    """Axes from 0 to 100%, the band shaded and the chance rate dashed; returns parts and the y map."""
    y = lambda p: 10 + (1 - p) * (h - 40)  # noqa: E731
    parts = [f'<rect x="{left}" y="{y(BAND[1]):.1f}" width="{w - left}" '
             f'height="{y(BAND[0]) - y(BAND[1]):.1f}" fill="#e6f4e6"><title>target band</title></rect>',
             *(f'<text x="{left - 4}" y="{y(p) + 4:.1f}" text-anchor="end" font-size="10">{p:.0%}</text>'
               f'<line x1="{left}" x2="{w}" y1="{y(p):.1f}" y2="{y(p):.1f}" stroke="#ddd"/>'
               for p in (0, 0.25, 0.5, 0.75, 1))]
    if chance is not None:
        parts.append(f'<line class="chance" x1="{left}" x2="{w}" y1="{y(chance):.1f}" y2="{y(chance):.1f}" '
                     f'stroke="#c0504d" stroke-dasharray="4 3"><title>chance {chance:.0%}</title></line>'
                     f'<text x="{w - 2}" y="{y(chance) - 3:.1f}" text-anchor="end" font-size="10" '
                     f'fill="#c0504d">chance</text>')
    return parts, y


def _knob_svg(knob: str, points: list[tuple[Any, Group]], chance: float | None) -> str:
    """Pass rate and 95% interval at each level of one knob (the other knobs pooled)."""
    left, step = 40, 70
    w = left + step * len(points) + 10
    parts, y = _svg_frame(w, 230, left, chance)
    for i, (value, g) in enumerate(points):
        x = left + step / 2 + i * step
        r = g.stats
        lo, hi = r.interval
        parts.append(f'<line x1="{x}" x2="{x}" y1="{y(hi):.1f}" y2="{y(lo):.1f}" stroke="#333"/>'
                     f'<circle cx="{x}" cy="{y(r.rate):.1f}" r="4" fill="#1f5fa8"><title>'
                     f'{html.escape(knob)}={html.escape(str(value))}: {_pct(r.rate)} over {r.tasks} tasks, '
                     f'{r.trials} trials</title></circle>'
                     f'<text x="{x}" y="222" text-anchor="middle" font-size="10">'
                     f'{html.escape(f"{knob}={value}"[:16])}</text>')
    return f'<svg class="knob" width="{w}" height="230" role="img">{"".join(parts)}</svg>'


def _histogram_svg(g: Group, chance: float | None) -> str:
    """How many tasks pass at each rate: ten bins of width 10%, the band shaded, chance marked."""
    rates = [t.rate for t in g.tasks]
    bins = Counter(min(int(r * 10), 9) for r in rates)
    top = max(bins.values())
    left, bar, h = 30, 26, 150
    x = lambda p: left + p * 10 * bar  # noqa: E731
    parts = [f'<rect x="{x(BAND[0]):.1f}" y="0" width="{x(BAND[1]) - x(BAND[0]):.1f}" height="{h - 20}" '
             'fill="#e6f4e6"/>']
    for b in range(10):
        height = (h - 35) * bins[b] / top
        parts.append(f'<rect class="bin" x="{x(b / 10) + 1:.1f}" y="{h - 20 - height:.1f}" width="{bar - 2}" '
                     f'height="{height:.1f}" fill="#1f5fa8"><title>{10 * b}-{10 * b + 10}%: {bins[b]} tasks'
                     f'</title></rect>')
    parts += [f'<text x="{x(p):.1f}" y="{h - 6}" text-anchor="middle" font-size="10">{p:.0%}</text>'
              for p in (0, 0.5, 1)]
    if chance is not None:
        parts.append(f'<line x1="{x(chance):.1f}" x2="{x(chance):.1f}" y1="0" y2="{h - 20}" stroke="#c0504d" '
                     f'stroke-dasharray="4 3"><title>chance {chance:.0%}</title></line>')
    return f'<svg class="hist" width="{left + 10 * bar + 20}" height="{h}" role="img">{"".join(parts)}</svg>'


def _reasons_svg(reasons: Counter) -> str:
    """A horizontal bar per failure reason."""
    top = max(reasons.values(), default=1)
    rows = reasons.most_common()
    parts = [f'<text x="190" y="{16 + 20 * i}" text-anchor="end" font-size="11">{html.escape(r)}</text>'
             f'<rect x="196" y="{5 + 20 * i}" width="{200 * c / top:.1f}" height="14" fill="#c0504d"/>'
             f'<text x="{200 + 200 * c / top:.1f}" y="{16 + 20 * i}" font-size="11">{c}</text>'
             for i, (r, c) in enumerate(rows)]
    height = 10 + 20 * len(rows)
    return f'<svg class="reasons" width="440" height="{height}" role="img">{"".join(parts)}</svg>'


def _knob_plots(groups: list[Group], chance: float | None) -> list[str]:
    """One plot per knob run at more than one level; a knob run at one level carries no information."""
    plots = []
    for knob in sorted(varying_knobs(groups)):
        levels: dict[str, list[Group]] = {}
        for g in groups:
            levels.setdefault(json.dumps((g.knobs or {}).get(knob)), []).append(g)
        points = sorted(((json.loads(v), merged(gs, gs[0].model, gs[0].family)) for v, gs in levels.items()),
                        key=lambda p: _knob_order({knob: p[0]}))
        plots.append(_knob_svg(knob, points, chance))
    return plots


def _table(header: list[str], rows: list[list[str]], marked: list[bool] | None = None) -> str:
    e = html.escape
    marked = marked or [False] * len(rows)
    return (f"<table><tr>{''.join(f'<th>{e(c)}</th>' for c in header)}</tr>"
            + "".join(f"<tr class=\"{'in' if m else ''}\">{''.join(f'<td>{e(c)}</td>' for c in r)}</tr>"
                      for r, m in zip(rows, marked, strict=True)) + "</table>")


def _matrix(groups: list[Group], chance: dict[str, float]) -> str:
    """Model x family: pass rate, interval, chance and learning-signal share of each pair."""
    models = sorted({g.model for g in groups if g.n})
    families = sorted({g.family for g in groups if g.n})
    rows = []
    for family in families:
        cells = [family, _pct(chance.get(family))]
        for model in models:
            whole = merged((g for g in groups if g.model == model and g.family == family), model, family)
            if not whole.n:
                cells.append("-")
                continue
            r = whole.stats
            cells.append(f"{_pct(r.rate)} [{100 * r.interval[0]:.0f}-{100 * r.interval[1]:.0f}%] "
                         f"{whole.band(chance.get(family))}, signal {_pct(r.signal_share)}, "
                         f"{r.tasks}x{r.trials / r.tasks:.0f}")
        rows.append(cells)
    return ("<h2>models x families</h2><p>pass rate [95% interval] band verdict, learning-signal share, "
            "tasks x trials per task</p>" + _table(["family", "chance", *models], rows))


def _run_table(runs: list[dict[str, Any]]) -> str:
    rows = [[str(r.get("started", "-")), str(r.get("kgtasks", "-")), str(r.get("tasks_sha256", "-"))[:16],
             str(r.get("provider", "-")), str(r.get("model", "-")),
             json.dumps(r.get("settings", {}), sort_keys=True)] for r in runs]
    return "<h2>runs</h2>" + _table(["started", "kgtasks", "task file sha256", "provider", "model",
                                     "settings"], rows)


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no `</script>` or `<!--` can end or change it."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _browser(trials: list[dict[str, Any]], prompts: dict[str, str], total: int) -> str:
    data = [{k: row.get(k) for k in ("task_id", "family", "model", "trial", "passed", "score", "reasons",
                                     "stop_reason", "error", "answer", "transcript")}
            | {"prompt": prompts.get(row.get("task_id"))} for row in trials]
    held = "" if total <= len(trials) else f" (the first {len(trials)} of {total})"
    selects = "".join(f'<label>{k} <select id="f-{k}"><option value="">all</option></select></label> '
                      for k in ("family", "model", "task_id", "reason"))
    return (f"<h2>trials{held}</h2><p>{selects}<span id=\"count\"></span></p>"
            '<div style="display:flex;gap:2em"><ol id="trials" style="max-height:40em;overflow:auto;'
            'min-width:30em"></ol><div id="trial"></div></div>'
            f'<script type="application/json" id="trial-data">{_script_json(data)}</script>'
            f"<script>{_BROWSER_JS}</script>")


def render_html(groups: list[Group], title: str, chance: dict[str, float] | None = None,
                trials: list[dict[str, Any]] | None = None, prompts: dict[str, str] | None = None,
                runs: list[dict[str, Any]] | None = None, total_trials: int | None = None) -> str:
    """One self-contained page (no external assets, no server): run metadata, the model x family matrix,
    the tables, per family a histogram of task pass rates and a plot per knob run at several levels,
    the failure reasons, and a browser of the trials."""
    e = html.escape
    chance = chance or {}
    body = [f"<h1>{e(title)}</h1>"]
    if runs:
        body.append(_run_table(runs))
    if len({g.model for g in groups if g.n}) > 1:
        body.append(_matrix(groups, chance))
    for model in sorted({g.model for g in groups}):
        mine, notes = _of_model(groups, model)
        body += [f"<p>{e(note)}</p>" for note in notes]
        if not mine:
            continue
        varying, shared = _knob_views(mine)
        body.append(f"<h2>model {e(model)}</h2>")
        body += [f"<p>{e(line)}</p>" for line in shared]
        body.append(_table(HEADER, [_row_cells(g, varying[g.family], chance) for g in mine],
                           [g.band(chance.get(g.family)) == "inside" for g in mine]))
        body.append(f"<p>{e(LEGEND)}</p>")
        for family in sorted({g.family for g in mine}):
            of_family = [g for g in mine if g.family == family]
            whole = merged(of_family, model, family)
            c = chance.get(family)
            verdicts = Counter(t.verdict(BAND, CONFIDENCE) for t in whole.tasks)
            body.append(f"<h3>{e(family)}</h3><p class=\"verdicts\">each task against the band (its own "
                        f"Wilson 95% interval, at least 10 trials): "
                        + ", ".join(f"{verdicts[v]} {v}" for v in ("below", "inside", "above", "undecided"))
                        + "</p>")
            body.append("<div class=\"plots\"><div><p>tasks by pass rate</p>"
                        f"{_histogram_svg(whole, c)}</div>"
                        + "".join(f"<div><p>pass rate by difficulty (95% interval; band shaded"
                                  f"{'; chance dashed' if c is not None else ''})</p>{plot}</div>"
                                  for plot in _knob_plots(of_family, c))
                        + (f"<div><p>failure reasons</p>{_reasons_svg(whole.reasons)}</div>"
                           if whole.reasons else "") + "</div>")
            for g in of_family:
                for reason, count in g.reasons.most_common():
                    # the meaning inline, not a link: the page is read away from the repository's docs
                    meaning = REASONS.get(reason, "unknown code")
                    body.append(f"<details><summary><b>{e(reason)}</b> ({e(meaning)}) "
                                f"× {count} [{e(knob_label(_only(g.knobs, varying[family])))}]</summary>"
                                f"<pre>{e(g.examples[reason])}</pre></details>")
    if not groups:
        body.append("<p>no results yet</p>")
    if trials:
        body.append(_browser(trials, prompts or {}, total_trials or len(trials)))
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n")


class _Keep:
    """Passes rows through while keeping the first BROWSER_TRIALS for the page and each run's metadata."""

    def __init__(self, rows: Iterable[dict[str, Any]]):
        self.rows, self.trials, self.total = rows, [], 0
        self.runs: dict[str, dict[str, Any]] = {}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.total += 1
            if len(self.trials) < BROWSER_TRIALS:
                self.trials.append(row)
            if isinstance(row.get("run"), dict):
                self.runs.setdefault(json.dumps(row["run"], sort_keys=True), row["run"])
            yield row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.report", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results file written by python -m tasks.run")
    parser.add_argument("--tasks", help="the task file the trials ran: each family's chance rate (its best "
                                        "trivial baseline) and the prompts in the trial browser")
    parser.add_argument("--html", help="also write a self-contained HTML page here")
    args = parser.parse_args(argv)
    try:
        chance, prompts = {}, {}
        if args.tasks:
            from tasks.check import chance_rates  # imported late: it loads the families
            from tasks.task import read_tasks

            tasks = list(read_tasks(args.tasks))
            chance = chance_rates(tasks)
            prompts = {t.id: t.prompt for t in tasks}
        kept = _Keep(read_results(args.results))
        groups = summarize(kept)
        if args.html:
            page = render_html(groups, f"kgtasks report: {args.results}", chance, kept.trials, prompts,
                               sorted(kept.runs.values(), key=lambda r: str(r.get("started"))), kept.total)
            with open_output(args.html) as fh:
                fh.write(page)
    except (ResultsReadError, ValueError, KeyError, ModuleNotFoundError) as e:
        print(f"{parser.prog}: error: {e.args[0] if isinstance(e, KeyError) else e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{parser.prog}: error: cannot write {args.html}: {e.strerror}", file=sys.stderr)
        return 1
    sys.stdout.write(render_text(groups, chance))
    return 0


if __name__ == "__main__":
    sys.exit(main())
