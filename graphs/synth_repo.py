"""The embedded default repository: how a small RL agent codebase grew from DQN to Rainbow.

`build(path)` writes it with pygit2 alone, deterministically (fixed authors, times and time zones), so
its object ids are the same on every machine. It has feature branches and merges, three file renames, a
refactor that moves `td_target` between files, an annotated release tag per stage, and three regressions,
each introduced by one commit, caught by a test added later and then fixed: `double_td_target` lets the
target network choose the action (on main), `n_step_return` bootstraps past an episode's end (on main),
and `DistributionalHead` spaces its atoms one step short (on a feature branch, released in v1.0).
Branches main never merged make merge bases worth finding: two experiments merge each other (a
criss-cross), and later branches merge main or a branch main also merged back into themselves, so that
their best common ancestor is neither a tip nor where either branch's log leaves the other. Last,
`td_target`, `clip_error` and `n_step_return` change what they return among commits that only
reformat, rename or move them (`BEHAVIOUR_CALLS` are the inputs asked about), and main takes over
commits of `feature/speed` and `feature/design` under other ids (cherry-picked, rebased, or picked with
another resolution). History is only ever appended to, so older commits keep their ids.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import pygit2
from pygit2.enums import FileMode, ObjectType

from graphs.git import built_once, isolate_config, private_cache, python_symbols, source_key

# (name, email, UTC offset in minutes): offsets on both sides of UTC, one of them not whole hours.
AUTHORS = {
    "ada": ("Ada Lovelace", "ada@example.org", 60),
    "bo": ("Bo Chen", "bo@example.org", 480),
    "chidi": ("Chidi Okafor", "chidi@example.org", -300),
    "deepa": ("Deepa Rao", "deepa@example.org", 330),
}
START_TIME = 1_577_836_800  # 2020-01-01T00:00Z; commit i is made i * 2 days + 7 h later
# The tests that catch the three regressions, oldest regression first.
REGRESSION_TESTS = ("tests/test_q_agent.py::test_double_dqn_when_the_networks_disagree",
                    "tests/test_returns.py::test_n_step_return_stops_at_episode_end",
                    "tests/test_layers.py::test_atoms_span_v_min_to_v_max")

README = {
    1: "# tinyrl\n\nA small, dependency-free reinforcement learning agent: DQN and its improvements.\n",
    2: "# tinyrl\n\nA small, dependency-free reinforcement learning agent: DQN and its improvements.\n\n"
       "Hyperparameters: gamma = 0.99, epsilon = 0.1, replay capacity 10,000.\n",
    3: "# tinyrl\n\nA small, dependency-free reinforcement learning agent: DQN and its improvements.\n\n"
       "Hyperparameters: gamma = 0.99, epsilon = 0.1, replay capacity 10,000.\n\n"
       "`agent/rainbow.py` combines them all: double Q-learning, prioritized replay, dueling heads,\n"
       "n-step returns, a distributional head and noisy layers.\n",
}
README[4] = (README[3] + "\nThe target network can also follow the online one softly: "
             "`soft_update(online, target, tau)`.\n")
README[5] = README[4].replace("softly:", "softly (tau = 0.005 works well):")
README[6] = README[5] + "`agent/returns.py` also offers lambda-returns, mixing n-step returns.\n"

REPLAY = {
    "": '"""Experience replay."""',
    "ReplayBuffer": '''class ReplayBuffer:
    """A fixed-size FIFO buffer of transitions."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.items = []

    def add(self, transition):
        self.items.append(transition)
        if len(self.items) > self.capacity:
            self.items.pop(0)

    def sample(self, k, rng):
        return [rng.choice(self.items) for _ in range(k)]

    def __len__(self):
        return len(self.items)''',
    "SumTree": '''class SumTree:
    """Sums of priorities, for sampling in proportion to them."""

    def __init__(self, size):
        self.priorities = [0.0] * size

    def update(self, i, priority):
        self.priorities[i] = priority

    def total(self):
        return sum(self.priorities)

    def find(self, mass):
        for i, p in enumerate(self.priorities):
            if mass < p:
                return i
            mass -= p
        return len(self.priorities) - 1''',
    "PrioritizedReplayBuffer": '''class PrioritizedReplayBuffer(ReplayBuffer):
    """Samples transitions in proportion to priority ** alpha."""

    def __init__(self, capacity, alpha=0.6):
        super().__init__(capacity)
        self.alpha = alpha
        self.tree = SumTree(capacity)

    def add(self, transition, priority=1.0):
        super().add(transition)
        self.tree.update(len(self.items) - 1, priority ** self.alpha)

    def sample(self, k, rng):
        return [self.items[self.tree.find(rng.random() * self.tree.total())] for _ in range(k)]''',
}

_DISTRIBUTIONAL_HEAD = '''class DistributionalHead:
    """A categorical return distribution over fixed atoms (C51)."""

    def __init__(self, v_min, v_max, n_atoms):
        {step} = (v_max - v_min) / {divisor}
        self.atoms = [v_min + i * {step} for i in range(n_atoms)]

    def mean(self, probs):
        return sum(p * z for p, z in zip(probs, self.atoms))'''
# The atom spacing kept on the head for Rainbow, divided by the atom count instead of the gaps (the slip),
# then fixed.
ATOMS = {"short": _DISTRIBUTIONAL_HEAD.format(step="self.step", divisor="n_atoms"),
         "fixed": _DISTRIBUTIONAL_HEAD.format(step="self.step", divisor="(n_atoms - 1)")}

NETWORKS = {
    "": '"""Function approximators on plain Python lists."""',
    "QNetwork": '''class QNetwork:
    """A linear Q-function: one weight vector per action."""

    def __init__(self, n_features, n_actions):
        self.weights = [[0.0] * n_features for _ in range(n_actions)]

    def q_values(self, state):
        return [sum(w * x for w, x in zip(row, state)) for row in self.weights]

    def update(self, state, action, target, lr):
        error = target - self.q_values(state)[action]
        self.weights[action] = [w + lr * error * x for w, x in zip(self.weights[action], state)]
        return error''',
    "DuelingHead": '''class DuelingHead:
    """Combines a state value and action advantages: Q = V + A - mean(A)."""

    def combine(self, value, advantages):
        mean = sum(advantages) / len(advantages)
        return [value + a - mean for a in advantages]''',
    "DistributionalHead": _DISTRIBUTIONAL_HEAD.format(step="step", divisor="(n_atoms - 1)"),
    "project_distribution": '''def project_distribution(atoms, probs, reward, gamma):
    """Project reward + gamma * Z back onto the atoms."""
    v_min, v_max, step = atoms[0], atoms[-1], atoms[1] - atoms[0]
    out = [0.0] * len(atoms)
    for p, z in zip(probs, atoms):
        b = (min(max(reward + gamma * z, v_min), v_max) - v_min) / step
        lo, hi = int(b), min(int(b) + 1, len(atoms) - 1)
        if lo == hi:
            out[lo] += p
        else:
            out[lo] += p * (hi - b)
            out[hi] += p * (b - lo)
    return out''',
    "NoisyLinear": '''class NoisyLinear:
    """A linear layer with learned Gaussian noise on its weights, for exploration."""

    def __init__(self, n_in, n_out, sigma=0.5):
        self.mu = [[0.0] * n_in for _ in range(n_out)]
        self.sigma = [[sigma / n_in ** 0.5] * n_in for _ in range(n_out)]

    def forward(self, x, rng):
        return [sum((m + s * rng.gauss(0.0, 1.0)) * xi for m, s, xi in zip(mu_row, sigma_row, x))
                for mu_row, sigma_row in zip(self.mu, self.sigma)]''',
}

_AGENT_INIT = '''    def __init__(self, n_features, n_actions, gamma=0.99, epsilon=0.1{seed_arg}):
        self.q = QNetwork(n_features, n_actions){target}
        self.memory = ReplayBuffer(10_000)
        self.gamma = gamma
        self.epsilon = epsilon
        self.rng = random.Random({seed})

    def act(self, state):
        values = self.q.q_values(state)
        if self.rng.random() < self.epsilon:
            return self.rng.randrange(len(values))
        return max(range(len(values)), key=values.__getitem__)'''
_LEARN = '''

    def learn(self, state, action, rewards, dones, next_state, lr=0.1):
        bootstrap = max(self.target.q_values(next_state))
        target = n_step_return(rewards, dones, self.gamma, bootstrap)
        return self.q.update(state, action, target, lr)'''
_TARGET = "\n        self.target = QNetwork(n_features, n_actions)"


def _agent(target: bool = False, seeded: bool = False, learns: bool = False) -> str:
    init = _AGENT_INIT.format(seed_arg=", seed=0" if seeded else "", seed="seed" if seeded else "",
                              target=_TARGET if target else "")
    return ('class DQNAgent:\n    """Epsilon-greedy Q-learning with experience replay."""\n\n'
            + init + (_LEARN if learns else ""))


def _imports(*lines: str) -> str:
    return "\n".join(lines)


DQN = {
    "": '"""Deep Q-learning agent."""\nimport random\n\n'
        + _imports("from agent.networks import QNetwork", "from agent.replay import ReplayBuffer"),
    "td_target": '''def td_target(reward, next_q, gamma, done):
    """The one-step TD target r + gamma * max_a Q(s', a)."""
    return reward if done else reward + gamma * max(next_q)''',
    "sync_target": '''def sync_target(online, target):
    """Copy the online network's weights into the target network."""
    target.weights = [row[:] for row in online.weights]''',
    "double_td_target": '''def double_td_target(reward, next_q_online, next_q_target, gamma, done):
    """Double DQN: the online network picks the action, the target network values it."""
    if done:
        return reward
    best = max(range(len(next_q_online)), key=next_q_online.__getitem__)
    return reward + gamma * next_q_target[best]''',
}

# An argmax helper factored out of double_td_target, which then picks the action with the wrong network
# (the existing test, where both networks prefer the same action, still passes), then the fix.
DOUBLE = {
    "argmax": '''def argmax(values):
    """The index of the largest value (the first one on ties)."""
    return max(range(len(values)), key=values.__getitem__)''',
    "target_picks": '''def double_td_target(reward, next_q_online, next_q_target, gamma, done):
    """Double DQN: the online network picks the action, the target network values it."""
    return reward if done else reward + gamma * next_q_target[argmax(next_q_target)]''',
    "fixed": '''def double_td_target(reward, next_q_online, next_q_target, gamma, done):
    """Double DQN: the online network picks the action, the target network values it."""
    return reward if done else reward + gamma * next_q_target[argmax(next_q_online)]''',
}

N_STEP = {
    "correct": '''def n_step_return(rewards, dones, gamma, bootstrap):
    """Discounted sum of rewards, plus gamma ** n * bootstrap unless an episode ended first."""
    total, discount = 0.0, 1.0
    for reward, done in zip(rewards, dones):
        total += discount * reward
        if done:
            return total
        discount *= gamma
    return total + discount * bootstrap''',
    "backwards": '''def n_step_return(rewards, dones, gamma, bootstrap):
    """Discounted sum of rewards, plus gamma ** n * bootstrap unless an episode ended first."""
    total = bootstrap
    for reward, done in zip(reversed(rewards), reversed(dones)):
        total = reward + gamma * total
    return total''',
    "fixed": '''def n_step_return(rewards, dones, gamma, bootstrap):
    """Discounted sum of rewards, plus gamma ** n * bootstrap unless an episode ended first."""
    total = bootstrap
    for reward, done in zip(reversed(rewards), reversed(dones)):
        total = reward + (0.0 if done else gamma * total)
    return total''',
}

RAINBOW = '''"""Rainbow: every improvement in one agent."""
from agent.layers import DistributionalHead, DuelingHead, NoisyLinear
from agent.replay import PrioritizedReplayBuffer
from agent.returns import n_step_return


class RainbowAgent:
    """Dueling, distributional, noisy, n-step Double DQN with prioritized replay."""

    def __init__(self, n_features, n_actions, n_step=3, gamma=0.99):
        self.memory = PrioritizedReplayBuffer(100_000, alpha=0.5)
        self.noisy = NoisyLinear(n_features, n_actions)
        self.dueling = DuelingHead()
        self.head = DistributionalHead(-10.0, 10.0, 51)
        self.n_step = n_step
        self.gamma = gamma

    def n_step_target(self, rewards, dones, bootstrap):
        return n_step_return(rewards[: self.n_step], dones[: self.n_step], self.gamma, bootstrap)'''

TESTS = {
    "replay": '''def test_buffer_drops_oldest_when_full():
    buf = ReplayBuffer(2)
    for t in range(3):
        buf.add(t)
    assert buf.items == [1, 2]''',
    "sample": '''def test_sample_draws_from_the_buffer():
    buf = ReplayBuffer(5)
    buf.add("a")
    assert buf.sample(3, random.Random(0)) == ["a", "a", "a"]''',
    "prioritized": '''def test_zero_priority_is_never_sampled():
    buf = PrioritizedReplayBuffer(4)
    buf.add("never", priority=0.0)
    buf.add("always", priority=1.0)
    assert set(buf.sample(20, random.Random(1))) == {"always"}''',
    "td_terminal": '''def test_td_target_stops_at_terminal_state():
    assert td_target(1.0, [5.0, 7.0], 0.9, done=True) == 1.0''',
    "td_bootstrap": '''def test_td_target_bootstraps_from_best_action():
    assert td_target(1.0, [5.0, 7.0], 0.5, done=False) == 4.5''',
    "greedy": '''def test_greedy_agent_picks_best_action():
    agent = DQNAgent(2, 2, epsilon=0.0)
    agent.q.weights = [[1.0, 0.0], [0.0, 1.0]]
    assert agent.act([0.2, 0.8]) == 1''',
    "sync": '''def test_sync_target_copies_weights():
    agent = DQNAgent(2, 2)
    agent.q.weights[0][0] = 3.0
    sync_target(agent.q, agent.target)
    agent.q.weights[0][0] = 4.0
    assert agent.target.weights[0][0] == 3.0''',
    "double": '''def test_double_dqn_values_the_online_choice_with_the_target():
    assert double_td_target(0.0, [1.0, 2.0], [10.0, 20.0], 0.5, done=False) == 10.0''',
    "dueling": '''def test_dueling_advantages_are_centred():
    assert DuelingHead().combine(1.0, [1.0, 3.0]) == [0.0, 2.0]''',
    "projection": '''def test_projection_keeps_probability_mass():
    head = DistributionalHead(-1.0, 1.0, 5)
    probs = project_distribution(head.atoms, [0.2] * 5, reward=0.3, gamma=0.9)
    assert abs(sum(probs) - 1.0) < 1e-9''',
    "noisy": '''def test_noisy_layer_output_varies_with_the_noise():
    layer = NoisyLinear(2, 1)
    rng = random.Random(0)
    assert layer.forward([1.0, 1.0], rng) != layer.forward([1.0, 1.0], rng)''',
    "n_step": '''def test_n_step_return_without_episode_end():
    assert n_step_return([1.0, 1.0, 1.0], [False] * 3, 0.5, bootstrap=8.0) == 2.75''',
    "n_step_done": '''def test_n_step_return_stops_at_episode_end():
    assert n_step_return([1.0, 1.0, 1.0], [False, True, False], 0.5, bootstrap=8.0) == 1.5''',
    "rainbow": '''def test_rainbow_truncates_to_n_steps():
    agent = RainbowAgent(2, 2, n_step=2, gamma=0.5)
    assert agent.n_step_target([1.0, 1.0, 1.0], [False] * 3, bootstrap=4.0) == 2.5''',
    "double_disagree": '''def test_double_dqn_when_the_networks_disagree():
    assert double_td_target(1.0, [3.0, 1.0], [2.0, 6.0], 0.5, done=False) == 2.0''',
    "atoms": '''def test_atoms_span_v_min_to_v_max():
    atoms = DistributionalHead(-10.0, 10.0, 51).atoms
    assert len(atoms) == 51 and atoms[0] == -10.0 and abs(atoms[-1] - 10.0) < 1e-9''',
}

EXPERIMENTS = {
    "huber": '''def huber(error, delta=1.0):
    """Squared error near zero, absolute error beyond delta: robust to outlying TD errors."""
    if abs(error) <= delta:
        return 0.5 * error * error
    return delta * (abs(error) - 0.5 * delta)''',
    "linear_decay": '''def linear_decay(start, end, steps, t):
    """Interpolate from start to end over `steps` steps, then stay at end."""
    return end + (start - end) * max(0.0, 1.0 - t / steps)''',
}

# After v1.1: work on branches that main has not merged (yet), some of which merge main or a shared branch
# back, so that their best common ancestor is neither a tip nor where one branch left the other.
LATER = {
    "soft_update": '''def soft_update(online, target, tau):
    """Polyak averaging: move the target network's weights a fraction tau toward the online network's."""
    target.weights = [[(1 - tau) * t + tau * o for t, o in zip(t_row, o_row)]
                      for t_row, o_row in zip(target.weights, online.weights)]''',
    "evaluate": '''def greedy_return(q_values, episode):
    """The return of acting greedily through an episode given as (state, reward of each action) pairs."""
    total = 0.0
    for state, rewards in episode:
        values = q_values(state)
        total += rewards[max(range(len(values)), key=values.__getitem__)]
    return total''',
    "anneal_beta": '''def anneal_beta(beta_start, t, steps):
    """The importance-sampling exponent, annealed linearly from beta_start to 1 over `steps` steps."""
    return min(1.0, beta_start + (1.0 - beta_start) * t / steps)''',
    "metrics": '''class EpisodeLog:
    """Returns of finished episodes, with a moving average for progress reports."""

    def __init__(self, window=100):
        self.window = window
        self.returns = []

    def add(self, episode_return):
        self.returns.append(episode_return)

    def average(self):
        recent = self.returns[-self.window:]
        return sum(recent) / len(recent) if recent else 0.0''',
    "test_evaluate": '''def test_greedy_return_follows_the_best_action():
    episode = [([1.0], [0.0, 2.0]), ([1.0], [0.0, 3.0])]
    assert greedy_return(lambda state: [0.0, 1.0], episode) == 5.0''',
    "clip_error": '''def clip_error(error, bound=1.0):
    """Clip a TD error to [-bound, bound], as DQN clips its gradients."""
    return max(-bound, min(bound, error))''',
    "usage": "# Using tinyrl\n\nCreate a `DQNAgent(n_features, n_actions)`, call `act(state)` to choose an "
             "action\nand `learn(...)` after each step; `RainbowAgent` adds every improvement.\n",
    "lambda_return": '''def lambda_return(rewards, values, gamma, lam):
    """The lambda-return: n-step returns of every length, weighted by lam ** (n - 1), computed backwards."""
    total = values[-1]
    for reward, value in zip(reversed(rewards), reversed(values[1:] + values[-1:])):
        total = reward + gamma * ((1 - lam) * value + lam * total)
    return total''',
    "checkpoint": '''def save_weights(network):
    """The network's weights as plain nested lists, ready for json.dump."""
    return [row[:] for row in network.weights]


def load_weights(network, weights):
    network.weights = [row[:] for row in weights]''',
    "epsilon": '''def epsilon_at(t, start=1.0, end=0.05, steps=10_000):
    """Epsilon decayed linearly from start to end over `steps` steps."""
    return end + (start - end) * max(0.0, 1.0 - t / steps)''',
    "test_lambda": '''def test_lambda_one_is_the_monte_carlo_return():
    assert lambda_return([1.0, 1.0], [0.0, 0.0], 0.5, 1.0) == 1.5''',
    "test_soft": '''def test_soft_update_moves_a_fraction_tau():
    agent = DQNAgent(1, 1)
    agent.q.weights = [[1.0]]
    soft_update(agent.q, agent.target, 0.25)
    assert agent.target.weights == [[0.25]]''',
}

# After v1.3: two functions change behaviour among commits that only reformat, rename or move them, so
# that neither the commit introducing a function nor the newest one touching its text is where its result
# changed. td_target starts clipping rewards (on a branch, merged), clip_error widens its default bound,
# n_step_return, rewritten, discounts its bootstrap one step short and is fixed.
TARGETS = {
    "td_spelled": '''def td_target(reward, next_q, gamma, done):
    """The one-step TD target r + gamma * max_a Q(s', a), or just r at the end of an episode."""
    if done:
        return reward
    return reward + gamma * max(next_q)''',
    "td_clipped": '''def td_target(reward, next_q, gamma, done):
    """The one-step TD target r + gamma * max_a Q(s', a), or just r at the end of an episode."""
    reward = max(-1.0, min(1.0, reward))  # rewards clipped to [-1, 1], as DQN does
    if done:
        return reward
    return reward + gamma * max(next_q)''',
    "td_named": '''def td_target(r, q_next, discount, terminal):
    """The one-step TD target r + discount * max_a Q(s', a), or just r at the end of an episode."""
    r = max(-1.0, min(1.0, r))  # rewards clipped to [-1, 1], as DQN does
    return r if terminal else r + discount * max(q_next)''',
    "clip_reformatted": '''def clip_error(error, bound=1.0):
    """Clip a TD error to [-bound, bound], as DQN clips its gradients."""
    if error > bound:
        return bound
    if error < -bound:
        return -bound
    return error''',
    "clip_widened": '''def clip_error(error, bound=10.0):
    """Clip a TD error to [-bound, bound]; small rewards need no clipping at 1."""
    if error > bound:
        return bound
    if error < -bound:
        return -bound
    return error''',
    "clip_named": '''def clip_error(delta, bound=10.0):
    """Clip a TD error to [-bound, bound]; small rewards need no clipping at 1."""
    return max(-bound, min(bound, delta))''',
    # n_step_return rewritten as a forward loop: its bootstrap first discounted one step short, then fixed.
    "n_step_short": '''def n_step_return(rewards, dones, gamma, bootstrap):
    """Discounted sum of rewards, plus gamma ** n * bootstrap unless an episode ended first."""
    total = 0.0
    for k, (reward, done) in enumerate(zip(rewards, dones)):
        total += gamma ** k * reward
        if done:
            return total
    return total + gamma ** (len(rewards) - 1) * bootstrap''',
    "n_step_short_doc": '''def n_step_return(rewards, dones, gamma, bootstrap):
    """Discounted sum of rewards, plus gamma ** n * bootstrap unless an episode ended first.

    The k-th reward (from 0) is discounted by gamma ** k; an episode's end drops the bootstrap.
    """
    total = 0.0
    for k, (reward, done) in enumerate(zip(rewards, dones)):
        total += gamma ** k * reward
        if done:
            return total
    return total + gamma ** (len(rewards) - 1) * bootstrap''',
    "n_step_forwards": '''def n_step_return(rewards, dones, gamma, bootstrap):
    """Discounted sum of rewards, plus gamma ** n * bootstrap unless an episode ended first.

    The k-th reward (from 0) is discounted by gamma ** k; an episode's end drops the bootstrap.
    """
    total = 0.0
    for k, (reward, done) in enumerate(zip(rewards, dones)):
        total += gamma ** k * reward
        if done:
            return total
    return total + gamma ** len(rewards) * bootstrap''',
    "n_step_named": '''def n_step_return(rewards, dones, gamma, bootstrap):
    """Discounted sum of rewards, plus gamma ** n * bootstrap unless an episode ended first.

    The k-th reward (from 0) is discounted by gamma ** k; an episode's end drops the bootstrap.
    """
    total = 0.0
    for step, (reward, ended) in enumerate(zip(rewards, dones)):
        total += gamma ** step * reward
        if ended:
            return total
    return total + gamma ** len(rewards) * bootstrap''',
    "test_clip": '''def test_td_target_clips_rewards():
    assert td_target(5.0, [0.0], 0.9, done=True) == 1.0''',
}
# After v1.5: a branch some of whose commits main takes over under other ids: one cherry-picked as it is,
# one applied after main had changed the same lines (the resolution differs, so the patch does), and a
# branch whose two commits were rebased onto main.
SPEED = {
    "argmax_rows": '''def argmax_rows(rows):
    """The argmax of each row of a batch of Q-values."""
    return [max(range(len(row)), key=row.__getitem__) for row in rows]''',
    "lambda_doc": LATER["lambda_return"].replace(
        "computed backwards.",
        "computed backwards\n    (lam = 1 gives the Monte Carlo return, lam = 0 the one-step one)."),
    "profile": '''def timed(fn, *args):
    """Call fn and return its result with the seconds it took."""
    import time
    start = time.perf_counter()
    return fn(*args), time.perf_counter() - start''',
    "design": "# Design\n\nEvery part of tinyrl is a plain function or class on Python lists.\n",
    "design_more": "# Design\n\nEvery part of tinyrl is a plain function or class on Python lists.\n\n"
                   "Agents own their networks; helpers never keep state.\n",
}
_SLOW_LOOP = ("    total = values[-1]\n"
              "    for reward, value in zip(reversed(rewards), reversed(values[1:] + values[-1:])):")
_FAST_LOOP = ("    total, nexts = values[-1], values[1:] + values[-1:]\n"
              "    for reward, value in zip(reversed(rewards), reversed(nexts)):")
SPEED["lambda_fast"] = LATER["lambda_return"].replace(_SLOW_LOOP, _FAST_LOOP)
SPEED["lambda_fast_doc"] = SPEED["lambda_doc"].replace(_SLOW_LOOP, _FAST_LOOP)

# After the cherry-picks: advantage estimates, whose tests (one file, run together) the harder bisect asks
# about. Five functions each break once, in commits whose subjects do not say so (discounted_returns
# twice), two take their discount arguments keyword-only for a while (their tests fail with TypeError
# meanwhile), three commits leave a module that does not compile (no test can run there), and one
# commit claims to fix gae but only reformats it; the last commit fixes everything.
_DISCOUNTED = {
    "right": ("    out, total = [], 0.0\n    for reward in reversed(rewards):\n"
              "        total = reward + gamma * total\n        out.append(total)\n    return out[::-1]"),
    "tidy": ("    out, total = [], 0.0\n    for reward in rewards[::-1]:\n"
             "        total = reward + gamma * total\n        out.append(total)\n    return out"),
    "renamed": ("    returns, ret = [], 0.0\n    for reward in reversed(rewards):\n"
                "        ret = reward + gamma * ret\n        returns.insert(0, ret)\n    return returns"),
    "renamed_slip": ("    returns, ret = [], 0.0\n    for reward in reversed(rewards):\n"
                     "        ret = reward + gamma * ret\n        returns.insert(0, reward + gamma * ret)\n"
                     "    return returns"),
}
_GAE = {
    "right": ("    out, total = [], 0.0\n    for t in reversed(range(len(rewards))):\n"
              "        delta = rewards[t] + gamma * values[t + 1] - values[t]\n"
              "        total = delta + gamma * lam * total\n        out.append(total)\n    return out[::-1]"),
    "reformatted": ("    out, total = [], 0.0\n    for t in reversed(range(len(rewards))):\n"
                    "        delta = rewards[t] + gamma * values[t + 1] - values[t]\n"
                    "        total = delta + (gamma * lam) * total\n        out.append(total)\n"
                    "    return out[::-1]"),
    "fast": ("    out, total = [], 0.0\n    for t in reversed(range(len(rewards))):\n"
             "        total = rewards[t] + gamma * values[t + 1] - values[t] + gamma * total\n"
             "        out.append(total)\n    return out[::-1]"),
}


def _advantages(disc: str = "right", td: str = "right", gae: str = "right", norm: str = "right",
                ev: str = "right", keyword_only: bool = False, renamed: bool = False) -> dict[str, str]:
    """The blocks of agent/advantages.py, each function in one of its versions."""
    star = "*, " if keyword_only else ""
    td_body = {"right": "    return [r + gamma * values[t + 1] - values[t] for t, r in enumerate(rewards)]",
               "slip": "    return [r + gamma * values[t] - values[t + 1] for t, r in enumerate(rewards)]",
               }[td]
    xs = "advantages" if renamed else "xs"
    norm_var = {"right": f"sum((x - mean) ** 2 for x in {xs}) / len({xs})",
                "sample": f"sum((x - mean) ** 2 for x in {xs}) / (len({xs}) - 1)"}[norm]
    residual = ("    d = [y - y_hat for y_hat, y in zip(predicted, actual)]\n" if renamed else
                "    d = [a - p for p, a in zip(predicted, actual)]\n")
    ev_body = {"right": "    return 1.0 - _variance(d) / _variance(actual)",
               "slip": "    return 1.0 - _variance(d) / _variance(predicted)"}[ev]
    return {
        "": '"""Advantage estimates for actor-critic agents."""',
        "discounted_returns": ('def discounted_returns(rewards, gamma):\n'
                               '    """The discounted return from each step to the end of the episode."""\n'
                               + _DISCOUNTED[disc]),
        "td_errors": (f'def td_errors(rewards, values, {star}gamma):\n'
                      '    """One-step TD errors r_t + gamma * V(s_t+1) - V(s_t); values has one more '
                      'entry."""\n' + td_body),
        "gae": (f'def gae(rewards, values, {star}gamma, lam):\n'
                '    """Generalized advantage estimates: TD errors summed backwards, weighted by '
                '(gamma * lam) ** k."""\n' + _GAE[gae]),
        "normalize": (f'def normalize({xs}):\n'
                      '    """Shifted and scaled to mean 0 and standard deviation 1 (only shifted if all '
                      'are equal)."""\n'
                      f'    mean = sum({xs}) / len({xs})\n    std = ({norm_var}) ** 0.5\n'
                      f'    return [(x - mean) / (std or 1.0) for x in {xs}]'),
        "_variance": ('def _variance(xs):\n    mean = sum(xs) / len(xs)\n'
                      '    return sum((x - mean) ** 2 for x in xs) / len(xs)'),
        "explained_variance": ('def explained_variance(predicted, actual):\n'
                               '    """1 - Var(actual - predicted) / Var(actual): 1 for a perfect fit, 0 '
                               'for the mean."""\n' + residual + ev_body),
    }


def _put_advantages(**versions: str | bool) -> list[tuple]:
    """Operations writing agent/advantages.py with each function in the version named (see _advantages)."""
    return [("put", "agent/advantages.py", name, src) for name, src in _advantages(**versions).items()]




ADVANTAGE_TESTS = {
    "": "from agent.advantages import discounted_returns, explained_variance, gae, normalize, td_errors",
    "disc": '''def test_discounted_returns_sum_to_the_episode_end():
    assert discounted_returns([1.0, 1.0, 1.0], 0.5) == [1.75, 1.5, 1.0]''',
    "td": '''def test_td_errors_bootstrap_from_the_next_value():
    assert td_errors([1.0, 2.0], [2.0, 4.0, 8.0], 0.5) == [1.0, 2.0]''',
    "gae": '''def test_gae_weights_later_errors_by_gamma_lambda():
    assert gae([1.0, 2.0], [2.0, 4.0, 8.0], 0.5, 0.5) == [1.5, 2.0]''',
    "norm": '''def test_normalize_gives_mean_zero_and_unit_deviation():
    assert normalize([1.0, 3.0]) == [-1.0, 1.0]''',
    "ev": '''def test_explained_variance_is_one_minus_the_residual_share():
    assert explained_variance([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert explained_variance([0.0, 2.0, 4.0], [1.0, 2.0, 3.0]) == 0.0''',
}
ADVANTAGE_TEST_FILE = "tests/test_advantages.py"
VECTOR = {
    # Each broken build starts a module with an unclosed bracket and no definition yet, so that where a
    # function was first defined does not depend on whether its file parses.
    "started": '"""Advantages for batches of episodes."""\nBATCH_SIZE = (32',
    "finished": '"""Advantages for batches of episodes."""\nfrom agent.advantages import gae\n\n\n'
                "def batched_gae(batch, gamma, lam):\n    return [gae(r, v, gamma, lam) for r, v in batch]",
    "report_started": '"""Training reports."""\nFIELDS = ["explained_variance",',
    "report": '"""Training reports."""\nfrom agent.advantages import explained_variance\n\n\n'
              "def report(predicted, actual):\n    return {'explained_variance': "
              "explained_variance(predicted, actual)}",
    "batched_td_started": '"""Batched TD errors."""\nBATCH = [',
    "doc": "# Advantages\n\n`gae(rewards, values, gamma, lam)` for one episode, `batched_gae` for many.\n",
    "batched_td": "def batched_td_errors(batch, gamma):\n"
                  "    return [td_errors(r, v, gamma) for r, v in batch]",
}
README[7] = README[6] + ("`agent/advantages.py` estimates advantages (GAE) for actor-critic agents; "
                         "`agent/vector.py` batches them.\n")


# After v1.6: behaviour that changes where the function's text does not (a module constant in another
# file, a helper it calls), inside commits whose subjects do not name it, beside commits whose subjects
# name it but that only reformat it.
SHAPING = {
    "config": '"""Settings shared by the agent\'s modules."""\nREWARD_SCALE = 1.0\nDISCOUNT = 0.99',
    "config_tidy": '"""Settings shared by the agent\'s modules."""\nDISCOUNT = 0.99\n'
                   "REWARD_SCALE = 0.5  # rewards of this game run to 2",
    "config_atari": '"""Settings shared by the agent\'s modules."""\nDISCOUNT = 0.99\n'
                    "REWARD_SCALE = 2.0  # Atari rewards, already clipped to [-1, 1] upstream",
    "head": '"""Reward shaping."""\nfrom agent import config',
    "scaled": '''def scaled_reward(reward):
    """The reward times the configured scale, clipped to [-1, 1]."""
    return max(-1.0, min(1.0, reward * config.REWARD_SCALE))''',
    "scaled_fixed": '''def scaled_reward(reward):
    """The reward times the configured scale, clipped to [-1, 1]."""
    return min(1.0, max(-1.0, config.REWARD_SCALE * reward))''',
    "scaled_renamed": '''def scaled_reward(r):
    """The reward times the configured scale, clipped to [-1, 1]."""
    return min(1.0, max(-1.0, config.REWARD_SCALE * r))''',
    "variance_mad": ('def _variance(xs):\n    mean = sum(xs) / len(xs)\n'
                     '    return sum(abs(x - mean) for x in xs) / len(xs)'),
    "variance": ('def _variance(xs):\n    mean = sum(xs) / len(xs)\n'
                 '    return sum((x - mean) ** 2 for x in xs) / len(xs)'),
    "ev_reformatted": ('def explained_variance(predicted, actual):\n'
                       '    """1 - Var(actual - predicted) / Var(actual): 1 for a perfect fit, 0 '
                       'for the mean."""\n'
                       '    residuals = [y - y_hat for y_hat, y in zip(predicted, actual)]\n'
                       '    return 1.0 - _variance(residuals) / _variance(actual)'),
}


# After v1.7: branches main takes some commits of under other ids: rebased with a reworded subject (the
# same patch), picked after main changed the lines around them (the same subject, another patch, since a
# patch id hashes its context lines), picked, reverted and re-applied.
PICKS = {
    "logger_head": '"""Logging training runs."""',
    "log_line": '''def log_line(step, episode_return):
    """One line of the run log."""
    return f"step {step}: return {episode_return:.2f}"''',
    "log_line_steps": '''def log_line(step, episode_return):
    """One line of the run log."""
    return f"step {step:>8}: return {episode_return:.2f}"''',
    "episode_line": '''def episode_line(episode, length):
    """The log line of a finished episode."""
    return f"episode {episode}: {length} steps"''',
    "flush": '''def flush(lines, stream):
    """Write the buffered log lines, then forget them."""
    stream.write("\\n".join(lines) + "\\n")
    lines.clear()''',
    "seeding_head": '"""Seeds for reproducible runs."""\nimport random',
    "seed_all": '''def seed_all(seed):
    """One random.Random per component, all derived from one seed."""
    return {name: random.Random(f"{seed}:{name}") for name in ("agent", "env", "replay")}''',
    "worker_seed": '''def worker_seed(seed, worker):
    """The seed of one of several parallel workers."""
    return seed * 1_000 + worker''',
    "eval_seed": '''def eval_seed(seed):
    """The seed of evaluation runs, apart from every worker's."""
    return -seed - 1''',
    "plots_head": '"""Plotting training curves as text."""',
    "moving_average": '''def moving_average(xs, window=10):
    """The mean of each window of xs (shorter at the start)."""
    return [sum(xs[max(0, i - window + 1):i + 1]) / len(xs[max(0, i - window + 1):i + 1])
            for i in range(len(xs))]''',
    "moving_average_100": '''def moving_average(xs, window=100):
    """The mean of each window of xs (shorter at the start)."""
    return [sum(xs[max(0, i - window + 1):i + 1]) / len(xs[max(0, i - window + 1):i + 1])
            for i in range(len(xs))]''',
    "sparkline": '''def sparkline(xs):
    """A one-line chart of xs."""
    bars = "▁▂▃▄▅▆▇█"
    lo, hi = min(xs), max(xs)
    return "".join(bars[int((x - lo) / ((hi - lo) or 1) * (len(bars) - 1))] for x in xs)''',
    "config_doc": "# Configuration\n\n`agent/config.py` holds the settings every module shares.\n",
    "scale_doc": "# Reward scale\n\n`REWARD_SCALE` multiplies every reward before clipping to [-1, 1].\n",
}


# The inputs on which each function's result is asked for (behaviour tasks): the calls whose result
# changes somewhere in the history, and some whose result never does.
BEHAVIOUR_CALLS = {
    "td_target": ("2.0, [5.0, 7.0], 0.9, True", "-3.0, [1.0, 2.0], 0.5, False", "0.5, [1.0, 2.0], 0.5, True",
                  "1.5, [0.0], 0.9, True"),
    "clip_error": ("3.0", "-4.5", "0.5", "20.0"),
    "n_step_return": ("[1.0, 1.0, 1.0], [False, True, False], 0.5, 8.0",
                      "[1.0, 2.0], [False, False], 0.5, 4.0"),
    "double_td_target": ("1.0, [3.0, 1.0], [2.0, 6.0], 0.5, False",
                         "0.0, [1.0, 2.0], [10.0, 20.0], 0.5, False"),
    "discounted_returns": ("[1.0, 1.0, 1.0], 0.5",),
    "gae": ("[1.0, 2.0], [2.0, 4.0, 8.0], 0.5, 0.5",),
    "explained_variance": ("[1.0, 2.0, 4.0], [1.0, 2.0, 3.0]",),
    "scaled_reward": ("0.5", "-3.0", "0.25"),
}

# One step: (branch, author key, message, operations). Operations: ("put", path, block, source) adds or
# replaces a block of a file (the block "" is the file's head); ("mv", old, new) renames a file;
# ("drop", path, block); ("merge", branch[, back]) merges that branch's tip (or its commit `back` steps
# before the tip) with the edits made on it up to there;
# ("branch", name) starts a branch here; ("tag", name, title) tags this step's commit.
Q = "agent/q_agent.py"
HISTORY: list[tuple[str, str, str, list[tuple]]] = [
    ("main", "ada", "Add README", [("put", "README.md", "", README[1])]),
    ("main", "ada", "Add replay buffer", [
        ("put", "agent/__init__.py", "", '"""tinyrl: DQN and its improvements."""'),
        ("put", "agent/replay.py", "", REPLAY[""]),
        ("put", "agent/replay.py", "ReplayBuffer", REPLAY["ReplayBuffer"])]),
    ("main", "ada", "Add linear Q-network", [
        ("put", "agent/networks.py", "", NETWORKS[""]),
        ("put", "agent/networks.py", "QNetwork", NETWORKS["QNetwork"])]),
    ("main", "ada", "Add DQN agent with epsilon-greedy exploration", [
        ("put", "agent/dqn.py", "", DQN[""]), ("put", "agent/dqn.py", "td_target", DQN["td_target"]),
        ("put", "agent/dqn.py", "DQNAgent", _agent())]),
    ("main", "bo", "Add tests for replay and TD targets", [
        ("put", "tests/test_replay.py", "", "import random\n\nfrom agent.replay import ReplayBuffer"),
        ("put", "tests/test_replay.py", "replay", TESTS["replay"]),
        ("put", "tests/test_replay.py", "sample", TESTS["sample"]),
        ("put", "tests/test_agent.py", "", "from agent.dqn import DQNAgent, td_target"),
        ("put", "tests/test_agent.py", "td_terminal", TESTS["td_terminal"]),
        ("put", "tests/test_agent.py", "td_bootstrap", TESTS["td_bootstrap"]),
        ("put", "tests/test_agent.py", "greedy", TESTS["greedy"]),
        ("tag", "v0.1", "DQN"), ("branch", "feature/target-net")]),
    ("feature/target-net", "bo", "Add a target network and sync_target", [
        ("put", "agent/dqn.py", "DQNAgent", _agent(target=True)),
        ("put", "agent/dqn.py", "sync_target", DQN["sync_target"])]),
    ("main", "ada", "Document hyperparameters in README", [("put", "README.md", "", README[2])]),
    ("feature/target-net", "bo", "Test target network sync", [
        ("put", "tests/test_agent.py", "", "from agent.dqn import DQNAgent, sync_target, td_target"),
        ("put", "tests/test_agent.py", "sync", TESTS["sync"])]),
    ("main", "ada", "Merge branch 'feature/target-net'", [
        ("merge", "feature/target-net"), ("tag", "v0.2", "Target network")]),
    ("main", "chidi", "Add Double DQN target", [
        ("put", "agent/dqn.py", "double_td_target", DQN["double_td_target"]),
        ("put", "tests/test_agent.py", "",
         "from agent.dqn import DQNAgent, double_td_target, sync_target, td_target"),
        ("put", "tests/test_agent.py", "double", TESTS["double"])]),
    ("main", "chidi", "Rename agent/dqn.py to agent/q_agent.py", [
        ("mv", "agent/dqn.py", Q), ("mv", "tests/test_agent.py", "tests/test_q_agent.py"),
        ("put", "tests/test_q_agent.py", "",
         "from agent.q_agent import DQNAgent, double_td_target, sync_target, td_target"),
        ("tag", "v0.3", "Double DQN"), ("branch", "feature/per")]),
    ("feature/per", "deepa", "Add a sum tree for prioritized replay", [
        ("put", "agent/replay.py", "SumTree", REPLAY["SumTree"])]),
    ("main", "ada", "Move td_target into agent/returns.py", [
        ("drop", Q, "td_target"),
        ("put", "agent/returns.py", "", '"""Returns and bootstrap targets."""'),
        ("put", "agent/returns.py", "td_target", DQN["td_target"]),
        ("put", "tests/test_q_agent.py", "",
         "from agent.q_agent import DQNAgent, double_td_target, sync_target\n"
         "from agent.returns import td_target")]),
    ("feature/per", "deepa", "Add PrioritizedReplayBuffer", [
        ("put", "agent/replay.py", "PrioritizedReplayBuffer", REPLAY["PrioritizedReplayBuffer"])]),
    ("feature/per", "deepa", "Test prioritized sampling", [
        ("put", "tests/test_replay.py", "",
         "import random\n\nfrom agent.replay import PrioritizedReplayBuffer, ReplayBuffer"),
        ("put", "tests/test_replay.py", "prioritized", TESTS["prioritized"])]),
    ("main", "deepa", "Merge branch 'feature/per'", [
        ("merge", "feature/per"), ("tag", "v0.4", "Prioritized replay"), ("branch", "feature/dueling")]),
    ("main", "bo", "Factor an argmax helper out of double_td_target", [
        ("put", Q, "argmax", DOUBLE["argmax"]), ("put", Q, "double_td_target", DOUBLE["target_picks"])]),
    ("feature/dueling", "bo", "Add a dueling head", [
        ("put", "agent/networks.py", "DuelingHead", NETWORKS["DuelingHead"])]),
    ("main", "ada", "Seed the epsilon-greedy RNG", [
        ("put", Q, "DQNAgent", _agent(target=True, seeded=True))]),
    ("feature/dueling", "bo", "Test dueling aggregation", [
        ("put", "tests/test_networks.py", "", "from agent.networks import DuelingHead"),
        ("put", "tests/test_networks.py", "dueling", TESTS["dueling"])]),
    ("main", "bo", "Merge branch 'feature/dueling'", [
        ("merge", "feature/dueling"), ("tag", "v0.5", "Dueling networks"),
        ("branch", "experiment/huber"), ("branch", "experiment/adam")]),
    ("main", "chidi", "Add an n-step return helper", [
        ("put", "agent/returns.py", "n_step_return", N_STEP["correct"]),
        ("put", "tests/test_returns.py", "", "from agent.returns import n_step_return"),
        ("put", "tests/test_returns.py", "n_step", TESTS["n_step"])]),
    ("main", "chidi", "Test Double DQN when the networks disagree", [
        ("put", "tests/test_q_agent.py", "double_disagree", TESTS["double_disagree"])]),
    ("main", "chidi", "Let the online network pick the action in double_td_target", [
        ("put", Q, "double_td_target", DOUBLE["fixed"])]),
    ("main", "chidi", "Use n-step targets in the agent", [
        ("put", Q, "", '"""Deep Q-learning agent."""\nimport random\n\n' + _imports(
            "from agent.networks import QNetwork", "from agent.replay import ReplayBuffer",
            "from agent.returns import n_step_return")),
        ("put", Q, "DQNAgent", _agent(target=True, seeded=True, learns=True)),
        ("tag", "v0.6", "n-step returns"), ("branch", "feature/c51")]),
    ("feature/c51", "deepa", "Add a categorical distribution head", [
        ("put", "agent/networks.py", "DistributionalHead", NETWORKS["DistributionalHead"])]),
    ("main", "ada", "Compute n-step returns backwards", [
        ("put", "agent/returns.py", "n_step_return", N_STEP["backwards"])]),
    ("feature/c51", "deepa", "Add distribution projection", [
        ("put", "agent/networks.py", "project_distribution", NETWORKS["project_distribution"])]),
    ("feature/c51", "deepa", "Merge branch 'main' into feature/c51", [("merge", "main")]),
    ("feature/c51", "deepa", "Test distribution projection", [
        ("put", "tests/test_networks.py", "",
         "from agent.networks import DistributionalHead, DuelingHead, project_distribution"),
        ("put", "tests/test_networks.py", "projection", TESTS["projection"])]),
    ("main", "deepa", "Merge branch 'feature/c51'", [
        ("merge", "feature/c51"), ("tag", "v0.7", "Distributional RL")]),
    ("main", "bo", "Rename agent/networks.py to agent/layers.py", [
        ("mv", "agent/networks.py", "agent/layers.py"),
        ("mv", "tests/test_networks.py", "tests/test_layers.py"),
        ("put", Q, "", '"""Deep Q-learning agent."""\nimport random\n\n' + _imports(
            "from agent.layers import QNetwork", "from agent.replay import ReplayBuffer",
            "from agent.returns import n_step_return")),
        ("put", "tests/test_layers.py", "",
         "from agent.layers import DistributionalHead, DuelingHead, project_distribution")]),
    ("main", "bo", "Add a NoisyLinear layer", [
        ("put", "agent/layers.py", "NoisyLinear", NETWORKS["NoisyLinear"]),
        ("put", "tests/test_layers.py", "", "import random\n\n"
         "from agent.layers import DistributionalHead, DuelingHead, NoisyLinear, project_distribution"),
        ("put", "tests/test_layers.py", "noisy", TESTS["noisy"])]),
    ("main", "chidi", "Test n-step returns across episode ends", [
        ("put", "tests/test_returns.py", "n_step_done", TESTS["n_step_done"])]),
    ("main", "chidi", "Fix n-step returns at episode ends", [
        ("put", "agent/returns.py", "n_step_return", N_STEP["fixed"]),
        ("tag", "v0.8", "Noisy nets"), ("branch", "feature/rainbow")]),
    ("feature/rainbow", "ada", "Add the Rainbow agent", [("put", "agent/rainbow.py", "", RAINBOW)]),
    ("main", "deepa", "Describe Rainbow in README", [("put", "README.md", "", README[3])]),
    ("feature/rainbow", "ada", "Keep the atom spacing on DistributionalHead", [
        ("put", "agent/layers.py", "DistributionalHead", ATOMS["short"])]),
    ("feature/rainbow", "ada", "Test Rainbow n-step truncation", [
        ("put", "tests/test_rainbow.py", "", "from agent.rainbow import RainbowAgent"),
        ("put", "tests/test_rainbow.py", "rainbow", TESTS["rainbow"])]),
    ("main", "ada", "Merge branch 'feature/rainbow'", [
        ("merge", "feature/rainbow"), ("tag", "v1.0", "Rainbow")]),
    ("main", "deepa", "Test that the atoms span v_min to v_max", [
        ("put", "tests/test_layers.py", "atoms", TESTS["atoms"])]),
    ("main", "deepa", "Fix the atom spacing of DistributionalHead", [
        ("put", "agent/layers.py", "DistributionalHead", ATOMS["fixed"]),
        ("tag", "v1.1", "Atom spacing fix")]),
    # Two experiments off v0.5, never merged into main, that merge each other: a criss-cross with two
    # best common ancestors.
    ("experiment/huber", "bo", "Add a Huber loss for TD errors", [
        ("put", "agent/networks.py", "huber", EXPERIMENTS["huber"])]),
    ("experiment/adam", "chidi", "Add a linear learning-rate decay", [
        ("put", "agent/schedule.py", "", '"""Learning-rate schedules."""'),
        ("put", "agent/schedule.py", "linear_decay", EXPERIMENTS["linear_decay"])]),
    ("experiment/adam", "chidi", "Merge branch 'experiment/huber' into experiment/adam", [
        ("merge", "experiment/huber")]),
    ("experiment/huber", "bo", "Merge branch 'experiment/adam' into experiment/huber", [
        ("merge", "experiment/adam", 1)]),  # adam's commit before its merge: the cross
    ("main", "chidi", "Rename agent/replay.py to agent/memory.py", [
        ("mv", "agent/replay.py", "agent/memory.py"), ("mv", "tests/test_replay.py", "tests/test_memory.py"),
        ("put", Q, "", '"""Deep Q-learning agent."""\nimport random\n\n' + _imports(
            "from agent.layers import QNetwork", "from agent.memory import ReplayBuffer",
            "from agent.returns import n_step_return")),
        ("put", "agent/rainbow.py", "", RAINBOW.replace("agent.replay", "agent.memory")),
        ("put", "tests/test_memory.py", "",
         "import random\n\nfrom agent.memory import PrioritizedReplayBuffer, ReplayBuffer"),
        ("branch", "feature/eval"), ("branch", "feature/soft-update")]),
    ("feature/soft-update", "bo", "Add a soft target update", [
        ("put", Q, "soft_update", LATER["soft_update"])]),
    ("feature/eval", "deepa", "Add a greedy evaluation helper", [
        ("put", "agent/evaluate.py", "", '"""Evaluating a trained agent."""'),
        ("put", "agent/evaluate.py", "greedy_return", LATER["evaluate"])]),
    ("main", "ada", "Merge branch 'feature/soft-update'", [
        ("merge", "feature/soft-update"), ("tag", "v1.2", "Soft target updates"),
        ("branch", "feature/per-beta")]),
    ("feature/eval", "deepa", "Merge branch 'feature/soft-update' into feature/eval", [
        ("merge", "feature/soft-update")]),
    ("feature/per-beta", "deepa", "Anneal the importance-sampling exponent", [
        ("put", "agent/memory.py", "anneal_beta", LATER["anneal_beta"])]),
    ("main", "bo", "Describe soft target updates in README", [
        ("put", "README.md", "", README[4]), ("branch", "feature/metrics")]),
    ("feature/eval", "deepa", "Test the evaluation helper", [
        ("put", "tests/test_evaluate.py", "", "from agent.evaluate import greedy_return"),
        ("put", "tests/test_evaluate.py", "greedy", LATER["test_evaluate"])]),
    ("feature/per-beta", "deepa", "Merge branch 'main' into feature/per-beta", [("merge", "main")]),
    ("feature/metrics", "ada", "Log episode returns", [
        ("put", "agent/metrics.py", "", '"""Training progress."""'),
        ("put", "agent/metrics.py", "EpisodeLog", LATER["metrics"])]),
    ("main", "chidi", "Test soft target updates", [
        ("put", "tests/test_soft_update.py", "", "from agent.q_agent import DQNAgent, soft_update"),
        ("put", "tests/test_soft_update.py", "soft", LATER["test_soft"])]),
    ("feature/metrics", "ada", "Merge branch 'main' into feature/metrics", [("merge", "main")]),
    ("main", "deepa", "Suggest a soft update rate in README", [
        ("put", "README.md", "", README[5]), ("branch", "feature/docs"), ("branch", "feature/clip")]),
    ("feature/clip", "bo", "Clip TD errors", [("put", Q, "clip_error", LATER["clip_error"])]),
    ("feature/docs", "deepa", "Add a usage guide", [("put", "docs/usage.md", "", LATER["usage"])]),
    ("main", "ada", "Merge branch 'feature/clip'", [
        ("merge", "feature/clip"), ("branch", "feature/checkpoint"), ("branch", "feature/epsilon")]),
    ("feature/docs", "deepa", "Merge branch 'feature/clip' into feature/docs", [("merge", "feature/clip")]),
    ("feature/checkpoint", "bo", "Save and load network weights", [
        ("put", "agent/checkpoint.py", "", '"""Saving and restoring agents."""'),
        ("put", "agent/checkpoint.py", "weights", LATER["checkpoint"])]),
    ("feature/epsilon", "chidi", "Decay epsilon linearly", [
        ("put", "agent/exploration.py", "", '"""Exploration schedules."""'),
        ("put", "agent/exploration.py", "epsilon_at", LATER["epsilon"])]),
    ("main", "ada", "Add lambda returns", [
        ("put", "agent/returns.py", "lambda_return", LATER["lambda_return"])]),
    ("feature/checkpoint", "bo", "Merge branch 'main' into feature/checkpoint", [("merge", "main")]),
    ("main", "chidi", "Test lambda returns", [
        ("put", "tests/test_lambda.py", "", "from agent.returns import lambda_return"),
        ("put", "tests/test_lambda.py", "lambda", LATER["test_lambda"])]),
    ("feature/epsilon", "chidi", "Merge branch 'main' into feature/epsilon", [("merge", "main")]),
    ("main", "deepa", "Describe lambda returns in README", [
        ("put", "README.md", "", README[6]), ("tag", "v1.3", "Lambda returns")]),
    ("main", "bo", "Spell out the terminal case of td_target", [
        ("put", "agent/returns.py", "td_target", TARGETS["td_spelled"]), ("branch", "feature/reward-clip")]),
    ("feature/reward-clip", "ada", "Clip rewards in TD targets, as DQN does", [
        ("put", "agent/returns.py", "td_target", TARGETS["td_clipped"])]),
    ("main", "chidi", "Reformat clip_error", [("put", Q, "clip_error", TARGETS["clip_reformatted"])]),
    ("feature/reward-clip", "ada", "Test reward clipping", [
        ("put", "tests/test_targets.py", "", "from agent.returns import td_target"),
        ("put", "tests/test_targets.py", "clip", TARGETS["test_clip"])]),
    ("main", "ada", "Merge branch 'feature/reward-clip'", [("merge", "feature/reward-clip")]),
    ("main", "bo", "Widen the default bound of clip_error", [
        ("put", Q, "clip_error", TARGETS["clip_widened"])]),
    ("main", "deepa", "Name the arguments of td_target and clip_error as the DQN paper does", [
        ("put", "agent/returns.py", "td_target", TARGETS["td_named"]),
        ("put", Q, "clip_error", TARGETS["clip_named"])]),
    ("main", "bo", "Move td_target and clip_error into agent/targets.py", [
        ("drop", "agent/returns.py", "td_target"), ("drop", Q, "clip_error"),
        ("put", "agent/targets.py", "", '"""TD targets and errors."""'),
        ("put", "agent/targets.py", "td_target", TARGETS["td_named"]),
        ("put", "agent/targets.py", "clip_error", TARGETS["clip_named"]),
        ("put", "agent/returns.py", "", '"""Returns and bootstrap targets."""\n'
         "from agent.targets import td_target  # still importable from here"),
        ("put", Q, "", '"""Deep Q-learning agent."""\nimport random\n\n' + _imports(
            "from agent.layers import QNetwork", "from agent.memory import ReplayBuffer",
            "from agent.returns import n_step_return", "from agent.targets import clip_error")),
        ("put", "tests/test_targets.py", "", "from agent.targets import td_target"),
        ("tag", "v1.4", "TD targets module")]),
    ("main", "chidi", "Compute n-step returns forwards", [
        ("put", "agent/returns.py", "n_step_return", TARGETS["n_step_short"])]),
    ("main", "ada", "Explain the discounts of n_step_return", [
        ("put", "agent/returns.py", "n_step_return", TARGETS["n_step_short_doc"])]),
    ("main", "chidi", "Discount the n-step bootstrap by gamma ** n", [
        ("put", "agent/returns.py", "n_step_return", TARGETS["n_step_forwards"])]),
    ("main", "deepa", "Name the loop variables of n_step_return", [
        ("put", "agent/returns.py", "n_step_return", TARGETS["n_step_named"]),
        ("tag", "v1.5", "Forward n-step returns"), ("branch", "feature/speed"),
        ("branch", "feature/design")]),
    ("feature/speed", "bo", "Add a batched argmax", [("put", Q, "argmax_rows", SPEED["argmax_rows"])]),
    ("feature/design", "deepa", "Write down the design", [("put", "docs/design.md", "", SPEED["design"])]),
    ("feature/speed", "bo", "Speed up lambda_return", [
        ("put", "agent/returns.py", "lambda_return", SPEED["lambda_fast"])]),
    ("main", "ada", "Explain lambda in lambda_return", [
        ("put", "agent/returns.py", "lambda_return", SPEED["lambda_doc"])]),
    ("feature/design", "deepa", "Say who owns state", [("put", "docs/design.md", "", SPEED["design_more"])]),
    ("feature/speed", "bo", "Add a timing helper", [
        ("put", "agent/profile.py", "", '"""Profiling."""'),
        ("put", "agent/profile.py", "timed", SPEED["profile"])]),
    ("main", "bo", "Add a batched argmax", [("put", Q, "argmax_rows", SPEED["argmax_rows"])]),  # picked as is
    ("main", "bo", "Speed up lambda_return", [  # picked onto main's docstring: another patch
        ("put", "agent/returns.py", "lambda_return", SPEED["lambda_fast_doc"])]),
    ("main", "deepa", "Write down the design", [("put", "docs/design.md", "", SPEED["design"])]),  # rebased
    ("main", "deepa", "Say who owns state", [("put", "docs/design.md", "", SPEED["design_more"])]),
    ("main", "ada", "Add advantage estimates", _put_advantages()),
    ("main", "bo", "Test advantage estimates", [
        ("put", ADVANTAGE_TEST_FILE, name, src) for name, src in ADVANTAGE_TESTS.items()]),
    ("main", "chidi", "Describe advantages in README", [("put", "README.md", "", README[7])]),
    ("main", "deepa", "Start batching advantages", [("put", "agent/vector.py", "", VECTOR["started"])]),
    ("main", "deepa", "Finish batching advantages", [("put", "agent/vector.py", "", VECTOR["finished"])]),
    ("main", "ada", "Tidy up the return loops", _put_advantages(disc="tidy", gae="reformatted")),
    ("main", "bo", "Make the discount arguments keyword-only",
     _put_advantages(disc="tidy", gae="reformatted", keyword_only=True)),
    ("main", "chidi", "Rename helpers", _put_advantages(disc="tidy", gae="reformatted", keyword_only=True,
                                                        renamed=True)),
    ("main", "bo", "Accept the discount arguments positionally again",
     _put_advantages(disc="tidy", gae="reformatted", renamed=True)),
    ("main", "deepa", "Index values once per step",
     _put_advantages(disc="tidy", td="slip", gae="reformatted", renamed=True)),
    ("main", "chidi", "Start a training report", [("put", "agent/report.py", "", VECTOR["report_started"])]),
    ("main", "chidi", "Finish the training report", [("put", "agent/report.py", "", VECTOR["report"])]),
    ("main", "ada", "Fix the discount of discounted_returns",
     _put_advantages(td="slip", gae="reformatted", renamed=True)),
    ("main", "ada", "Fix gae's discount", _put_advantages(td="slip", renamed=True)),  # only reformats it
    ("main", "bo", "Refactor normalize", _put_advantages(td="slip", norm="sample", renamed=True)),
    ("main", "deepa", "Speed up gae", _put_advantages(td="slip", gae="fast", norm="sample", renamed=True)),
    ("main", "bo", "Tidy up",
     _put_advantages(td="slip", gae="fast", norm="sample", ev="slip", renamed=True)),
    ("main", "chidi", "Rename loop variables",
     _put_advantages(disc="renamed_slip", td="slip", gae="fast", norm="sample", ev="slip", renamed=True)),
    ("main", "deepa", "Batch TD errors", [("put", "agent/batching.py", "", VECTOR["batched_td_started"])]),
    ("main", "deepa", "Finish batching TD errors", [
        ("put", "agent/batching.py", "", '"""Batched TD errors."""\nfrom agent.advantages import td_errors'),
        ("put", "agent/batching.py", "batched_td", VECTOR["batched_td"])]),
    ("main", "ada", "Describe the batched helpers", [("put", "docs/advantages.md", "", VECTOR["doc"])]),
    ("main", "chidi", "Fix advantage estimates", _put_advantages(disc="renamed", renamed=True) + [
        ("tag", "v1.6", "Advantage estimates")]),
    ("main", "ada", "Add reward scaling", [
        ("put", "agent/config.py", "", SHAPING["config"]), ("put", "agent/rewards.py", "", SHAPING["head"]),
        ("put", "agent/rewards.py", "scaled_reward", SHAPING["scaled"])]),
    ("main", "bo", "Fix scaled_reward", [  # only reformats it
        ("put", "agent/rewards.py", "scaled_reward", SHAPING["scaled_fixed"])]),
    ("main", "chidi", "Tidy up the config", [("put", "agent/config.py", "", SHAPING["config_tidy"])]),
    ("main", "deepa", "Refactor the spread helpers", [
        ("put", "agent/advantages.py", "_variance", SHAPING["variance_mad"])]),
    ("main", "bo", "Rename helpers", [
        ("put", "agent/rewards.py", "scaled_reward", SHAPING["scaled_renamed"])]),
    ("main", "deepa", "Fix explained_variance", [  # only reformats it
        ("put", "agent/advantages.py", "explained_variance", SHAPING["ev_reformatted"])]),
    ("main", "chidi", "Update the config for Atari", [
        ("put", "agent/config.py", "", SHAPING["config_atari"])]),
    ("main", "ada", "Tidy up", [("put", "agent/advantages.py", "_variance", SHAPING["variance"]),
                                ("tag", "v1.7", "Reward scaling"), ("branch", "feature/logging"),
                                ("branch", "feature/seeding"), ("branch", "feature/plots"),
                                ("branch", "feature/config-docs")]),
    ("feature/logging", "bo", "Add a run logger", [
        ("put", "agent/logger.py", "", PICKS["logger_head"]),
        ("put", "agent/logger.py", "log_line", PICKS["log_line"])]),
    ("feature/seeding", "chidi", "Add seeding helpers", [
        ("put", "agent/seeding.py", "", PICKS["seeding_head"]),
        ("put", "agent/seeding.py", "seed_all", PICKS["seed_all"])]),
    ("feature/plots", "deepa", "Add a returns plot", [
        ("put", "agent/plots.py", "", PICKS["plots_head"]),
        ("put", "agent/plots.py", "moving_average", PICKS["moving_average"])]),
    ("feature/logging", "bo", "Log episode lengths", [
        ("put", "agent/logger.py", "episode_line", PICKS["episode_line"])]),
    ("feature/config-docs", "ada", "Document the config", [
        ("put", "docs/config.md", "", PICKS["config_doc"])]),
    ("feature/seeding", "chidi", "Derive worker seeds", [
        ("put", "agent/seeding.py", "worker_seed", PICKS["worker_seed"])]),
    ("feature/plots", "deepa", "Smooth the returns plot over 100 episodes", [
        ("put", "agent/plots.py", "moving_average", PICKS["moving_average_100"])]),
    ("feature/config-docs", "ada", "Document the reward scale", [
        ("put", "docs/scale.md", "", PICKS["scale_doc"])]),
    ("feature/logging", "bo", "Flush the log on exit", [
        ("put", "agent/logger.py", "flush", PICKS["flush"])]),
    ("feature/seeding", "chidi", "Seed the evaluation runs", [
        ("put", "agent/seeding.py", "eval_seed", PICKS["eval_seed"])]),
    ("feature/plots", "deepa", "Draw returns as a sparkline", [
        ("put", "agent/plots.py", "sparkline", PICKS["sparkline"])]),
    # main takes some of them over: rebased under a reworded subject (the same patch)...
    ("main", "bo", "Add a logger for runs", [
        ("put", "agent/logger.py", "", PICKS["logger_head"]),
        ("put", "agent/logger.py", "log_line", PICKS["log_line"])]),
    ("main", "ada", "Align the step column of the log", [
        ("put", "agent/logger.py", "log_line", PICKS["log_line_steps"])]),
    # ... under the same subject after main changed the lines around it (another patch) ...
    ("main", "bo", "Log episode lengths", [
        ("put", "agent/logger.py", "episode_line", PICKS["episode_line"])]),
    ("main", "chidi", "Add seeding helpers", [  # picked as it is
        ("put", "agent/seeding.py", "", PICKS["seeding_head"]),
        ("put", "agent/seeding.py", "seed_all", PICKS["seed_all"])]),
    ("main", "chidi", "Derive worker seeds", [
        ("put", "agent/seeding.py", "worker_seed", PICKS["worker_seed"])]),
    ("main", "deepa", 'Revert "Derive worker seeds"', [("drop", "agent/seeding.py", "worker_seed")]),
    ("main", "deepa", "Add a returns plot", [  # picked as it is
        ("put", "agent/plots.py", "", PICKS["plots_head"]),
        ("put", "agent/plots.py", "moving_average", PICKS["moving_average"])]),
    ("main", "chidi", 'Reapply "Derive worker seeds"', [
        ("put", "agent/seeding.py", "worker_seed", PICKS["worker_seed"])]),
    ("main", "ada", "Explain REWARD_SCALE in the docs", [  # rebased under another subject
        ("put", "docs/scale.md", "", PICKS["scale_doc"])]),
    ("main", "deepa", "Smooth the returns plot over 100 episodes", [  # another resolution: window 50
        ("put", "agent/plots.py", "moving_average", PICKS["moving_average_100"].replace("100", "50"))]),
]


@dataclass
class _Branch:
    """A branch being written: its files as ordered blocks, its commits, and its own edits (for merges)."""

    files: dict[str, dict[str, str]]
    commits: list[tuple[pygit2.Oid, int]]  # each commit with how many own edits it holds
    own: list[tuple] = field(default_factory=list)
    merged: dict[str, int] = field(default_factory=dict)  # branch -> how many of its own edits are in


def _apply(files: dict[str, dict[str, str]], op: tuple) -> None:
    if op[0] == "put":
        files.setdefault(op[1], {})[op[2]] = op[3]
    elif op[0] == "drop":
        del files[op[1]][op[2]]
    elif op[0] == "mv":
        files[op[2]] = files.pop(op[1])


def render(blocks: dict[str, str]) -> bytes:
    """A file's text: its head, then its blocks in order, two blank lines apart as PEP 8 asks."""
    parts = [blocks[""]] if "" in blocks else []
    parts += [src for name, src in blocks.items() if name != ""]
    return ("\n\n\n".join(parts).rstrip("\n") + "\n").encode()


def _tree(repo: pygit2.Repository, files: dict[str, dict[str, str]]) -> pygit2.Oid:
    index = pygit2.Index()
    for path, blocks in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(render(blocks)), FileMode.BLOB))
    return index.write_tree(repo)


def build(path: str) -> pygit2.Repository:
    """Write the embedded repository as a bare repository at `path` (which must not hold one yet)."""
    isolate_config()
    repo = pygit2.init_repository(path, bare=True, initial_head="main")
    branches: dict[str, _Branch] = {}
    for step, (name, author_key, message, ops) in enumerate(HISTORY):
        author, email, offset = AUTHORS[author_key]
        when = START_TIME + step * 2 * 86_400 + 7 * 3600
        sig = pygit2.Signature(author, email, when, offset)
        branch = branches.setdefault(name, _Branch({}, []))
        parents = [branch.commits[-1][0]] if branch.commits else []
        for op in ops:
            if op[0] == "merge":
                commit, edits = branches[op[1]].commits[-1 - (op[2] if len(op) > 2 else 0)]
                for own_op in branches[op[1]].own[branch.merged.get(op[1], 0):edits]:
                    _apply(branch.files, own_op)
                branch.merged[op[1]] = edits
                parents.append(commit)
            elif op[0] in ("put", "drop", "mv"):
                _apply(branch.files, op)
                branch.own.append(op)
        tip = repo.create_commit(None, sig, sig, message + "\n", _tree(repo, branch.files), parents)
        branch.commits.append((tip, len(branch.own)))
        repo.references.create(f"refs/heads/{name}", tip, force=True)
        for op in ops:
            if op[0] == "tag":
                tagger = pygit2.Signature(author, email, when + 3600, offset)
                repo.create_tag(op[1], tip, ObjectType.COMMIT, tagger, f"Release {op[1]}: {op[2]}\n")
            elif op[0] == "branch":  # the new branch holds all of this one's edits so far
                files = {p: dict(blocks) for p, blocks in branch.files.items()}
                branches[op[1]] = _Branch(files, [(tip, 0)], [], {**branch.merged, name: len(branch.own)})
    return repo


_SOURCE_KEY = source_key(__file__)


def embedded_path() -> str:
    """The embedded repository, built once per user in the private cache (keyed by this module)."""
    return built_once(os.path.join(private_cache("embedded"), f"synth-{_SOURCE_KEY}.git"), build)


# Runs test functions of one file in a fresh interpreter (-I: no PYTHON* variables or user site; -S: no
# site module, the tests need only the standard library). It limits its own CPU time and memory before it
# imports anything from the repository, so no preexec_fn (and no slow fork) is needed. First the build:
# every module outside tests/ must compile, else the commit cannot be tested at all (like `git bisect
# skip`); then one line per test, `<name> PASSED` or `<name> FAILED: <error type>: <message>`.
_RUNNER = """
import importlib.util, os, resource, sys
path, names, cpu, memory = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
for folder, dirs, files in os.walk("."):
    dirs[:] = sorted(d for d in dirs if not (folder == "." and d == "tests"))
    for file in sorted(f for f in files if f.endswith(".py")):
        module_path = os.path.join(folder, file)[2:]
        try:
            with open(module_path, "rb") as fh:
                compile(fh.read(), module_path, "exec")
        except (SyntaxError, ValueError) as e:
            print(f"SKIPPED: the build is broken ({type(e).__name__} in {module_path}, line "
                  f"{getattr(e, 'lineno', '?')}), so no test can run at this commit")
            sys.exit(0)
sys.path.insert(0, ".")


def failure(e):
    return " ".join(f"FAILED: {type(e).__name__}: {e}".split())[:300]


try:
    spec = importlib.util.spec_from_file_location("test_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded = None
except BaseException as e:
    loaded = failure(e)
for name in names:
    if loaded:
        print(name, loaded)
        continue
    try:
        getattr(module, name)()
        print(name, "PASSED")
    except BaseException as e:
        print(name, failure(e))
"""
TEST_CPU_SECONDS = 5
TEST_MEMORY_BYTES = 512 * 2**20
SKIPPED = "SKIPPED"  # how a result line starts where the build is broken


def run_test(repo: pygit2.Repository, commit: str, test_id: str, test_source: str) -> tuple[bool, str]:
    """Run one test (`path::function`, its file given as `test_source`) against the code at `commit`.
    Returns (passed, one line saying how it went: PASSED, FAILED: ..., or SKIPPED: ... where the build
    is broken)."""
    path, name = test_id.split("::")
    line = run_tests(repo, commit, path, [name], test_source)[name]
    return line == "PASSED", line


def run_tests(repo: pygit2.Repository, commit: str, path: str, names: list[str],
              test_source: str) -> dict[str, str]:
    """Run test functions of one file (at `path`, its text `test_source`) against the code at `commit`:
    each name -> PASSED, FAILED: <error>, or SKIPPED: ... (every name) where the build is broken.

    The commit's files are written to a temporary folder and the tests run there in one separate process
    with CPU-time, memory and wall-clock limits.
    """
    with tempfile.TemporaryDirectory(prefix="kgtasks-test-") as work:
        _checkout(repo, repo[commit].peel(pygit2.Commit).tree, work)
        os.makedirs(os.path.dirname(os.path.join(work, path)), exist_ok=True)
        with open(os.path.join(work, path), "w", encoding="utf-8") as fh:
            fh.write(test_source)
        try:
            limits = [str(TEST_CPU_SECONDS), str(TEST_MEMORY_BYTES)]
            proc = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", _RUNNER, path, ",".join(names),
                                   *limits], cwd=work, capture_output=True, text=True,
                                  timeout=4 * TEST_CPU_SECONDS, env={"PATH": os.defpath})
            out = proc.stdout.replace(work + os.sep, "").strip().splitlines()
        except subprocess.TimeoutExpired:
            out = []
    if out and out[0].startswith(SKIPPED):
        return {name: out[0] for name in names}
    lines = dict(line.split(" ", 1) for line in out if " " in line)
    stopped = "FAILED: stopped (the time, CPU or memory limit was hit)"
    return {name: lines.get(name, stopped) for name in names}


def test_source(repo: pygit2.Repository, commit: str, test: str) -> str:
    """The source of the file defining `test` (`path::function`) at a commit, or "" if it has no such test."""
    path, name = test.split("::")
    try:
        source = repo[commit].peel(pygit2.Commit).tree[path].data.decode()
    except KeyError:
        return ""
    return source if name in python_symbols(source.encode()) else ""


def _checkout(repo: pygit2.Repository, tree: pygit2.Tree, folder: str) -> None:
    for entry in tree:
        target = os.path.join(folder, entry.name)
        if entry.type_str == "tree":
            os.makedirs(target, exist_ok=True)
            _checkout(repo, repo[entry.id], target)
        elif entry.type_str == "blob":
            with open(target, "wb") as fh:
                fh.write(repo[entry.id].data)


# Calls module-level functions of the repository's code in a fresh interpreter, limited as _RUNNER is:
# reads [[folder, module, function, arguments as a Python literal tuple], ...] and prints each result's
# repr, or null where the import or the call raised. Before each folder's calls it forgets every module
# imported since start-up, so that each commit's code is imported afresh.
_CALLER = """
import ast, importlib, json, resource, sys
cpu, memory = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
start, here, out = set(sys.modules), None, []
for folder, module, name, args in json.loads(sys.stdin.read()):
    if folder != here:
        for loaded in set(sys.modules) - start:
            del sys.modules[loaded]
        sys.path[:1], here = [folder], folder
        importlib.invalidate_caches()
    try:
        out.append(repr(getattr(importlib.import_module(module), name)(*ast.literal_eval(args))))
    except BaseException:
        out.append(None)
print(json.dumps(out))
"""


def call_functions(repo: pygit2.Repository, calls: list[tuple[str, str, str, str]]) -> list[str | None]:
    """The repr of each call (commit, module path like `agent/returns.py`, function name, the text inside
    the call's parentheses) on the code at that commit, or None where it gives no value (the import or
    the call raised). One process for all the calls; if it is stopped (limits), one per commit."""
    commits = sorted({c for c, *_ in calls})
    with tempfile.TemporaryDirectory(prefix="kgtasks-call-") as work:
        folders = {c: os.path.join(work, c) for c in commits}
        for c, folder in folders.items():
            os.makedirs(folder)
            _checkout(repo, repo[c].peel(pygit2.Commit).tree, folder)
        request = [(folders[c], path.removesuffix(".py").replace("/", "."), name, f"({args},)")
                   for c, path, name, args in calls]
        results = _call(request, TEST_CPU_SECONDS * len(commits))
        if results is None and len(commits) > 1:
            return [r for c in commits for r in call_functions(repo, [x for x in calls if x[0] == c])]
    return results if results is not None else [None] * len(calls)


def _call(request: list[tuple[str, str, str, str]], cpu: int) -> list[str | None] | None:
    try:
        command = [sys.executable, "-I", "-S", "-B", "-c", _CALLER, str(cpu), str(TEST_MEMORY_BYTES)]
        proc = subprocess.run(command, input=json.dumps(request), capture_output=True, text=True,
                              timeout=4 * cpu, env={"PATH": os.defpath})
        results = json.loads(proc.stdout)
    except (subprocess.TimeoutExpired, ValueError):
        return None
    return results if isinstance(results, list) and len(results) == len(request) else None
