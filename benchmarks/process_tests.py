"""CPU of the test files that start real processes: this checkout's tests against another commit's, in one run.

    python benchmarks/process_tests.py                     # against b3f35b6 (before the speed pass), 2 rounds
    python benchmarks/process_tests.py --before REV --rounds 3 --each

Each side is one pytest session (`-n 0`, so a file's cold parses are shared as in the suite, where the cache
is shared) over the same files: tests/test_scripts.py, test_signals.py, test_reliability.py,
test_scheduled_job.py, test_cli.py, test_docs.py, test_pipelines.py, test_text_from_data.py and
test_table_width.py. The "before" side is `git archive REV tests` unpacked in a temporary folder beside links
to this checkout's package and data (the package's code is the same; only the tests differ). The sides
alternate within each round, so that load from other processes on the machine falls on both alike; CPU is
user + system of pytest and every process it waited for (the `python -m crimestat` runs), the median over
the rounds.
``--each`` also runs every file in a session of its own (its cold parses then count in full).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["test_scripts.py", "test_signals.py", "test_reliability.py", "test_scheduled_job.py", "test_cli.py",
         "test_docs.py", "test_pipelines.py", "test_text_from_data.py", "test_table_width.py"]


def _cpu_of(args: list[str], cwd: Path, temp: Path) -> tuple[float, int]:
    """CPU seconds (user + system, the process and its children) of a pytest run, and its exit code.

    ``temp``: the run's own --basetemp (pytest's shared numbered folders are pruned by any other session of
    the same user, which may be running beside this one)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider",
                           f"--basetemp={temp}", *args],
                          cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        print(done.stdout[-6000:], done.stderr[-2000:], file=sys.stderr)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.returncode


def _unpack(revision: str, into: Path) -> Path:
    """A folder with ``revision``'s tests/ and links to this checkout's everything else (so both sides run the
    same package, from the same compiled bytecode, on the same data)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "tests"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    for entry in ROOT.iterdir():
        if entry.name not in ("tests", ".git"):
            (into / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="b3f35b6", help="the commit to compare with (default: b3f35b6)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--each", action="store_true", help="also every file in a session of its own")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="crimestat-bench-"))
    try:
        old = _unpack(options.before, work / "before")
        sides = {"before": old, "now": ROOT}
        jobs = {"all nine files": [f"tests/{f}" for f in FILES]}
        if options.each:
            jobs.update({f: [f"tests/{f}"] for f in FILES})
        for side in sides.values():  # compile the bytecode once, outside the rounds
            _cpu_of(["--co", "tests/test_cli.py"], side, work / "pytest")
        times: dict[tuple[str, str], list[float]] = {}
        for n in range(options.rounds):
            order = list(sides.items()) if n % 2 == 0 else list(reversed(sides.items()))
            for job, args in jobs.items():
                for name, where in order:
                    cpu, code = _cpu_of(args, where, work / "pytest")
                    if code != 0:
                        raise SystemExit(f"{name}: pytest {' '.join(args)} exited {code}")
                    times.setdefault((job, name), []).append(cpu)
        print(f"CPU seconds (user + system, median of {options.rounds} rounds): tests at {options.before} "
              "and now")
        print(f"{'':28} {'before':>8} {'now':>8} {'now/before':>10}")
        for job in jobs:
            was, now = (statistics.median(times[job, side]) for side in ("before", "now"))
            print(f"{job:28} {was:8.1f} {now:8.1f} {now / was:10.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
