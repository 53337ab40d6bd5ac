"""The lineage kinds that need reading and reasoning: reconstruct, bottleneck, claims."""
import copy
import itertools
import json
import re

import networkx as nx

from generators import lineage
from generators.base import iter_tasks
from graders import grade
from graphs.papers import anonymize, load_snapshot, on_every_chain, relabel, to_graph
from tasks.check import check_tasks, format_report
from tools.registry import call_tool

NEW = ("reconstruct", "bottleneck", "claims")


def _tasks(kind, n=6, **knobs):
    return list(iter_tasks(lineage, lineage.Config(kind=kind, **knobs), 4, n))


def _cut_by(graph, start, end, node):
    """Whether removing node leaves no chain from start to end (reachability, no dominators)."""
    rest = graph.subgraph(set(graph) - {node})
    return not nx.has_path(rest, start, end)


def test_papers_on_every_chain_are_exactly_those_whose_removal_cuts_every_chain():
    graph = to_graph(load_snapshot())
    pairs = [(a, b) for a in sorted(graph) for b in sorted(nx.descendants(graph, a))]
    assert len(pairs) > 500
    for a, b in pairs:
        cut = sorted(n for n in graph if n not in (a, b) and _cut_by(graph, a, b, n))
        assert on_every_chain(graph, a, b) == cut, (a, b)
    assert on_every_chain(graph, "1312.5602", "2403.00564") == []  # no chain at all


def test_every_new_kind_passes_the_whole_check_with_its_baselines_failing():
    tasks = [t for kind in NEW for t in _tasks(kind, n=8)]
    report = check_tasks(tasks)
    assert not report.defects, format_report(report)
    for kind in NEW:
        for name in ("empty", "random", "family baseline"):
            tally = report.baselines[f"lineage.{kind}", name]
            # bottleneck's answer is empty a fifth of the time by design
            assert tally.tasks == 8 and tally.passed <= (3 if name == "empty" else 1), (kind, name, tally)


def test_the_new_kinds_use_pseudonyms_unless_asked_not_to():
    snapshot = load_snapshot()["papers"]
    names = [p["name"] for p in snapshot] + [p["title"] for p in snapshot] + [p["id"] for p in snapshot]
    ids = {p["id"]: q["id"] for p, q in zip(snapshot, anonymize(load_snapshot())["papers"], strict=True)}
    for kind in NEW:
        hidden, shown = _tasks(kind, n=3), _tasks(kind, n=3, anonymize=False)
        for anon, named in zip(hidden, shown, strict=True):
            assert anon.meta["anonymized"] and not named.meta["anonymized"]
            assert not [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", anon.prompt)]
            assert relabel(named.truth, ids) == anon.truth  # the same question under other names
            assert re.search(r"\d{4}\.\d{4,5}|10\.\d{4}/|openreview:", named.prompt)


def test_the_old_kinds_stay_named_by_default():
    task = _tasks("path", n=1)[0]
    assert not task.meta["anonymized"] and "anon:" not in task.prompt


def test_descriptions_name_no_paper_even_as_the_anonymizer_sees_them():
    data = load_snapshot()
    renamed = anonymize(data)
    described = [(p, q) for p, q in zip(data["papers"], renamed["papers"], strict=True) if "description" in p]
    assert len(described) >= 30
    for real, fake in described:
        assert real["description"] == fake["description"], real["id"]  # the anonymizer found no name in it
        assert "curated from memory" in real["provenance"]["source"] and not real["provenance"]["verified"]
    # nor do the components' texts, which would say where a component came from
    texts = [e.get("builds_on") for e in data["citations"]]
    assert texts == [e.get("builds_on") for e in renamed["citations"]]


# --- reconstruct -----------------------------------------------------------------------------------

def test_reconstruct_offers_no_tools_and_lists_each_paper_with_its_description():
    for task in _tasks("reconstruct"):
        assert task.tools == [] and "calls_left" not in task.env
        assert len(re.findall(r"^- \w+ \(anon:\w+\), \d{4}-\d\d-\d\d: ", task.prompt, re.M)) == 16
        by_id = {p["id"]: p for p in load_snapshot()["papers"]}
        shown = {p["id"]: p for p in task.env["papers"]}
        assert len(task.truth["papers"]) == 16
        assert all(shown[k]["name"] in task.prompt for k in task.truth["papers"])
        assert sum(p["description"] in task.prompt for p in by_id.values() if "description" in p) == 16


def test_reconstruct_never_lists_an_ancestor_without_a_parent_so_null_means_none_is_listed():
    links = load_snapshot()["citations"]
    builds = nx.DiGraph([(e["citing"], e["cited"]) for e in links if e.get("builds_on")])
    for task in _tasks("reconstruct", n=10, anonymize=False, papers=10):
        listed = set(task.truth["papers"])
        for paper, parents in task.truth["expected"].items():
            ancestors = nx.descendants(builds, paper) & listed if paper in builds else set()
            assert bool(parents) == bool(ancestors), paper
            assert set(parents) == set(builds[paper]) & listed if paper in builds else parents == []


def test_reconstruct_accepts_any_listed_parent_and_rejects_a_grandparent_and_a_missed_parent():
    task = next(t for t in _tasks("reconstruct", n=20, anonymize=False, papers=10)
                if any(len(p) > 1 for p in t.truth["expected"].values()))
    expected, ref = task.truth["expected"], task.truth["reference"]["predecessors"]
    multi = next(k for k, p in expected.items() if len(p) > 1)
    for parent in expected[multi]:
        assert grade(task, {"predecessors": {**ref, multi: parent}}).passed
    chain = [(k, g) for k, ps in expected.items() for p in ps for g in expected[p] if g not in ps]
    for paper, grandparent in chain:
        assert grade(task, {"predecessors": {**ref, paper: grandparent}}).reasons == ("wrong_predecessor",)
    with_parent = next(k for k, p in expected.items() if p)
    assert grade(task, {"predecessors": {**ref, with_parent: None}}).reasons == ("missed_predecessor",)
    assert grade(task, {"predecessors": dict(list(ref.items())[1:])}).reasons == ("missing_paper",)
    outsider = next(p["id"] for p in task.env["papers"] if p["id"] not in expected)  # in the collection only
    assert grade(task, {"predecessors": {**ref, with_parent: outsider}}).reasons == ("unknown_node",)


def test_reconstruct_lists_papers_with_their_grandparents_and_the_latest_earlier_paper_fails():
    links = load_snapshot()["citations"]
    builds = nx.DiGraph([(e["citing"], e["cited"]) for e in links if e.get("builds_on")])
    tasks = _tasks("reconstruct", n=8, anonymize=False)
    for task in tasks:
        listed = set(task.truth["papers"])
        # a paper listed with the predecessor of its predecessor, which it does not build on directly
        traps = [(n, g) for n in listed if n in builds for p in set(builds[n]) & listed
                 for g in set(builds[p]) & listed if g not in builds[n]]
        assert len(traps) >= 3, task.id
    assert sum(grade(t, lineage.baseline(t, None)).passed for t in tasks) == 0


def test_reconstruct_accepts_titles_and_prefixed_ids_for_papers_and_predecessors():
    task = _tasks("reconstruct", n=1, anonymize=False)[0]
    titles = {p["id"]: p["title"] for p in task.env["papers"]}
    ref = task.truth["reference"]["predecessors"]
    def prefixed(v):
        return f"arXiv:{v}" if v and re.fullmatch(r"\d{4}\.\d{4,5}", v) else v

    spelled = {titles[k]: prefixed(v) for k, v in ref.items()}
    assert grade(task, {"predecessors": spelled}).passed


# --- bottleneck ------------------------------------------------------------------------------------

def test_bottleneck_asks_long_spans_with_several_chains_whose_set_no_shortest_chain_gives():
    tasks = _tasks("bottleneck", n=8)
    for task in tasks:
        graph = nx.DiGraph([tuple(e) for e in task.env["citations"]])
        source, target = task.truth["source"], task.truth["target"]
        assert len(list(itertools.islice(nx.all_simple_paths(graph, source, target), 2))) == 2
        assert len(nx.descendants(graph, source) & (nx.ancestors(graph, target) | {target})) + 1 >= 6
        assert not graph.has_edge(source, target) and len(task.env["papers"]) == 55  # the whole collection
        shortest = [set(p[1:-1]) for p in nx.all_shortest_paths(graph, source, target)]
        assert set(task.truth["expected"]) not in shortest or len(shortest) > 1
        # the shortcut, the papers of one shortest chain, fails
        assert lineage.baseline(task, None) != {"papers": sorted(task.truth["expected"])}
    more = _tasks("bottleneck", n=16)
    assert {min(len(t.truth["expected"]), 2) for t in more} == {0, 1, 2}  # none, one, several


def _search(task, forward):
    """An efficient search through the tools, the listings carrying no dates: the references of every
    paper a walk from the source reaches, the target not expanded (or the citations of every paper a
    walk up from the target reaches, the source not expanded); the set is then the papers whose
    removal cuts the chains. Returns (calls made, the set found)."""
    env = {**copy.deepcopy(task.env), "calls_left": 10**6}  # counted here, not cut off
    source, target = task.truth["source"], task.truth["target"]
    start, stop = (source, target) if forward else (target, source)
    edges, todo, seen = [], [start], {start}
    while todo:
        paper = todo.pop()
        result = call_tool("references" if forward else "citations", {"paper_id": paper}, env)
        assert not result.is_error, result.text
        for other in (line.split(" | ")[0] for line in result.text.splitlines() if " | " in line):
            edges.append((paper, other) if forward else (other, paper))
            if other not in seen and other != stop:
                seen.add(other)
                todo.append(other)
    graph = nx.DiGraph(edges)
    calls = 10**6 - env["calls_left"]
    if target not in graph or source not in graph or not nx.has_path(graph, source, target):
        return calls, None
    return calls, sorted(n for n in graph if n not in (source, target) and _cut_by(graph, source, target, n))


def test_bottleneck_budget_is_what_the_cheaper_search_uses_plus_one_and_finds_the_set():
    for seed in (1, 2):
        for task in iter_tasks(lineage, lineage.Config(kind="bottleneck"), seed, 8):
            budget = task.env["calls_left"]
            assert f"You may make at most {budget} tool calls." in task.prompt
            assert "No paper cites a paper whose first version is later than its own." in task.prompt
            assert task.env["undated_listings"] and "name papers without dates, in id order" in task.prompt
            results = [_search(task, forward) for forward in (True, False)]
            assert min(calls for calls, _ in results) + 1 == budget, task.id  # the default slack is 1
            assert all(found == sorted(task.truth["expected"]) for _, found in results)


def test_the_tasks_of_a_bottleneck_sample_ask_for_different_sets_so_none_shares_source_and_answer():
    for seed in range(1, 5):
        tasks = list(iter_tasks(lineage, lineage.Config(kind="bottleneck"), seed, 8))
        assert len({tuple(sorted(t.truth["expected"])) for t in tasks}) == 8, seed


def test_bottleneck_rejects_a_set_missing_a_paper_or_with_one_on_some_chains_only():
    task = _tasks("bottleneck", n=1)[0]
    must = task.truth["expected"]
    graph = nx.DiGraph([tuple(e) for e in task.env["citations"]])
    some = next(n for p in nx.all_simple_paths(graph, task.truth["source"], task.truth["target"])
                for n in p[1:-1] if n not in must)
    assert grade(task, {"papers": must[1:]}).reasons == ("missing_paper",)
    assert grade(task, {"papers": [*must, some]}).reasons == ("extra_paper",)
    assert grade(task, {"papers": must[::-1]}).passed


def test_bottleneck_with_no_paper_on_every_chain_names_the_trap_of_one_chain_s_papers():
    task = next(t for t in _tasks("bottleneck", n=16) if not t.truth["expected"])
    graph = nx.DiGraph([tuple(e) for e in task.env["citations"]])
    chain = nx.shortest_path(graph, task.truth["source"], task.truth["target"])[1:-1]
    assert chain and all(not _cut_by(graph, task.truth["source"], task.truth["target"], n) for n in chain)
    assert grade(task, {"papers": chain}).reasons == ("no_paper_on_every_chain",)
    assert grade(task, {"papers": []}).passed


# --- claims ----------------------------------------------------------------------------------------

CLAIM_KINDS = {"cites", "before", "component", "chain", "reach", "first_citer", "count", "no_chain"}


def test_claims_are_true_about_half_the_time_and_of_every_kind():
    tasks = _tasks("claims", n=30)
    statements = [s for t in tasks for s in t.truth["statements"]]
    share = sum(s["true"] for s in statements) / len(statements)
    assert len(statements) == 360 and 0.4 < share < 0.6
    assert {s["kind"] for s in statements} == CLAIM_KINDS
    assert all({s["kind"] for s in t.truth["statements"]} == CLAIM_KINDS for t in tasks)  # dealt in blocks
    assert {s["k"] for s in statements if s["kind"] == "reach"} == {2, 3}


def _credited(task, x, y, text):
    return [x, y, text] in task.env["credits"]


def test_claims_are_judged_on_their_own_by_the_graph():
    for task in _tasks("claims", n=10, anonymize=False):
        graph = nx.DiGraph([tuple(e) for e in task.env["citations"]])
        graph.add_nodes_from(p["id"] for p in task.env["papers"])
        dates = {p["id"]: p["date"] for p in task.env["papers"]}
        texts = {(c, s): t for c, s, t in task.env["credits"]}
        for s in task.truth["statements"]:
            x, y = s["x"], s["y"]
            if s["kind"] == "cites":
                assert graph.has_edge(x, y) == s["true"]
            elif s["kind"] == "before":
                assert (dates[x] < dates[y]) == s["true"]
            elif s["kind"] == "chain":
                assert _cut_by(graph, x, y, s["z"]) == s["true"]
                assert nx.has_path(graph, x, y)  # as the prompt says: never vacuously true
            elif s["kind"] == "component":  # the text shown is the one credited to the true source
                assert _credited(task, x, y, texts[x, s["source"]]) == s["true"]
                assert graph.has_edge(x, y)  # a false one names a paper it does cite: a near miss
            elif s["kind"] == "reach":  # every chain of at most k steps, enumerated
                short = [p for p in nx.all_simple_paths(graph, x, y, cutoff=s["k"])]
                assert bool(short) == s["true"] and not graph.has_edge(x, y)
                assert s["true"] or nx.shortest_path_length(graph, x, y) == s["k"] + 1  # one hop off
            elif s["kind"] == "no_chain":  # the transitive closure, not a search from x
                assert (not nx.transitive_closure_dag(graph).has_edge(x, y)) == s["true"]
                # a near miss: linked the other way or siblings when true, three steps or more when false
                assert (nx.has_path(graph, y, x) or nx.descendants(graph, x) & nx.descendants(graph, y)
                        if s["true"] else nx.shortest_path_length(graph, x, y) >= 3)
            elif s["kind"] == "first_citer":
                both = sorted((n for n in graph if graph.has_edge(n, x) and graph.has_edge(n, y)),
                              key=lambda n: dates[n])
                assert len(both) >= 2 and dates[both[0]] < dates[both[1]]
                assert (s["z"] == both[0]) == s["true"] and s["z"] in both[:2]  # false: the second
            else:
                reached = len(nx.descendants(graph, x))
                assert (s["k"] == reached) == s["true"]
                assert s["true"] or s["k"] in (graph.out_degree(x), reached + 1)


def test_the_hasty_judge_fails_the_default_claims():
    # one lookup per statement (a component from any cited paper, the first chain, direct references)
    tasks = list(iter_tasks(lineage, lineage.Config(kind="claims"), 1, 8))
    assert [len(t.truth["statements"]) for t in tasks] == [12] * 8
    assert sum(grade(t, lineage.baseline(t, None)).passed for t in tasks) <= 1


def test_claims_grading_flags_each_wrong_judgement_and_odd_numbers():
    task = next(t for t in _tasks("claims", n=5) if 0 < len(t.truth["reference"]["true"]) < 8)
    true = task.truth["reference"]["true"]
    count = len(task.truth["statements"])
    false = next(i for i in range(1, count + 1) if i not in true)
    kind = {i: s["kind"] for i, s in enumerate(task.truth["statements"], 1)}
    codes = {"cites": "misjudged_citation", "before": "misjudged_date", "component": "misjudged_component",
             "chain": "misjudged_every_chain", "reach": "misjudged_reach",
             "first_citer": "misjudged_first_citer", "count": "misjudged_count",
             "no_chain": "misjudged_no_chain"}
    assert grade(task, {"true": [float(i) for i in true]}).passed  # 3.0 is an integer to JSON Schema
    assert grade(task, {"true": true[1:]}).reasons == ("true_statement_rejected", codes[kind[true[0]]])
    assert grade(task, {"true": [*true, false]}).reasons == ("false_statement_accepted", codes[kind[false]])
    for odd in ([0], [count + 1], [10**400], [True], [*true, true[0]]):
        verdict = grade(task, {"true": odd})
        assert not verdict.passed and "grader_error" not in verdict.reasons


def test_claims_offer_the_credits_tool_which_lists_what_a_paper_took_and_from_whom():
    task = _tasks("claims", n=1, anonymize=False)[0]
    assert task.tools[-1] == "credits" and task.env["credits"]
    citing, cited, text = task.env["credits"][0]
    listing = call_tool("credits", {"paper_id": citing}, task.env).text
    assert f"{text} <- {cited} |" in listing
    other = _tasks("bottleneck", n=1)[0]
    assert "credits" not in other.tools and "credits" not in other.env


def _targeted_check(task):
    """Judge each statement of the prompt through the tools under the task's own budget, with the
    query that settles it, the listings carrying no dates: references of X for a citation, two records
    for dates, X's credits for a component, references of X (of the papers it cites too, for three
    steps) against citations of Y for a short chain, citations of both and the record of each paper
    citing both for a first citer, and a walk of references from X (Y not expanded) for a count, a
    paper on every chain or no chain, which first reads both records: the date rule settles a Y later
    than X. Each (tool, paper) is asked once. Returns (the numbers judged true, calls made)."""
    env, asked = copy.deepcopy(task.env), {}

    def text(tool, paper):
        if (tool, paper) not in asked:
            result = call_tool(tool, {"paper_id": paper}, env)
            assert not result.is_error, (task.id, tool, result.text)  # never over the budget
            asked[tool, paper] = result.text
        return asked[tool, paper]

    def listed(tool, paper):
        return [line.split(" | ")[0] for line in text(tool, paper).splitlines() if " | " in line]

    def date(paper):
        return json.loads(text("get_paper", paper))["date"]

    def walk(start, stop=None):
        edges, todo, seen = [], [start], {start}
        while todo:
            paper = todo.pop()
            for other in listed("references", paper):
                edges.append((paper, other))
                if other not in seen and other != stop:
                    seen.add(other)
                    todo.append(other)
        graph = nx.DiGraph(edges)
        graph.add_node(start)
        return graph

    true = []
    for number, line in re.findall(r"^(\d+)\. (.*)$", task.prompt, re.M):
        ids = re.findall(r"\((anon:\w+)\)", line)
        if "lies on every citation chain" in line:
            z, x, y = ids
            graph = walk(x, y)
            holds = y in graph and nx.has_path(graph, x, y) and _cut_by(graph, x, y, z)
        elif line.startswith("No citation chain"):
            x, y = ids
            later = date(y) > date(x)  # the stated rule: then nothing x reaches can cite its way to y
            holds = later or y not in walk(x, y)
        elif "at most two steps" in line or "at most three steps" in line:
            x, y = ids
            cited = listed("references", x)
            near = set(cited) | ({n for c in cited if c != y for n in listed("references", c)}
                                 if "three" in line else set())
            holds = y in cited or bool(near & set(listed("citations", y)))
        elif line.startswith("Of the papers that cite both"):
            x, y, z = ids
            both = set(listed("citations", x)) & set(listed("citations", y))
            days = {p: date(p) for p in sorted(both)}
            holds = z in both and all(days[p] > days[z] for p in both if p != z)
        elif line.startswith("Exactly"):
            graph = walk(ids[0])
            holds = len(graph) - 1 == int(re.match(r"Exactly (\d+)", line)[1])
        elif " took " in line:
            x, y = ids[0], ids[-1]
            component = line.split(" took ", 1)[1].rsplit(" from ", 1)[0]
            holds = f"{component} <- {y} | " in text("credits", x)
        elif " cites " in line:
            holds = ids[1] in listed("references", ids[0])
        else:
            assert " came before " in line, line
            holds = date(ids[0]) < date(ids[1])
        if holds:
            true.append(int(number))
    return true, task.env["calls_left"] - env["calls_left"]


def test_claims_budget_is_what_a_targeted_check_uses_plus_one_and_a_crawl_does_not_fit():
    tasks = [t for seed in (1, 2) for t in iter_tasks(lineage, lineage.Config(kind="claims"), seed, 8)]
    for task in tasks:
        budget = task.env["calls_left"]
        assert f"You may make at most {budget} tool calls." in task.prompt
        assert "No paper cites a paper whose first version is later than its own." in task.prompt
        true, calls = _targeted_check(task)
        assert true == task.truth["reference"]["true"], task.id
        assert calls == task.truth["calls_needed"] == budget - 1, (task.id, calls, budget)  # tight: slack 1
        # reading every paper's references (and each paper's credits) does not fit
        assert len(task.env["papers"]) == 55 and budget <= 3 * 55 // 5


def test_claims_listings_carry_no_dates_and_are_in_id_order_so_their_order_tells_no_date():
    task = _tasks("claims", n=1)[0]
    assert task.env["undated_listings"] and "name papers without dates, in id order" in task.prompt
    dates = {p["date"] for p in task.env["papers"]}
    busiest = max(task.env["papers"], key=lambda p: sum(c[1] == p["id"] for c in task.env["citations"]))
    for tool, args in [("references", {"paper_id": task.env["citations"][0][0]}),
                       ("citations", {"paper_id": busiest["id"]}),
                       ("credits", {"paper_id": task.env["credits"][0][0]}),
                       ("search_papers", {"query": "learning", "limit": 50})]:
        listing = call_tool(tool, args, task.env).text
        assert not [d for d in dates if d in listing], tool
        ids = re.findall(r"(anon:\w+) \| ", listing)
        assert ids and (tool == "search_papers" or ids == sorted(ids)), tool
    assert len(re.findall(r"anon:", call_tool("citations", {"paper_id": busiest["id"]}, task.env).text)) > 2
    assert busiest["date"] in call_tool("get_paper", {"paper_id": busiest["id"]}, task.env).text
    # the other kinds keep dated listings
    path = _tasks("path", n=1)[0]
    assert "undated_listings" not in path.env


def test_bottleneck_answers_empty_in_one_default_task_of_eight_so_the_constant_empty_answer_fails():
    for seed in range(1, 5):
        tasks = list(iter_tasks(lineage, lineage.Config(kind="bottleneck"), seed, 8))
        empty = [t for t in tasks if grade(t, {"papers": []}).passed]
        assert len(empty) <= 1 and all(not t.truth["expected"] for t in empty), seed
        assert {min(len(t.truth["expected"]), 2) for t in tasks} == {0, 1, 2}, seed  # none, one, several


def test_each_kind_of_hasty_claim_check_fails_the_default_sample_with_its_own_reason():
    codes = set()
    for task in iter_tasks(lineage, lineage.Config(kind="claims"), 1, 8):
        for mutant in lineage.mutants(task):
            verdict = grade(task, mutant)
            assert not verdict.passed, (task.id, mutant)
            codes |= {c for c in verdict.reasons if c.startswith("misjudged_")}
    # one lookup misjudges chains, short reach, first citers (the first listed), counts, components and
    # the absence of a chain apart
    assert {"misjudged_every_chain", "misjudged_reach", "misjudged_count", "misjudged_first_citer",
            "misjudged_component", "misjudged_no_chain"} <= codes, codes


def test_bottleneck_s_empty_answers_have_a_paper_on_every_chain_but_one_whose_naming_fails():
    for seed in (1, 2):
        task = next(t for t in iter_tasks(lineage, lineage.Config(kind="bottleneck"), seed, 8)
                    if not t.truth["expected"])
        graph = nx.DiGraph([tuple(e) for e in task.env["citations"]])
        source, target = task.truth["source"], task.truth["target"]
        chains = list(nx.all_simple_paths(graph, source, target))
        near = [z for z in graph if z not in (source, target) and sum(z not in c for c in chains) == 1]
        assert near, task.id  # the trap: all chains but one pass through it
        for z in near:
            assert grade(task, {"papers": [z]}).reasons == ("no_paper_on_every_chain",)
