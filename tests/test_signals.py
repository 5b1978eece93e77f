"""Ctrl-C and SIGTERM at every stage of a run, from the program's first instruction to its last: exit 130 or
143, one line on stderr, no traceback, no file half-written.

The program is stopped where the test chooses: ``CRIMESTAT_READY_AT=moment`` makes it print ``crimestat:
ready moment`` on stderr at that point and wait for the signal (crimestat/runtime/signals.py), so the signal arrives
at that moment however loaded the machine is. No test here sleeps or guesses a time.

The runs read the release from the cache, filled once for the module in process (``warm_cache``): the
moments "reading" and "parsed" are then the cache's read of each file, as in every run after the first,
and no run pays for a cold parse (pandas, 46,469 rows) it is about to be stopped in.

Each run is a process of its own. For the moments of start-up ("start", "imported") it is a new interpreter;
for the later ones it is forked from a warm interpreter that has already imported what every run imports
(tests/warm.py): the same program at the same moment, stopped by the same signal, without paying for an
interpreter's start each time.

Each moment is reached by the cheapest command that passes it. Up to "parsed" a ``compare`` (the data are
loaded and read); from "computed" on, the moments are the shared code every command passes after its work
(``render``, ``write_output``, the entry point's end: crimestat/render/formats.py, crimestat/files.py,
crimestat/__main__.py), so ``forces`` reaches them without a comparison it would compute only to be
stopped after it (0.1 s of CPU instead of 0.4 s a run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import warm
from conftest import ROOT

pytestmark = pytest.mark.slow  # end to end: each test starts crimestat as a real process

# In the order a run passes them: the entry point's first instruction (handlers just installed, nothing else
# imported), click and the command modules imported, the group and the command's options parsed, the data
# about to be loaded, a data file being read and parsed, the result computed and rendered, the output file
# written to its temporary name and renamed, and the run's last instruction before it exits.
COMPARE = ["compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--quiet"]
FORCES = ["forces", "--format", "csv"]  # no data release read: the registry rendered and written
MOMENTS = ["start", "imported", "group", "options", "loading", "reading", "parsed", "computed", "rendered",
           "writing", "written", "end"]
AFTER_THE_WORK = MOMENTS[MOMENTS.index("computed"):]  # passed by every command that writes a result


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """The command the runs below start, run once in process: its files are in the cache for them."""
    from click.testing import CliRunner

    from crimestat.cli import main

    out = tmp_path_factory.mktemp("warm") / "out.csv"
    done = CliRunner().invoke(main, [*COMPARE, "--output", str(out)], catch_exceptions=False,
                              prog_name="crimestat")
    assert done.exit_code == 0, done.output


@pytest.fixture(scope="module")
def forces_csv(tmp_path_factory):
    """The file ``forces`` writes when nothing stops it (run in process), for the runs stopped after the rename."""
    from click.testing import CliRunner

    from crimestat.cli import main

    out = tmp_path_factory.mktemp("forces") / "out.csv"
    done = CliRunner().invoke(main, [*FORCES, "--output", str(out)], catch_exceptions=False, prog_name="crimestat")
    assert done.exit_code == 0, done.output
    return out.read_bytes()


@pytest.mark.usefixtures("warm_cache")
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"),
                                                 (signal.SIGTERM, 143, "terminated")])
def test_a_signal_at_any_moment_gives_its_exit_code_and_one_line(tmp_path, moment, signum, code, word, forces_csv):
    out = tmp_path / "out.csv"
    command = FORCES if moment in AFTER_THE_WORK else COMPARE
    env = {**os.environ, "CRIMESTAT_READY_AT": moment}
    # A new interpreter for the moments of start-up itself; after them, a run forked from a warm interpreter
    # (tests/warm.py) is the same program at the same moment, without the interpreter's start to pay for.
    process = warm.popen([*command, "--output", str(out)], new_interpreter=moment in ("start", "imported"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    ready = process.stderr.readline()  # blocks until the program says it has reached the moment
    assert ready == f"crimestat: ready {moment}\n".encode(), ready
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert stderr == f"crimestat: {word}\n".encode()  # one line: no traceback, no blank line, no second message
    assert stdout == b""
    # Nothing half-written: before the rename no file, after it the whole file; never a temporary file.
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == (["out.csv"] if MOMENTS.index(moment) >= MOMENTS.index("written") else [])
    if names:  # the whole file: forces' CSV as the same command writes it in process, byte for byte
        assert out.read_text().startswith("code,name,region,") and out.read_text().endswith("\n")
        assert out.read_bytes() == forces_csv


def test_without_the_variable_a_run_does_not_stop(tmp_path):
    """The ready points cost nothing in an ordinary run (and print nothing)."""
    env = {k: v for k, v in os.environ.items() if k != "CRIMESTAT_READY_AT"}
    done = warm.run(["forces", "--format", "csv"], capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0 and done.stderr == b""


def _children(pid: int) -> set[int]:
    """The processes ``pid`` has started (Linux: /proc/PID/task/*/children)."""
    found: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as listed:
            found.update(int(p) for p in listed.read().split())
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads a process's children from /proc (Linux)")
@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"),
                                                 (signal.SIGTERM, 143, "terminated")])
def test_a_signal_stops_ingest_s_workers_and_their_queued_work(tmp_path, signum, code, word):
    # 200 police.uk files (the header and first 20 rows of a real Warwickshire file, one per folder, listed in
    # folder order): with 2 workers they go in batches of 12, of which 6 (copy000-copy071) are queued when the
    # program says it is ready ("pool"). The test then turns copy100-copy199 into named pipes with no writer:
    # a run that went on counting its queued files would block on the first of them (the test would fail on
    # its timeout), where a stopped run never opens them. The workers are stopped, and nothing is written.
    real = (ROOT / "sample_data" / "police-uk" / "2014-06" / "2014-06-warwickshire-street.csv").read_text(encoding="utf-8")
    small = "".join(real.splitlines(keepends=True)[:21])
    for n in range(200):
        folder = tmp_path / "street" / f"copy{n:03d}"
        folder.mkdir(parents=True)
        (folder / "2014-06-warwickshire-street.csv").write_text(small, encoding="utf-8")
    out = tmp_path / "counts.csv"
    env = {**os.environ, "CRIMESTAT_READY_AT": "pool"}
    process = warm.popen(["ingest", "police-uk", str(tmp_path / "street"), "--workers", "2", "--quiet", "--output",
                          str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    ready = process.stderr.readline()
    assert ready == b"crimestat: ready pool\n", ready + process.stderr.read()
    workers = _children(process.pid)
    assert len(workers) >= 2  # the pool's processes are running
    for n in range(100, 200):
        trap = tmp_path / "street" / f"copy{n:03d}" / "2014-06-warwickshire-street.csv"
        trap.unlink()
        os.mkfifo(trap)
    process.send_signal(signum)
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        for pid in [process.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.communicate()
        pytest.fail("the run went on counting its queued files after the signal")
    assert process.returncode == code, stderr
    assert stderr == f"crimestat: {word}\n".encode(), stderr.decode()  # one line, no traceback
    assert stdout == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["street"]  # nothing written, no temporary file
    assert not [pid for pid in workers if _alive(pid)]  # the workers were stopped, not left counting


def test_a_pool_stopped_mid_count_leaves_no_worker_and_no_thread_behind(tmp_path):
    # A signal reaches the counting as an exception raised where the main thread waits for a batch; here the
    # same exception is thrown in at the first file counted, so the moment is chosen, not timed. When it
    # leaves, the workers must be gone and the pool's threads ended: a manager thread still running at the
    # interpreter's exit races Python's exit hook for process pools, which then prints "Exception ignored
    # ... Bad file descriptor" after the program's one line (seen about once in 30 runs of the test above
    # on a loaded machine). 60 files of the header and first 20 rows of a real Warwickshire file: batches of
    # 3 on 2 workers, 6 queued when the first is taken. The counts themselves are not checked here.
    import multiprocessing
    import threading

    from crimestat.loaders.forces import load_forces
    from crimestat.sources.police_uk.counts import _count_in_pool
    from crimestat.sources.police_uk.files import find_files

    real = (ROOT / "sample_data" / "police-uk" / "2014-06" / "2014-06-warwickshire-street.csv").read_text(encoding="utf-8")
    small = "".join(real.splitlines(keepends=True)[:21])
    for n in range(60):
        folder = tmp_path / f"copy{n:03d}"
        folder.mkdir()
        (folder / "2014-06-warwickshire-street.csv").write_text(small, encoding="utf-8")
    threads = set(threading.enumerate())
    counting = _count_in_pool(find_files([str(tmp_path)], []), 2, load_forces())
    next(counting)
    assert multiprocessing.active_children()  # the workers are running
    with pytest.raises(KeyboardInterrupt):
        counting.throw(KeyboardInterrupt())
    assert multiprocessing.active_children() == []  # terminated and reaped, not left counting the queue
    assert set(threading.enumerate()) <= threads  # the pool's manager and queue threads have ended


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the child under test is made by os.fork, which this platform lacks (Windows)")
def test_a_forked_child_that_has_not_set_its_own_handlers_is_not_the_program(tmp_path):
    # A counting worker is forked with the program's handlers and replaces them only when it starts; stopped
    # before that (the pool's workers are terminated on a signal), the inherited handler must not unwind the
    # child and print a traceback or the program's line: SIGTERM ends it as a signal does, Ctrl-C is ignored
    # (the parent decides). The child sends the signal to itself, so no timing is involved.
    script = """if 1:
        import os, signal, sys
        from crimestat.runtime import signals
        signals.install()
        for signum in (signal.SIGINT, signal.SIGTERM):
            pid = os.fork()
            if pid == 0:
                os.kill(os.getpid(), signum)
                sys.stdout.write("child went on\\n"); sys.stdout.flush()
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            print(signum, os.WIFSIGNALED(status) and os.WTERMSIG(status), os.WIFEXITED(status) and os.WEXITSTATUS(status))
        print("parent received", signals.received)
    """
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT, timeout=60)
    assert result.stderr == b""  # no traceback, no "crimestat: interrupted" from a child
    assert result.stdout.decode().splitlines() == [
        "child went on", f"{int(signal.SIGINT)} False 0",  # Ctrl-C ignored: the child went on and exited 0
        f"{int(signal.SIGTERM)} {int(signal.SIGTERM)} False",  # SIGTERM ended it, as a signal
        "parent received []"]  # and the parent, not signalled, recorded nothing
