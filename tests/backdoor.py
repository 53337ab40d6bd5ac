"""Brute-force backdoor search over every set of observed variables: the independent check the causal
identify tests hold the generator's identifiability and estimator sets against."""
import itertools

import networkx as nx

from graphs import causal as cg


def observed_sets(dag: nx.DiGraph, x: str, y: str, latent: list[str], most: int | None = None) -> list[tuple]:
    """Every set of observed variables other than x and y (of at most `most` members), smallest first."""
    observed = sorted(set(dag) - set(latent) - {x, y})
    sizes = range(len(observed) + 1 if most is None else min(most, len(observed)) + 1)
    return [z for k in sizes for z in itertools.combinations(observed, k)]


def has_backdoor_set(dag: nx.DiGraph, x: str, y: str, latent: list[str], most: int | None = None) -> bool:
    """Whether some set of observed variables (of at most `most` members) blocks every backdoor path."""
    return any(cg.blocks_backdoor_paths(dag, x, y, z) for z in observed_sets(dag, x, y, latent, most))
