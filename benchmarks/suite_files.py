"""The CPU time of test files, this checkout's tests against another commit's, as ratios measured in one run.

    python benchmarks/suite_files.py                                  # the files changed since b3f35b6
    python benchmarks/suite_files.py --before b3f35b6 --rounds 3 tests/test_cache.py tests/test_report.py

The other commit's ``tests/`` folder is taken with ``git archive`` into a temporary folder beside links to this
checkout's other files (crimestat, sample_data, pyproject.toml, ...), so both sides test the same crimestat
with the same data; only the tests differ. Each file runs as ``python -m pytest FILE -n 0 -q`` in a fresh
process with a fresh cache folder (as a test file run alone starts), old and new alternately, in rounds, each
round starting with the other side, so that load from other processes on the machine falls on both alike.
A row's figure is the median over the rounds of the process's CPU time (user + system, with its children;
a file run alone also pays the first parse of the shipped releases, which the whole suite pays once);
the ratio is old over new. Nothing here is a test: timings never decide whether a test passes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _old_checkout(commit: str, into: Path) -> Path:
    """``tests/`` of ``commit`` beside links to this checkout's other top-level entries."""
    tests = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "tests"], check=True,
                           capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(tests)) as archive:
        archive.extractall(into, filter="data")
    for entry in ROOT.iterdir():
        if entry.name not in ("tests", ".git"):
            (into / entry.name).symlink_to(entry)
    return into


def _changed_files(commit: str) -> list[str]:
    names = subprocess.run(["git", "-C", str(ROOT), "diff", "--name-only", commit, "--", "tests"], check=True,
                           capture_output=True, text=True).stdout.split()
    return sorted(n for n in names if Path(n).name.startswith("test_") and n.endswith(".py"))


def _cpu_seconds(checkout: Path, test_file: str, cache: Path) -> tuple[float, bool]:
    """CPU seconds (user + system, children included) of one pytest run of the file, and whether it passed."""
    env = dict(os.environ, CRIMESTAT_CACHE_DIR=str(cache))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "pytest", test_file, "-n", "0", "-q", "-p", "no:cacheprovider"],
                          cwd=checkout, env=env, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used, done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="test files (default: those changed since --before)")
    parser.add_argument("--before", default="b3f35b6", help="the commit whose tests are the old way")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = args.files or _changed_files(args.before)
    with tempfile.TemporaryDirectory(prefix="crimestat-test-files-") as scratch:
        old = _old_checkout(args.before, Path(scratch) / "old")
        sides = {"old": old, "new": ROOT}
        times: dict[tuple[str, str], list[float]] = {}
        failed: set[tuple[str, str]] = set()
        run = 0
        for round_number in range(args.rounds):
            order = ["old", "new"] if round_number % 2 == 0 else ["new", "old"]
            for test_file in files:
                for side in order:
                    run += 1
                    used, passed = _cpu_seconds(sides[side], test_file, Path(scratch) / f"cache-{run}")
                    times.setdefault((test_file, side), []).append(used)
                    if not passed:
                        failed.add((test_file, side))
        print(f"CPU seconds per file, median of {args.rounds} rounds (old: tests of {args.before}; new: this "
              "checkout's)")
        print(f"{'file':40} {'old':>8} {'new':>8} {'old/new':>8}")
        total_old = total_new = 0.0
        for test_file in files:
            a, b = (statistics.median(times[(test_file, side)]) for side in ("old", "new"))
            total_old, total_new = total_old + a, total_new + b
            flag = "  (failed: " + ", ".join(s for s in ("old", "new") if (test_file, s) in failed) + ")" \
                if any((test_file, s) in failed for s in ("old", "new")) else ""
            print(f"{test_file:40} {a:8.2f} {b:8.2f} {a / b:8.2f}{flag}")
        print(f"{'all':40} {total_old:8.2f} {total_new:8.2f} {total_old / total_new:8.2f}")


if __name__ == "__main__":
    main()
