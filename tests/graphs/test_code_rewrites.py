"""Each component's rewrites (locate's later versions that read like a slip) give the reference's values
on inputs drawn well beyond the hidden cases (other shapes, zeros, ties, boundaries, other constants),
and each one changes the reference's code: a rewrite must be right on every input, not on the cases
alone, since the model is not shown the cases' inputs."""
import random

import numpy as np
import pytest

from graphs import code_components as CC
from graphs.code_history import _close, renamed_locals


def _floats(rng, *shape, low=-3.0, high=3.0, whole=False):
    a = np.array([rng.uniform(low, high) for _ in range(int(np.prod(shape)))]).reshape(shape)
    return np.round(a) if whole else a


def _dones(rng, *shape):
    return np.array([float(rng.random() < 0.3) for _ in range(int(np.prod(shape)))]).reshape(shape)


def _probs(rng, b, n):
    w = np.array([[rng.choice([0, 1, 2, 5]) for _ in range(n)] for _ in range(b)], dtype=float)
    w[:, 0] += 1.0
    return w / w.sum(axis=1, keepdims=True)


def _inputs(key, rng):
    """(function, kwargs) drawn at random for a component, edge cases included by chance."""
    whole = rng.random() < 0.5  # integers make ties and exact boundaries likely
    b, a = rng.randint(1, 5), rng.randint(1, 5)
    if key == "dueling":
        return "dueling_q", {"value": _floats(rng, b), "advantages": _floats(rng, b, a, whole=whole)}
    if key == "double_dqn":
        return "double_dqn_target", {"rewards": _floats(rng, b), "dones": _dones(rng, b),
                                     "next_q_online": _floats(rng, b, a, whole=whole),
                                     "next_q_target": _floats(rng, b, a), "gamma": rng.uniform(0, 1)}
    if key == "n_step_returns":
        return "n_step_return", {"rewards": _floats(rng, b, a), "dones": _dones(rng, b, a),
                                 "bootstrap": _floats(rng, b), "gamma": rng.choice([0.0, 0.5, 0.99, 1.0])}
    if key == "puct":
        return "puct_select", {"priors": _probs(rng, 1, a + 1)[0],
                               "visits": np.array([float(rng.randint(0, 4)) for _ in range(a + 1)]),
                               "q_values": _floats(rng, a + 1, low=-1, high=1, whole=whole),
                               "c_puct": rng.choice([0.5, 1.0, 2.0])}
    if key == "noisy_layer":
        p, q = rng.randint(1, 4), rng.randint(1, 4)
        return "noisy_linear", {"x": _floats(rng, b, p), "mu_w": _floats(rng, q, p),
                                "sigma_w": _floats(rng, q, p), "mu_b": _floats(rng, q),
                                "sigma_b": _floats(rng, q), "eps_in": _floats(rng, p, whole=whole),
                                "eps_out": _floats(rng, q, whole=whole)}
    if key == "n_step_value_targets":
        t = rng.randint(1, 8)
        return "n_step_value_targets", {"rewards": _floats(rng, t), "values": _floats(rng, t),
                                        "gamma": rng.choice([0.0, 0.5, 0.997, 1.0]), "n": rng.randint(1, 9)}
    if key == "prioritized_replay":
        n = rng.randint(1, 6)
        priorities = np.array([float(rng.choice([0, 0, 1, 2, 4])) if whole else rng.uniform(0, 3)
                               for _ in range(n)])
        priorities[rng.randrange(n)] = 1.0 + rng.random()
        edges = list(np.cumsum(priorities / priorities.sum())[:-1])  # boundaries where alpha = 1
        u = np.array([rng.choice(edges) if edges and rng.random() < 0.4 else rng.random() for _ in range(4)])
        return "prioritized_sample", {"priorities": priorities, "u": u, "alpha": rng.choice([0.0, 0.6, 1.0]),
                                      "beta": rng.choice([0.0, 0.4, 1.0])}
    if key == "value_transform":
        name = rng.choice(["h", "h_inv"])
        arg = {"h": "x", "h_inv": "y"}[name]
        return name, {arg: _floats(rng, b, a, low=-1e4, high=1e4, whole=whole),
                      "eps": rng.choice([0.001, 0.01, 0.1])}
    if key == "c51_projection":
        n = rng.randint(2, 12)
        v_min = rng.choice([-10.0, -5.0, -1.0, -2.5])
        v_max = v_min + rng.choice([1.0, 2.0, 7.5, 10.0])
        return "project_distribution", {"next_probs": _probs(rng, b, n), "rewards": _floats(rng, b, low=-12,
                                        high=12, whole=whole), "dones": _dones(rng, b),
                                        "gamma": rng.choice([0.5, 0.9, 1.0]), "v_min": v_min, "v_max": v_max}
    if key == "value_support":
        s = rng.randint(1, 6)
        if rng.random() < 0.5:
            return "scalar_to_support", {"x": _floats(rng, b, low=-60, high=60, whole=whole),
                                         "support_size": s}
        return "support_to_scalar", {"probs": _probs(rng, b, 2 * s + 1), "support_size": s}
    raise AssertionError(key)


def _run(namespace, name, kwargs):
    with np.errstate(all="ignore"):
        return CC.to_json(namespace[name](**kwargs))


@pytest.mark.parametrize("key", sorted(CC.COMPONENTS))
def test_every_rewrite_gives_the_references_values_on_random_inputs(key):
    c = CC.COMPONENTS[key]
    assert len(c.rewrites) >= 2
    reference = CC.reference_namespace()
    for name, source in c.rewrites.items():
        assert source.strip() not in (c.reference.strip(), c.looped.strip()), name
        namespace = CC.reference_namespace()
        exec(CC.committed(c, name), namespace)  # noqa: S102 (the project's own sources)
        rng = random.Random(name)
        for _ in range(300):
            function, kwargs = _inputs(key, rng)
            want, got = _run(reference, function, kwargs), _run(namespace, function, kwargs)
            assert _close(want, got), (name, function, kwargs, want, got)


@pytest.mark.parametrize("key", sorted(CC.COMPONENTS))
def test_the_random_inputs_tell_every_mutant_from_the_reference(key):
    # the draws above are sharp enough to catch the slips the rewrites resemble
    c = CC.COMPONENTS[key]
    reference = CC.reference_namespace()
    for name in c.mutants:
        namespace = CC.reference_namespace()
        exec(CC.committed(c, name), namespace)  # noqa: S102 (the project's own sources)
        rng = random.Random(name)
        caught = False
        for _ in range(300):
            function, kwargs = _inputs(key, rng)
            try:
                got = _run(namespace, function, kwargs)
            except Exception:  # noqa: BLE001 (a slip that raises is caught)
                caught = True
                break
            if not _close(_run(reference, function, kwargs), got):
                caught = True
                break
        assert caught, name


def _values(source, key, seed):
    namespace = CC.reference_namespace()
    exec(source, namespace)  # noqa: S102 (the project's own sources)
    rng = random.Random(seed)
    out = []
    for _ in range(60):
        function, kwargs = _inputs(key, rng)
        try:
            out.append(_run(namespace, function, kwargs))
        except Exception as error:  # noqa: BLE001 (a slip may raise: the renamed one must raise alike)
            out.append(type(error).__name__)
    return out


def _same(want, got):
    """The same result: the same error, or the same values (a slip's nan in the same places)."""
    if isinstance(want, str) or isinstance(got, str):
        return want == got
    if "tuple" in want:
        return "tuple" in got and all(_same(w, g) for w, g in zip(want["tuple"], got["tuple"], strict=True))
    return want["shape"] == got["shape"] and bool(np.allclose(want["values"], got["values"], equal_nan=True))


@pytest.mark.parametrize("key", sorted(CC.COMPONENTS))
def test_renaming_a_versions_locals_changes_its_lines_but_not_its_values(key):
    c = CC.COMPONENTS[key]
    versions = ("reference", "looped", *c.mutants)
    changed = 0
    for version in versions:
        source = CC.committed(c, version)
        for seed in range(3):
            renamed = renamed_locals(source, random.Random(seed))
            lines = [a != b for a, b in zip(source.splitlines(), renamed.splitlines(), strict=True)]
            changed += any(lines) and sum(lines) >= len(lines) // 4
            want, got = _values(source, key, seed), _values(renamed, key, seed)
            assert all(_same(w, g) for w, g in zip(want, got, strict=True)), (version, seed)
    assert changed >= 3 * len(versions) // 2  # most versions have locals to rename (a two-liner may not)
