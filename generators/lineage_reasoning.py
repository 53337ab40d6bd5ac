"""The lineage kinds that need reading and reasoning over many papers, not one lookup: `reconstruct`
(from descriptions alone, which earlier paper of a list each paper builds on), `bottleneck` (every
paper on every citation chain between two papers) and `claims` (judge K statements about the
collection, graded on the exact set of true ones). Each draw returns (kind, fields, truth) as
generators.lineage_questions' draws do; `render` writes the fields into the prompt once papers carry
the names (real or pseudonyms) the task shows; the check hooks follow generators.base's protocol.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import networkx as nx

from graphs.papers import between, dated, on_every_chain

if TYPE_CHECKING:
    from generators.lineage import Config
    from tasks.task import Task

KINDS = ("reconstruct", "bottleneck", "claims")  # each draw also gets the task's index
NO_TOOLS = ("reconstruct",)  # asked from the prompt alone: no intro naming tools, none offered
CREDITS = ("claims",)  # offered the credits tool (components name their sources: never for components)
UNDATED = ("bottleneck", "claims")  # listings without dates: pruning by date costs a get_paper call per paper
_CHAIN = ("a citation chain from one paper back to another starts with the first and ends with the "
          "second, each of its papers citing the next")
_UNDATED = ("The listings ({tools}) name papers without dates, in id order; a paper's date is on its "
            "get_paper record.")
ASKS = {
    "reconstruct": """\
Here are {count} research papers, each with the date of its first public version and a description \
of what it proposes and what it changes. There are no tools: answer from the descriptions.
{papers}
For each paper, name the earlier paper of this list that it builds on most directly: one whose method \
it takes and changes. A paper two steps back (the predecessor of its predecessor) does not count, nor \
does a paper it only compares with. Say null for a paper that builds on none of this list.
Submit {{"predecessors": {{"<id>": "<id of the paper it builds on>" or null, ...}}}} with every paper of \
the list as a key, ids as listed. Graded correct if every paper's predecessor is a paper of the list it \
directly builds on (any of them when it builds on several), and null exactly for the papers that build \
on none of the list.""",
    "bottleneck": f"""\
Which papers lie on every citation chain from {{source}} back to {{target}}? Here {_CHAIN}.{{dated}} \
{_UNDATED.format(tools="search_papers, references, citations")}
Submit {{{{"papers": [...]}}}}: every paper other than these two that appears on every such chain \
([] if none does). Graded correct if it is exactly that set of papers, each named once, in any order.""",
    "claims": f"""\
Judge these statements about the collection. "Cites" means a citation between papers of the \
collection; "came before" and "earliest" compare the dates of the papers' first public versions \
(strictly earlier); a paper "took" a component from the paper of the collection it credits for it, \
as the credits tool lists them; {_CHAIN}, and its steps are those citations (a statement that a \
paper lies on every chain from one paper back to another is made only where such a chain exists).{{dated}} \
{_UNDATED.format(tools="search_papers, references, citations, credits")}
{{statements}}
Submit {{{{"true": [...]}}}}: the numbers of the true statements, in any order ([] if none is). Graded \
correct if it is exactly the set of true statements.""",
}
SCHEMAS = {
    "reconstruct": {"predecessors": {"type": "object", "additionalProperties": {"type": ["string", "null"]},
                                     "maxProperties": 200}},
    "bottleneck": {"papers": {"type": "array", "items": {"type": "string"}, "maxItems": 200}},
    "claims": {"true": {"type": "array", "items": {"type": "integer"}, "maxItems": 200}},
}
REVEALS = {kind: {"kind": "answer_hidden"} for kind in KINDS}


# --- reconstruct ---------------------------------------------------------------------------------


def _builds_on(graph: nx.DiGraph) -> nx.DiGraph:
    return nx.DiGraph([(x, y) for x, y, d in graph.edges(data=True) if d["builds_on"]])


def _closed(chosen: set[str], builds: nx.DiGraph) -> bool:
    """Whether every chosen paper that builds, through a chain, on another chosen paper builds on one
    directly: otherwise its right answer would be null while an ancestor of it is listed."""
    return all(
        not (nx.descendants(builds, n) & chosen) or set(builds[n]) & chosen for n in chosen if n in builds
    )


def _grandparents(chosen: set[str], builds: nx.DiGraph) -> list[tuple[str, str]]:
    """(paper, a listed paper two builds-on steps back that it does not build on directly)."""
    return sorted({(n, g) for n in chosen if n in builds for p in builds[n] if p in chosen
                   for g in builds[p] if g in chosen and g not in builds[n]})


def _reconstruct(graph: nx.DiGraph, config: Config, rng: random.Random, index: int):
    candidates = sorted(n for n in dated(graph) if graph.nodes[n].get("description"))
    if len(candidates) < config.papers:
        return None
    builds = _builds_on(graph)
    drawn = []  # sets grown along builds-on links, so most papers have a predecessor listed
    for _ in range(200):
        chosen = {rng.choice(candidates)}
        while len(chosen) < config.papers:
            near = sorted(m for n in chosen if n in builds for m in nx.all_neighbors(builds, n)
                          if m in candidates and m not in chosen)
            rest = sorted(set(candidates) - chosen)
            chosen.add(rng.choice(near if near and rng.random() < 0.75 else rest))
        if _closed(chosen, builds):
            drawn.append(chosen)
            if len(drawn) == 12:
                break
    if not drawn:
        return None
    # a set with grandparent traps, one per two papers or as many as any set has: a paper listed with
    # its predecessor's predecessor, which shares its ideas too, so only the description tells which
    # one it changes (drawn among such sets, not the one with most, so that questions vary)
    traps = [len(_grandparents(c, builds)) for c in drawn]
    least = min(config.papers // 2, max(traps))
    chosen = rng.choice([c for c, t in zip(drawn, traps, strict=True) if t >= least])
    papers = sorted(chosen)
    rng.shuffle(papers)
    expected = {n: sorted(set(builds[n]) & chosen) if n in builds else [] for n in sorted(chosen)}
    edges = sorted([x, y] for x, y in builds.edges if x in chosen and y in chosen)
    reference = {n: (parents[0] if parents else None) for n, parents in expected.items()}
    return (
        "reconstruct",
        {"papers": papers},
        {"papers": sorted(chosen), "builds_on": edges, "expected": expected,
         "reference": {"predecessors": reference}},
    )


# --- bottleneck ------------------------------------------------------------------------------------

EMPTY_EVERY = 8  # one task in eight has no paper on every chain, so [] is no safe guess


def _forward(graph: nx.DiGraph) -> bool:
    """Whether dates prune a search: every day known, and no paper citing a later one."""
    return len(dated(graph)) == len(graph) and all(graph.nodes[a]["date"] >= graph.nodes[b]["date"]
                                                    for a, b in graph.edges)


def _dated(graph: nx.DiGraph) -> str:
    """The prompt's sentence that lets a search prune by date, when it holds."""
    return " No paper cites a paper whose first version is later than its own." if _forward(graph) else ""


def _search_calls(graph: nx.DiGraph, source: str, target: str) -> int:
    """The calls that find every chain from source back to target with listings that carry no dates:
    the references of every paper a walk from the source reaches (the target not expanded), or the
    citations of every paper a walk up from the target reaches (the source not expanded); the cheaper
    way."""
    return min(len(_walked(graph, source, target)), len(_walked(graph.reverse(copy=False), target, source)))


def _on_all_but_one(graph: nx.DiGraph, source: str, target: str) -> list[str]:
    """The papers between the two that every chain but one passes through."""
    nodes = between(graph, source, target)

    def chains(z: str) -> int:  # the chains avoiding z, counted up to 2
        avoiding = nx.all_simple_paths(graph.subgraph(nodes - {z}), source, target)
        return len(list(itertools.islice(avoiding, 2)))

    return [z for z in sorted(nodes - {source, target}) if chains(z) == 1]


def _bottleneck(graph: nx.DiGraph, config: Config, rng: random.Random, index: int):
    options = []
    for source in sorted(graph):
        for target in sorted(nx.descendants(graph, source)):
            nodes = between(graph, source, target)
            sub = graph.subgraph(nodes)
            if len(nodes) < config.span or graph.has_edge(source, target):  # a direct citation: no set
                continue
            must = on_every_chain(graph, source, target)
            if sub.number_of_edges() > len(nodes) - 1:  # two chains or more: not one path
                naive = nx.shortest_path(sub, source, target)[1:-1]
                options.append((source, target, must, set(naive) != set(must)))
    # pairs a shortest chain does not answer, when there are any
    options = [o for o in options if o[3]] or options
    if not options:
        return None
    empty = index % EMPTY_EVERY == EMPTY_EVERY - 1
    if not empty:  # this index's share of the answers, so the other tasks of a sample of EMPTY_EVERY ask
        # for different sets (drawn freely, two tasks shared a source and its answer)
        answers = sorted({tuple(o[2]) for o in options if o[2]})
        share = (index - index // EMPTY_EVERY) % (EMPTY_EVERY - 1)  # counting only the non-empty tasks
        mine = set(answers[share::EMPTY_EVERY - 1])
        options = [o for o in options if tuple(o[2]) in mine] or options
    if empty:  # pairs where one paper is on every chain but one, when there are any: a reader who
        # misses the one chain around it names it
        traps = [o for o in options if not o[2] and _on_all_but_one(graph, o[0], o[1])]
        options = [o for o in options if o[2] or not traps or o in traps]
    # none, one, or several papers on every chain; an answer, then a pair. No paper is on every chain
    # in the task of each EMPTY_EVERY by index (drawn, the constant [] passed 29% of a sample); the
    # others are one or several papers as evenly as the graph allows
    sizes: dict[int, dict[tuple[str, ...], list[tuple[str, str]]]] = {}
    for source, target, must, _ in options:
        sizes.setdefault(min(len(must), 2), {}).setdefault(tuple(must), []).append((source, target))
    by_answer = sizes[rng.choice([c for c in sorted(sizes) if (c == 0) == empty] or sorted(sizes))]
    must = rng.choice(sorted(by_answer))
    source, target = rng.choice(by_answer[must])
    return (
        "bottleneck",
        {"source": source, "target": target, "dated": _dated(graph)},
        {"source": source, "target": target, "expected": list(must), "reference": {"papers": list(must)},
         "calls_needed": _search_calls(graph, source, target)},
    )


# --- claims ----------------------------------------------------------------------------------------


def _distances(graph: nx.DiGraph, x: str) -> dict[str, int]:
    return nx.single_source_shortest_path_length(graph, x)


def _claim_pools(graph: nx.DiGraph) -> dict[str, tuple[list[dict], list[dict]]]:
    """For each kind of statement, (true ones, false ones), the false ones near misses of true ones:
    what the hasty reading (one lookup, the first chain found, direct citations only) takes as true."""
    below = {n: nx.descendants(graph, n) for n in sorted(graph)}
    cites = sorted(graph.edges)
    pools: dict[str, tuple[list[dict], list[dict]]] = {
        "cites": (
            [{"kind": "cites", "x": x, "y": y} for x, y in cites],
            # cited through a chain, not directly: what a skim of the references gets wrong
            [{"kind": "cites", "x": x, "y": y} for x in below for y in sorted(below[x]) if y not in graph[x]],
        ),
    }
    days = {n: graph.nodes[n]["date"] for n in dated(graph)}
    near = [(x, y) for x, y in cites if x in days and y in days and days[x] != days[y]]
    pools["before"] = (  # the pairs a citation links, so the dates are close and worth checking
        [{"kind": "before", "x": y, "y": x} for x, y in near if days[y] < days[x]],
        [{"kind": "before", "x": x, "y": y} for x, y in near if days[y] < days[x]],
    )
    # components described without naming a paper: "the MuZero model" would say where it came from
    names = re.compile("|".join(rf"(?<!\w){re.escape(graph.nodes[n][f])}(?!\w)" for n in graph
                                for f in ("name", "title")))
    texts = Counter(d["builds_on"] for _, _, d in graph.edges(data=True) if d["builds_on"])
    # a text on a quarter of the links or more is boilerplate ("influential citation" in a built graph)
    parts = [(x, y) for x, y, d in graph.edges(data=True)
             if d["builds_on"] and not names.search(d["builds_on"])
             and texts[d["builds_on"]] < max(2, sum(texts.values()) / 4)]
    pools["component"] = (
        [{"kind": "component", "x": x, "y": y, "source": y} for x, y in parts],
        # another paper it cites, not one citing or cited by the true source (which may share the idea)
        [{"kind": "component", "x": x, "y": z, "source": y} for x, y in parts for z in sorted(graph[x])
         if z != y and not graph.has_edge(y, z) and not graph.has_edge(z, y)
         and graph[x][z]["builds_on"] != graph[x][y]["builds_on"]],  # not credited for the same words
    )
    chains = [(x, y, set(on_every_chain(graph, x, y)), between(graph, x, y))
              for x in below for y in sorted(below[x])]
    pools["chain"] = (
        [{"kind": "chain", "x": x, "y": y, "z": z} for x, y, must, _ in chains for z in sorted(must)],
        # on some chain only: true of the first chain a search finds
        [{"kind": "chain", "x": x, "y": y, "z": z} for x, y, must, on in chains if must
         for z in sorted(on - must - {x, y})],
    )
    steps = {x: _distances(graph, x) for x in below}
    pools["reach"] = (  # k steps exactly (one is a citation), k two or three; the false ones one hop off
        [{"kind": "reach", "x": x, "y": y, "k": k} for x in below for y in sorted(below[x]) for k in (2, 3)
         if steps[x][y] == k],
        [{"kind": "reach", "x": x, "y": y, "k": k} for x in below for y in sorted(below[x]) for k in (2, 3)
         if steps[x][y] == k + 1],
    )
    # no chain from x back to y: the true ones linked the other way (y reaches x) or siblings citing a
    # common paper, y not later than x (so the date rule does not settle it); the false ones reach y in
    # three steps or more, beyond a glance at the references
    linked = [(x, y) for x in below for y in sorted(graph) if x != y and y not in below[x]
              and (x in below[y] or (below[x] & below[y] and (x not in days or y not in days
                                                               or days[y] <= days[x])))]
    pools["no_chain"] = (
        [{"kind": "no_chain", "x": x, "y": y} for x, y in linked],
        [{"kind": "no_chain", "x": x, "y": y} for x in below for y in sorted(below[x]) if steps[x][y] >= 3],
    )
    first: tuple[list[dict], list[dict]] = ([], [])
    for x, y in ((x, y) for x in sorted(graph) for y in sorted(graph) if x < y):
        both = set(graph.predecessors(x)) & set(graph.predecessors(y))
        if not both <= set(days):
            continue
        both = sorted(both, key=lambda n: (days[n], n))
        if len(both) >= 2 and days[both[0]] < days[both[1]]:  # a unique earliest; the false one next
            first[0].append({"kind": "first_citer", "x": x, "y": y, "z": both[0]})
            first[1].append({"kind": "first_citer", "x": x, "y": y, "z": both[1]})
    pools["first_citer"] = first
    count: tuple[list[dict], list[dict]] = ([], [])
    for x in below:
        reached, direct = len(below[x]), len(graph[x])
        if direct < reached <= 12:  # some reached only through a chain: counting references falls short
            count[0].append({"kind": "count", "x": x, "y": None, "k": reached})
            count[1].extend({"kind": "count", "x": x, "y": None, "k": k} for k in (direct, reached + 1))
    pools["count"] = count
    return {kind: pool for kind, pool in pools.items() if pool[0] and pool[1]}


def _walked(graph: nx.DiGraph, x: str, stop: str | None = None) -> set[str]:
    """The papers whose references a walk from x asks for: x and every paper it reaches, `stop` not
    expanded (every chain to it ends there)."""
    seen, todo = {x}, [x]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                if nxt != stop:
                    todo.append(nxt)
    return seen - {stop}


def claim_calls(graph: nx.DiGraph, statement: dict[str, Any]) -> set[tuple[str, str]]:
    """The tool calls a targeted check of one statement makes, with listings that carry no dates
    (shared between statements): the references of X for a citation, both records for dates, X's
    credits, references of X (and for three steps of each paper X cites) against citations of Y for a
    short chain, the citations of both and the record of each paper citing both for their first citer,
    and a walk of references from X (Y not expanded) for a count, a paper on every chain and no chain;
    for no chain, first both records, since the date rule settles a Y later than X."""
    x, y, kind = statement["x"], statement["y"], statement["kind"]
    if kind == "cites":
        return {("references", x)}
    if kind == "before":
        return {("get_paper", x), ("get_paper", y)}
    if kind == "component":
        return {("credits", x)}
    if kind == "reach":
        hops = set(graph[x]) - {y} if statement["k"] == 3 else set()
        return {("references", x), ("citations", y)} | {("references", n) for n in hops}
    if kind == "first_citer":
        both = set(graph.predecessors(x)) & set(graph.predecessors(y))
        return {("citations", x), ("citations", y)} | {("get_paper", n) for n in both}
    if kind == "count":
        return {("references", n) for n in _walked(graph, x)}
    walk = {("references", n) for n in _walked(graph, x, y)}
    if kind == "no_chain" and _forward(graph):
        days = {n: graph.nodes[n]["date"] for n in graph}
        dates = {("get_paper", x), ("get_paper", y)}
        return dates if days[y] > days[x] else dates | walk
    return walk


def _claims(graph: nx.DiGraph, config: Config, rng: random.Random, index: int):
    # a targeted check fits the budget (the calls it makes + slack), a crawl of every paper's
    # references does not: no statement's check takes over a sixth of the collection, nor all of them
    # together (with the slack) over three fifths of it (four fifths in a collection too small for that)
    for share in (3, 4):
        cap = share * len(graph) // 5 - max(config.slack, 0)
        if drawn := _draw_claims(graph, config, rng, cap):
            return drawn
    return None


def _draw_claims(graph: nx.DiGraph, config: Config, rng: random.Random, cap: int):
    pools = {kind: cheap for kind, pool in _claim_pools(graph).items()
             if all(cheap := tuple([s for s in side if len(claim_calls(graph, s)) <= len(graph) // 6]
                                   for side in pool))}
    if not pools:
        return None
    statements: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    calls: set[tuple[str, str]] = set()
    kinds: list[str] = []
    for _ in range(40 * config.statements):
        if len(statements) == config.statements:
            break
        if not kinds:  # kinds dealt in shuffled blocks, so every task mixes them
            kinds = sorted(pools)
            rng.shuffle(kinds)
        kind = kinds.pop()
        truth = rng.random() < 0.5  # each statement true with probability 1/2: a guess passes with 2^-K
        pool = pools[kind][0 if truth else 1]
        statement = {**rng.choice(pool), "true": truth}
        key = (kind, *sorted(p for p in (statement["x"], statement["y"]) if p), statement.get("z"),
               statement.get("source"))
        more = calls | claim_calls(graph, statement)
        if len(more) > cap:  # this kind again, with other papers
            kinds.append(kind)
        elif key not in seen:
            seen.add(key)
            calls = more
            statements.append(statement)
    if len(statements) < config.statements:  # the collection holds too few statements, or cheap ones
        return None
    true = [i for i, s in enumerate(statements, 1) if s["true"]]
    return "claims", {"statements": statements, "dated": _dated(graph)}, {
        "statements": statements, "reference": {"true": true}, "calls_needed": len(calls)}


_WORDS = {2: "two", 3: "three"}


def _say(statement: dict[str, Any], mention, builds_on: dict[tuple[str, str], str]) -> str:
    x, y = mention(statement["x"]), mention(statement["y"])
    kind = statement["kind"]
    if kind == "cites":
        return f"{x} cites {y}."
    if kind == "before":
        return f"{x} came before {y}."
    if kind == "component":
        return f"{x} took {builds_on[statement['x'], statement['source']]} from {y}."
    if kind == "reach":
        return f"A citation chain of at most {_WORDS[statement['k']]} steps leads from {x} back to {y}."
    if kind == "no_chain":
        return f"No citation chain leads from {x} back to {y}."
    if kind == "first_citer":
        return f"Of the papers that cite both {x} and {y}, the earliest is {mention(statement['z'])}."
    if kind == "count":
        papers = "paper" if statement["k"] == 1 else "papers"
        return (f"Exactly {statement['k']} {papers} of the collection can be reached from {x} by a citation "
                "chain (cited by it directly or through other papers, not counting itself).")
    return f"{mention(statement['z'])} lies on every citation chain from {x} back to {y}."


def render(kind: str, fields: dict[str, Any], mention, shown: dict[str, Any]) -> dict[str, str]:
    """The prompt's fields, papers named by `mention`; claims' components in the shown graph's words."""
    if kind == "reconstruct":
        by_id = {p["id"]: p for p in shown["papers"]}
        lines = [f"- {mention(k)}, {by_id[k]['date']}: {by_id[k]['description']}" for k in fields["papers"]]
        return {"papers": "\n".join(lines), "count": str(len(lines))}
    if kind == "claims":
        builds_on = {(e["citing"], e["cited"]): e["builds_on"]
                     for e in shown["citations"] if e.get("builds_on")}
        lines = [f"{i}. {_say(s, mention, builds_on)}" for i, s in enumerate(fields["statements"], 1)]
        return {"statements": "\n".join(lines), "dated": fields["dated"]}
    return {k: mention(v) for k, v in fields.items()}


QUESTIONS = {"reconstruct": _reconstruct, "bottleneck": _bottleneck, "claims": _claims}


# --- the check hooks -------------------------------------------------------------------------------


def _adjacency(task: Task) -> dict[str, list[str]]:
    adjacency: dict[str, list[str]] = {p["id"]: [] for p in task.env["papers"]}
    for citing, cited in task.env["citations"]:
        adjacency[citing].append(cited)
    return adjacency


def _reaches(adjacency: dict[str, list[str]], start: str, end: str, without: str | None = None) -> bool:
    """Whether a chain leads from start to end avoiding `without` (a plain depth-first search)."""
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == end:
            return True
        for nxt in adjacency[node]:
            if nxt not in seen and nxt != without:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _must(adjacency: dict[str, list[str]], start: str, end: str) -> list[str]:
    """The papers whose removal cuts every chain from start to end: found without dominators."""
    if not _reaches(adjacency, start, end):
        return []
    return [k for k in sorted(adjacency) if k not in (start, end) and not _reaches(adjacency, start, end, k)]


def _steps(adjacency: dict[str, list[str]], start: str) -> dict[str, int]:
    """The fewest citation steps from start to each paper it reaches (a plain breadth-first search)."""
    steps, queue = {start: 0}, [start]
    for node in queue:  # the list grows as the search goes
        for nxt in adjacency[node]:
            if nxt not in steps:
                steps[nxt] = steps[node] + 1
                queue.append(nxt)
    return steps


def _holds(statement: dict[str, Any], adjacency: dict[str, list[str]], dates: dict[str, str],
           credits: set[tuple[str, str, str]]) -> bool:
    x, y, kind = statement["x"], statement["y"], statement["kind"]
    if kind == "cites":
        return y in adjacency[x]
    if kind == "before":
        return dates[x] < dates[y]
    if kind == "component":
        texts = {t for c, s, t in credits if c == x and s == statement["source"]}  # the component named
        return any((x, y, t) in credits for t in texts)
    if kind == "reach":
        return _steps(adjacency, x).get(y, 99) <= statement.get("k", 2)  # v5 files: two steps
    if kind == "no_chain":
        return not _reaches(adjacency, x, y)
    if kind == "first_citer":
        both = [n for n in adjacency if x in adjacency[n] and y in adjacency[n]]
        return statement["z"] in both and all(dates[statement["z"]] < dates[n] for n in both
                                              if n != statement["z"])
    if kind == "count":
        return len(_steps(adjacency, x)) - 1 == statement["k"]
    return statement["z"] in _must(adjacency, x, y)


def enumerate_answers(task: Task) -> list[dict[str, Any]]:
    """Every correct answer, recomputed from the env's citations and dates: removing each paper in turn
    and testing reachability (not dominators); each statement judged on its own."""
    adjacency, kind = _adjacency(task), task.family.split(".", 1)[1]
    if kind == "reconstruct":
        return _every_reconstruction(task)
    if kind == "bottleneck":
        must = _must(adjacency, task.truth["source"], task.truth["target"])
        return [{"papers": must}, {"papers": must[::-1]}]
    dates = {p["id"]: p["date"] for p in task.env["papers"]}
    credits = {tuple(c) for c in task.env.get("credits", [])}
    true = [i for i, s in enumerate(task.truth["statements"], 1) if _holds(s, adjacency, dates, credits)]
    return [{"true": true}, {"true": true[::-1]}]


def _every_reconstruction(task: Task) -> list[dict[str, Any]] | None:
    """Every correct answer from the truth's builds-on pairs: each paper's choice among its listed
    parents, or null when it has none (None when there are over 200)."""
    listed = task.truth["papers"]
    choices = {n: sorted(y for x, y in task.truth["builds_on"] if x == n) or [None] for n in listed}
    answers: list[dict[str, Any]] = [{}]
    for n in listed:
        answers = [{**a, n: c} for a in answers for c in choices[n]]
        if len(answers) > 200:
            return None
    return [{"predecessors": a} for a in answers]


def _reconstruct_mutants(task: Task) -> list[dict[str, Any]]:
    expected, ref = task.truth["expected"], task.truth["reference"]["predecessors"]
    out = [{"predecessors": dict(list(ref.items())[1:])}, {"predecessors": {**ref, "anon:zzzzzz": None}}]
    for n, parents in expected.items():
        for p in parents:  # the grandparent instead of the parent
            out += [{"predecessors": {**ref, n: g}} for g in expected[p] if g not in parents][:1]
        if parents:
            out.append({"predecessors": {**ref, n: None}})
        else:
            out += [{"predecessors": {**ref, n: m}} for m in sorted(expected) if m != n][:1]
    return out[:12]


def mutants(task: Task) -> list[dict[str, Any]]:
    """Near misses: a dominator dropped, a paper on some chains only (or an endpoint) added; one
    statement flipped each way, a number that names no statement, one named twice."""
    kind, truth = task.family.split(".", 1)[1], task.truth
    if kind == "reconstruct":
        return _reconstruct_mutants(task)
    if kind == "bottleneck":
        must = truth["expected"]
        adjacency = _adjacency(task)
        some = sorted(k for k in adjacency if k not in must and k not in (truth["source"], truth["target"])
                      and _reaches(adjacency, truth["source"], k) and _reaches(adjacency, k, truth["target"]))
        out = [{"papers": must[1:]}] if must else []  # without a dominator ([] when there is none)
        out += [{"papers": [*must, truth["source"]]}, {"papers": [*must[:-1], "arXiv:99.9"]}]
        return out + [{"papers": [*must, k]} for k in some[:2]]
    true = truth["reference"]["true"]
    false = [i for i in range(1, len(truth["statements"]) + 1) if i not in true]
    out = [{"true": [*true, len(truth["statements"]) + 1]}, {"true": [*true, 0]}]
    out += [{"true": true[1:]}] if true else []
    out += [{"true": sorted([*true, false[0]])}] if false else []
    out += [{"true": [*true, true[0]]}] if true else []
    return out + _hasty_mutants(task)


def _hasty_mutants(task: Task) -> list[dict[str, Any]]:
    """Per kind of statement, every statement right but those of that kind judged by one lookup
    (`_hasty`), where that changes the answer: each is the trap of one kind, failed with its code."""
    adjacency, statements = _adjacency(task), task.truth["statements"]
    true = set(task.truth["reference"]["true"])
    out = []
    for kind in sorted({s["kind"] for s in statements}):
        hasty = {i for i, s in enumerate(statements, 1) if s["kind"] == kind and _hasty(s, task, adjacency)}
        mine = {i for i, s in enumerate(statements, 1) if s["kind"] == kind}
        answer = sorted(true - mine | hasty)
        if set(answer) != true:
            out.append({"true": answer})
    return out


def _hasty(statement: dict[str, Any], task: Task, adjacency: dict[str, list[str]]) -> bool:
    """A statement judged by one lookup: a component from any paper cited, the papers of the first
    chain found as on every chain, any chain as short enough, the first paper the listings show
    citing both as the earliest (the route dated listings gave: undated ones are in id order), the
    references counted for the papers reached, no chain where neither cites the other (citations and
    dates are read right)."""
    x, y, kind = statement["x"], statement["y"], statement["kind"]
    if kind in ("cites", "component"):
        return y in adjacency[x]
    if kind == "before":
        dates = {p["id"]: p["date"] for p in task.env["papers"]}
        return dates[x] < dates[y]
    if kind == "reach":
        return _reaches(adjacency, x, y)
    if kind == "first_citer":
        both = sorted(n for n in adjacency if x in adjacency[n] and y in adjacency[n])
        return both[:1] == [statement["z"]]
    if kind == "count":
        return len(adjacency[x]) == statement["k"]
    if kind == "no_chain":
        return y not in adjacency[x] and x not in adjacency[y]
    return statement["z"] in nx.shortest_path(nx.DiGraph(adjacency), x, y)


def baseline(task: Task, rng: Any) -> dict[str, Any]:
    """The naive guess: each paper's latest earlier paper of the list; the papers of one shortest
    chain; each statement judged hastily (`_hasty`)."""
    if task.family.endswith(".reconstruct"):
        dates = {p["id"]: p["date"] for p in task.env["papers"]}
        listed = sorted(task.truth["papers"], key=lambda n: (dates[n], n))
        return {"predecessors": {n: (listed[i - 1] if i else None) for i, n in enumerate(listed)}}
    if task.family.endswith(".claims"):
        adjacency = _adjacency(task)
        return {"true": [i for i, s in enumerate(task.truth["statements"], 1) if _hasty(s, task, adjacency)]}
    graph = nx.DiGraph(_adjacency(task))
    return {"papers": sorted(nx.shortest_path(graph, task.truth["source"], task.truth["target"])[1:-1])}


def random_answer(task: Task, rng: Any) -> dict[str, Any]:
    """A well-formed guess: any other listed paper or null; each statement true with probability 1/2;
    random papers of the collection."""
    if task.family.endswith(".reconstruct"):
        listed = task.truth["papers"]
        picks = [None, *listed]
        return {"predecessors": {n: picks[int(rng.random() * len(picks))] for n in listed}}
    if task.family.endswith(".claims"):
        return {"true": [i for i in range(1, len(task.truth["statements"]) + 1) if rng.random() < 0.5]}
    return {"papers": [p["id"] for p in task.env["papers"] if rng.random() < 0.1]}
