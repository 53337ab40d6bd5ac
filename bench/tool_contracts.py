"""The tool kind's time budget, per contract at its default (large) size: the CPU time of the reference
and of each independent implementation as a ratio to the per-instance limit (target <= 0.1), and of
the brute force, where the contract has one (target >= 10; it is stopped at 10 times the limit, so
"> 10" is a pass). Run in-process, on instances drawn as the grader draws them.
"""
from __future__ import annotations

import signal
import time

import numpy as np

from generators import tool_kind
from graders.tool_code import CASE_SECONDS

CAP = 10  # the brute force is stopped at CAP times the limit


class _Stopped(Exception):
    pass


def _cpu(fn, args, cap: float) -> float:
    """CPU seconds of fn(*args), at most cap (ITIMER_PROF, as the grader's alarm)."""
    def stop(signum, frame):
        raise _Stopped

    signal.signal(signal.SIGPROF, stop)
    start = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, cap)
    try:
        fn(*args)
    except (_Stopped, ValueError):  # a cycle: what some contracts ask for
        pass
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    return time.process_time() - start


def _loaded(fn, name):
    namespace: dict = {}
    exec(tool_kind.source(fn, name), namespace)  # the project's own implementations
    return namespace[name]


def main() -> None:
    print(f"{'contract':<34}{'size':>7}{'reference':>11}{'others':>9}{'brute':>8}   (x {CASE_SECONDS} s)")
    for family in sorted(tool_kind.CONTRACT_MODULES):
        for name, contract in sorted(tool_kind.contracts(family).items()):
            args = contract.draw(np.random.default_rng([2026, 1]), contract.large_size, None)
            ref = _cpu(_loaded(contract.reference, name), args, CAP * CASE_SECONDS) / CASE_SECONDS
            others = max(_cpu(_loaded(f, name), args, CAP * CASE_SECONDS) for f in contract.alternatives)
            brute = "-"
            if contract.brute_force:
                slow = _cpu(_loaded(contract.brute_force, name), args, CAP * CASE_SECONDS) / CASE_SECONDS
                brute = f"> {CAP}" if slow >= CAP * 0.9 else f"{slow:.2f}"  # stopped at the cap
            print(f"{family + '.' + name:<34}{contract.large_size:>7}{ref:>11.3f}"
                  f"{others / CASE_SECONDS:>9.3f}{brute:>8}")


if __name__ == "__main__":
    main()
