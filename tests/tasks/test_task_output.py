"""open_output, the writer of every path a user names (--out, --html, snapshots): atomic for regular files,
in place for devices, FIFOs and /dev/stdout. Each command that writes a user path is run against /dev/null."""
import os
import stat
import subprocess
import sys
import threading

import pytest

from tasks.task import open_output

DEVNULL_ID = os.stat(os.devnull).st_rdev


def _devnull_is_intact() -> bool:
    info = os.stat(os.devnull)
    return stat.S_ISCHR(info.st_mode) and info.st_rdev == DEVNULL_ID and stat.S_IMODE(info.st_mode) == 0o666


def test_a_regular_file_is_replaced_whole_and_keeps_its_mode(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")
    path.chmod(0o640)
    with open_output(str(path)) as fh:
        fh.write("new\n")
    assert path.read_text() == "new\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["out.jsonl"]


def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), open_output(str(path)) as fh:
        fh.write("half")
        raise RuntimeError("generator failed")
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_a_symlink_keeps_pointing_at_the_replaced_file(tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to("real.json")
    with open_output(str(tmp_path / "link.json")) as fh:
        fh.write("new")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_text() == "new"


def test_dev_null_stays_a_device():
    with open_output(os.devnull) as fh:
        fh.write("x" * 100)
    assert _devnull_is_intact()


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    with open_output(str(fifo)) as fh:
        fh.write("through the pipe")
    reader.join(5)
    assert got == ["through the pipe"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("argv", [
    ["-m", "generators.causal", "--n", "1", "--out", os.devnull],
    ["-m", "generators.lineage", "--n", "1", "--out", os.devnull],
    ["-m", "generators.wikidata", "--n", "1", "--out", os.devnull],
    ["-m", "generators.causal", "--n", "1", "--out", "/dev/stdout"],
])
def test_generators_write_to_devices_without_replacing_them(argv):
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KGTASKS_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    assert _devnull_is_intact()
    if argv[-1] == "/dev/stdout":
        assert done.stdout.count("\n") == 1


def test_report_html_to_dev_null_leaves_it_a_device(tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text("")
    done = subprocess.run([sys.executable, "-m", "tasks.report", str(results), "--html", os.devnull],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _devnull_is_intact()
