"""The causal graders against answers found independently of the generator and the graders: every subset
of the observed variables judged by dowhy, every single-edge reversal judged by causallearn's CPDAG,
effect estimates computed here with dowhy's backdoor set, and fuzzed malformed answers."""
import io
import itertools
import json
import math
import random

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators import causal as gc
from graders import grade
from graphs.causal import cpdag_by_enumeration, dag_from


def _tasks(kind, count, **knobs):
    config = gc.Config(kind=kind, **knobs)
    config.validate()
    return [gc.generate(config, 7, i) for i in range(count)]


def _dag(task):
    return dag_from(task.truth["variables"], task.truth["dag"])


def _valid_by_dowhy(dag, x, y, z):
    from dowhy.graph import check_valid_backdoor_set

    # dowhy does not reject descendants of x (see its docs), so that half of the criterion is checked here
    return (not set(z) & (nx.descendants(dag, x) | {x, y})
            and check_valid_backdoor_set(dag, [x], [y], list(z))["is_dseparated"])


def test_adjustment_passes_exactly_the_valid_sets_of_minimum_cost():
    cases = [t for edges, hidden in [(4, 0), (6, 1), (8, 2)] for t in _tasks("adjustment", 12, edges=edges,
                                                                             hidden=hidden, max_cost=3)]
    kinds_seen = set()
    for task in cases:
        dag, x, y, cost = _dag(task), task.truth["treatment"], task.truth["outcome"], task.truth["cost"]
        subsets = [list(z) for k in range(len(cost) + 1) for z in itertools.combinations(sorted(cost), k)]
        valid = [z for z in subsets if _valid_by_dowhy(dag, x, y, z)]
        least = min((sum(cost[v] for v in z) for z in valid), default=None)
        for z in subsets:
            expected = z in valid and sum(cost[v] for v in z) == least
            assert grade(task, {"adjustment_set": z}).passed == expected, (task.id, z)
            kinds_seen.add(("valid" if z in valid else "invalid", expected))
        assert grade(task, {"adjustment_set": None}).passed == (not valid), task.id
        kinds_seen.add(("none exists", not valid))
    # the sample covers passing sets, valid but too costly sets, invalid sets, and tasks with no valid set
    assert kinds_seen == {("valid", True), ("valid", False), ("invalid", False), ("none exists", True),
                          ("none exists", False)}


def test_adjustment_rejects_treatment_outcome_unobserved_and_unknown_names():
    task = next(t for t in _tasks("adjustment", 30, edges=8, hidden=2)
                if t.truth["reference"]["adjustment_set"] is not None)
    x, y, ref = task.truth["treatment"], task.truth["outcome"], task.truth["reference"]["adjustment_set"]
    hidden = sorted(set(task.truth["variables"]) - set(task.truth["cost"]) - {x, y})
    assert grade(task, {"adjustment_set": ref + [x]}).reasons == ("treatment_or_outcome_in_set",)
    assert grade(task, {"adjustment_set": ref + [y]}).reasons == ("treatment_or_outcome_in_set",)
    assert grade(task, {"adjustment_set": ref + hidden[:1]}).reasons == ("unobserved_variable",)
    assert grade(task, {"adjustment_set": ref + ["ZZZ"]}).reasons == ("unknown_node",)
    assert grade(task, {"adjustment_set": ref + ref[:1]}).reasons == (("duplicate_item",) if ref else ())


def _causallearn_cpdag(dag):
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    nodes = {v: GraphNode(v) for v in sorted(dag)}
    g = Dag(list(nodes.values()))
    for u, v in sorted(dag.edges):
        g.add_directed_edge(nodes[u], nodes[v])
    return dag2cpdag(g).graph.tolist()


def test_reversed_edge_passes_exactly_the_reversals_that_restore_the_equivalence_class():
    passes = 0
    for task in _tasks("reversed_edge", 6, edges=6, samples=20) + _tasks("reversed_edge", 4, edges=10):
        proposed = dag_from(task.truth["variables"], task.truth["proposed"])
        target = _causallearn_cpdag(_dag(task))
        for u, v in itertools.permutations(task.truth["variables"], 2):
            g = grade(task, {"edges": [[u, v]]})
            if not proposed.has_edge(u, v):
                assert g.reasons == ("not_a_dag_edge",)
                continue
            turned = nx.DiGraph(proposed)
            turned.remove_edge(u, v)
            turned.add_edge(v, u)
            expected = nx.is_directed_acyclic_graph(turned) and _causallearn_cpdag(turned) == target
            assert g.passed == expected, (task.id, u, v)
            passes += expected
    assert passes >= 10


def _estimate(task, adjust):
    data = np.genfromtxt(io.StringIO(task.env["files"]["data.csv"]), delimiter=",", names=True)
    x, y = task.truth["treatment"], task.truth["outcome"]
    design = np.column_stack([np.ones(len(data)), data[x]] + [data[v] for v in adjust])
    return float(np.linalg.lstsq(design, data[y], rcond=None)[0][1])


def test_effect_accepts_the_adjusted_estimate_and_rejects_the_naive_one():
    from dowhy import identify_effect

    for task in _tasks("effect", 12, edges=8):
        dag, x, y = _dag(task), task.truth["treatment"], task.truth["outcome"]
        backdoor = identify_effect(dag, action_nodes=x, outcome_nodes=y,
                                   observed_nodes=list(dag)).get_backdoor_variables()
        assert grade(task, {"effect": _estimate(task, backdoor)}).passed, task.id
        assert grade(task, {"effect": _estimate(task, sorted(dag.predecessors(x)))}).passed, task.id
        assert grade(task, {"effect": _estimate(task, [])}).reasons == ("outside_tolerance",), task.id


def test_effect_tolerance_is_the_stated_one_around_the_true_path_sum():
    task = _tasks("effect", 1)[0]
    dag, x, y = _dag(task), task.truth["treatment"], task.truth["outcome"]
    w = {(u, v): c for u, v, c in task.truth["weights"]}
    true = sum(math.prod(w[e] for e in zip(p, p[1:], strict=False)) for p in nx.all_simple_paths(dag, x, y))
    tol = float(task.prompt.split("within ")[1].split(" of")[0])
    assert grade(task, {"effect": true + 0.99 * tol}).passed
    assert grade(task, {"effect": true - 0.99 * tol}).passed
    assert not grade(task, {"effect": true + 1.01 * tol}).passed
    assert grade(task, '{"effect": NaN}').reasons == ("outside_tolerance",)  # Python's json accepts NaN


def test_discover_passes_the_brute_force_cpdag_in_any_order_and_nothing_else():
    for task in _tasks("discover", 15, edges=7):
        directed, undirected = cpdag_by_enumeration(_dag(task))
        rng = random.Random(task.id)
        answer = {"directed": [list(e) for e in directed],
                  "undirected": [rng.sample(sorted(p), 2) for p in undirected]}
        rng.shuffle(answer["directed"])
        rng.shuffle(answer["undirected"])
        assert grade(task, answer).passed, task.id
        for e in answer["directed"]:  # each compelled edge flipped or left undirected
            others = [d for d in answer["directed"] if d != e]
            assert grade(task, {**answer, "directed": others + [e[::-1]]}).reasons == ("wrong_orientation",)
            assert grade(task, {"directed": others, "undirected": answer["undirected"] + [e]}).reasons == (
                "wrong_orientation",)
        for p in answer["undirected"]:  # each reversible edge given a direction
            others = [q for q in answer["undirected"] if q != p]
            assert grade(task, {"directed": answer["directed"] + [p], "undirected": others}).reasons == (
                "wrong_orientation",)
        missing = {"directed": answer["directed"][1:], "undirected": answer["undirected"]}
        if answer["directed"]:
            assert grade(task, missing).reasons == ("wrong_skeleton",)
        if answer["undirected"]:  # the same pair twice, once in each order
            twice = answer["undirected"] + [answer["undirected"][0][::-1]]
            assert grade(task, {**answer, "undirected": twice}).reasons == ("duplicate_item",)


# identify and counterfactual keep only instances that 50 rows rarely make discriminating
FUZZ_KNOBS = {"identify": {"samples": 300, "hidden": 1, "scm": "binary"}, "counterfactual": {"samples": 300}}
FUZZ_TASKS = {kind: _tasks(kind, 1, **{"edges": 5, "samples": 50, **FUZZ_KNOBS.get(kind, {})})[0]
              for kind in gc.KINDS}
names = st.sampled_from(["A", "B", "C", "D", "E", "F", "", "a", "A ", "ZZ", "A,B"])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | names,
                           lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(names, inner, max_size=3),
                           max_leaves=12)
shaped = st.one_of(
    st.fixed_dictionaries({"edges": st.lists(st.lists(names, max_size=3), max_size=3)}),
    st.fixed_dictionaries({"adjustment_set": st.none() | st.lists(names, max_size=6)}),
    st.fixed_dictionaries({"effect": st.floats(allow_nan=True, allow_infinity=True) | st.integers()}),
    st.fixed_dictionaries({"directed": st.lists(st.lists(names, max_size=3), max_size=6),
                           "undirected": st.lists(st.lists(names, max_size=3), max_size=6)}),
)


def _independently_correct(task, answer):
    """Only called for answers that passed, so the answer fits the schema."""
    kind = task.family.split(".")[1]
    if kind == "effect":
        return abs(answer["effect"] - task.truth["effect"]) <= task.truth["tolerance"]
    if kind == "counterfactual":
        return abs(answer["counterfactual"] - task.truth["counterfactual"]) <= task.truth["tolerance"]
    if kind == "identify":
        truly = task.truth["identifiable"]
        return answer["identifiable"] is truly and (
            not truly or abs(answer["effect"] - task.truth["effect"]) <= task.truth["tolerance"])
    correct = gc.enumerate_answers(task)
    if kind == "reversed_edge":
        return {"edges": sorted(answer["edges"])} in correct
    if kind == "discover":
        return (sorted(answer["directed"]) == correct[0]["directed"]
                and sorted(sorted(p) for p in answer["undirected"]) == correct[0]["undirected"])
    if kind == "adjustment":
        chosen = answer["adjustment_set"]
        return {"adjustment_set": chosen if chosen is None else sorted(chosen)} in correct
    return answer in correct


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=json_values | shaped | st.text(max_size=30), kind=st.sampled_from(gc.KINDS),
       as_text=st.booleans())
def test_graders_never_raise_and_pass_only_correct_answers(answer, kind, as_text):
    task = FUZZ_TASKS[kind]
    g = grade(task, json.dumps(answer) if as_text and not isinstance(answer, str) else answer)
    assert g.reasons != ("grader_error",)
    assert g.passed == (g.reasons == ())
    if g.passed:
        assert _independently_correct(task, json.loads(answer) if isinstance(answer, str) else answer)


def test_reversed_edge_with_several_reversals_passes_exactly_the_k_sets_that_restore_the_class():
    passes = 0
    for task in _tasks("reversed_edge", 6, edges=8, reversals=2, samples=50):
        proposed = dag_from(task.truth["variables"], task.truth["proposed"])
        target = _causallearn_cpdag(_dag(task))
        for pair in itertools.combinations(sorted(proposed.edges), 2):
            turned = nx.DiGraph(proposed)
            turned.remove_edges_from(pair)
            turned.add_edges_from((v, u) for u, v in pair)
            expected = nx.is_directed_acyclic_graph(turned) and _causallearn_cpdag(turned) == target
            assert grade(task, {"edges": [list(e) for e in pair]}).passed == expected, (task.id, pair)
            passes += expected
        one = task.truth["reference"]["edges"][:1]
        assert grade(task, {"edges": one}).reasons == ("wrong_edge_count",)  # k - 1 of the k
        assert grade(task, {"edges": one * 2}).reasons == ("duplicate_item",)
    assert passes >= 6


def test_a_random_set_of_k_edges_rarely_restores_the_class():
    for k in (2, 3):
        tasks = _tasks("reversed_edge", 20, edges=12, reversals=k, samples=50)
        share = [len(gc.enumerate_answers(t)) / math.comb(len(t.truth["proposed"]), k) for t in tasks]
        assert sum(share) / len(share) < 0.05, (k, share)
