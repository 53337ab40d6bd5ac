"""Integration: several components of one lineage, all missing at the task's cut-off, combined in one
agent whose learning step needs each of them (graphs.code_wiring's Wiring, with its `components`).

The Rainbow agent draws slots by priority (prioritized replay), picks the next action as Double DQN
does on the distributions' expected returns, builds the n-step distributional target (n-step returns,
gamma ** n, no bootstrap past an episode's end), projects it as C51 does, weights each per-sample loss
by its importance weight and sets the new priorities from that loss. Each combination rule is a place
to slip; the hidden cases drive every method, and the grader names the first piece that went wrong.
"""
from __future__ import annotations

import random
from typing import Any

from graphs.code_components import _arr, _dones, _probs
from graphs.code_wiring import _STUB, Conventions, Wiring, _muzero, _muzero_cases, _muzero_slips

# method -> reason code of a wrong value (a tuple: one per part of the returned tuple)
REASONS = {"next_action": "wrong_agent_action", "target_distribution": "wrong_agent_target",
           "learn": ("wrong_agent_loss", "wrong_agent_priorities"), "sample": "wrong_agent_sampling"}


def _docstring(cv: Conventions) -> str:
    bounds, ended = cv["support"] == "bounds", cv["mask"] == "dones"
    per_step, powered = cv["rewards"] == "per_step", cv["store"] == "powered"
    support = ("the n_atoms evenly spaced atoms from v_min to v_max (both included), which the\n    agent "
               "keeps as its bounds" if bounds else "the atoms given as `support` (evenly spaced and "
               "increasing), which the\n    agent keeps as an array")
    store = ("p ** alpha (already raised to the exponent)" if powered else "p itself (not raised to alpha)")
    if per_step:
        rewards = ('"rewards" (B, n_steps): rewards[b, k] is the reward of step k after the state.\n        '
                   + ('"dones" (B, n_steps): 1.0 where step k ended the episode, else 0.0.' if ended else
                      '"continues" (B, n_steps): 0.0 where step k ended the episode, else 1.0.'))
    else:
        rewards = ('"rewards" (B,): the discounted sum of the n_steps rewards after the state, up to the\n'
                   '            episode\'s end (the replay sums them).\n        '
                   + ('"dones" (B,): 1.0 where the episode ended within those n_steps steps, else 0.0.'
                      if ended else '"continues" (B,): 1.0 while the episode goes on after those n_steps '
                                    'steps, 0.0\n            where it ended within them.'))
    return f'''class RainbowAgent:
    """A Rainbow agent's learning step: C51 distributions on a fixed support, the next action chosen as
    in Double DQN, n-step targets, and a prioritized replay whose priorities come from the loss.

    Its support is {support}; atoms() gives them.
    Its replay has `capacity` slots. A slot's priority is p; the agent stores
    {store} in self.priorities. add() gives each new transition the largest value stored so far (1.0 while
    there is none), in the next slot in turn (the oldest overwritten once the replay is full).
    sample() draws among the filled slots with rl.replay.prioritized_sample, a slot's sampling
    probability being p ** alpha over the sum of the filled slots', with the importance-sampling
    exponent beta(step).

    A batch is a dict of arrays, for B transitions drawn at distinct slots, A actions and N atoms:
        {rewards}
        "next_probs_online" (B, A, N): the online network's return distributions at the state n_steps
            later; "next_probs_target" (B, A, N): the target network's, at that state.
        "probs" (B, N): the online network's predicted distribution of the action taken, at the state
            (every entry > 0).
    """
'''


def _rainbow(cv: Conventions, version: str) -> str:
    bounds, ended = cv["support"] == "bounds", cv["mask"] == "dones"
    per_step, powered, kl = cv["rewards"] == "per_step", cv["store"] == "powered", cv["loss"] == "kl"
    init_args = "v_min, v_max, n_atoms" if bounds else "support"
    init_body = ("self.v_min, self.v_max, self.n_atoms = float(v_min), float(v_max), int(n_atoms)" if bounds
                 else "self.support = np.asarray(support, dtype=float)")
    atoms = "np.linspace(self.v_min, self.v_max, self.n_atoms)" if bounds else "self.support"
    loss_doc = ("the KL divergence sum_j m[b, j] * log(m[b, j] / probs[b, j]) (a term with\n        m[b, j] = 0 "
                "counts 0)" if kl else "the cross-entropy -sum_j m[b, j] * log(probs[b, j])")
    head = _docstring(cv) + f'''
    def __init__(self, capacity, {init_args}, gamma, n_steps, alpha, beta_start, beta_steps, eps):
        {init_body}
        self.gamma, self.n_steps = float(gamma), int(n_steps)
        self.alpha, self.beta_start, self.beta_steps, self.eps = float(alpha), float(beta_start), beta_steps, eps
        self.priorities = np.zeros(int(capacity))
        self.size, self.next = 0, 0

    def atoms(self):
        """The support's atoms, (N,), increasing."""
        return {atoms}

    def beta(self, step):
        """The importance-sampling exponent at a training step: beta_start growing to 1 over beta_steps."""
        return min(1.0, self.beta_start + (1.0 - self.beta_start) * step / self.beta_steps)

    def add(self, count):
        """Store `count` new transitions, each with the largest stored priority (1.0 if none)."""
        for _ in range(int(count)):
            self.priorities[self.next] = self.priorities[:self.size].max() if self.size else 1.0
            self.next = (self.next + 1) % len(self.priorities)
            self.size = min(self.size + 1, len(self.priorities))

    def sample(self, u, step):
        """Draw one filled slot per number of u in [0, 1) at this training step: (slots, weights), the
        importance-sampling weights normalised as rl.replay.prioritized_sample does."""
'''
    next_doc = '''

    def next_action(self, batch):
        """The action each transition bootstraps from, (B,), as Rainbow picks it (Double DQN's rule on
        the distributions' expected returns over the atoms); the first on ties."""
'''
    rewards = ("the n_steps rewards' n-step return as\n        rl.returns.n_step_return computes it" if per_step
               else "the summed rewards")
    target_doc = f'''

    def target_distribution(self, batch):
        """The target distributions m, (B, N): the target network's distribution of next_action(batch),
        under the n-step distributional Bellman update ({rewards}, plus gamma ** n_steps times the
        return; no bootstrap where the episode ended within the n steps), projected onto the support
        as C51 does (rl.distributional.project_distribution)."""
'''
    learn_doc = f'''

    def learn(self, batch, slots, weights):
        """One update on a batch drawn at the distinct `slots` (B,) with importance weights `weights`
        (B,), as sample() returned them. With m = target_distribution(batch) and probs = batch["probs"],
        the per-sample loss l[b] is {loss_doc}.
        Returns (loss, stored): the mean over the batch of weights[b] * l[b], and what the agent now
        stores at each of `slots` (B,), for the next sample(): the slot's new priority p = l[b] + eps,
        in the form the agent stores priorities."""
'''
    alpha = "1.0" if powered else "self.alpha"
    mask = 'np.asarray(batch["dones"], dtype=float)' if ended else '1.0 - np.asarray(batch["continues"], dtype=float)'
    if per_step:
        returns = f'''dones = {mask}
        returns = n_step_return(batch["rewards"], dones, np.zeros(len(dones)), self.gamma)
        ended = dones.max(axis=1)'''
    else:
        returns = f'''returns, ended = np.asarray(batch["rewards"], dtype=float), {mask}'''
    per_sample = ("(target * (np.log(np.where(target > 0, target, 1.0)) - logp)).sum(axis=1)" if kl
                  else "-(target * logp).sum(axis=1)")
    stored = "priorities ** self.alpha" if powered else "priorities"
    ref = {
        "sample": f'''        return prioritized_sample(self.priorities[:self.size], u, {alpha}, self.beta(step))''',
        "next_action": '''        return np.argmax(np.asarray(batch["next_probs_online"], dtype=float) @ self.atoms(), axis=1)''',
        "target_distribution": f'''        rows = np.arange(len(batch["rewards"]))
        chosen = np.asarray(batch["next_probs_target"], dtype=float)[rows, self.next_action(batch)]
        {returns}
        atoms = self.atoms()
        return project_distribution(chosen, returns, ended, self.gamma ** self.n_steps, atoms[0], atoms[-1])''',
        "learn": f'''        target = self.target_distribution(batch)
        logp = np.log(np.clip(np.asarray(batch["probs"], dtype=float), 1e-12, None))
        losses = {per_sample}
        priorities = losses + self.eps
        self.priorities[np.asarray(slots, dtype=int)] = {stored}
        return float((np.asarray(weights, dtype=float) * losses).mean()), {stored}''',
    }
    bodies = dict(ref)
    if version == "scaffold":
        what = {"sample": "prioritized sampling", "next_action": "the Double DQN choice",
                "target_distribution": "the n-step categorical target", "learn": "the prioritized update"}
        bodies = {k: _STUB.format(what=what[k]) for k in ref}
    elif version == "alternative":
        bodies = _alternative(cv)
    elif version != "reference":
        bodies.update(_slip(cv, version, ref))
    return (head + bodies["sample"] + next_doc + bodies["next_action"] + target_doc + bodies["target_distribution"]
            + learn_doc + bodies["learn"])


def _alternative(cv: Conventions) -> dict[str, str]:
    """A second correct agent, written apart from the reference: plain loops over the batch."""
    ended, per_step = cv["mask"] == "dones", cv["rewards"] == "per_step"
    alpha = "1.0" if cv["store"] == "powered" else "self.alpha"
    flag = 'float(batch["dones"][b]' if ended else '1.0 - float(batch["continues"][b]'
    if per_step:
        row = f'''total, discount, stop = 0.0, 1.0, 0.0
            for k in range(self.n_steps):
                total += discount * float(batch["rewards"][b][k])
                discount *= self.gamma
                if {flag}[k]) == 1.0:
                    stop = 1.0
                    break'''
    else:
        row = f'''total, stop = float(batch["rewards"][b]), {flag})'''
    kl = cv["loss"] == "kl"
    term = ("(m * math.log(m / p) if m > 0 else 0.0)" if kl else "-m * math.log(p)")
    powered = cv["store"] == "powered"
    return {
        "sample": f'''        beta = min(1.0, self.beta_start + (1.0 - self.beta_start) * step / self.beta_steps)
        slots, weights = prioritized_sample(np.array(list(self.priorities[:self.size])), u, {alpha}, beta)
        return np.asarray(slots), np.asarray(weights)''',
        "next_action": '''        atoms, picks = list(self.atoms()), []
        for per_action in batch["next_probs_online"]:
            means = [sum(p * z for p, z in zip(row, atoms)) for row in per_action]
            picks.append(max(range(len(means)), key=lambda a: (means[a], -a)))
        return np.array(picks)''',
        "target_distribution": f'''        atoms, actions, out = self.atoms(), self.next_action(batch), []
        for b, action in enumerate(actions):
            {row}
            projected = project_distribution(np.asarray(batch["next_probs_target"], dtype=float)[b, action][None, :],
                                             np.array([total]), np.array([stop]), self.gamma ** self.n_steps,
                                             float(atoms.min()), float(atoms.max()))
            out.append(projected[0])
        return np.array(out)''',
        "learn": f'''        import math
        target, total, priorities = self.target_distribution(batch), 0.0, []
        for b, slot in enumerate(slots):
            loss = sum({term} for m, p in zip(target[b], batch["probs"][b]))
            total += float(weights[b]) * loss
            priorities.append((loss + self.eps) ** self.alpha if {powered!r} else loss + self.eps)
            self.priorities[int(slot)] = priorities[-1]
        return total / len(slots), np.array(priorities)''',
    }


def _slip(cv: Conventions, version: str, ref: dict[str, str]) -> dict[str, str]:
    """One method of the reference replaced by a slip a hasty reader makes."""
    if version == "target_network_chooses":
        return {"next_action": ref["next_action"].replace("next_probs_online", "next_probs_target")}
    if version == "one_step_discount":
        return {"target_distribution": ref["target_distribution"].replace("self.gamma ** self.n_steps,",
                                                                          "self.gamma,")}
    if version == "mask_read_as_dones":
        return {"target_distribution": ref["target_distribution"].replace(
            '1.0 - np.asarray(batch["continues"], dtype=float)', 'np.asarray(batch["continues"], dtype=float)')}
    if version == "bootstrap_after_an_early_end":  # the episode's end read off the last step only
        return {"target_distribution": ref["target_distribution"].replace("dones.max(axis=1)", "dones[:, -1]")}
    if version == "priorities_from_the_td_error":
        return {"learn": ref["learn"].replace(
            "priorities = losses + self.eps",
            'priorities = np.abs((target - np.asarray(batch["probs"], dtype=float)) @ self.atoms()) + self.eps')}
    if version == "weights_ignored":
        return {"learn": ref["learn"].replace("(np.asarray(weights, dtype=float) * losses).mean()", "losses.mean()")}
    if version == "the_other_divergence":
        other = dict(cv, loss="cross_entropy" if cv["loss"] == "kl" else "kl")
        return {"learn": _rainbow_ref_learn(other)}
    if version == "alpha_applied_twice":
        return {"sample": ref["sample"].replace("u, 1.0,", "u, self.alpha,")}
    if version == "priorities_stored_raw":  # consistent in itself, but not the form the docstring states
        return {"learn": ref["learn"].replace("priorities ** self.alpha", "priorities"),
                "sample": ref["sample"].replace("u, 1.0,", "u, self.alpha,")}
    if version == "beta_not_annealed":
        return {"sample": ref["sample"].replace("self.beta(step)", "self.beta_start")}
    raise KeyError(version)


def _rainbow_ref_learn(cv: Conventions) -> str:
    source = _rainbow(cv, "reference")
    return "        target = self.target_distribution(batch)" + source.split(
        "        target = self.target_distribution(batch)", 1)[1]


def _slips(cv: Conventions) -> tuple[str, ...]:
    out = ("target_network_chooses", "one_step_discount", "priorities_from_the_td_error", "weights_ignored",
           "the_other_divergence", "beta_not_annealed")
    out += ("mask_read_as_dones",) if cv["mask"] == "continues" else ()
    out += ("bootstrap_after_an_early_end",) if cv["rewards"] == "per_step" else ()
    out += ("alpha_applied_twice", "priorities_stored_raw") if cv["store"] == "powered" else ()
    return out


def _batch(rng: random.Random, cv: Conventions, size: int, actions: int, atoms: int, n_steps: int,
           rewards: list | None = None, ended: list | None = None) -> dict[str, Any]:
    per_step = cv["rewards"] == "per_step"
    if ended is None:
        ended = _dones(rng, size, n_steps, p=0.2) if per_step else _dones(rng, size)
    if rewards is None:
        rewards = _arr(rng, size, n_steps, low=-1.0, high=1.0) if per_step else _arr(rng, size, low=-2.0, high=2.0)
    key = "dones" if cv["mask"] == "dones" else "continues"
    mask = ended if key == "dones" else [[1.0 - e for e in row] if per_step else 1.0 - row for row in ended]
    return {"rewards": rewards, key: mask,
            "next_probs_online": [_probs(rng, actions, atoms) for _ in range(size)],
            "next_probs_target": [_probs(rng, actions, atoms) for _ in range(size)],
            "probs": _probs(rng, size, atoms)}


def _init(cv: Conventions, capacity: int, v_min: float, v_max: float, n_atoms: int, gamma: float,
          n_steps: int) -> dict[str, Any]:
    if cv["support"] == "bounds":
        support: dict[str, Any] = {"v_min": v_min, "v_max": v_max, "n_atoms": n_atoms}
    else:
        support = {"support": [v_min + j * (v_max - v_min) / (n_atoms - 1) for j in range(n_atoms)]}
    return {"capacity": capacity, **support, "gamma": gamma, "n_steps": n_steps, "alpha": 0.6,
            "beta_start": 0.4, "beta_steps": 200, "eps": 0.01}


def _weights(rng: random.Random, size: int) -> list:
    return [round(rng.uniform(0.2, 1.0), 3) for _ in range(size)]


def _u(rng: random.Random) -> list:
    return [round(rng.uniform(0.0, 0.99), 3) for _ in range(6)]


def _cases(rng: random.Random, cv: Conventions) -> list[tuple[str, dict[str, Any]]]:
    per_step = cv["rewards"] == "per_step"
    # gamma 1 and whole rewards: targets land on atoms and beyond; the second episode ends early
    on_atoms = _init(cv, 8, -3.0, 3.0, 7, 1.0, 2)
    rewards = [[1.0, 0.0], [-1.0, -1.0], [2.0, 3.0]] if per_step else [1.0, -2.0, 5.0]
    ended = [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]] if per_step else [0.0, 1.0, 0.0]
    three = _init(cv, 8, -5.0, 5.0, 11, 0.9, 3)
    early = [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]] if per_step else None
    learner = _init(cv, 8, -2.0, 2.0, 5, 0.95, 3)
    small = _init(cv, 6, -2.0, 2.0, 5, 0.95, 3)

    def learned(slots: list[int], count: int) -> list:
        return [["add", {"count": count}],
                ["learn", {"batch": _batch(rng, cv, len(slots), 3, 5, 3), "slots": slots,
                           "weights": _weights(rng, len(slots))}]]

    return [
        ("RainbowAgent.next_action", {"init": three, "call": {"batch": _batch(rng, cv, 6, 3, 11, 3)}}),
        ("RainbowAgent.target_distribution", {"init": on_atoms, "call": {"batch": _batch(
            rng, cv, 3, 2, 7, 2, rewards=rewards, ended=ended)}}),
        ("RainbowAgent.target_distribution", {"init": three, "call": {"batch": _batch(
            rng, cv, 4, 3, 11, 3, ended=early)}}),
        ("RainbowAgent.learn", {"init": learner, "before": [["add", {"count": 6}]],
                                "call": {"batch": _batch(rng, cv, 4, 3, 5, 3), "slots": [1, 4, 0, 5],
                                         "weights": _weights(rng, 4)}}),
        ("RainbowAgent.sample", {"init": small, "before": [["add", {"count": 5}]], "call": {"u": _u(rng), "step": 0}}),
        ("RainbowAgent.sample", {"init": small, "before": learned([0, 2, 5], 6) + [["add", {"count": 2}]],
                                 "call": {"u": _u(rng), "step": 50}}),
        ("RainbowAgent.sample", {"init": learner, "before": learned([3, 1, 2], 5), "call": {"u": _u(rng), "step": 500}}),
    ]


_CHOICES = {"support": ("bounds", "atoms"), "mask": ("dones", "continues"), "store": ("raw", "powered"),
            "loss": ("cross_entropy", "kl")}
_RULES = (
    "the next action chosen by the online network's distributions (Double DQN's rule, by the expected "
    "return over the atoms) and valued by the target network's distribution",
    "the n-step distributional target: discount gamma ** n_steps on the return, no bootstrap where the "
    "episode ended within the n steps",
    "the new priorities set from learn's per-sample loss (as Rainbow prioritizes), not from a TD error",
    "the importance-sampling weights scaling each per-sample loss",
    "sampling from the stored priorities with the exponent alpha applied once, and beta at the step given",
)


def _wiring(name: str, components: tuple[str, ...], rewards: str, imports: str) -> Wiring:
    return Wiring(
        component="c51_projection", path="rl/agent.py", cls="RainbowAgent",
        stubs=("sample", "next_action", "target_distribution", "learn"),
        methods=("next_action", "target_distribution", "learn", "sample"),
        doc="A Rainbow agent: prioritized replay, Double DQN's choice, n-step C51 targets.",
        scaffold_imports="", imports=imports, choices={**_CHOICES, "rewards": (rewards,)},
        render=_rainbow, slips=_slips, cases=_cases,
        edge_cases=("calls of add and learn before sample (the hidden tests call them as documented)",
                    "targets exactly on atoms and beyond the support", "episodes that end within the n steps",
                    "the two networks preferring different actions", "a step after beta reached 1"),
        components=components, rules=_RULES, reasons=REASONS, name=name, paper="1710.02298")


RAINBOW2 = _wiring("rainbow2", ("prioritized_replay", "c51_projection"), "summed",
                   "from rl.distributional import project_distribution\nfrom rl.replay import prioritized_sample")
RAINBOW3 = _wiring("rainbow3", ("prioritized_replay", "n_step_returns", "c51_projection"), "per_step",
                   "from rl.distributional import project_distribution\nfrom rl.replay import prioritized_sample\n"
                   "from rl.returns import n_step_return")



# --- MuZero's value head, with its n-step targets, its transform and its support all missing -------

_MUZERO_TARGETS = ('        return n_step_value_targets(episode["rewards"], episode["root_values"], self.discount,\n'
                   '                                    self.td_steps)')
_MUZERO_SLIPS = {  # slips of value_targets, which the one-component wiring gives written
    "targets_not_bootstrapped": '''        return n_step_value_targets(episode["rewards"], np.zeros(len(episode["rewards"])),
                                    self.discount, self.td_steps)''',
    "bootstrap_one_step_early": '''        values = np.asarray(episode["root_values"], dtype=float)
        return n_step_value_targets(episode["rewards"], np.concatenate([values[1:], [0.0]]), self.discount,
                                    self.td_steps)''',
}


def _muzero_integrated(cv: Conventions, version: str) -> str:
    """The value learner of graphs.code_wiring, with value_targets a stub at the cut-off too."""
    source = _muzero(cv, "reference" if version in _MUZERO_SLIPS else version)
    if version == "scaffold":
        return source.replace(_MUZERO_TARGETS, _STUB.format(what="the n-step value target"))
    if version in _MUZERO_SLIPS:
        return source.replace(_MUZERO_TARGETS, _MUZERO_SLIPS[version])
    return source


def _muzero_integrated_slips(cv: Conventions) -> tuple[str, ...]:
    return (*_muzero_slips(cv), *sorted(_MUZERO_SLIPS))


def _muzero_integrated_cases(rng: random.Random, cv: Conventions) -> list[tuple[str, dict[str, Any]]]:
    episode = {"rewards": _arr(rng, 6, low=-5.0, high=40.0), "root_values": _arr(rng, 6, low=0.0, high=90.0)}
    return [("ValueLearner.value_targets", {"init": {"support_size": 10, "discount": 0.997, "td_steps": 3},
                                            "call": {"episode": episode}}), *_muzero_cases(rng, cv)]


MUZERO3 = Wiring(
    component="value_support", path="search/learner.py", cls="ValueLearner",
    stubs=("value_targets", "target_distributions", "predicted_values"),
    methods=("value_targets", "target_distributions", "predicted_values", "learn"),
    doc="Training MuZero's value head on its categorical support.",
    scaffold_imports="", imports="from search.support import scalar_to_support, support_to_scalar\n"
                                 "from search.targets import n_step_value_targets",
    choices={"outputs": ("logits", "probs"), "targets": ("n_step",)},
    render=_muzero_integrated, slips=_muzero_integrated_slips, cases=_muzero_integrated_cases,
    edge_cases=("values beyond the support", "the last steps of an episode",
                "the head's outputs as its docstring says they are"),
    components=("value_transform", "n_step_value_targets", "value_support"),
    rules=("each step's value target bootstrapped from the search's root value td_steps steps on, after the "
           "discounted rewards before it, with no bootstrap past the episode's end",
           "the value target transformed by h exactly once before its two-hot representation on the support",
           "the cross-entropy against the head's probabilities, taken from its outputs as its docstring says "
           "they are",
           "values read off the support as the expectation mapped back through h_inv"),
    reasons={"value_targets": "wrong_agent_target", "target_distributions": "wrong_agent_target",
             "learn": "wrong_agent_loss"},
    name="muzero3", paper="1911.08265")

INTEGRATIONS: dict[int, list[Wiring]] = {2: [RAINBOW2], 3: [RAINBOW3, MUZERO3]}
