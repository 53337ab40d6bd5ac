"""The grader of the `tool` kind: run the submitted function in the python tool's sandbox on hidden
instances and judge every return value with the family's own check.

The instances are drawn here, at grading time, from the task's seed (generators.tool_kind), so they
never sit in a task file nor in any tool output. The submission runs in sandboxed programs (the python
tool's confinement and limits), BATCH cases each, every case in a process of its own under a kernel CPU
limit; each return value comes back as JSON and is judged outside the sandbox, so nothing the code
prints or does can reach the truth.
"""
from __future__ import annotations

import json
from typing import Any

from graders.registry import Grade, failed, grader, passed
from tasks.task import Task
from tools.python_tool import CPU_SECONDS, python_tool
from tools.registry import ToolError

CASE_SECONDS = 1  # of CPU per hidden instance (RLIMIT_CPU counts whole seconds); an efficient solution
# takes a tenth of it at most
# cases per sandboxed program: every case may use all of its CASE_SECONDS within the program's wall limit
# (20 s) on a machine giving it 40% of a core, with time to spare for the start and the imports (one
# program for all 16 cases would stop code the prompt allows, 0.9 s a case, as a timeout of every case)
BATCH = int(CPU_SECONDS // CASE_SECONDS) - 2
MAX_CASES = 16  # more cases than fit the tool's CPU limit end as a timeout only if they use their time
RESULT_CHARS = 8_000  # all return values together: they must fit in the tool's output
MARK = "@@kgtasks-tool-results@@"

# The program the sandbox runs: the submission's source and the cases are its files. The submission runs
# only in a child forked for each case, under a CPU limit the kernel keeps (RLIMIT_CPU, counting CPU so
# that a busy machine does not fail correct code; an alarm in the same process is one the code could
# switch off), and sends back one JSON line; the parent never runs its code. Everything it prints is
# thrown away (fd 1 and 2 point at /dev/null), so the parent's results line comes last. numpy and
# networkx are imported before the forks, so importing them inside the function costs a case nothing.
DRIVER = """\
import json, os, resource, select, signal, time
try:
    import networkx, numpy
except ImportError:
    pass
out = os.fdopen(os.dup(1), "w")
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1); os.dup2(null, 2)
name, seconds, cap = {name!r}, {seconds!r}, {cap!r}
source = open("submission.py").read()
cases = json.load(open("cases.json"))

def child(raw, w):
    out.close()
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    try:
        namespace = {{"__name__": "submission"}}
        exec(compile(source, "submission.py", "exec"), namespace)
        fn = namespace.get(name)
        result = ["no_function", None] if not callable(fn) else None
    except BaseException:
        result = ["no_function", None]
    if result is None:
        try:
            result = ["ok", fn(*json.loads(raw))]
        except ValueError:  # what a contract may ask for (a cycle, say): the grader decides
            result = ["value_error", None]
        except BaseException:
            result = ["raised", None]
    try:  # not JSON (a set, an object), self-containing or too long for the output: a wrong type
        line = json.dumps(result)
        if len(line) > cap + 20:
            raise ValueError("too long")
    except BaseException:
        line = json.dumps(["wrong_type", None])
    os.write(w, line.encode())
    os._exit(0)

results = []
for raw in cases:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        child(raw, w)
    os.close(w)
    data, end = b"", time.monotonic() + 5 * seconds  # a case that sleeps uses no CPU: a wall limit too
    while len(data) <= cap + 20:
        left = end - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            break
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.kill(pid, signal.SIGKILL)  # it has written its line, or it is out of time
    _, status, usage = os.wait4(pid, 0)
    try:
        result = json.loads(data)
        assert isinstance(result, list) and len(result) == 2
    except BaseException:  # killed at its CPU limit (or at the wall limit), else crashed without a word
        spent = usage.ru_utime + usage.ru_stime >= 0.8 * seconds or time.monotonic() >= end  # sampled CPU
        result = ["timeout" if spent else "raised", None]
    if result[0] == "no_function":
        break
    results.append(result)
report = {{"defined": not cases or bool(results), "results": results}}
out.write("\\n" + {mark!r} + json.dumps(report) + "\\n")
out.flush()
os._exit(0)
"""


def run_cases(code: str, name: str, cases: list[list[Any]]) -> list[tuple[str, Any]]:
    """Run `name` from `code` on each case's positional arguments in the python tool's sandbox, BATCH
    cases to a program. Each result is ("ok", value), or with None "value_error" (it raised ValueError,
    which a contract may ask for), or a failure kind ("raised", "timeout", "wrong_type");
    "no_function" for every case when the code defines no function of that name."""
    results: list[tuple[str, Any]] = []
    for start in range(0, len(cases), BATCH):
        results += _run_batch(code, name, cases[start:start + BATCH])
        if results[-1][0] == "no_function":  # the same source defines it in no program
            return [("no_function", None)] * len(cases)
    return results


def _run_batch(code: str, name: str, cases: list[list[Any]]) -> list[tuple[str, Any]]:
    """run_cases for cases that fit one program."""
    cap = RESULT_CHARS // max(len(cases), 1)
    program = DRIVER.format(name=name, seconds=CASE_SECONDS, cap=cap, mark=MARK)
    env = {"files": {"submission.py": code, "cases.json": json.dumps([json.dumps(args) for args in cases])}}
    try:
        output = python_tool(env, program)
    except ToolError as e:  # the whole program was stopped: no case finished in time, or it crashed
        kind = "timeout" if "time" in str(e).split("\n", 1)[0] else "raised"  # the tool's own first line
        return [(kind, None)] * len(cases)
    at = output.rfind(MARK)
    try:
        report = json.loads(output[at + len(MARK):].split("\n", 1)[0]) if at >= 0 else None
        results = report["results"] if report["defined"] else None
    except (ValueError, TypeError, KeyError):
        report = None
    if report is None:  # the program ended without reporting (os._exit in the submission, say)
        return [("raised", None)] * len(cases)
    if results is None:
        return [("no_function", None)] * len(cases)
    results = [(r[0], r[1]) if isinstance(r, list) and len(r) == 2 else ("raised", None) for r in results]
    return (results + [("raised", None)] * len(cases))[:len(cases)]


@grader("tool.code")
def tool_code(task: Task, answer: dict[str, Any]) -> Grade:
    """Pass if the function returns a correct value on every hidden instance; the score is the fraction
    correct, and the reason names how the first failing case failed, never the instance itself."""
    from generators.tool_kind import contract_of, hidden_cases  # contracts draw from the family's graphs

    contract = contract_of(task.truth["family"], task.truth["contract"])
    cases = hidden_cases(contract, task.truth)
    results = run_cases(answer["code"], contract.name, [case.args for case in cases])
    verdicts = []
    for case, (status, value) in zip(cases, results, strict=True):
        miss = "wrong_on_edge_case" if case.edge_case else "wrong_output"
        if _must_raise(contract, case.args):  # returning anything is wrong, raising ValueError right
            status = {"value_error": "ok", "ok": "not_raised"}.get(status, status)
        elif status == "value_error":
            status = "raised"
        elif status == "ok":
            verdict = _judged(contract, case.args, value)
            status = miss if verdict == "wrong" else verdict or "ok"
        verdicts.append(status)
    wrong = [v for v in verdicts if v != "ok"]
    if not wrong:
        return passed()
    return failed(wrong[0], score=round(verdicts.count("ok") / len(verdicts), 4))


def _must_raise(contract: Any, args: list[Any]) -> bool:
    return contract.must_raise is not None and contract.must_raise(args)


def _judged(contract: Any, args: list[Any], value: Any) -> str | None:
    """None if the value is correct; "wrong_type" or "wrong" otherwise. A judge that raises on a
    value of an unforeseen shape has met a wrong type, not a grader bug."""
    try:
        return contract.judge(args, value)
    except Exception:
        return "wrong_type"
