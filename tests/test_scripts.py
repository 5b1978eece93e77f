"""The contracts for scripts and scheduled jobs (README, "Using crimestat in scripts")."""

import os
import subprocess
import sys

import pytest

import warm
from conftest import BAD, DATA, SAMPLE

from crimestat import files as output_module
from crimestat.errors import OutputError
from crimestat.files import write_output

pytestmark = pytest.mark.slow  # end to end: each test starts crimestat as a real process

EXPECTED = DATA / "expected"
CRIMESTAT = warm.CRIMESTAT  # [python, -m, crimestat]: a new interpreter, for the tests about start-up and shells


def shell(args, **kwargs):
    """``crimestat ARGS`` as a script runs it, in a process of its own (forked warm: tests/warm.py)."""
    return warm.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)


def test_exit_codes_and_data_on_stdout_messages_on_stderr():
    """The codes a shell sees, and which stream carries what (one process per case, as a script runs it)."""
    done = shell(["compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--verbose"])
    assert done.returncode == 0
    assert done.stdout.startswith("area_code,area,measure,")
    assert done.stderr.startswith("crimestat: warning")
    bad = shell(["compare", "--release", "ons-2019", "--force", "nowhere"])
    assert bad.returncode == 2
    assert bad.stdout == "" and bad.stderr.startswith("crimestat: error: unknown force 'nowhere'")
    # Bad data, exit 1, read from a real pipe on stdin (the file's own path is checked in process by
    # tests/test_bad_inputs.py, with every message).
    bad_data = warm.run(["validate", "-", "--format", "csv"], capture_output=True, text=True,
                        input=(BAD / "non-numeric-count.csv").read_text())
    assert bad_data.returncode == 1
    assert bad_data.stdout.splitlines()[1].startswith(
        "<stdin>,ONS recorded crime,,1 problem,\"<stdin>, line 3, column 'Rolling year total number of offences': "
        "'five' is not a number")
    assert shell(["compare", "--release", "ons-2019", "--bogus-option"]).returncode == 2


def test_quiet_silences_warnings_only(run):
    assert run("compare", "--release", "ons-2019", "--force", "warwickshire", "--quiet").stderr == ""
    quiet = run("-q", "compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    unknown = run("compare", "--release", "ons-2019", "--force", "nowhere", "--quiet")
    assert unknown.exit_code == 2 and "error" in unknown.stderr


def test_same_inputs_give_byte_identical_output(run, tmp_path):
    """Each pair of runs is made in two interpreters (here, and a process of its own), so with two different
    string-hashing seeds: the order of a set or dict of text must never reach the output."""
    for fmt in ("csv", "json", "table", "markdown"):
        command = ["compare", "--release", "ons-2019", "--force", "kent", "-q", "--format", fmt]
        first = run(*command)
        second = shell(command)
        assert first.exit_code == second.returncode == 0
        assert first.stdout == second.stdout
    trend = ["trend", "--release", "ons-2019", "--force", "kent", "-q", "-o", os.devnull, "--plot"]
    run(*trend, tmp_path / "a.svg")
    assert shell([*trend, tmp_path / "b.svg"]).returncode == 0
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_stdin_where_a_file_is_expected(run):
    # In process: a real pipe on stdin is tested by test_exit_codes_and_data_on_stdout_messages_on_stderr
    # (validate) and, for Home Office tables, by tests/test_sources.py.
    crime = (SAMPLE / "releases/ons-2019/rec-crime-pfa.csv").read_text()
    done = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--crime", "-", "-q",
               input=crime)
    assert done.exit_code == 0
    assert done.stdout == (EXPECTED / "compare-warwickshire-2014-06.csv").read_text()


def test_pipe_to_head_ends_quietly():
    # Every force's trend (237,183 bytes of CSV, from the cache) is more than a pipe holds (64 KiB): head leaves
    # while the program is still writing, which is the point. (The rank of the default release used before,
    # 36,180 bytes, fitted in the pipe whole and was written before head read a line; this run is also cheaper:
    # 0.33 s of CPU instead of 0.47 s, measured with a warm cache.)
    # Run by the shell as a user types it; the `crimestat` first on the shell's PATH forks the run from the warm
    # interpreter (tests/warm.py command_folder), so the run writes into the real pipe to head as any run does.
    path = os.pathsep.join([warm.command_folder(), os.environ.get("PATH", "")])
    done = subprocess.run("crimestat trend --release ons-2019 --force all -q --format csv | head -2",
                          shell=True, capture_output=True, text=True, env=dict(os.environ, PATH=path))
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


def test_no_colour_and_no_prompt():
    env = dict(os.environ, NO_COLOR="1")
    for e in (env, None):
        done = warm.run(["compare", "--release", "ons-2019", "--force", "kent", "-q", "--format", "table"],
                        capture_output=True, text=True, stdin=subprocess.DEVNULL, env=e, timeout=60)
        assert "\x1b[" not in done.stdout + done.stderr
        assert done.returncode == 0


def test_output_is_atomic_when_a_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "report.csv"
    target.write_text("previous run\n")

    def fail(_fd):
        raise OSError("disk full")

    monkeypatch.setattr(output_module.os, "fsync", fail)
    with pytest.raises(OutputError, match="report.csv: cannot be written \\(disk full\\)"):
        write_output("new content\n", str(target))
    assert target.read_text() == "previous run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]  # no temporary file left behind


def test_output_replaces_the_file(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("previous run\n")
    write_output("new content\n", str(target))
    assert target.read_text() == "new content\n"


def test_output_through_a_link_replaces_its_target(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("previous run\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    write_output("new content\n", str(link))
    assert link.is_symlink() and real.read_text() == "new content\n"


def test_output_to_dev_stdout_writes_to_the_pipe():
    # No temporary file and rename for a device: the old way replaced the /dev/stdout link when run as root.
    done = shell(["compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "-q", "--format", "csv",
                  "--output", "/dev/stdout"])
    assert done.returncode == 0 and done.stdout == (EXPECTED / "compare-warwickshire-2014-06.csv").read_text()
    assert os.path.islink("/dev/stdout")


@pytest.mark.parametrize("where, code, message", [
    ("folder", 2, "--output {tmp}/folder: is a folder; expected a file name"),
    ("missing/out.csv", 2, "--output {tmp}/missing/out.csv: folder '{tmp}/missing' does not exist"),
    ("a-file/out.csv", 1, "--output {tmp}/a-file/out.csv: cannot be written (Not a directory)"),
])
def test_output_that_cannot_be_a_file_is_one_clear_error(run, tmp_path, where, code, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "a-file").write_text("")
    done = run("compare", "--release", "ons-2019", "--force", "warwickshire", "-q", "--output", tmp_path / where)
    assert done.exit_code == code
    assert done.stderr == "crimestat: error: " + message.format(tmp=tmp_path) + "\n"


def test_killed_run_leaves_previous_output(tmp_path):
    # A run killed before it finishes never touches the previous file: output is written to a temporary
    # file and renamed into place only when complete.
    target = tmp_path / "out.csv"
    target.write_text("previous run\n")
    process = warm.popen(["rank", "--release", "ons-2019", "-q", "--output", str(target)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    process.kill()
    process.wait()
    assert target.read_text() in ("previous run\n",) or target.read_text().startswith("area_code,")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# A cached load gives its warnings again after a quiet run: tests/test_pipelines.py
# (test_a_known_quirk_is_shown_once_per_file_version_then_only_with_verbose) checks it with the same cold cache.


IMPORTS = """
import sys
from crimestat.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    assert stop.code in (0, None), stop.code
names = ("pandas", "scipy", "matplotlib", "logging")
print(*(f"{name}={name in sys.modules}" for name in names), file=sys.stderr)
"""


def _imported(stderr: str) -> dict[str, str]:
    """The modules the script above reports, from the end of stderr (a warning may come before)."""
    return dict(word.split("=") for word in stderr.split()[-4:])


def test_start_up_imports_only_what_the_run_needs(tmp_path):
    """Start-up (issues 6 and 17), in fresh interpreters sharing a cache folder of their own: pandas parses the
    files once and a cached run needs numpy, not pandas, scipy or matplotlib; logging is imported at the first
    message, not by every command, and a warning still shows."""
    env = dict(os.environ, CRIMESTAT_CACHE_DIR=str(tmp_path / "cache"))

    def python(*args):
        return subprocess.run([sys.executable, "-c", IMPORTS, *args], capture_output=True, text=True, env=env)

    quiet = python("forces", "--format", "csv")  # no warning: logging is not imported
    assert quiet.stderr.split() == ["pandas=False", "scipy=False", "matplotlib=False", "logging=False"]
    assert "Warwickshire" in quiet.stdout
    # The first read parses the file (pandas). The ONS 2019 release warns about a misdated quarter end: the
    # warning is shown, in crimestat's words.
    compare = ["compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--format",
               "table"]
    first = python(*compare)
    assert _imported(first.stderr) == {"pandas": "True", "scipy": "False", "matplotlib": "False",
                                       "logging": "True"}
    assert "crimestat: warning: " in first.stderr and "'30-12-2017' is not a month end" in first.stderr
    cached = python("-q", *compare)  # the same run from the cache
    assert cached.stderr.split()[:3] == ["pandas=False", "scipy=False", "matplotlib=False"]
    assert first.stdout == cached.stdout and "Warwickshire" in first.stdout


def test_the_command_line_runs_numpy_single_threaded_unless_the_user_says_otherwise():
    """Start-up (issue 17): OpenBLAS's thread pool costs a warm run 50 ms and crimestat does no linear algebra."""
    script = "import os, crimestat.cli, numpy; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    ours = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    theirs = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env=dict(env, OPENBLAS_NUM_THREADS="4"))
    assert (ours.stdout.strip(), theirs.stdout.strip()) == ("1", "4")
