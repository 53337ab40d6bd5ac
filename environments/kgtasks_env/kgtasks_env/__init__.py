"""kgtasks task files as a verifiers 0.4 environment: `load_environment(path=..., family=...)`."""
from verifiers.v1.harnesses.null import NullHarness

from kgtasks_env.taskset import KgTaskset, load_environment


class KgHarness(NullHarness):
    """The default harness of this environment: verifiers' plain chat loop over MCP tools."""


__all__ = ["KgHarness", "KgTaskset", "load_environment"]
