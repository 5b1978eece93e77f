"""Ctrl-C and SIGTERM at every stage of a run, from the program's first instruction to its last: exit 130 or
143, one line on stderr, no traceback, no file half-written.

The program is stopped where the test chooses: ``CRIMESTAT_READY_AT=moment`` makes it print ``crimestat:
ready moment`` on stderr at that point and wait for the signal (crimestat/signals.py), so the signal arrives
at that moment however loaded the machine is. No test here sleeps or guesses a time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from conftest import ROOT

# In the order a run passes them: the entry point's first instruction (handlers just installed, nothing else
# imported), click and the command modules imported, the group and the command's options parsed, the data
# about to be loaded, a data file being read and parsed, the result computed and rendered, the output file
# written to its temporary name and renamed, and the run's last instruction before it exits.
MOMENTS = ["start", "imported", "group", "options", "loading", "reading", "parsed", "computed", "rendered",
           "writing", "written", "end"]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"),
                                                 (signal.SIGTERM, 143, "terminated")])
def test_a_signal_at_any_moment_gives_its_exit_code_and_one_line(tmp_path, moment, signum, code, word):
    out = tmp_path / "out.csv"
    env = {**os.environ, "CRIMESTAT_READY_AT": moment}
    process = subprocess.Popen([sys.executable, "-m", "crimestat", "compare", "--release", "ons-2019", "--force",
                                "warwickshire", "--to", "2014-06", "--quiet", "--output", str(out)],
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
    if names:
        assert out.read_text().startswith("area_code,") and out.read_text().endswith("\n")


def test_without_the_variable_a_run_does_not_stop(tmp_path):
    """The ready points cost nothing in an ordinary run (and print nothing)."""
    env = {k: v for k, v in os.environ.items() if k != "CRIMESTAT_READY_AT"}
    done = subprocess.run([sys.executable, "-m", "crimestat", "forces", "--format", "csv"], capture_output=True,
                          cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0 and done.stderr == b""
