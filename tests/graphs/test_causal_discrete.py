"""Binary SCMs: the exact joint and ACE against a brute-force sum over assignments and a simulated
intervention, and the backdoor and front-door plug-ins against the exact ACE (on the exact observed
distribution, and on a large sample)."""
import itertools

import networkx as nx
import numpy as np
import pytest

from graphs import causal_discrete as cd


def _brute_force_p_y(dag, cpts, x, y, value):
    """P(y = 1 | do(x = value)) by summing the truncated factorization over every assignment."""
    names, total = list(dag), 0.0
    for values in itertools.product((0, 1), repeat=len(names)):
        a = dict(zip(names, values, strict=True))
        if a[x] != value or a[y] != 1:
            continue
        p = 1.0
        for v in names:
            if v == x:
                continue
            q = float(cpts[v][tuple(a[u] for u in sorted(dag.predecessors(v)))])
            p *= q if a[v] else 1 - q
        total += p
    return total


def _simulated_p_y(dag, cpts, x, y, value, n, seed):
    """P(y = 1 | do(x = value)) by running the SCM forward with x forced, n times."""
    rng, values = np.random.default_rng(seed), {}
    for v in nx.topological_sort(dag):
        if v == x:
            values[v] = np.full(n, value)
            continue
        parents = sorted(dag.predecessors(v))
        p = np.asarray(cpts[v])[tuple(values[u] for u in parents)] if parents else float(cpts[v])
        values[v] = (rng.random(n) < p).astype(int)
    return values[y].mean()


FRONT_DOOR = nx.DiGraph([("U", "X"), ("U", "Y"), ("X", "M"), ("M", "Y")])
BACKDOOR = nx.DiGraph([("U", "X"), ("U", "Z"), ("Z", "Y"), ("X", "Y"), ("U", "W"), ("W", "Y")])


@pytest.mark.parametrize("seed", range(5))
def test_the_exact_ace_is_the_brute_force_sum_and_the_simulated_intervention(seed):
    dag = nx.DiGraph([("A", "X"), ("A", "Y"), ("X", "M"), ("M", "Y"), ("B", "M"), ("A", "B"), ("X", "Y")])
    cpts = cd.random_cpts(np.random.default_rng(seed), dag)
    brute = _brute_force_p_y(dag, cpts, "X", "Y", 1) - _brute_force_p_y(dag, cpts, "X", "Y", 0)
    assert cd.exact_ace(dag, cpts, "X", "Y") == pytest.approx(brute, abs=1e-12)
    simulated = (_simulated_p_y(dag, cpts, "X", "Y", 1, 200_000, seed)
                 - _simulated_p_y(dag, cpts, "X", "Y", 0, 200_000, seed + 100))
    assert simulated == pytest.approx(brute, abs=0.01)  # 5 standard errors or so


@pytest.mark.parametrize("seed", range(5))
def test_the_front_door_and_backdoor_plug_ins_are_exact_on_the_observed_distribution(seed):
    for dag, formula, z in ((FRONT_DOOR, cd.front_door, ["M"]), (BACKDOOR, cd.backdoor, ["Z", "W"])):
        cpts = cd.random_cpts(np.random.default_rng(seed), dag)
        observed = [v for v in dag if v != "U"]
        table = cd.Table(cd.marginal_table(cd.exact_joint(dag, cpts), list(dag), observed), observed)
        plug_in = float((formula(table, "X", "Y", z, 1) - formula(table, "X", "Y", z, 0))[0])
        assert plug_in == pytest.approx(cd.exact_ace(dag, cpts, "X", "Y"), abs=1e-12)
        naive = float((cd.naive(table, "X", "Y", 1) - cd.naive(table, "X", "Y", 0))[0])
        assert naive != pytest.approx(plug_in, abs=1e-6)  # the latent confounds: the naive one is not it


def test_the_plug_in_on_a_large_sample_is_close_to_the_exact_ace():
    rng = np.random.default_rng(3)
    cpts = cd.random_cpts(rng, FRONT_DOOR)
    observed = ["X", "M", "Y"]
    data = cd.sample(rng, FRONT_DOOR, cpts, 400_000)[:, [list(FRONT_DOOR).index(v) for v in observed]]
    table = cd.Table(cd.resampled_tables(data, np.ones((1, len(data)))), observed)
    estimate = float((cd.front_door(table, "X", "Y", ["M"], 1) - cd.front_door(table, "X", "Y", ["M"], 0))[0])
    assert estimate == pytest.approx(cd.exact_ace(FRONT_DOOR, cpts, "X", "Y"), abs=0.01)


def test_resampled_tables_count_the_rows_each_resample_draws():
    data = np.array([[0, 1], [1, 1], [1, 1], [0, 0]])
    tables = cd.resampled_tables(data, np.array([[1, 1, 1, 1], [2, 0, 0, 2]]))
    assert tables.shape == (2, 2, 2)
    assert tables[0].tolist() == [[0.25, 0.25], [0.0, 0.5]] and tables[1].tolist() == [[0.5, 0.5], [0, 0]]


def test_the_per_cell_bootstrap_has_the_spread_of_the_per_row_poisson_bootstrap():
    rng = np.random.default_rng(4)
    data = rng.random((2000, 3)) < [0.3, 0.6, 0.1]  # cells from a few rows to about half of them
    by_row = cd.resampled_tables(data, rng.poisson(1.0, size=(3000, len(data)))).reshape(3000, -1)
    by_cell = cd.bootstrap_tables(rng, data, 3000).reshape(3000, -1)
    assert by_cell.shape == by_row.shape and np.allclose(by_cell.sum(axis=1), 1)
    assert np.allclose(by_cell.mean(axis=0), by_row.mean(axis=0), atol=2e-3)
    assert np.allclose(by_cell.std(axis=0), by_row.std(axis=0), rtol=0.1, atol=2e-4)
    assert not np.allclose(by_cell.std(axis=0), 2 * by_row.std(axis=0), rtol=0.1, atol=2e-4)  # it can fail


def test_a_condition_of_probability_zero_gives_zero_not_nan():
    table = cd.Table(np.array([[[0.5, 0.5], [0.0, 0.0]]]), ["X", "Y"])
    assert table.p({"Y": 1}, {"X": 1}).tolist() == [0.0]
