"""Cold parse of the Home Office tables and the outcomes files: this checkout against an older one, in one run.

    python benchmarks/home_office_benchmark.py                 # against commit b3f35b6 (git archive)
    python benchmarks/home_office_benchmark.py --before DIR    # against another checkout (DIR/crimestat)
    python benchmarks/home_office_benchmark.py --rounds 9 --quick

"Cold" means no data cache: each call reads, checks and tidies the file, as a first run (or
``CRIMESTAT_NO_CACHE=1``) does. Every measured call runs in a worker process of its checkout (one for the old
code, one for the new, both started before timing, the imports and a first call outside the clock); the two
workers take turns, round by round, so that a busy machine slows both alike. A ratio is the median of the new
code's times over the median of the old code's, per input, for wall time and for CPU time (the process's, all
threads: less moved by other work on the machine). The workers also return each result (the tidy
DataFrame, or the error's type and text, and the warnings given): the script stops if old and new differ.

Inputs: the shipped release (the Home Office crime CSV.gz, 321,893 rows; the outcomes CSV.gz; the outcomes
series files) and the small fixtures of tests/data that the test suite loads hundreds of times.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tarfile
import tempfile
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "b3f35b6"
RELEASE = ROOT / "sample_data" / "releases" / "home-office-2026-04"
SERIES = ROOT / "sample_data" / "releases" / "home-office-outcomes-2026-07"
HOME_OFFICE = ROOT / "tests" / "data" / "home-office"
OUTCOMES = ROOT / "tests" / "data" / "outcomes"

# (label, loader, path): loader is one of the names WORKER knows.
INPUTS = [
    ("Home Office crime CSV.gz, 321,893 rows", "crime", RELEASE / "prc-pfa-mar2013-onwards-tables-230426.csv.gz"),
    ("outcomes CSV.gz, 38,720 rows", "outcomes", RELEASE / "prc-outcomes-2024-25-by-force-quarter-group-type.csv.gz"),
    ("outcomes series, force x quarter", "series",
     SERIES / "prc-outcomes-force-quarter-2014-15-to-2025-26-230726.csv"),
    ("outcomes series, force x year x group", "groups",
     SERIES / "prc-outcomes-force-offence-group-year-2014-15-to-2025-26-230726.csv"),
    ("fixture prc-pfa-sample.csv.gz", "crime", HOME_OFFICE / "prc-pfa-sample.csv.gz"),
    ("fixture prc-pfa-2019-layout.csv", "crime", HOME_OFFICE / "prc-pfa-2019-layout.csv"),
    ("fixture home-office/bad/duplicate-row.csv", "crime", HOME_OFFICE / "bad" / "duplicate-row.csv"),
    ("fixture home-office/bad/unknown-force.csv", "crime", HOME_OFFICE / "bad" / "unknown-force.csv"),
    ("fixture outcomes/three-forces.csv.gz", "outcomes", OUTCOMES / "three-forces.csv.gz"),
    ("fixture outcomes/published-layout.csv", "outcomes", OUTCOMES / "published-layout.csv"),
    ("fixture outcomes/duplicate-row.csv", "outcomes", OUTCOMES / "duplicate-row.csv"),
]

# The start of a process that loads with the checkout named by its first argument (this benchmark's worker and
# home_office_identity.py's runner): its crimestat, the forces registry, and the four loaders by name.
PRELUDE = r'''
import pickle, sys, time, warnings
sys.path.insert(0, sys.argv[1])
import crimestat
assert crimestat.__file__.startswith(sys.argv[1]), crimestat.__file__
from crimestat.loaders.forces import load_forces
from crimestat.runtime.log import collecting
from crimestat.sources.home_office.parser import load_home_office_crime
from crimestat.sources.outcomes import load_outcomes
from crimestat.sources.outcome_series import load_outcome_groups, load_outcome_series
registry = load_forces()
loaders = {"crime": load_home_office_crime, "outcomes": load_outcomes, "series": load_outcome_series,
           "groups": load_outcome_groups}
'''

WORKER = PRELUDE + r'''

def call(loader, path):
    with collecting() as said:
        try:
            result = ("ok", loaders[loader](path, registry))
        except Exception as exc:
            result = ("error", type(exc).__name__, str(exc))
    return result, list(said)

out = sys.stdout.buffer
for line in sys.stdin:
    loader, path, repeat = line.rstrip("\n").split("\t")
    result = call(loader, path)  # the first call of a round is not timed (lazy imports, file cache)
    times, cpu = [], []
    for _ in range(int(repeat)):
        start, start_cpu = time.perf_counter(), time.process_time()
        call(loader, path)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    data = pickle.dumps(((min(times), min(cpu)), result))
    out.write(len(data).to_bytes(8, "little") + data)
    out.flush()
'''


class Worker:
    def __init__(self, root: Path):
        self.process = subprocess.Popen([sys.executable, "-c", WORKER, str(root)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def run(self, loader: str, path: Path, repeat: int):
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{loader}\t{path}\t{repeat}\n".encode())
        self.process.stdin.flush()
        size = int.from_bytes(self.process.stdout.read(8), "little")
        if not size:
            raise SystemExit("a worker stopped; run it by hand to see why")
        return pickle.loads(self.process.stdout.read(size))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def same(old, new) -> bool:
    import pandas as pd

    (old_result, old_said), (new_result, new_said) = old, new
    if old_said != new_said or old_result[0] != new_result[0]:
        return False
    if old_result[0] == "error":
        return old_result == new_result
    a, b = old_result[1], new_result[1]
    if isinstance(a, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        except AssertionError:
            return False
        return list(map(str, a.dtypes)) == list(map(str, b.dtypes))
    return pickle.dumps(a) == pickle.dumps(b)


def old_checkout(before: str | None, folder: Path) -> Path:
    if before:
        return Path(before).resolve()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASE, "crimestat"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help=f"a checkout of the old code (default: git archive of {BASE})")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the outcomes release files")
    args = parser.parse_args()
    inputs = [i for i in INPUTS if not (args.quick and i[1] in ("outcomes", "series", "groups") and "fixture" not in i[0])]
    with tempfile.TemporaryDirectory() as folder:
        old_root = old_checkout(args.before, Path(folder))
        workers = {"old": Worker(old_root), "new": Worker(ROOT)}
        times: dict[tuple[str, str], list[float]] = {}
        try:
            for round_number in range(args.rounds):
                for label, loader, path in inputs:
                    repeat = 1 if "fixture" not in label else 5
                    order = ("old", "new") if round_number % 2 == 0 else ("new", "old")
                    results = {}
                    for which in order:
                        (best, best_cpu), results[which] = workers[which].run(loader, path, repeat)
                        times.setdefault((label, which), []).append(best)
                        times.setdefault((label, which + " cpu"), []).append(best_cpu)
                    if not same(results["old"], results["new"]):
                        raise SystemExit(f"{label}: the old and new code give different results")
        finally:
            for worker in workers.values():
                worker.close()
    print(f"cold loads, old = {args.before or BASE}, new = this checkout; medians of {args.rounds} rounds "
          "(small fixtures: best of 5 calls per round); old and new results identical")
    print(f"{'':46} {'wall time':^28} {'CPU time (all threads)':^28}")
    print(f"{'input':46} {'old':>9} {'new':>9} {'new/old':>8}  {'old':>9} {'new':>9} {'new/old':>8}")
    for label, _, _ in inputs:
        cells = []
        for suffix in ("", " cpu"):
            old = statistics.median(times[(label, "old" + suffix)])
            new = statistics.median(times[(label, "new" + suffix)])
            cells.append(f"{old * 1000:7.1f}ms {new * 1000:7.1f}ms {new / old:8.2f}")
        print(f"{label:46} {cells[0]}  {cells[1]}")


if __name__ == "__main__":
    main()
