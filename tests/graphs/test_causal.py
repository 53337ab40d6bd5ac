import itertools

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from graphs.causal import (
    blocks_backdoor_paths,
    cheapest_backdoor_set,
    chi2_survival,
    chi_square_test,
    cpdag,
    cpdag_by_enumeration,
    is_valid_backdoor_set,
    markov_equivalent,
    max_edges,
    node_names,
    partial_correlation_test,
    random_dag,
    random_weights,
    reversed_edge,
    sample_binary,
    sample_linear_gaussian,
    total_effect,
)


def _small_dags(count, max_nodes=7, max_edge_count=10):
    for seed in range(count):
        rng = np.random.default_rng([99, seed])
        n = int(rng.integers(2, max_nodes + 1))
        yield random_dag(rng, n, int(rng.integers(0, min(max_edge_count, max_edges(n)) + 1)))


def _causallearn_cpdag(dag):
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    nodes = {v: GraphNode(v) for v in dag}
    g = Dag(list(nodes.values()))
    for u, v in dag.edges:
        g.add_directed_edge(nodes[u], nodes[v])
    m, names = dag2cpdag(g).graph, list(dag)
    tails = list(zip(*np.nonzero(m == -1), strict=True))  # m[i, j] == -1: a tail at i on the edge i, j
    directed = {(names[i], names[j]) for i, j in tails if m[j, i] == 1}
    undirected = {frozenset((names[i], names[j])) for i, j in tails if m[j, i] == -1}
    return directed, undirected


def test_random_dag_has_exactly_the_requested_edges_and_no_cycle():
    for n, e in [(2, 1), (5, 0), (7, 8), (7, 21), (30, 60)]:
        dag = random_dag(np.random.default_rng(n), n, e)
        assert sorted(dag) == sorted(node_names(n))
        assert dag.number_of_edges() == e and nx.is_directed_acyclic_graph(dag)


def test_random_dag_refuses_more_edges_than_a_dag_can_hold():
    with pytest.raises(ValueError, match="0 to 6 edges"):
        random_dag(np.random.default_rng(0), 4, 7)


def test_node_names_continue_past_z():
    assert node_names(28)[-3:] == ["Z", "AA", "AB"]


def test_cpdag_by_meek_rules_matches_brute_force_and_causallearn():
    for dag in _small_dags(150):
        expected = cpdag_by_enumeration(dag)
        assert cpdag(dag) == expected, sorted(dag.edges)
        assert _causallearn_cpdag(dag) == (set(expected[0]), set(expected[1])), sorted(dag.edges)


def test_markov_equivalence_agrees_with_equal_cpdags_for_every_single_reversal():
    for dag in _small_dags(80):
        for edge in dag.edges:
            other = reversed_edge(dag, edge)
            same_class = nx.is_directed_acyclic_graph(other) and cpdag(other) == cpdag(dag)
            assert markov_equivalent(dag, other) == same_class


def test_collider_and_chain_are_not_equivalent():
    chain, collider = nx.DiGraph([("A", "B"), ("B", "C")]), nx.DiGraph([("A", "B"), ("C", "B")])
    assert not markov_equivalent(chain, collider)
    assert markov_equivalent(chain, nx.DiGraph([("C", "B"), ("B", "A")]))


def _dowhy_backdoor(dag, x, y, z):
    from dowhy.graph import check_valid_backdoor_set

    # dowhy only checks d-separation once x's out-edges are gone, so descendants are checked here (notes)
    return (not set(z) & (nx.descendants(dag, x) | {x, y})
            and check_valid_backdoor_set(dag, [x], [y], list(z))["is_dseparated"])


def test_backdoor_validity_agrees_between_d_separation_paths_and_dowhy():
    for seed, dag in enumerate(_small_dags(30, max_nodes=6, max_edge_count=9)):
        x, y = sorted(dag)[seed % (len(dag) - 1)], sorted(dag)[-1]
        for k in range(len(dag) - 1):
            for z in itertools.combinations(sorted(set(dag) - {x, y}), k):
                expected = _dowhy_backdoor(dag, x, y, z)
                assert is_valid_backdoor_set(dag, x, y, z) == expected, (sorted(dag.edges), x, y, z)
                assert blocks_backdoor_paths(dag, x, y, z) == expected, (sorted(dag.edges), x, y, z)


def test_cheapest_backdoor_set_costs_what_brute_force_finds():
    small = list(_small_dags(200, max_nodes=7, max_edge_count=12))
    large = [random_dag(np.random.default_rng([6, k]), 10, 16) for k in range(40)]  # past the subset shortcut
    checked = 0
    for seed, dag in enumerate(small + large):
        rng = np.random.default_rng([5, seed])
        x, y = sorted(dag)[:2]
        cost = {v: int(rng.integers(1, 4)) for v in sorted(dag)[2:] if len(dag) > 7 or rng.random() < 0.75}
        subsets = [z for k in range(len(cost) + 1) for z in itertools.combinations(sorted(cost), k)]
        judge = blocks_backdoor_paths if len(dag) <= 7 else is_valid_backdoor_set  # the latter checked above
        valid = [z for z in subsets if judge(dag, x, y, z)]
        found = cheapest_backdoor_set(dag, x, y, cost)
        if not valid:
            assert found is None
            continue
        assert found is not None and judge(dag, x, y, found)
        assert sum(cost[v] for v in found) == min(sum(cost[v] for v in z) for z in valid)
        checked += 1
    assert checked > 80


def test_total_effect_is_the_sum_over_directed_paths_of_weight_products():
    dag = random_dag(np.random.default_rng(3), 7, 12)
    w = random_weights(np.random.default_rng(4), dag)
    for x, y in itertools.permutations(sorted(dag), 2):
        paths = nx.all_simple_paths(dag, x, y)
        expected = sum(np.prod([w[e] for e in zip(p, p[1:], strict=False)]) for p in paths)
        assert total_effect(dag, w, x, y) == pytest.approx(expected, abs=1e-12)


def test_linear_gaussian_samples_have_the_implied_covariance():
    dag = nx.DiGraph([("A", "B"), ("B", "C"), ("A", "C")])
    w = {("A", "B"): 0.8, ("B", "C"): -1.2, ("A", "C"): 0.5}
    data = sample_linear_gaussian(np.random.default_rng(0), dag, w, 200_000)
    b = np.array([[0, 0.8, 0.5], [0, 0, -1.2], [0, 0, 0]])
    implied = np.linalg.inv(np.eye(3) - b).T @ np.linalg.inv(np.eye(3) - b)
    assert np.allclose(np.cov(data.T), implied, atol=0.03)


def test_binary_samples_follow_the_logistic_model():
    dag = nx.DiGraph([("A", "B")])
    data = sample_binary(np.random.default_rng(0), dag, {("A", "B"): 1.0}, 100_000)
    assert set(np.unique(data)) == {0.0, 1.0}
    assert data[data[:, 0] == 1, 1].mean() == pytest.approx(1 / (1 + np.exp(-2)), abs=0.01)


def test_partial_correlation_matches_the_inverse_covariance_formula():
    rng = np.random.default_rng(1)
    dag = random_dag(rng, 5, 7)
    data = sample_linear_gaussian(rng, dag, random_weights(rng, dag), 400)
    precision = np.linalg.inv(np.cov(data[:, [0, 1, 3, 4]].T))
    r, p = partial_correlation_test(data, 0, 1, [3, 4])
    assert r == pytest.approx(-precision[0, 1] / np.sqrt(precision[0, 0] * precision[1, 1]))
    assert 0 <= p <= 1


def test_partial_correlation_separates_dependence_from_independence():
    dag = nx.DiGraph([("A", "B"), ("B", "C")])
    data = sample_linear_gaussian(np.random.default_rng(2), dag, {("A", "B"): 1.0, ("B", "C"): 1.0}, 2000)
    assert partial_correlation_test(data, 0, 2, [])[1] < 1e-6
    assert partial_correlation_test(data, 0, 2, [1])[1] > 0.001


def test_chi_square_matches_scipy_without_and_with_strata():
    rng = np.random.default_rng(3)
    dag = nx.DiGraph([("A", "B"), ("B", "C"), ("A", "C")])
    data = sample_binary(rng, dag, {("A", "B"): 0.4, ("B", "C"): 0.3, ("A", "C"): 0.2}, 3000)
    table = np.histogram2d(data[:, 1], data[:, 2], bins=2)[0]
    expected = stats.chi2_contingency(table, correction=False)
    assert chi_square_test(data, 1, 2, [])[::2] == pytest.approx((expected[0], expected[1]))
    strata = [stats.chi2_contingency(np.histogram2d(*data[data[:, 0] == a][:, [1, 2]].T, bins=2)[0],
                                     correction=False)[0] for a in (0, 1)]
    stat, dof, p = chi_square_test(data, 1, 2, [0])
    assert (stat, dof) == (pytest.approx(sum(strata)), 2) and p == pytest.approx(stats.chi2.sf(stat, 2))


@pytest.mark.parametrize("dof", [1, 2, 3, 8, 51, 600])
def test_chi2_survival_matches_scipy(dof):
    for x in [0.01, 1.0, 7.5, 60.0, 2000.0]:
        assert chi2_survival(x, dof) == pytest.approx(stats.chi2.sf(x, dof), rel=1e-9, abs=1e-300)
