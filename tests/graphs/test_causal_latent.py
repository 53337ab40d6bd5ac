"""Identifiability with unobserved variables: y0's ID algorithm on textbook graphs, and on random small
graphs against a second method (a brute-force search for a backdoor or front-door set of observed
variables proves identifiability; a treatment confounded with one of its children that causes the
outcome, a hedge, proves the opposite)."""
import itertools

import networkx as nx
import numpy as np
import pytest

from graphs import causal as cg
from graphs import causal_latent as cl


def _dag(edges):
    return cg.dag_from(sorted({v for e in edges for v in e}), edges)


@pytest.mark.parametrize(("edges", "latent", "expected"), [
    ([("U", "X"), ("U", "Y"), ("X", "Y")], ["U"], False),  # the bow
    ([("U", "X"), ("U", "Y"), ("X", "M"), ("M", "Y")], ["U"], True),  # front-door
    ([("Z", "X"), ("U", "X"), ("U", "Y"), ("X", "Y")], ["U"], False),  # an instrument: linear models only
    ([("U", "X"), ("U", "Z"), ("Z", "Y"), ("X", "Y")], ["U"], True),  # backdoor through a latent parent
    ([("W", "Z"), ("Z", "X"), ("X", "Y"), ("U1", "W"), ("U1", "X"), ("U2", "W"), ("U2", "Y")],
     ["U1", "U2"], True),  # the napkin: identifiable, yet by neither backdoor nor front-door
    ([("U", "X"), ("U", "M"), ("X", "M"), ("M", "Y")], ["U"], False),  # x confounded with its mediator
])
def test_the_id_algorithm_decides_textbook_graphs(edges, latent, expected):
    assert cl.is_identifiable(_dag(edges), latent, "X", "Y") is expected


def test_latent_projection_turns_latent_paths_into_directed_and_bidirected_edges():
    dag = _dag([("A", "L1"), ("L1", "B"), ("L2", "L1"), ("L2", "C"), ("C", "B")])
    directed, bidirected = cl.latent_projection(dag, ["L1", "L2"])
    assert directed == [("A", "B"), ("C", "B")]
    assert bidirected == [("B", "C")]  # L2 -> C and L2 -> L1 -> B


def _front_door_by_paths(dag, x, y, m):
    """Pearl's front-door criterion path by path, element by element (stricter than the joint form)."""
    if any(not set(p[1:-1]) & set(m) for p in nx.all_simple_paths(dag, x, y)):
        return False
    return all(cg.blocks_backdoor_paths(dag, x, v, []) and cg.blocks_backdoor_paths(dag, v, y, [x])
               for v in m)


def _has_hedge_pair(dag, latent, x, y):
    """x and a child c of x share a latent parent, and c causes y: a hedge, so not identifiable."""
    return any(c not in latent and nx.has_path(dag, c, y) and any(dag.has_edge(u, x) and u in latent
                                                                  for u in dag.predecessors(c))
               for c in dag.successors(x))


def test_the_id_algorithm_agrees_with_brute_force_on_random_small_graphs():
    rng = np.random.default_rng(5)
    seen = {"backdoor": 0, "front-door": 0, "hedge": 0}
    for _ in range(1000):
        dag = cg.random_dag(rng, 6, int(rng.integers(5, 10)))
        x, y = rng.choice(sorted(dag), size=2, replace=False)
        latent = sorted(rng.choice(sorted(set(dag) - {x, y}), size=int(rng.integers(0, 3)), replace=False))
        if rng.random() < 0.5:  # a latent common cause of x and y: the setting of the front-door criterion
            dag.add_edges_from([("U", x), ("U", y)])
            latent.append("U")
        if not nx.has_path(dag, x, y) or cg.is_valid_backdoor_set(dag, x, y, []):
            continue  # unconfounded effects would swamp the sample
        observed = sorted(set(dag) - set(latent) - {x, y})
        subsets = [z for k in range(len(observed) + 1) for z in itertools.combinations(observed, k)]
        found = cl.is_identifiable(dag, latent, x, y)
        if any(cg.blocks_backdoor_paths(dag, x, y, z) for z in subsets):
            seen["backdoor"] += 1
            assert found, (sorted(dag.edges), latent, x, y)
        elif any(z and _front_door_by_paths(dag, x, y, z) for z in subsets):
            seen["front-door"] += 1
            assert found, (sorted(dag.edges), latent, x, y)
        if _has_hedge_pair(dag, latent, x, y):
            seen["hedge"] += 1
            assert not found, (sorted(dag.edges), latent, x, y)
    assert min(seen.values()) >= 3, seen  # each method decided enough cases to mean something


def test_front_door_sets_found_here_pass_the_path_by_path_check_or_y0():
    rng = np.random.default_rng(8)
    found = 0
    for _ in range(400):
        dag = cg.random_dag(rng, 6, 7)
        x, y = rng.choice(sorted(dag), size=2, replace=False)
        latent = sorted(rng.choice(sorted(set(dag) - {x, y}), size=1))
        m = cl.front_door_set(dag, x, y, set(dag) - set(latent))
        if m is not None:
            found += 1
            assert cl.is_identifiable(dag, latent, x, y)
            assert cl.satisfies_front_door(dag, x, y, m)
    assert found >= 5
