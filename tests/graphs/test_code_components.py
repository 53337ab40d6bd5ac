"""The components' reference values against answers computed apart from them: exact fractions for
prioritized sampling, an episode walked step by step for n-step returns."""
import random
from fractions import Fraction

import numpy as np

from graphs.code_components import COMPONENTS, call_case, reference_namespace


def _brute_sample(priorities, u, alpha, beta):
    """Inverse-CDF draws on exact probabilities: a zero priority never counts, whatever alpha is."""
    scaled = [Fraction(0) if p == 0 else Fraction(p) ** int(alpha) if alpha == int(alpha) else
              Fraction(float(p) ** alpha) for p in priorities]
    probs = [s / sum(scaled) for s in scaled]
    picks = []
    for x in u:
        running = Fraction(0)
        for i, p in enumerate(probs):
            running += p
            if Fraction(x) < running:
                picks.append(i)
                break
    w = [float(len(probs) * probs[i]) ** (-beta) for i in picks]
    return picks, [x / max(w) for x in w]


def _cases(key, function):
    return [kwargs for name, kwargs in COMPONENTS[key].cases(random.Random(0)) if name == function]


def test_prioritized_sampling_at_alpha_0_never_draws_a_zero_priority():
    ns = reference_namespace()
    kwargs = {"priorities": [2.0, 0.0, 1.0, 0.0], "u": [0.1, 0.4, 0.6, 0.9], "alpha": 0.0, "beta": 0.5}
    assert kwargs in _cases("prioritized_replay", "prioritized_sample")  # a hidden case
    indices, weights = call_case(ns, "prioritized_sample", kwargs)
    picks, w = _brute_sample(**kwargs)
    assert list(indices) == picks == [0, 0, 2, 2] and np.allclose(weights, w)
    # numpy's 0 ** 0 = 1 would draw the zero priorities: the slip the hidden case catches
    slip = {}
    exec("import numpy as np\n" + COMPONENTS["prioritized_replay"].mutants["zero_priority_drawn_at_alpha_0"],
         slip)
    assert list(slip["prioritized_sample"](*[np.asarray(v) if isinstance(v, list) else v
                                             for v in kwargs.values()])[0]) == [0, 1, 2, 3]


def test_prioritized_sampling_matches_exact_fractions_on_every_hidden_case():
    ns = reference_namespace()
    for kwargs in _cases("prioritized_replay", "prioritized_sample"):
        indices, weights = call_case(ns, "prioritized_sample", kwargs)
        picks, w = _brute_sample(**kwargs)
        assert list(indices) == picks and np.allclose(weights, w), kwargs


def _walked(rewards, dones, bootstrap, gamma):
    total, discount = 0.0, 1.0
    for r, d in zip(rewards, dones, strict=True):
        total += discount * r
        discount *= gamma
        if d:  # what follows belongs to the next episode
            return total
    return total + discount * bootstrap


def test_n_step_returns_stop_at_the_episode_end_and_ignore_the_next_episodes_rewards():
    ns = reference_namespace()
    mutant = {}
    exec("import numpy as np\n" + COMPONENTS["n_step_returns"].mutants["rewards_after_the_end"], mutant)
    caught = False
    for kwargs in _cases("n_step_returns", "n_step_return"):
        got = call_case(ns, "n_step_return", kwargs)
        walked = [_walked(r, d, b, kwargs["gamma"]) for r, d, b in
                  zip(kwargs["rewards"], kwargs["dones"], kwargs["bootstrap"], strict=True)]
        assert np.allclose(got, walked), kwargs
        arrays = (np.asarray(kwargs[k], dtype=float) for k in ("rewards", "dones", "bootstrap"))
        slip = mutant["n_step_return"](*arrays, kwargs["gamma"])
        caught |= not np.allclose(slip, walked)
    assert caught
