"""The numeric ID algorithm (graphs/causal_id.py) checked independently: on random small DAGs with
latent variables, its verdict agrees with y0's, and wherever it identifies the effect its value on the
exact observed distribution equals the effect computed from the SCM by intervention, the latents
enumerated; on textbook graphs it gives the textbook formulas."""
import networkx as nx
import numpy as np
import pytest

from graphs import causal as cg
from graphs import causal_discrete as cd
from graphs import causal_id as ci
from graphs import causal_latent as cl


def _instance(rng):
    """A random DAG of 5-8 variables, 2-4 of them latent, a random observed (x, y) and binary tables."""
    n = int(rng.integers(5, 9))
    dag = cg.random_dag(rng, n, int(rng.integers(n, 2 * n + 1)))
    latent = sorted(rng.choice(list(dag), size=int(rng.integers(2, 5)), replace=False).tolist())
    observed = [v for v in dag if v not in latent]
    x, y = rng.choice(observed, size=2, replace=False).tolist() if len(observed) > 1 else (None, None)
    return dag, latent, observed, x, y


def test_the_verdict_agrees_with_y0_and_the_value_with_the_intervened_scm_on_random_graphs():
    rng = np.random.default_rng(2026)
    seen = {"identifiable": 0, "not identifiable": 0, "neither backdoor nor front-door": 0}
    for _ in range(300):
        dag, latent, observed, x, y = _instance(rng)
        if x is None:
            continue
        directed, bidirected = cl.latent_projection(dag, latent)
        verdict = ci.is_identifiable(observed, directed, bidirected, x, y)
        assert verdict == cl.is_identifiable(dag, latent, x, y), (sorted(dag.edges), latent, x, y)
        if not verdict:
            seen["not identifiable"] += 1
            continue
        seen["identifiable"] += 1
        if (cg.cheapest_backdoor_set(dag, x, y, {v: 1 for v in observed if v not in (x, y)}) is None
                and cl.front_door_set(dag, x, y, observed, len(observed)) is None):
            seen["neither backdoor nor front-door"] += 1
        cpts = cd.random_cpts(rng, dag)
        joint = cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed)
        for late_first in (False, True):  # another topological order writes another expression
            got = ci.ace(joint, observed, directed, bidirected, x, y, late_first=late_first)[0]
            assert got == pytest.approx(cd.exact_ace(dag, cpts, x, y), abs=1e-9)
    assert min(seen.values()) >= 5, seen  # the check covered every sort of instance


def _napkin():
    edges = [("W", "Z"), ("Z", "X"), ("X", "Y"), ("U1", "W"), ("U1", "X"), ("U2", "W"), ("U2", "Y")]
    return cg.dag_from(["U1", "U2", "W", "Z", "X", "Y"], edges), ["U1", "U2"]


def test_the_napkin_is_identified_by_the_ratio_of_two_z_specific_effects():
    # the textbook napkin functional: sum_w P(x, y | z, w) P(w) / sum_w P(x | z, w) P(w), any z
    dag, latent = _napkin()
    cpts = cd.random_cpts(np.random.default_rng(5), dag)
    names, observed = list(dag), ["W", "Z", "X", "Y"]
    p = cd.marginal_table(cd.exact_joint(dag, cpts), names, observed)[0]  # axes W, Z, X, Y
    pw = p.sum(axis=(1, 2, 3))
    p_xy_given_zw = p / p.sum(axis=(2, 3), keepdims=True)
    z = 1
    do = [(pw * p_xy_given_zw[:, z, xv, 1]).sum() / (pw * p_xy_given_zw[:, z, xv, :].sum(axis=1)).sum()
          for xv in (0, 1)]
    directed, bidirected = cl.latent_projection(dag, latent)
    got = ci.ace(p[None], observed, directed, bidirected, "X", "Y")[0]
    assert got == pytest.approx(do[1] - do[0], abs=1e-12)
    assert got == pytest.approx(cd.exact_ace(dag, cpts, "X", "Y"), abs=1e-12)


@pytest.mark.parametrize("edges", [
    [("U", "X"), ("U", "Y"), ("X", "Y")],  # the bow
    [("U", "X"), ("U", "M"), ("X", "M"), ("M", "Y")],  # x confounded with its mediator
    [("U1", "X"), ("U1", "A"), ("U2", "A"), ("U2", "B"), ("U3", "B"), ("U3", "Y"), ("X", "A"),
     ("A", "B"), ("B", "Y"), ("X", "Y")],  # a long bidirected path from x to y through its descendants
])
def test_a_hedge_raises_not_identifiable(edges):
    dag = cg.dag_from(sorted({v for e in edges for v in e}), edges)
    latent = [v for v in dag if v.startswith("U")]
    observed = [v for v in dag if v not in latent]
    directed, bidirected = cl.latent_projection(dag, latent)
    with pytest.raises(ci.NotIdentifiable):
        ci.ace(np.full((1,) + (2,) * len(observed), 0.5 ** len(observed)), observed, directed, bidirected,
               "X", "Y")
    assert not cl.is_identifiable(dag, latent, "X", "Y")


def test_a_bootstrap_batch_is_evaluated_distribution_by_distribution():
    dag, latent = _napkin()
    rng = np.random.default_rng(9)
    cpts = cd.random_cpts(rng, dag)
    observed = ["W", "Z", "X", "Y"]
    joint = cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed)
    batch = rng.multinomial(10_000, joint.ravel(), size=3).reshape((3,) + (2,) * 4) / 10_000
    directed, bidirected = cl.latent_projection(dag, latent)
    together = ci.ace(batch, observed, directed, bidirected, "X", "Y")
    one_by_one = [ci.ace(batch[i:i + 1], observed, directed, bidirected, "X", "Y")[0] for i in range(3)]
    np.testing.assert_allclose(together, one_by_one, atol=1e-12)
    assert nx.is_directed_acyclic_graph(dag)
