"""The components that the paper-to-code repository (graphs.paper_repo) implements, one function or two
each, with everything a task needs to know about one: the paper of the lineage snapshot that introduced
it, where it lives, its exact contract, its reference implementation (vectorised numpy, the one
committed), a second correct one written independently (plain loops), mutants that a grader must
reject (each a slip models make), its public test, and how to draw its hidden behavioural cases.

Sources are numpy only. A case is (function name, keyword arguments as JSON values); its expected
value is computed from the reference by `expected`, in this process, never in the sandbox.
"""
from __future__ import annotations

import ast
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TOLERANCE = {"rtol": 1e-6, "atol": 1e-8}


@dataclass(frozen=True)
class Component:
    """One component of a paper, as the repository implements it."""

    key: str
    """Stable name, e.g. `c51_projection`."""
    paper: str
    """Id of the snapshot paper (graphs/data/papers.json) that introduced it."""
    path: str
    """The repository file that holds it."""
    functions: tuple[str, ...]
    """The module-level functions that implement it, in that file."""
    what: str
    """One line naming it in words, without its function names (for locate and trace prompts)."""
    contract: str
    """Signature, shapes, the definition in full and every edge case the hidden cases try."""
    by_reference: str
    """Signature and shapes, the conventions the hidden cases fix, and the definition only by name."""
    reference: str
    """Vectorised source, as committed."""
    looped: str
    """A second correct source, written independently with plain loops."""
    mutants: dict[str, str]
    """Name -> wrong source: slips a grader must reject."""
    subtle: tuple[str, ...]
    """The mutants whose slip reads as right at a glance (a tie broken by a tiny bias, the root of each
    count, `=` for `+=` at the support's end): locate's partial fix is drawn among them where the
    checked cases allow one, so that a reader must trace the code through the named edge cases."""
    rewrites: dict[str, str]
    """Name -> a third correct source, which changes the lines a mutant changes (a form that reads like a
    slip but gives the reference's values on every input): locate's later versions, which only a careful
    reading tells from a slip."""
    public_test: str
    """Source of the public test file's body (the file's imports are added by the repository)."""
    cases: Callable[[random.Random], list[tuple[str, dict[str, Any]]]]
    """Draws the hidden cases, edge cases first."""
    by_paper: str = ""
    """Signature, shapes and the conventions the paper leaves open; the definition only by the paper's
    equation or algorithm, which decides the edge cases (empty: as `by_reference`)."""
    header: str = "import numpy as np"
    """The imports the file's source needs."""
    edge_cases: tuple[str, ...] = field(default_factory=tuple)
    """What the hidden cases include beyond random inputs, as the prompt lists it."""
    form: str = ""
    """Where papers print the definition two ways, the one the values follow, as locate's prompt states
    it (implement's contract states it in its own terms)."""


def _arr(rng: random.Random, *shape: int, low: float = -3.0, high: float = 3.0) -> list:
    """A random float array (nested lists) of that shape, rounded so that the JSON is short."""
    if not shape:
        return round(rng.uniform(low, high), 3)
    return [_arr(rng, *shape[1:], low=low, high=high) for _ in range(shape[0])]


def _dones(rng: random.Random, *shape: int, p: float = 0.3) -> list:
    if len(shape) == 1:
        return [1.0 if rng.random() < p else 0.0 for _ in range(shape[0])]
    return [_dones(rng, *shape[1:], p=p) for _ in range(shape[0])]


# --- Double DQN ------------------------------------------------------------------------------------

DOUBLE = Component(
    key="double_dqn", paper="1509.06461", path="rl/targets.py", functions=("double_dqn_target",),
    what="the Double DQN target: the online network chooses the next action, the target network values it",
    contract="""\
def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma) -> np.ndarray
    rewards, dones: float arrays of shape (B,); dones[b] is 1.0 when the transition ended its episode,
        else 0.0. next_q_online, next_q_target: float arrays of shape (B, A), the online and the target
        network's action values at the next state. gamma: a float.
    Returns the float array y of shape (B,) with
        a*[b] = argmax_a next_q_online[b, a]   (the first such a on ties)
        y[b]  = rewards[b] + gamma * (1 - dones[b]) * next_q_target[b, a*[b]]""",
    by_reference="""\
def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma) -> np.ndarray
    rewards, dones: float arrays of shape (B,); dones[b] is 1.0 when the transition ended its episode,
        else 0.0. next_q_online, next_q_target: float arrays of shape (B, A), the online and the target
        network's action values at the next state. gamma: a float.
    Returns the Double DQN targets, shape (B,), as the Double DQN paper defines them for one-step
    Q-learning, with no bootstrap after an episode's end; ties between actions go to the first.""",
    reference='''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    """Double DQN: the online network picks the next action, the target network values it."""
    best = np.argmax(next_q_online, axis=1)
    chosen = np.take_along_axis(np.asarray(next_q_target), best[:, None], axis=1)[:, 0]
    return np.asarray(rewards) + gamma * (1.0 - np.asarray(dones)) * chosen''',
    looped='''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    out = []
    for r, d, online, target in zip(rewards, dones, next_q_online, next_q_target):
        best = 0
        for a in range(len(online)):
            if online[a] > online[best]:
                best = a
        out.append(float(r) + (0.0 if d else gamma * float(target[best])))
    return np.array(out)''',
    mutants={
        "target_network_chooses": '''def double_dqn_target(rewards, dones, next_q_online, next_q_target,
                      gamma):
    best = np.argmax(next_q_target, axis=1)
    chosen = np.take_along_axis(np.asarray(next_q_target), best[:, None], axis=1)[:, 0]
    return np.asarray(rewards) + gamma * (1.0 - np.asarray(dones)) * chosen''',
        "ties_go_last": '''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    online = np.asarray(next_q_online)
    best = online.shape[1] - 1 - np.argmax(online[:, ::-1], axis=1)
    chosen = np.take_along_axis(np.asarray(next_q_target), best[:, None], axis=1)[:, 0]
    return np.asarray(rewards) + gamma * (1.0 - np.asarray(dones)) * chosen''',
        "no_terminal_mask": '''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    best = np.argmax(next_q_online, axis=1)
    chosen = np.take_along_axis(np.asarray(next_q_target), best[:, None], axis=1)[:, 0]
    return np.asarray(rewards) + gamma * chosen''',
        "discount_to_the_not_done": '''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    best = np.argmax(next_q_online, axis=1)
    chosen = np.take_along_axis(np.asarray(next_q_target), best[:, None], axis=1)[:, 0]
    return np.asarray(rewards) + gamma ** (1.0 - np.asarray(dones)) * chosen''',
        "ties_broken_by_index": '''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    online = np.asarray(next_q_online, dtype=float)
    best = np.argmax(online + 1e-9 * np.arange(online.shape[1]), axis=1)
    chosen = np.take_along_axis(np.asarray(next_q_target), best[:, None], axis=1)[:, 0]
    return np.asarray(rewards) + gamma * (1.0 - np.asarray(dones)) * chosen''',
    },
    subtle=('discount_to_the_not_done', 'ties_broken_by_index'),
    rewrites={
        "names_swapped": '''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    target, online = np.asarray(next_q_online), np.asarray(next_q_target)
    best = np.argmax(target, axis=1)
    chosen = online[np.arange(len(best)), best]
    return np.asarray(rewards) + gamma * (1.0 - np.asarray(dones)) * chosen''',
        "first_of_the_maxima": '''def double_dqn_target(rewards, dones, next_q_online, next_q_target, gamma):
    online = np.asarray(next_q_online)
    best = np.argmax(online == online.max(axis=1, keepdims=True), axis=1)
    chosen = np.asarray(next_q_target)[np.arange(len(online)), best]
    rewards = np.asarray(rewards, dtype=float)
    return np.where(np.asarray(dones) > 0, rewards, rewards + gamma * chosen)''',
    },
    public_test='''def test_double_dqn_values_the_online_choice_with_the_target():
    y = double_dqn_target(np.array([0.0]), np.array([0.0]), np.array([[1.0, 2.0]]),
                          np.array([[10.0, 20.0]]), 0.5)
    assert np.allclose(y, [10.0])''',
    cases=lambda rng: [
        ("double_dqn_target", {"rewards": [1.0, 0.5], "dones": [0.0, 0.0],
                               "next_q_online": [[3.0, 1.0], [0.0, 2.0]],
                               "next_q_target": [[2.0, 6.0], [5.0, -1.0]], "gamma": 0.9}),
        ("double_dqn_target", {"rewards": [1.0, -1.0], "dones": [1.0, 0.0],
                               "next_q_online": [[3.0, 1.0], [2.0, 2.0]],
                               "next_q_target": [[2.0, 6.0], [4.0, 7.0]], "gamma": 0.5}),
        *[("double_dqn_target", {"rewards": _arr(rng, 6), "dones": _dones(rng, 6),
                                 "next_q_online": _arr(rng, 6, 4), "next_q_target": _arr(rng, 6, 4),
                                 "gamma": 0.99}) for _ in range(3)]],
    edge_cases=("the two networks preferring different actions",
                "terminal transitions (the target is the reward alone: no bootstrap past an episode's end)",
                # stated outright: the paper's argmax does not decide ties
                "ties in the online network's values, which go to the first action"),
)

# --- Prioritized replay ----------------------------------------------------------------------------

PRIORITIZED = Component(
    key="prioritized_replay", paper="1511.05952", path="rl/replay.py", functions=("prioritized_sample",),
    what="proportional prioritized sampling of transitions, with importance-sampling weights",
    contract="""\
def prioritized_sample(priorities, u, alpha, beta) -> tuple[np.ndarray, np.ndarray]
    priorities: float array of shape (N,), each >= 0 and at least one > 0. u: float array of shape (K,)
        of numbers in [0, 1), one per draw. alpha, beta: floats >= 0.
    P[i] = priorities[i] ** alpha / sum_j priorities[j] ** alpha, except that P[i] = 0 where
        priorities[i] = 0, for every alpha (alpha = 0 included, although 0 ** 0 = 1);
    C[i] = P[0] + ... + P[i]. Draw k picks indices[k] = the smallest i with u[k] < C[i] (so u[k] equal to
        C[i] picks a later index, and an index of zero priority is never picked; if rounding leaves no
        such i, the last index of non-zero priority).
    w[k] = (N * P[indices[k]]) ** (-beta); weights[k] = w[k] / max_m w[m] (the largest weight of the
        K draws is 1).
    Returns (indices, weights): an integer array and a float array, both of shape (K,).""",
    by_reference="""\
def prioritized_sample(priorities, u, alpha, beta) -> tuple[np.ndarray, np.ndarray]
    priorities: float array of shape (N,), each >= 0 and at least one > 0. u: float array of shape (K,)
        of numbers in [0, 1), one per draw. alpha, beta: floats >= 0.
    Proportional prioritization as the prioritized replay paper defines it: sampling probabilities
    from the priorities with exponent alpha; draw k picks the index whose interval of the cumulative
    probabilities [C[i-1], C[i]) holds u[k] (C[-1] = 0); importance-sampling weights with exponent
    beta, normalised as the paper does, over the K draws. A zero priority is never drawn, for every
    alpha (alpha = 0 included).
    Returns (indices, weights): an integer array and a float array, both of shape (K,).""",
    by_paper="""\
def prioritized_sample(priorities, u, alpha, beta) -> tuple[np.ndarray, np.ndarray]
    priorities: float array of shape (N,), each >= 0 and at least one > 0. u: float array of shape (K,)
        of numbers in [0, 1), one per draw. alpha, beta: floats >= 0.
    Proportional prioritization as the prioritized replay paper (Schaul et al.) defines it: the
    sampling probabilities P of its equation (1), and the importance-sampling weights of its section
    3.4 and Algorithm 1, over the K draws (the paper's N is the number of priorities). A zero priority
    has probability 0 for every alpha (alpha = 0 included). Draw k picks the index whose interval
    [C[i-1], C[i]) of the cumulative probabilities C holds u[k] (C[-1] = 0; where rounding leaves none,
    the last index of non-zero priority).
    Returns (indices, weights): an integer array and a float array, both of shape (K,).""",
    reference='''def prioritized_sample(priorities, u, alpha, beta):
    """Proportional prioritization: sample by priority ** alpha, weight by (N * P) ** -beta over the max."""
    scaled = np.asarray(priorities, dtype=float) ** alpha
    scaled[np.asarray(priorities) == 0] = 0.0
    probs = scaled / scaled.sum()
    cumulative = np.cumsum(probs)
    last = np.flatnonzero(probs > 0)[-1]
    indices = np.minimum(np.searchsorted(cumulative, np.asarray(u), side="right"), last)
    weights = (len(probs) * probs[indices]) ** (-beta)
    return indices, weights / weights.max()''',
    looped='''def prioritized_sample(priorities, u, alpha, beta):
    scaled = [0.0 if p == 0 else float(p) ** alpha for p in priorities]
    total = sum(scaled)
    probs = [s / total for s in scaled]
    last = max(i for i, p in enumerate(probs) if p > 0)
    indices, weights = [], []
    for x in u:
        running, pick = 0.0, last
        for i, p in enumerate(probs):
            running += p
            if x < running:
                pick = i
                break
        indices.append(pick)
        weights.append((len(probs) * probs[pick]) ** (-beta))
    top = max(weights)
    return np.array(indices), np.array([w / top for w in weights])''',
    mutants={
        "weights_normalised_by_sum": '''def prioritized_sample(priorities, u, alpha, beta):
    scaled = np.asarray(priorities, dtype=float) ** alpha
    probs = scaled / scaled.sum()
    indices = np.searchsorted(np.cumsum(probs), np.asarray(u), side="right")
    weights = (len(probs) * probs[indices]) ** (-beta)
    return indices, weights / weights.sum()''',
        "boundary_goes_left": '''def prioritized_sample(priorities, u, alpha, beta):
    scaled = np.asarray(priorities, dtype=float) ** alpha
    probs = scaled / scaled.sum()
    indices = np.searchsorted(np.cumsum(probs), np.asarray(u), side="left")
    weights = (len(probs) * probs[indices]) ** (-beta)
    return indices, weights / weights.max()''',
        "no_alpha": '''def prioritized_sample(priorities, u, alpha, beta):
    probs = np.asarray(priorities, dtype=float) / np.sum(priorities)
    indices = np.searchsorted(np.cumsum(probs), np.asarray(u), side="right")
    weights = (len(probs) * probs[indices]) ** (-beta)
    return indices, weights / weights.max()''',
        "zero_priority_drawn_at_alpha_0": '''def prioritized_sample(priorities, u, alpha, beta):
    probs = np.asarray(priorities, dtype=float) ** alpha
    probs = probs / probs.sum()
    indices = np.minimum(np.searchsorted(np.cumsum(probs), np.asarray(u), side="right"), len(probs) - 1)
    weights = (len(probs) * probs[indices]) ** (-beta)
    return indices, weights / weights.max()''',
        "normalised_over_the_buffer": '''def prioritized_sample(priorities, u, alpha, beta):
    scaled = np.asarray(priorities, dtype=float) ** alpha
    scaled[np.asarray(priorities) == 0] = 0.0
    probs = scaled / scaled.sum()
    last = np.flatnonzero(probs > 0)[-1]
    indices = np.minimum(np.searchsorted(np.cumsum(probs), np.asarray(u), side="right"), last)
    every = (len(probs) * probs) ** (-beta)
    return indices, every[indices] / every.max()''',
    },
    subtle=('normalised_over_the_buffer',),
    rewrites={
        "weights_against_the_rarest_draw": '''def prioritized_sample(priorities, u, alpha, beta):
    priorities = np.asarray(priorities, dtype=float)
    scaled = np.where(priorities > 0, priorities ** alpha, 0.0)
    probs = scaled / scaled.sum()
    cumulative = np.cumsum(probs)
    indices = np.sum(cumulative[None, :] <= np.asarray(u)[:, None], axis=1)
    indices = np.minimum(indices, np.flatnonzero(probs > 0)[-1])
    drawn = probs[indices]
    return indices, (drawn / drawn.min()) ** (-beta)''',
        "left_search_past_the_boundary": '''def prioritized_sample(priorities, u, alpha, beta):
    priorities = np.asarray(priorities, dtype=float)
    probs = np.zeros_like(priorities)
    positive = priorities > 0
    probs[positive] = priorities[positive] ** alpha
    probs /= probs.sum()
    cumulative = np.cumsum(probs)
    above = np.nextafter(np.asarray(u, dtype=float), np.inf)
    indices = np.minimum(np.searchsorted(cumulative, above, side="left"), np.flatnonzero(positive)[-1])
    weights = (len(probs) * probs[indices]) ** (-beta)
    return indices, weights / weights.max()''',
    },
    public_test='''def test_zero_priority_is_never_sampled():
    indices, weights = prioritized_sample(np.array([0.0, 1.0]), np.array([0.0, 0.5, 0.9]), 0.6, 0.4)
    assert list(indices) == [1, 1, 1] and np.allclose(weights, 1.0)''',
    cases=lambda rng: [
        # P = [1/4, 1/4, 1/2] exactly: u on a boundary of C goes to the next index
        ("prioritized_sample", {"priorities": [1.0, 1.0, 2.0], "u": [0.0, 0.25, 0.5, 0.75], "alpha": 1.0,
                                "beta": 1.0}),
        ("prioritized_sample", {"priorities": [0.0, 4.0, 1.0, 0.0], "u": [0.0, 0.1, 0.95, 0.5],
                                "alpha": 0.5, "beta": 0.4}),
        ("prioritized_sample", {"priorities": [3.0, 1.0, 2.0], "u": [0.1, 0.9], "alpha": 0.7, "beta": 0.0}),
        # alpha = 0: uniform over the non-zero priorities, P = [1/2, 0, 1/2, 0]
        ("prioritized_sample", {"priorities": [2.0, 0.0, 1.0, 0.0], "u": [0.1, 0.4, 0.6, 0.9], "alpha": 0.0,
                                "beta": 0.5}),
        *[("prioritized_sample", {"priorities": _arr(rng, 8, low=0.1, high=5.0),
                                  "u": [round(rng.uniform(0.0, 0.99), 3) for _ in range(6)],
                                  "alpha": 0.6, "beta": round(rng.uniform(0.3, 1.0), 2)}) for _ in range(3)]],
    # stated outright: the paper decides neither the side of a boundary nor 0 ** 0
    edge_cases=("a draw exactly on a boundary of the cumulative probabilities, which belongs to the interval "
                "[C[i-1], C[i]) it starts", "zero priorities",
                "alpha = 0 with zero priorities, which have probability 0 for every alpha", "beta = 0",
                "the weights' normalisation (by the largest weight of the draws)"),
)

# --- Dueling ---------------------------------------------------------------------------------------

DUELING = Component(
    key="dueling", paper="1511.06581", path="rl/networks.py", functions=("dueling_q",),
    what="the dueling network's aggregation of a state value and action advantages into action values",
    contract="""\
def dueling_q(value, advantages) -> np.ndarray
    value: float array of shape (B,); advantages: float array of shape (B, A).
    Returns Q of shape (B, A): Q[b, a] = value[b] + advantages[b, a] - mean_a' advantages[b, a'].""",
    by_reference="""\
def dueling_q(value, advantages) -> np.ndarray
    value: float array of shape (B,); advantages: float array of shape (B, A).
    Returns the action values of shape (B, A), aggregated as the dueling network paper does in the
    form it uses in its experiments (the one that keeps the advantages identifiable by their mean).""",
    reference='''def dueling_q(value, advantages):
    """Q = V + A - mean(A): the advantages are centred, so V and A stay identifiable."""
    advantages = np.asarray(advantages, dtype=float)
    return np.asarray(value)[:, None] + advantages - advantages.mean(axis=1, keepdims=True)''',
    looped='''def dueling_q(value, advantages):
    rows = []
    for v, adv in zip(value, advantages):
        mean = sum(adv) / len(adv)
        rows.append([v + a - mean for a in adv])
    return np.array(rows, dtype=float)''',
    mutants={
        "max_instead_of_mean": '''def dueling_q(value, advantages):
    advantages = np.asarray(advantages, dtype=float)
    return np.asarray(value)[:, None] + advantages - advantages.max(axis=1, keepdims=True)''',
        "not_centred": '''def dueling_q(value, advantages):
    return np.asarray(value)[:, None] + np.asarray(advantages, dtype=float)''',
        "mean_floor_divided": '''def dueling_q(value, advantages):
    advantages = np.asarray(advantages, dtype=float)
    mean = advantages.sum(axis=1, keepdims=True) // advantages.shape[1]
    return np.asarray(value)[:, None] + advantages - mean''',
        "mean_over_the_batch": '''def dueling_q(value, advantages):
    advantages = np.asarray(advantages, dtype=float)
    return np.asarray(value)[:, None] + advantages - advantages.mean(axis=0, keepdims=True)''',
    },
    subtle=('mean_over_the_batch',),
    rewrites={
        "recentred_after_the_max": '''def dueling_q(value, advantages):
    advantages = np.asarray(advantages, dtype=float)
    shifted = advantages - advantages.max(axis=1, keepdims=True)
    return np.asarray(value)[:, None] + shifted - shifted.mean(axis=1, keepdims=True)''',
        "sum_over_the_width": '''def dueling_q(value, advantages):
    advantages = np.asarray(advantages, dtype=float)
    mean = advantages.sum(axis=1, keepdims=True) / advantages.shape[1]
    return np.asarray(value)[:, None] + advantages - mean''',
    },
    public_test='''def test_dueling_advantages_are_centred():
    assert np.allclose(dueling_q(np.array([1.0]), np.array([[1.0, 3.0]])), [[0.0, 2.0]])''',
    cases=lambda rng: [
        ("dueling_q", {"value": [2.0], "advantages": [[1.0, 1.0, 4.0]]}),
        ("dueling_q", {"value": [0.5, -1.0], "advantages": [[7.0], [0.0]]}),
        *[("dueling_q", {"value": _arr(rng, 5), "advantages": _arr(rng, 5, 3)}) for _ in range(3)]],
    # the paper defines a max form and a mean form: name the one its experiments use
    edge_cases=("a single action", "advantages centred by their mean, the form the paper's experiments use"),
)

# --- n-step returns --------------------------------------------------------------------------------

N_STEP = Component(
    key="n_step_returns", paper="1602.01783", path="rl/returns.py", functions=("n_step_return",),
    what="n-step returns for Q-learning, cut at the end of an episode",
    contract="""\
def n_step_return(rewards, dones, bootstrap, gamma) -> np.ndarray
    rewards, dones: float arrays of shape (B, n): rewards[b, k] is the reward of step k after the state,
        dones[b, k] is 1.0 when step k ended the episode. bootstrap: float array (B,), the value estimate
        of the state n steps later. gamma: a float.
    Let m[b] be the first k with dones[b, k] = 1.0, or none. Returns G of shape (B,):
        G[b] = sum_{k=0}^{m[b]} gamma**k * rewards[b, k]                 if the episode ended at m[b]
        G[b] = sum_{k=0}^{n-1} gamma**k * rewards[b, k] + gamma**n * bootstrap[b]   otherwise
    (rewards after an episode's end and the bootstrap then count for nothing).""",
    by_reference="""\
def n_step_return(rewards, dones, bootstrap, gamma) -> np.ndarray
    rewards, dones: float arrays of shape (B, n): rewards[b, k] is the reward of step k after the state,
        dones[b, k] is 1.0 when step k ended the episode. bootstrap: float array (B,), the value estimate
        of the state n steps later. gamma: a float.
    Returns the n-step returns of shape (B,) as n-step Q-learning defines them, truncated at the first
    episode end (its reward counts; nothing after it, nor the bootstrap, does).""",
    by_paper="""\
def n_step_return(rewards, dones, bootstrap, gamma) -> np.ndarray
    rewards, dones: float arrays of shape (B, n): rewards[b, k] is the reward received at step k after
        the state, dones[b, k] is 1.0 when step k ended the episode, else 0.0. The n steps are the
        replay's consecutive steps, so after an episode's end they run on into the next episode.
        bootstrap: float array (B,), the value estimate of the state n steps later. gamma: a float.
    Returns the n-step returns of shape (B,) of the state at the start of the n steps, as the n-step
    Q-learning of the A3C paper (Mnih et al., its Algorithm S2) computes them.""",
    reference='''def n_step_return(rewards, dones, bootstrap, gamma):
    """Discounted rewards up to the first episode end, plus gamma ** n * bootstrap if there was none."""
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, dtype=float)
    alive = np.cumprod(1.0 - dones, axis=1)  # 1 while no episode has ended, up to and including step k
    counts = np.concatenate([np.ones((len(rewards), 1)), alive[:, :-1]], axis=1)
    discounts = gamma ** np.arange(rewards.shape[1])
    n = rewards.shape[1]
    return (counts * rewards * discounts).sum(axis=1) + gamma ** n * alive[:, -1] * np.asarray(bootstrap)''',
    looped='''def n_step_return(rewards, dones, bootstrap, gamma):
    out = []
    for rs, ds, v in zip(rewards, dones, bootstrap):
        total = float(v)
        for r, d in zip(reversed(list(rs)), reversed(list(ds))):
            total = r + (0.0 if d else gamma * total)
        out.append(total)
    return np.array(out)''',
    mutants={
        "no_terminal_mask": '''def n_step_return(rewards, dones, bootstrap, gamma):
    rewards = np.asarray(rewards, dtype=float)
    n = rewards.shape[1]
    return (rewards * gamma ** np.arange(n)).sum(axis=1) + gamma ** n * np.asarray(bootstrap)''',
        "rewards_after_the_end": '''def n_step_return(rewards, dones, bootstrap, gamma):
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, dtype=float)
    n = rewards.shape[1]
    alive = np.prod(1.0 - dones, axis=1)
    return (rewards * gamma ** np.arange(n)).sum(axis=1) + gamma ** n * alive * np.asarray(bootstrap)''',
        "bootstrap_one_step_short": '''def n_step_return(rewards, dones, bootstrap, gamma):
    out = []
    for rs, ds, v in zip(rewards, dones, bootstrap):
        total, discount = 0.0, 1.0
        for r, d in zip(rs, ds):
            total += discount * r
            if d:
                break
            discount *= gamma
        else:
            total += discount / gamma * v
        out.append(total)
    return np.array(out)''',
        "end_reward_dropped": '''def n_step_return(rewards, dones, bootstrap, gamma):
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, dtype=float)
    alive = np.cumprod(1.0 - dones, axis=1)
    discounts = gamma ** np.arange(rewards.shape[1])
    n = rewards.shape[1]
    return (alive * rewards * discounts).sum(axis=1) + gamma ** n * alive[:, -1] * np.asarray(bootstrap)''',
    },
    subtle=('end_reward_dropped',),
    rewrites={
        "discount_before_the_check": '''def n_step_return(rewards, dones, bootstrap, gamma):
    out = []
    for rs, ds, v in zip(rewards, dones, bootstrap):
        total, discount = 0.0, 1.0
        for r, d in zip(rs, ds):
            total += discount * r
            discount *= gamma
            if d:
                break
        else:
            total += discount * v
        out.append(total)
    return np.array(out)''',
        "ends_counted_before_each_step": '''def n_step_return(rewards, dones, bootstrap, gamma):
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, dtype=float)
    n = rewards.shape[1]
    ended = np.cumsum(dones, axis=1) - dones
    counts = (ended == 0).astype(float)
    alive = (dones.sum(axis=1) == 0).astype(float)
    return (counts * rewards * gamma ** np.arange(n)).sum(axis=1) + gamma ** n * alive * np.asarray(bootstrap)''',
    },
    public_test='''def test_n_step_return_without_episode_end():
    assert np.allclose(n_step_return(np.ones((1, 3)), np.zeros((1, 3)), np.array([8.0]), 0.5), [2.75])''',
    cases=lambda rng: [
        ("n_step_return", {"rewards": [[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]], "dones": [[0.0, 1.0, 0.0],
                           [1.0, 0.0, 0.0]], "bootstrap": [8.0, 8.0], "gamma": 0.5}),
        ("n_step_return", {"rewards": [[1.0, 1.0, 1.0]], "dones": [[0.0, 0.0, 1.0]], "bootstrap": [100.0],
                           "gamma": 0.9}),
        ("n_step_return", {"rewards": [[2.0]], "dones": [[0.0]], "bootstrap": [3.0], "gamma": 0.5}),
        *[("n_step_return", {"rewards": _arr(rng, 5, 4), "dones": _dones(rng, 5, 4, p=0.15),
                             "bootstrap": _arr(rng, 5), "gamma": 0.97}) for _ in range(3)]],
    edge_cases=("an episode ending inside the n steps (rewards after it must not count)",
                "an episode ending at the last of the n steps", "n = 1"),
)

# --- C51 -------------------------------------------------------------------------------------------

_C51_DOC = """\
def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max) -> np.ndarray
    next_probs: float array of shape (B, N), the probabilities of the next state's return distribution
        on the N atoms z_j = v_min + j * dz, dz = (v_max - v_min) / (N - 1), j = 0..N-1 (so z_0 = v_min
        and z_{N-1} = v_max). rewards, dones: float arrays (B,); dones[b] = 1.0 at an episode's end.
        gamma, v_min < v_max: floats."""
C51 = Component(
    key="c51_projection", paper="1707.06887", path="rl/distributional.py",
    functions=("project_distribution",),
    what="the categorical (C51) projection of the distributional Bellman target onto the fixed atoms",
    contract=_C51_DOC + """
    Returns m of shape (B, N): for every b and j, with Tz = clip(rewards[b] + gamma * (1 - dones[b]) * z_j,
        v_min, v_max) and x = (Tz - v_min) / dz, the probability next_probs[b, j] goes to the two atoms
        around x: (floor(x) + 1 - x) of it to atom floor(x) and (x - floor(x)) of it to atom floor(x) + 1;
        when x is a whole number all of it goes to atom x (never lost). Each row of m sums to the row
        of next_probs' sum.""",
    by_reference=_C51_DOC + """
    Returns the projected target distribution m of shape (B, N): the distributional Bellman update of
    every atom, clipped to [v_min, v_max] and split between its two neighbouring atoms, as the C51 paper's
    algorithm does; a target that falls exactly on an atom keeps all its probability there.""",
    by_paper=_C51_DOC + """
    Where dones[b] = 1.0 the next state's return is 0 (no bootstrap).
    Returns the projected target distribution m of shape (B, N): the sample Bellman update of every
    atom projected onto the support as the C51 paper (Bellemare et al.) defines the projection Phi by
    its equation (7); that equation, not the shortcuts of its Algorithm 1, decides every case.""",
    reference='''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    """Project r + gamma * z onto the atoms, splitting each atom's probability between its neighbours."""
    probs = np.asarray(next_probs, dtype=float)
    batch, n_atoms = probs.shape
    dz = (v_max - v_min) / (n_atoms - 1)
    atoms = v_min + dz * np.arange(n_atoms)
    scale = gamma * (1.0 - np.asarray(dones, dtype=float))
    target = np.clip(np.asarray(rewards, dtype=float)[:, None] + scale[:, None] * atoms, v_min, v_max)
    x = (target - v_min) / dz
    lower = np.floor(x).astype(int)
    upper = np.minimum(lower + 1, n_atoms - 1)
    rows = np.repeat(np.arange(batch), n_atoms)
    out = np.zeros_like(probs)
    np.add.at(out, (rows, lower.ravel()), (probs * (lower + 1 - x)).ravel())
    np.add.at(out, (rows, upper.ravel()), (probs * (x - lower)).ravel())
    return out''',
    looped='''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    out = []
    for probs, r, d in zip(next_probs, rewards, dones):
        n = len(probs)
        dz = (v_max - v_min) / (n - 1)
        row = [0.0] * n
        for j, p in enumerate(probs):
            tz = r + (0.0 if d else gamma) * (v_min + j * dz)
            tz = min(max(tz, v_min), v_max)
            b = (tz - v_min) / dz
            lo, hi = int(np.floor(b)), int(np.ceil(b))
            if lo == hi:
                row[lo] += p
            else:
                row[lo] += p * (hi - b)
                row[hi] += p * (b - lo)
        out.append(row)
    return np.array(out)''',
    mutants={
        "atoms_one_step_short": '''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    probs = np.asarray(next_probs, dtype=float)
    n = probs.shape[1]
    dz = (v_max - v_min) / n
    out = np.zeros_like(probs)
    for b in range(len(probs)):
        for j in range(n):
            tz = min(max(rewards[b] + gamma * (1 - dones[b]) * (v_min + j * dz), v_min), v_max)
            x = (tz - v_min) / dz
            lo = min(int(np.floor(x)), n - 1)
            hi = min(lo + 1, n - 1)
            out[b, lo] += probs[b, j] * (lo + 1 - x)
            out[b, hi] += probs[b, j] * (x - lo)
    return out''',
        "no_terminal_mask": '''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    probs = np.asarray(next_probs, dtype=float)
    n = probs.shape[1]
    dz = (v_max - v_min) / (n - 1)
    out = np.zeros_like(probs)
    for b in range(len(probs)):
        for j in range(n):
            x = (min(max(rewards[b] + gamma * (v_min + j * dz), v_min), v_max) - v_min) / dz
            lo = int(np.floor(x))
            hi = min(lo + 1, n - 1)
            out[b, lo] += probs[b, j] * (lo + 1 - x)
            out[b, hi] += probs[b, j] * (x - lo)
    return out''',
        "mass_lost_on_an_atom": '''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    probs = np.asarray(next_probs, dtype=float)
    n = probs.shape[1]
    dz = (v_max - v_min) / (n - 1)
    out = np.zeros_like(probs)
    for b in range(len(probs)):
        for j in range(n):
            x = (min(max(rewards[b] + gamma * (1 - dones[b]) * (v_min + j * dz), v_min), v_max) - v_min) / dz
            lo, hi = int(np.floor(x)), int(np.ceil(x))
            out[b, lo] += probs[b, j] * (hi - x)
            out[b, hi] += probs[b, j] * (x - lo)
    return out''',
        "nearest_atom_only": '''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    probs = np.asarray(next_probs, dtype=float)
    n = probs.shape[1]
    dz = (v_max - v_min) / (n - 1)
    out = np.zeros_like(probs)
    for b in range(len(probs)):
        for j in range(n):
            tz = min(max(rewards[b] + gamma * (1 - dones[b]) * (v_min + j * dz), v_min), v_max)
            out[b, int(round((tz - v_min) / dz))] += probs[b, j]
    return out''',
        "discount_to_the_not_done": '''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    probs = np.asarray(next_probs, dtype=float)
    batch, n_atoms = probs.shape
    dz = (v_max - v_min) / (n_atoms - 1)
    atoms = v_min + dz * np.arange(n_atoms)
    scale = gamma ** (1.0 - np.asarray(dones, dtype=float))
    target = np.clip(np.asarray(rewards, dtype=float)[:, None] + scale[:, None] * atoms, v_min, v_max)
    x = (target - v_min) / dz
    lower = np.floor(x).astype(int)
    upper = np.minimum(lower + 1, n_atoms - 1)
    rows = np.repeat(np.arange(batch), n_atoms)
    out = np.zeros_like(probs)
    np.add.at(out, (rows, lower.ravel()), (probs * (lower + 1 - x)).ravel())
    np.add.at(out, (rows, upper.ravel()), (probs * (x - lower)).ravel())
    return out''',
    },
    subtle=('discount_to_the_not_done',),
    rewrites={
        "ceil_with_a_tie_term": '''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    probs = np.asarray(next_probs, dtype=float)
    n = probs.shape[1]
    dz = (v_max - v_min) / (n - 1)
    out = np.zeros_like(probs)
    for b in range(len(probs)):
        for j in range(n):
            x = (min(max(rewards[b] + gamma * (1 - dones[b]) * (v_min + j * dz), v_min), v_max) - v_min) / dz
            lo, hi = min(int(np.floor(x)), n - 1), min(int(np.ceil(x)), n - 1)
            out[b, lo] += probs[b, j] * (hi - x + (hi == lo))
            out[b, hi] += probs[b, j] * (x - lo)
    return out''',
        "bincount_per_row": '''def project_distribution(next_probs, rewards, dones, gamma, v_min, v_max):
    probs = np.asarray(next_probs, dtype=float)
    batch, n = probs.shape
    dz = (v_max - v_min) / (n - 1)
    support = np.linspace(v_min, v_max, n)
    out = np.zeros_like(probs)
    for b in range(batch):
        x = (np.clip(rewards[b] + gamma * (1.0 - dones[b]) * support, v_min, v_max) - v_min) / dz
        lower = np.floor(x)
        up = x - lower
        lower = lower.astype(int)
        out[b] += np.bincount(lower, probs[b] * (1.0 - up), minlength=n)[:n]
        out[b] += np.bincount(np.minimum(lower + 1, n - 1), probs[b] * up, minlength=n)[:n]
    return out''',
    },
    public_test='''def test_projection_keeps_probability_mass():
    probs = project_distribution(np.full((1, 5), 0.2), np.array([0.1]), np.array([0.0]), 0.5, -1.0, 1.0)
    assert abs(probs.sum() - 1.0) < 1e-9''',
    cases=lambda rng: [
        # gamma = 1, reward = one atom's gap: every target lands exactly on an atom (or beyond v_max)
        ("project_distribution", {"next_probs": [[0.1, 0.2, 0.3, 0.4]], "rewards": [1.0], "dones": [0.0],
                                  "gamma": 1.0, "v_min": -1.0, "v_max": 2.0}),
        # a terminal transition: everything on the reward, which is v_min itself
        ("project_distribution", {"next_probs": [[0.25, 0.25, 0.25, 0.25, 0.0]], "rewards": [-2.0],
                                  "dones": [1.0], "gamma": 0.9, "v_min": -2.0, "v_max": 2.0}),
        # rewards beyond v_max and below v_min
        ("project_distribution", {"next_probs": [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]], "rewards": [5.0, -7.0],
                                  "dones": [0.0, 0.0], "gamma": 0.5, "v_min": -1.0, "v_max": 1.0}),
        ("project_distribution", {"next_probs": [[0.2, 0.2, 0.2, 0.2, 0.2]], "rewards": [0.3], "dones": [0.0],
                                  "gamma": 0.9, "v_min": -1.0, "v_max": 1.0}),
        *[("project_distribution", {"next_probs": _probs(rng, 4, 11), "rewards": _arr(rng, 4),
                                    "dones": _dones(rng, 4), "gamma": 0.99, "v_min": -5.0, "v_max": 5.0})
          for _ in range(2)]],
    edge_cases=("targets exactly on an atom (all of their probability stays on that atom)", "a target on v_min",
                "targets beyond v_max and below v_min", "terminal transitions (the target is the reward alone)"),
)


def _probs(rng: random.Random, batch: int, n: int) -> list:
    rows = []
    for _ in range(batch):
        w = [rng.randint(1, 9) for _ in range(n)]
        rows.append([round(x / sum(w), 6) for x in w])
    return rows


# --- Noisy nets ------------------------------------------------------------------------------------

NOISY = Component(
    key="noisy_layer", paper="1706.10295", path="rl/noisy.py", functions=("noisy_linear",),
    what="a linear layer with factorised Gaussian noise on its weights and biases (NoisyNet)",
    contract="""\
def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out) -> np.ndarray
    x: float array (B, p); mu_w, sigma_w: (q, p); mu_b, sigma_b: (q,); eps_in: (p,); eps_out: (q,), the
        noise samples. With f(e) = sign(e) * sqrt(|e|):
        W = mu_w + sigma_w * outer(f(eps_out), f(eps_in))   (W[i, j] uses f(eps_out[i]) * f(eps_in[j]))
        c = mu_b + sigma_b * f(eps_out)
    Returns y = x @ W.T + c, shape (B, q).""",
    by_reference="""\
def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out) -> np.ndarray
    x: float array (B, p); mu_w, sigma_w: (q, p); mu_b, sigma_b: (q,); eps_in: (p,); eps_out: (q,), the
        factorised noise samples (one per input, one per output).
    Returns the output (B, q) of the noisy linear layer with factorised Gaussian noise as the NoisyNet
    paper defines it (the noise of weight [i, j] is built from eps_out[i] and eps_in[j]).""",
    reference='''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    """A linear layer whose weights carry factorised noise: f(eps_out) f(eps_in)^T, f(e) = sgn(e) sqrt|e|."""
    f_in = np.sign(eps_in) * np.sqrt(np.abs(eps_in))
    f_out = np.sign(eps_out) * np.sqrt(np.abs(eps_out))
    weights = np.asarray(mu_w) + np.asarray(sigma_w) * np.outer(f_out, f_in)
    return np.asarray(x) @ weights.T + np.asarray(mu_b) + np.asarray(sigma_b) * f_out''',
    looped='''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    def f(e):
        return (1.0 if e >= 0 else -1.0) * abs(e) ** 0.5

    out = []
    for row in x:
        ys = []
        for i in range(len(mu_w)):
            total = mu_b[i] + sigma_b[i] * f(eps_out[i])
            for j in range(len(row)):
                total += (mu_w[i][j] + sigma_w[i][j] * f(eps_out[i]) * f(eps_in[j])) * row[j]
            ys.append(total)
        out.append(ys)
    return np.array(out)''',
    mutants={
        "no_noise_shaping": '''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    weights = np.asarray(mu_w) + np.asarray(sigma_w) * np.outer(eps_out, eps_in)
    return np.asarray(x) @ weights.T + np.asarray(mu_b) + np.asarray(sigma_b) * np.asarray(eps_out)''',
        "sign_dropped": '''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    f_in, f_out = np.sqrt(np.abs(eps_in)), np.sqrt(np.abs(eps_out))
    weights = np.asarray(mu_w) + np.asarray(sigma_w) * np.outer(f_out, f_in)
    return np.asarray(x) @ weights.T + np.asarray(mu_b) + np.asarray(sigma_b) * f_out''',
        "bias_sign_dropped": '''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    f_in = np.sign(eps_in) * np.sqrt(np.abs(eps_in))
    f_out = np.sign(eps_out) * np.sqrt(np.abs(eps_out))
    weights = np.asarray(mu_w) + np.asarray(sigma_w) * np.outer(f_out, f_in)
    return np.asarray(x) @ weights.T + np.asarray(mu_b) + np.asarray(sigma_b) * np.sqrt(np.abs(eps_out))''',
        "bias_noise_unshaped": '''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    f_in = np.sign(eps_in) * np.sqrt(np.abs(eps_in))
    f_out = np.sign(eps_out) * np.sqrt(np.abs(eps_out))
    weights = np.asarray(mu_w) + np.asarray(sigma_w) * np.outer(f_out, f_in)
    return np.asarray(x) @ weights.T + np.asarray(mu_b) + np.asarray(sigma_b) * np.asarray(eps_out)''',
    },
    subtle=('bias_noise_unshaped',),
    rewrites={
        "copysign_and_einsum": '''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    f_in = np.copysign(np.sqrt(np.abs(eps_in)), eps_in)
    f_out = np.copysign(np.sqrt(np.abs(eps_out)), eps_out)
    weights = np.asarray(mu_w) + np.asarray(sigma_w) * (f_out[:, None] * f_in[None, :])
    bias = np.asarray(mu_b) + np.asarray(sigma_b) * f_out
    return np.einsum("ij,bj->bi", weights, np.asarray(x)) + bias''',
        "noise_apart_from_the_mean": '''def noisy_linear(x, mu_w, sigma_w, mu_b, sigma_b, eps_in, eps_out):
    x = np.asarray(x)
    f_in = np.sign(eps_in) * np.sqrt(np.abs(eps_in))
    f_out = np.sign(eps_out) * np.sqrt(np.abs(eps_out))
    mean = x @ np.asarray(mu_w).T + np.asarray(mu_b)
    noise = ((x * f_in) @ np.asarray(sigma_w).T) * f_out + np.asarray(sigma_b) * f_out
    return mean + noise''',
    },
    public_test='''def test_noisy_layer_without_noise_is_linear():
    y = noisy_linear(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0]]), np.ones((1, 2)), np.array([0.5]),
                     np.ones(1), np.zeros(2), np.zeros(1))
    assert np.allclose(y, [[3.5]])''',
    cases=lambda rng: [
        ("noisy_linear", {"x": [[1.0, -1.0]], "mu_w": [[0.0, 0.0], [1.0, 1.0], [0.5, -0.5]],
                          "sigma_w": [[1.0, 1.0], [1.0, 1.0], [2.0, 0.5]], "mu_b": [0.0, 0.0, 1.0],
                          "sigma_b": [1.0, 1.0, 1.0], "eps_in": [4.0, -1.0], "eps_out": [-4.0, 9.0, 0.25]}),
        # positive noise only: the sign does not matter here, the square roots do
        ("noisy_linear", {"x": [[2.0, 1.0]], "mu_w": [[1.0, 0.0], [0.0, -1.0]],
                          "sigma_w": [[1.0, 0.5], [0.5, 1.0]], "mu_b": [0.5, 0.0], "sigma_b": [1.0, 2.0],
                          "eps_in": [4.0, 1.0], "eps_out": [9.0, 0.25]}),
        *[("noisy_linear", {"x": _arr(rng, 3, 4), "mu_w": _arr(rng, 2, 4),
                            "sigma_w": _arr(rng, 2, 4, low=0.0),
                            "mu_b": _arr(rng, 2), "sigma_b": _arr(rng, 2, low=0.0), "eps_in": _arr(rng, 4),
                            "eps_out": _arr(rng, 2)}) for _ in range(3)]],
    edge_cases=("negative noise samples (the sign is kept)",),
)

# --- PUCT ------------------------------------------------------------------------------------------

PUCT = Component(
    key="puct", paper="10.1038/nature16961", path="search/puct.py", functions=("puct_select",),
    what="PUCT action selection in the search tree: action value plus a prior-weighted exploration bonus",
    contract="""\
def puct_select(priors, visits, q_values, c_puct) -> int
    priors, visits, q_values: float arrays of shape (A,): the prior probability P(s, a), the visit count
        N(s, a) and the mean action value Q(s, a) of each action. c_puct: a float > 0.
    Returns the action a (a Python int or numpy integer) that maximises
        Q(s, a) + c_puct * P(s, a) * sqrt(sum_b N(s, b)) / (1 + N(s, a)),
    the smallest such a on ties (so with no visits at all, the first action of the largest Q).""",
    by_reference="""\
def puct_select(priors, visits, q_values, c_puct) -> int
    priors, visits, q_values: float arrays of shape (A,): the prior probability P(s, a), the visit count
        N(s, a) and the mean action value Q(s, a) of each action. c_puct: a float > 0.
    Returns the action chosen by the PUCT rule of the AlphaGo paper's search (the bonus grows with the
    square root of the parent's total visits, with no extra term added inside the root, and shrinks
    with 1 + the action's own visits); the smallest action on ties.""",
    reference='''def puct_select(priors, visits, q_values, c_puct):
    """argmax_a Q(s, a) + c_puct * P(s, a) * sqrt(sum_b N(s, b)) / (1 + N(s, a)), first on ties."""
    visits = np.asarray(visits, dtype=float)
    bonus = c_puct * np.asarray(priors) * np.sqrt(visits.sum()) / (1.0 + visits)
    return int(np.argmax(np.asarray(q_values) + bonus))''',
    looped='''def puct_select(priors, visits, q_values, c_puct):
    import math
    total = math.sqrt(sum(visits))
    best, best_score = 0, None
    for a, (p, n, q) in enumerate(zip(priors, visits, q_values)):
        score = q + c_puct * p * total / (1 + n)
        if best_score is None or score > best_score:
            best, best_score = a, score
    return best''',
    mutants={
        "visits_not_plus_one": '''def puct_select(priors, visits, q_values, c_puct):
    visits = np.asarray(visits, dtype=float)
    bonus = c_puct * np.asarray(priors) * np.sqrt(visits.sum()) / np.maximum(visits, 1e-9)
    return int(np.argmax(np.asarray(q_values) + bonus))''',
        "no_square_root": '''def puct_select(priors, visits, q_values, c_puct):
    visits = np.asarray(visits, dtype=float)
    bonus = c_puct * np.asarray(priors) * visits.sum() / (1.0 + visits)
    return int(np.argmax(np.asarray(q_values) + bonus))''',
        "one_added_inside_the_root": '''def puct_select(priors, visits, q_values, c_puct):
    visits = np.asarray(visits, dtype=float)
    bonus = c_puct * np.asarray(priors) * np.sqrt(visits.sum() + 1.0) / (1.0 + visits)
    return int(np.argmax(np.asarray(q_values) + bonus))''',
        "root_of_each_count": '''def puct_select(priors, visits, q_values, c_puct):
    visits = np.asarray(visits, dtype=float)
    bonus = c_puct * np.asarray(priors) * np.sqrt(visits).sum() / (1.0 + visits)
    return int(np.argmax(np.asarray(q_values) + bonus))''',
    },
    subtle=('root_of_each_count',),
    rewrites={
        "floored_denominator": '''def puct_select(priors, visits, q_values, c_puct):
    visits = np.asarray(visits, dtype=float)
    bonus = c_puct * np.asarray(priors) * np.sqrt(visits.sum()) / np.maximum(visits + 1.0, 1.0)
    return int(np.argmax(np.asarray(q_values) + bonus))''',
        "root_of_the_shifted_total": '''def puct_select(priors, visits, q_values, c_puct):
    visits = np.asarray(visits, dtype=float)
    total = visits.sum() + 1.0
    bonus = c_puct * np.asarray(priors) * np.sqrt(total - 1.0) / (1.0 + visits)
    return int(np.argmax(np.asarray(q_values) + bonus))''',
    },
    public_test='''def test_puct_prefers_the_unvisited_action_of_high_prior():
    assert puct_select(np.array([0.2, 0.8]), np.array([3.0, 0.0]), np.array([0.1, 0.0]), 1.0) == 1''',
    cases=lambda rng: [
        ("puct_select", {"priors": [0.1, 0.6, 0.3], "visits": [0.0, 0.0, 0.0], "q_values": [0.0, 0.0, 0.0],
                         "c_puct": 1.5}),
        ("puct_select", {"priors": [0.5, 0.5], "visits": [2.0, 2.0], "q_values": [0.3, 0.3], "c_puct": 1.0}),
        ("puct_select", {"priors": [0.5, 0.5], "visits": [1.0, 3.0], "q_values": [0.0, 0.3], "c_puct": 1.0}),
        ("puct_select", {"priors": [0.9, 0.1], "visits": [8.0, 1.0], "q_values": [0.5, 0.3], "c_puct": 2.0}),
        ("puct_select", {"priors": [0.1, 0.45, 0.45], "visits": [4.0, 3.0, 0.0], "q_values": [0.7, 0.1, 0.0],
                         "c_puct": 1.0}),
        ("puct_select", {"priors": [0.2, 0.2, 0.6], "visits": [10.0, 30.0, 60.0],
                         "q_values": [0.52, 0.5, 0.45], "c_puct": 0.5}),
        *[("puct_select", {"priors": _probs(rng, 1, 5)[0],
                           "visits": [float(rng.randint(0, 20)) for _ in range(5)],
                           "q_values": _arr(rng, 5, low=-1.0, high=1.0), "c_puct": 1.25}) for _ in range(4)]],
    edge_cases=("no visits yet", "exact ties, which go to the first action",  # the paper does not decide ties
                "a visited action against an unvisited one"),
)

# --- MuZero ----------------------------------------------------------------------------------------

TRANSFORM = Component(
    key="value_transform", paper="1911.08265", path="search/transform.py", functions=("h", "h_inv"),
    what="MuZero's invertible value transform, which squashes values and rewards, and its inverse",
    contract="""\
def h(x, eps=0.001) -> np.ndarray
def h_inv(y, eps=0.001) -> np.ndarray
    x, y: float arrays of any shape (elementwise); eps: a float > 0.
    h(x) = sign(x) * (sqrt(|x| + 1) - 1) + eps * x, and h_inv is its exact inverse:
    h_inv(y) = sign(y) * (((sqrt(1 + 4 * eps * (|y| + 1 + eps)) - 1) / (2 * eps)) ** 2 - 1).
    Both return float arrays of the input's shape; h_inv(h(x)) = x to the tolerance, also for |x| = 10**4.""",
    by_reference="""\
def h(x, eps=0.001) -> np.ndarray
def h_inv(y, eps=0.001) -> np.ndarray
    x, y: float arrays of any shape (elementwise); eps: a float > 0.
    h is the invertible transform MuZero applies to values and rewards (from Pohlen et al., with the
    small linear term eps * x), and h_inv its exact inverse in closed form (not an approximation): both
    return float arrays of the input's shape, and h_inv(h(x)) = x to the tolerance, also for |x| = 10**4.""",
    reference='''def h(x, eps=0.001):
    """The value transform sign(x) (sqrt(|x| + 1) - 1) + eps x."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0) + eps * x


def h_inv(y, eps=0.001):
    """The exact inverse of h."""
    y = np.asarray(y, dtype=float)
    root = (np.sqrt(1.0 + 4.0 * eps * (np.abs(y) + 1.0 + eps)) - 1.0) / (2.0 * eps)
    return np.sign(y) * (root ** 2 - 1.0)''',
    looped='''def h(x, eps=0.001):
    import math
    flat = np.asarray(x, dtype=float)
    out = [math.copysign(math.sqrt(abs(v) + 1) - 1, v) + eps * v for v in flat.ravel()]
    return np.array(out).reshape(flat.shape)


def h_inv(y, eps=0.001):
    # bisection on the increasing h: independent of the closed form
    flat = np.asarray(y, dtype=float)
    out = []
    for v in flat.ravel():
        lo, hi = -(abs(v) + 1) ** 2, (abs(v) + 1) ** 2
        for _ in range(200):
            mid = (lo + hi) / 2
            if float(h(np.array(mid), eps)) < v:
                lo = mid
            else:
                hi = mid
        out.append((lo + hi) / 2)
    return np.array(out).reshape(flat.shape)''',
    mutants={
        "no_linear_term": '''def h(x, eps=0.001):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0)


def h_inv(y, eps=0.001):
    y = np.asarray(y, dtype=float)
    return np.sign(y) * ((np.abs(y) + 1.0) ** 2 - 1.0)''',
        "inverse_ignores_eps": '''def h(x, eps=0.001):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0) + eps * x


def h_inv(y, eps=0.001):
    y = np.asarray(y, dtype=float)
    return np.sign(y) * ((np.abs(y) + 1.0) ** 2 - 1.0)''',
        "inverse_at_the_default_eps": '''def h(x, eps=0.001):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0) + eps * x


def h_inv(y, eps=0.001):
    y, eps = np.asarray(y, dtype=float), 0.001
    root = (np.sqrt(1.0 + 4.0 * eps * (np.abs(y) + 1.0 + eps)) - 1.0) / (2.0 * eps)
    return np.sign(y) * (root ** 2 - 1.0)''',
        "linear_term_inside_the_sign": '''def h(x, eps=0.001):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0 + eps * x)


def h_inv(y, eps=0.001):
    y = np.asarray(y, dtype=float)
    root = (np.sqrt(1.0 + 4.0 * eps * (np.abs(y) + 1.0 + eps)) - 1.0) / (2.0 * eps)
    return np.sign(y) * (root ** 2 - 1.0)''',
    },
    subtle=('linear_term_inside_the_sign',),
    rewrites={
        "rationalised_inverse": '''def h(x, eps=0.001):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0) + eps * x


def h_inv(y, eps=0.001):
    y = np.asarray(y, dtype=float)
    c = np.abs(y) + 1.0 + eps
    root = 2.0 * c / (1.0 + np.sqrt(1.0 + 4.0 * eps * c))
    return np.sign(y) * (root ** 2 - 1.0)''',
        "eps_made_a_float": '''def h(x, eps=0.001):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0) + eps * x


def h_inv(y, eps=0.001):
    y, eps = np.asarray(y, dtype=float), float(eps)
    root = (np.sqrt(1.0 + 4.0 * eps * (np.abs(y) + 1.0 + eps)) - 1.0) / (2.0 * eps)
    return np.sign(y) * (root ** 2 - 1.0)''',
    },
    public_test='''def test_h_squashes_large_values():
    assert abs(float(h(np.array(99.0))) - (9.0 + 0.099)) < 1e-9''',
    cases=lambda rng: [
        ("h", {"x": [0.0, 3.0, -3.0, 10000.0, -0.5]}),
        ("h_inv", {"y": [0.0, 1.003, -1.003]}),
        ("h", {"x": [[1.0, 2.0], [-8.0, 0.25]], "eps": 0.01}),
        ("h_inv", {"y": [[1.0, 2.0], [-8.0, 0.25]], "eps": 0.01}),
        ("h_inv", {"y": [109.0, -109.0, 0.5]}),
        ("h_inv", {"y": _arr(rng, 6, low=-50.0, high=50.0)}),
        ("h", {"x": _arr(rng, 6, low=-500.0, high=500.0)})],
    edge_cases=("zero", "|x| = 10**4", "eps = 0.01", "two-dimensional inputs"),
    form="The transform is sign(x) (sqrt(|x| + 1) - 1) + eps x, with the linear term outside the sign, as "
         "Pohlen et al. write it.",
)

N_STEP_VALUE = Component(
    key="n_step_value_targets", paper="1911.08265", path="search/targets.py",
    functions=("n_step_value_targets",),
    what="MuZero's n-step value targets: discounted rewards plus the bootstrapped search value n steps on",
    contract="""\
def n_step_value_targets(rewards, values, gamma, n) -> np.ndarray
    rewards, values: float arrays of shape (T,) for one finished episode: rewards[t] is the reward
        received after acting at step t, values[t] the search's root value at step t. gamma: a float;
        n: an int >= 1.
    Returns z of shape (T,) with z[t] = sum_{k=0}^{K-1} gamma**k * rewards[t + k], K = min(n, T - t),
        plus gamma**n * values[t + n] when t + n < T (no bootstrap past the episode's end).""",
    by_reference="""\
def n_step_value_targets(rewards, values, gamma, n) -> np.ndarray
    rewards, values: float arrays of shape (T,) for one finished episode: rewards[t] is the reward
        received after acting at step t, values[t] the search's root value at step t. gamma: a float;
        n: an int >= 1.
    Returns the value targets z of shape (T,) as MuZero defines them for board-free environments:
    n-step discounted rewards bootstrapped from the search value n steps later, where the episode's
    end cuts the sum and leaves no bootstrap.""",
    by_paper="""\
def n_step_value_targets(rewards, values, gamma, n) -> np.ndarray
    rewards, values: float arrays of shape (T,) for one finished episode of T steps: rewards[t] is the
        reward received after acting at step t (the paper's u_{t+1}), values[t] the search's root value
        at step t (its nu_t). The episode ends after step T - 1: no reward follows it, and the state it
        ends in has value 0. gamma: a float; n: an int >= 1.
    Returns the value targets z of shape (T,): z[t] is the n-step value target z_t as the MuZero paper
    (Schrittwieser et al.) defines it for environments with intermediate rewards.""",
    reference='''def n_step_value_targets(rewards, values, gamma, n):
    """z_t = sum_k<n gamma^k r_{t+k} + gamma^n v_{t+n}, cut at the episode's end."""
    rewards, values = np.asarray(rewards, dtype=float), np.asarray(values, dtype=float)
    horizon = len(rewards)
    padded = np.concatenate([rewards, np.zeros(n)])
    discounts = gamma ** np.arange(n)
    z = np.array([padded[t:t + n] @ discounts for t in range(horizon)])
    ahead = np.arange(horizon) + n
    z[ahead < horizon] += gamma ** n * values[ahead[ahead < horizon]]
    return z''',
    looped='''def n_step_value_targets(rewards, values, gamma, n):
    out = []
    for t in range(len(rewards)):
        total = values[t + n] if t + n < len(rewards) else 0.0
        for k in reversed(range(min(n, len(rewards) - t))):
            total = rewards[t + k] + gamma * total
        out.append(total)
    return np.array(out, dtype=float)''',
    mutants={
        "bootstraps_past_the_end": '''def n_step_value_targets(rewards, values, gamma, n):
    out = []
    for t in range(len(rewards)):
        k_max = min(n, len(rewards) - t)
        total = sum(gamma ** k * rewards[t + k] for k in range(k_max))
        out.append(total + gamma ** k_max * values[min(t + n, len(values) - 1)])
    return np.array(out, dtype=float)''',
        "bootstrap_one_step_short": '''def n_step_value_targets(rewards, values, gamma, n):
    out = []
    for t in range(len(rewards)):
        total = sum(gamma ** k * rewards[t + k] for k in range(min(n, len(rewards) - t)))
        if t + n < len(rewards):
            total += gamma ** (n - 1) * values[t + n]
        out.append(total)
    return np.array(out, dtype=float)''',
        "rewards_discounted_from_one": '''def n_step_value_targets(rewards, values, gamma, n):
    out = []
    for t in range(len(rewards)):
        total = sum(gamma ** (k + 1) * rewards[t + k] for k in range(min(n, len(rewards) - t)))
        if t + n < len(rewards):
            total += gamma ** n * values[t + n]
        out.append(total)
    return np.array(out, dtype=float)''',
        "bootstrap_at_the_end": '''def n_step_value_targets(rewards, values, gamma, n):
    out = []
    for t in range(len(rewards)):
        total = sum(gamma ** k * rewards[t + k] for k in range(min(n, len(rewards) - t)))
        if t + n <= len(rewards):
            total += gamma ** n * values[min(t + n, len(values) - 1)]
        out.append(total)
    return np.array(out, dtype=float)''',
    },
    subtle=('bootstrap_at_the_end',),
    rewrites={
        "bootstrap_in_two_factors": '''def n_step_value_targets(rewards, values, gamma, n):
    out = []
    for t in range(len(rewards)):
        total = sum(gamma ** k * rewards[t + k] for k in range(min(n, len(rewards) - t)))
        if t + n <= len(rewards) - 1:
            total += gamma ** (n - 1) * gamma * values[t + n]
        out.append(total)
    return np.array(out, dtype=float)''',
        "rewards_shifted_by_one": '''def n_step_value_targets(rewards, values, gamma, n):
    rewards, values = np.asarray(rewards, dtype=float), np.asarray(values, dtype=float)
    horizon = len(rewards)
    padded = np.concatenate([[0.0], rewards, np.zeros(n)])
    z = np.zeros(horizon)
    for k in range(1, n + 1):
        z += gamma ** (k - 1) * padded[k:k + horizon]
    later = np.concatenate([values[n:], np.zeros(min(n, horizon))])[:horizon]
    return z + gamma ** n * later''',
    },
    public_test='''def test_one_step_targets_bootstrap_from_the_next_value():
    z = n_step_value_targets(np.array([1.0, 1.0]), np.array([0.0, 4.0]), 0.5, 1)
    assert np.allclose(z, [3.0, 1.0])''',
    cases=lambda rng: [
        ("n_step_value_targets", {"rewards": [1.0, 2.0, 3.0, 4.0], "values": [10.0, 20.0, 30.0, 40.0],
                                  "gamma": 0.5, "n": 2}),
        ("n_step_value_targets", {"rewards": [1.0, 1.0, 1.0], "values": [5.0, 5.0, 5.0], "gamma": 0.9,
                                  "n": 5}),
        ("n_step_value_targets", {"rewards": [0.0, 0.0, 1.0], "values": [0.2, 0.4, 0.8], "gamma": 1.0,
                                  "n": 3}),
        *[("n_step_value_targets", {"rewards": _arr(rng, 9), "values": _arr(rng, 9), "gamma": 0.997,
                                    "n": rng.randint(2, 5)}) for _ in range(2)]],
    edge_cases=("n longer than the rest of the episode", "t + n exactly the episode's length",),
)

_SUPPORT_DOC = """\
def scalar_to_support(x, support_size) -> np.ndarray
def support_to_scalar(probs, support_size) -> np.ndarray
    x: float array (B,); probs: float array (B, 2 * support_size + 1); support_size: an int S >= 1.
    The support is the 2S + 1 integers -S..S; column i of an output stands for the integer i - S.
    The file may import h and h_inv from search.transform (MuZero's value transform, already there)."""
SUPPORT = Component(
    key="value_support", paper="1911.08265", path="search/support.py",
    functions=("scalar_to_support", "support_to_scalar"),
    what="MuZero's categorical representation of values: scalars, transformed by its value transform h, as "
         "two-hot vectors on an integer support",
    header="import numpy as np\n\nfrom search.transform import h, h_inv",
    contract=_SUPPORT_DOC + """
    scalar_to_support: y = clip(h(x), -S, S) elementwise (h with its default eps); with l = floor(y),
        column l + S gets 1 - (y - l) and column l + S + 1 gets y - l; when y is a whole number (also
        y = S) all of the mass is on column y + S. Returns (B, 2S + 1), each row summing to 1.
    support_to_scalar: h_inv(sum_i probs[b, i] * (i - S)) for each row b. Returns (B,).""",
    by_reference=_SUPPORT_DOC + """
    scalar_to_support: the categorical value target MuZero trains on: the value transformed by h (its
    default eps), clipped to the support, then split between its two neighbouring integers so that
    the expectation equals it (a whole number keeps all the mass). Returns (B, 2S + 1).
    support_to_scalar: the inverse: the expectation of the support under probs, mapped back through
    h_inv. Returns (B,).""",
    by_paper=_SUPPORT_DOC + """
    scalar_to_support: the categorical target MuZero (Schrittwieser et al., its appendix on the network
    architecture) trains its value head on, for a scalar x: x scaled by h (its default eps), where
    a scaled value beyond the support is first clipped to -S or S, then represented on the support as
    the paper does. Returns (B, 2S + 1).
    support_to_scalar: the scalar MuZero reads off a value head's output probs, as the paper does.
    Returns (B,).""",
    reference='''def scalar_to_support(x, support_size):
    """Two-hot encoding of h(x), clipped to the integers -support_size..support_size."""
    y = np.clip(h(x), -support_size, support_size)
    lower = np.floor(y)
    upper_mass = y - lower
    out = np.zeros((len(y), 2 * support_size + 1))
    rows = np.arange(len(y))
    low_index = (lower + support_size).astype(int)
    out[rows, low_index] = 1.0 - upper_mass
    high_index = np.minimum(low_index + 1, 2 * support_size)
    out[rows, high_index] += upper_mass
    return out


def support_to_scalar(probs, support_size):
    """The expectation of the support under probs, mapped back through h_inv."""
    support = np.arange(-support_size, support_size + 1)
    return h_inv(np.asarray(probs, dtype=float) @ support)''',
    looped='''def scalar_to_support(x, support_size):
    import math
    rows = []
    for v in np.asarray(x, dtype=float):
        y = float(h(np.array([v]))[0])
        y = min(max(y, -support_size), support_size)
        row = [0.0] * (2 * support_size + 1)
        lo = math.floor(y)
        frac = y - lo
        row[lo + support_size] += 1.0 - frac
        if frac > 0:
            row[lo + support_size + 1] += frac
        rows.append(row)
    return np.array(rows)


def support_to_scalar(probs, support_size):
    means = [sum(p * (i - support_size) for i, p in enumerate(row)) for row in probs]
    return np.array([float(h_inv(np.array([m]))[0]) for m in means])''',
    mutants={
        "no_transform": '''def scalar_to_support(x, support_size):
    y = np.clip(np.asarray(x, dtype=float), -support_size, support_size)
    lower = np.floor(y)
    out = np.zeros((len(y), 2 * support_size + 1))
    rows = np.arange(len(y))
    low_index = (lower + support_size).astype(int)
    out[rows, low_index] = 1.0 - (y - lower)
    out[rows, np.minimum(low_index + 1, 2 * support_size)] += y - lower
    return out


def support_to_scalar(probs, support_size):
    return np.asarray(probs, dtype=float) @ np.arange(-support_size, support_size + 1)''',
        "support_one_atom_short": '''def scalar_to_support(x, support_size):
    y = np.clip(h(x), -support_size, support_size - 1)
    lower = np.floor(y)
    out = np.zeros((len(y), 2 * support_size))
    rows = np.arange(len(y))
    low_index = (lower + support_size).astype(int)
    out[rows, low_index] = 1.0 - (y - lower)
    out[rows, np.minimum(low_index + 1, 2 * support_size - 1)] += y - lower
    return out


def support_to_scalar(probs, support_size):
    return h_inv(np.asarray(probs, dtype=float) @ np.arange(-support_size, support_size))''',
        "masses_swapped": '''def scalar_to_support(x, support_size):
    y = np.clip(h(x), -support_size, support_size)
    lower = np.floor(y)
    out = np.zeros((len(y), 2 * support_size + 1))
    rows = np.arange(len(y))
    low_index = (lower + support_size).astype(int)
    out[rows, low_index] = y - lower
    out[rows, np.minimum(low_index + 1, 2 * support_size)] += 1.0 - (y - lower)
    return out


def support_to_scalar(probs, support_size):
    return h_inv(np.asarray(probs, dtype=float) @ np.arange(-support_size, support_size + 1))''',
        "expectation_not_mapped_back": '''def scalar_to_support(x, support_size):
    y = np.clip(h(x), -support_size, support_size)
    lower = np.floor(y)
    out = np.zeros((len(y), 2 * support_size + 1))
    rows = np.arange(len(y))
    low_index = (lower + support_size).astype(int)
    out[rows, low_index] = 1.0 - (y - lower)
    out[rows, np.minimum(low_index + 1, 2 * support_size)] += y - lower
    return out


def support_to_scalar(probs, support_size):
    return np.asarray(probs, dtype=float) @ np.arange(-support_size, support_size + 1)''',
        "top_mass_overwritten": '''def scalar_to_support(x, support_size):
    y = np.clip(h(x), -support_size, support_size)
    lower = np.floor(y)
    upper_mass = y - lower
    out = np.zeros((len(y), 2 * support_size + 1))
    rows = np.arange(len(y))
    low_index = (lower + support_size).astype(int)
    out[rows, low_index] = 1.0 - upper_mass
    out[rows, np.minimum(low_index + 1, 2 * support_size)] = upper_mass
    return out


def support_to_scalar(probs, support_size):
    support = np.arange(-support_size, support_size + 1)
    return h_inv(np.asarray(probs, dtype=float) @ support)''',
    },
    subtle=('top_mass_overwritten',),
    rewrites={
        "padded_column": '''def scalar_to_support(x, support_size):
    y = np.clip(h(x), -support_size, support_size)
    lower = np.floor(y)
    upper_mass = y - lower
    out = np.zeros((len(y), 2 * support_size + 2))
    rows = np.arange(len(y))
    low_index = (lower + support_size).astype(int)
    out[rows, low_index] = 1.0 - upper_mass
    out[rows, low_index + 1] += upper_mass
    return out[:, :-1]


def support_to_scalar(probs, support_size):
    probs = np.asarray(probs, dtype=float)
    return h_inv(np.sum(probs * np.arange(-support_size, support_size + 1), axis=1))''',
        "upper_column_first": '''def scalar_to_support(x, support_size):
    shifted = np.clip(h(x), -support_size, support_size) + support_size
    low = np.floor(shifted).astype(int)
    frac = shifted - low
    out = np.zeros((len(shifted), 2 * support_size + 1))
    rows = np.arange(len(low))
    out[rows, np.minimum(low + 1, 2 * support_size)] = frac
    out[rows, low] += 1.0 - frac
    return out


def support_to_scalar(probs, support_size):
    support = np.arange(-support_size, support_size + 1)
    return h_inv(np.asarray(probs, dtype=float) @ support)''',
    },
    public_test='''def test_zero_is_all_on_the_middle_atom():
    assert np.allclose(scalar_to_support(np.array([0.0]), 2), [[0.0, 0.0, 1.0, 0.0, 0.0]])''',
    cases=lambda rng: [
        ("scalar_to_support", {"x": [0.0, 1e6, -1e6], "support_size": 3}),
        ("scalar_to_support", {"x": [3.0, -3.0, 1.5], "support_size": 5}),
        ("support_to_scalar", {"probs": [[0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.25, 0.75],
                                         [0.5, 0.0, 0.0, 0.0, 0.5]], "support_size": 2}),
        ("scalar_to_support", {"x": _arr(rng, 5, low=-200.0, high=200.0), "support_size": 10}),
        ("support_to_scalar", {"probs": _probs(rng, 3, 21), "support_size": 10})],
    edge_cases=("zero", "values beyond the support on both sides (clipped to -S and S)",
                "the expectation mapped back through h_inv"),
)

# Ordered by how often models get them wrong, easiest first (a guess until tasks.play measures it).
COMPONENTS: dict[str, Component] = {c.key: c for c in (
    DUELING, DOUBLE, N_STEP, PUCT, NOISY, N_STEP_VALUE, PRIORITIZED, TRANSFORM, C51, SUPPORT)}


def committed(c: Component, version: str) -> str:
    """The source a commit holds for a version of a component ("reference", "looped", a rewrite's or a
    mutant's name), every function with the reference's docstring: an author's slip leaves the docstring
    as it was, so the docstring tells no version apart and only reading the code does."""
    source = {"reference": c.reference, "looped": c.looped, **c.rewrites}.get(version) or c.mutants[version]
    docs = {f.name: ast.get_docstring(f, clean=False) for f in ast.parse(c.reference).body
            if isinstance(f, ast.FunctionDef)}
    lines = source.splitlines()
    for f in sorted((f for f in ast.parse(source).body if isinstance(f, ast.FunctionDef)),
                    key=lambda f: -f.lineno):  # bottom up, so earlier line numbers stay put
        if ast.get_docstring(f) is None and docs.get(f.name):
            first, at = f.body[0], f.body[0].lineno - 1
            while lines[at - 1].strip().startswith("#"):  # right under the signature, above comments
                at -= 1
            lines.insert(at, f'{lines[first.lineno - 1][:first.col_offset]}"""{docs[f.name]}"""')
    return "\n".join(lines)


def module_source(header: str, sources: list[str], doc: str) -> str:
    """A module's text: docstring, imports, then each source two blank lines apart."""
    return "\n\n\n".join([f'"""{doc}"""\n{header}', *sources]).rstrip("\n") + "\n"


def reference_namespace() -> dict[str, Any]:
    """Every component's reference executed in one namespace (trusted code, in this process)."""
    namespace: dict[str, Any] = {"np": np}
    for component in sorted(COMPONENTS.values(), key=lambda c: c.key != "value_transform"):
        exec(component.reference, namespace)  # noqa: S102 (the project's own sources)
    return namespace


def call_case(namespace: dict[str, Any], name: str, kwargs: dict[str, Any]) -> Any:
    """Call a case on a namespace: a function with its keyword arguments, or `Class.method` on an
    instance built from `kwargs["init"]`, with `kwargs["call"]`, after the calls `kwargs["before"]`
    (lists become arrays, in dicts too)."""
    if "." in name:  # kwargs["before"]: [method, kwargs] calls made first, on the same instance
        cls, method = name.split(".", 1)
        instance = namespace[cls](**as_arrays(kwargs["init"]))
        for earlier, given in kwargs.get("before", []):
            getattr(instance, earlier)(**as_arrays(given))
        return getattr(instance, method)(**as_arrays(kwargs["call"]))
    return namespace[name](**as_arrays(kwargs))


def as_arrays(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments with every list a numpy array, inside dicts too."""
    return {k: np.asarray(v) if isinstance(v, list) else as_arrays(v) if isinstance(v, dict) else v
            for k, v in kwargs.items()}


def expected(cases: list[tuple[str, dict[str, Any]]], classes: tuple[str, ...] = ()) -> list[Any]:
    """What the reference returns for each case, as JSON values (tuples become lists); `classes` are
    the sources of the agent classes the cases call, run after every component's reference."""
    namespace = reference_namespace()
    for source in classes:
        exec(source, namespace)  # noqa: S102 (the project's own sources)
    return [to_json(call_case(namespace, name, kwargs)) for name, kwargs in cases]


def to_json(result: Any) -> Any:
    """A function's result as JSON: a tuple as a list of its parts, anything else as a float array."""
    if isinstance(result, tuple):
        return {"tuple": [to_json(r) for r in result]}
    array = np.asarray(result, dtype=float)
    return {"shape": list(array.shape), "values": array.ravel().tolist()}
