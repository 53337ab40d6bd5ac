"""The exact truth of a binary identify task, from its recorded SCM: the independent check the causal
identify tests hold the generator's effect against."""
import itertools

import numpy as np

from graphs import causal as cg


def brute_force_ace(task):
    """P(y=1 | do(x=1)) - P(y=1 | do(x=0)): the truncated factorization summed over every assignment."""
    dag = cg.dag_from(task.truth["variables"], task.truth["dag"])
    x, y = task.truth["treatment"], task.truth["outcome"]
    names, cpts, p_y = list(dag), task.truth["cpts"], [0.0, 0.0]
    for values in itertools.product((0, 1), repeat=len(names)):
        a = dict(zip(names, values, strict=True))
        if a[y] != 1:
            continue
        p = 1.0
        for v in names:
            if v != x:
                q = float(np.asarray(cpts[v])[tuple(a[u] for u in sorted(dag.predecessors(v)))])
                p *= q if a[v] else 1 - q
        p_y[a[x]] += p
    return p_y[1] - p_y[0]
