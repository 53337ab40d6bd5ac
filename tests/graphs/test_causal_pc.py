"""graphs/causal_pc's shortcut checked against causal-learn itself: its p-values equal causal-learn's
FisherZ to the last bit, and its verdict equals running PC and comparing with the true CPDAG, on random
DAGs whose sample sizes and levels make PC both succeed and fail."""
import collections
import itertools

import numpy as np
from causallearn.utils.cit import CIT

from graphs import causal as cg
from graphs import causal_pc as cp


def _instance(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 10))
    dag = cg.random_dag(rng, n, int(rng.integers(n - 1, min(cg.max_edges(n), 2 * n) + 1)))
    rows = int(rng.choice([50, 200, 1000, 5000]))
    data = np.round(cg.sample_linear_gaussian(rng, dag, cg.random_weights(rng, dag), rows), 3)
    return dag, data, float(rng.choice([0.01, 0.05, 0.2]))


def test_the_p_values_are_causal_learns_fisher_z_to_the_last_bit():
    dag, data, _ = _instance(3)
    fisher_z = CIT(data, "fisherz")
    n = data.shape[1]
    for size in range(3):
        tests = [(x, y, s) for x, y in itertools.combinations(range(n), 2)
                 for s in itertools.combinations([v for v in range(n) if v not in (x, y)], size)]
        ours = cp._fisher_z(np.corrcoef(data.T), len(data), tests)
        assert ours.tolist() == [fisher_z(x, y, list(s)) for x, y, s in tests]


def test_pc_recovers_agrees_with_running_pc_and_comparing_with_the_true_cpdag():
    verdicts = collections.Counter()
    for seed in range(250):
        dag, data, alpha = _instance(seed)
        verdict = cp.pc_recovers(data, dag, alpha)
        assert verdict == (cg.pc_cpdag(data, list(dag), alpha) == cg.cpdag(dag)), seed
        verdicts[verdict] += 1
    assert min(verdicts[True], verdicts[False]) >= 25  # both answers are exercised
