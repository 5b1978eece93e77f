"""CPU of one `python -m crimestat` process, this checkout against another commit's, in one run.

    python benchmarks/start_up_benchmark.py                    # against 49a780b, 7 rounds
    python benchmarks/start_up_benchmark.py --before REV --rounds 11

The commands are the ones the tests start as real processes: `--version`, `forces`, a warm `compare` (the
default release and ons-2019), `validate` of a bad file, `releases --latest`, `trend --format csv`, and the
signal tests' compare stopped at "imported" and at "loading" (CRIMESTAT_READY_AT, then SIGTERM, as
tests/test_signals.py does). The "before" side is `git worktree add` of REV in a temporary folder, run
through PYTHONPATH (so `python -m crimestat` imports its package, not this one; the processes run in the
temporary folder, since `-m` puts the working folder first on the path); both share one cache folder
(filled by a first run of every command on each side, not counted), and each side its own bytecode folder
(PYTHONPYCACHEPREFIX, filled by the same runs). The sides alternate command by command
in every round, so that load from other processes falls on both alike; CPU is user + system of the process,
the median over the rounds. Every counted run's stdout, stderr and exit code are compared between the sides.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIGNALS = ["compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--quiet"]
COMMANDS: list[tuple[str, list[str], str | None]] = [
    ("--version", ["--version"], None),
    ("forces", ["forces"], None),
    ("compare --force kent", ["compare", "--force", "kent"], None),
    ("compare ons-2019 warwickshire", ["compare", "--release", "ons-2019", "--to", "2014-06", "--force",
                                       "warwickshire"], None),
    ("validate bad file", ["validate", str(ROOT / "tests/data/bad/non-numeric-count.csv")], None),
    ("releases --latest", ["releases", "--latest"], None),
    ("trend --format csv", ["trend", "--force", "kent", "--format", "csv"], None),
    ("signals: to 'imported'", SIGNALS, "imported"),
    ("signals: to 'loading'", SIGNALS, "loading"),
]


def _run(args: list[str], env: dict[str, str], moment: str | None) -> tuple[float, tuple[bytes, bytes, int]]:
    """CPU seconds (user + system) of one process, and its (stdout, stderr, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-m", "crimestat", *args]
    if moment is None:
        done = subprocess.run(command, cwd=Path(env["CRIMESTAT_CACHE_DIR"]).parent, env=env, stdin=subprocess.DEVNULL, capture_output=True)
        output = (done.stdout, done.stderr, done.returncode)
    else:
        process = subprocess.Popen(command, cwd=Path(env["CRIMESTAT_CACHE_DIR"]).parent, env={**env, "CRIMESTAT_READY_AT": moment},
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready = process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate()
        output = (stdout, ready + stderr, process.returncode)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="49a780b", help="the commit to compare with (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="start-up-") as temp:
        old = Path(temp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(old), options.before],
                       check=True, capture_output=True)
        try:
            drop = ("PYTHONPATH", "CRIMESTAT_READY_AT", "CRIMESTAT_NO_CACHE", "PYTHONDONTWRITEBYTECODE",
                    "OPENBLAS_NUM_THREADS")
            base = {k: v for k, v in os.environ.items() if k not in drop}
            base["CRIMESTAT_CACHE_DIR"] = str(Path(temp) / "cache")
            # Each side's bytecode in a private folder, written by the warming runs, as an installed package
            # has it (even where PYTHONDONTWRITEBYTECODE is set, as on this project's machine): otherwise a
            # side without __pycache__ would compile itself from source in every run.
            sides = {side: {**base, "PYTHONPATH": str(path), "PYTHONPYCACHEPREFIX": str(Path(temp) / f"pycache-{side}")}
                     for side, path in (("old", old), ("new", ROOT))}
            for env in sides.values():  # fill the cache and the bytecode of both sides
                for _, args, moment in COMMANDS:
                    _run(args, env, moment)
            cpu: dict[str, dict[str, list[float]]] = {name: {"old": [], "new": []} for name, _, _ in COMMANDS}
            differ = set()
            for _ in range(options.rounds):
                for name, args, moment in COMMANDS:
                    outputs = {}
                    for side, env in sides.items():
                        seconds, outputs[side] = _run(args, env, moment)
                        cpu[name][side].append(seconds)
                    if outputs["old"] != outputs["new"]:
                        differ.add(name)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)
    print(f"CPU (user + system) of one process, median of {options.rounds}; old = {options.before}")
    print(f"{'command':34} {'old s':>7} {'new s':>7} {'new/old':>8}  output")
    for name, sides_cpu in cpu.items():
        before, after = statistics.median(sides_cpu["old"]), statistics.median(sides_cpu["new"])
        same = "DIFFERS" if name in differ else "identical"
        print(f"{name:34} {before:7.3f} {after:7.3f} {after / before:8.2f}  {same}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
