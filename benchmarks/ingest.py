"""Benchmark `crimestat ingest police-uk` against polars and DuckDB doing the same count.

    python3 -m pip install polars duckdb             # benchmark tools only, not crimestat dependencies
    python3 benchmarks/ingest.py                     # 1, 5 and 20 million rows, and a 1 GB member
    python3 benchmarks/ingest.py --sizes 1000000 --no-huge   # a quick run

The archives are built from the real sample rows (sample_data/police-uk, by
``ingest_benchmark.build_archive``: 1,200 files across 20 forces and 60 months). Each size is timed in
one run with the three commands alternating, ``--repeats`` times each, and the medians compared, so
that load from other processes on the machine falls on all three alike. Every command is a whole
process started afresh (what a user types): start-up is included for all three. Each command runs once
untimed first, with a private bytecode cache, so that all three start as installed packages do (compiled
bytecode, files in the page cache).

Each run's output is checked: crimestat, polars and DuckDB must give exactly the same count for every
force, month and crime type (force labels mapped to codes through crimestat's registry), or the
benchmark stops. Peak memory is the resident memory of the whole process tree (crimestat's workers
included), sampled every 10 ms.

The huge-member case zips one 1 GB street file with no newline at all and checks that crimestat fails
with one short message, in bounded memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_benchmark import build_archive, tree_rss  # noqa: E402

POLARS = """
import sys, polars as pl
(pl.scan_csv(f"{sys.argv[1]}/*/*-street.csv", infer_schema=False)
   .group_by("Falls within", "Month", "Crime type").len().sort(pl.all()).collect().write_csv(sys.argv[2]))
"""
DUCKDB = """
import sys, duckdb
duckdb.sql(f\"\"\"COPY (SELECT "Falls within", "Month", "Crime type", count(*) AS len
  FROM read_csv('{sys.argv[1]}/*/*-street.csv', header=true, all_varchar=true)
  GROUP BY ALL ORDER BY ALL) TO '{sys.argv[2]}' (HEADER)\"\"\")
"""
MEMORY_LIMIT = 400 * 2**20
# Bytecode as an installed package has it (pip compiles .pyc files on install): a private cache folder,
# filled by a first untimed run of each command, even where PYTHONDONTWRITEBYTECODE is set (as on this
# project's machine, where crimestat's edited modules would otherwise be compiled from source every run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="crimestat-ingest-pyc-")


def measure(command: list[str]) -> tuple[float, int, int, str]:
    """Wall time, peak tree memory, exit code and stderr of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    return elapsed, peak, process.returncode, process.stderr.read().decode() if process.stderr else ""


def counts(path: Path, tool: str) -> Counter:
    """(force code, month, crime type) -> count from a tool's output CSV."""
    from crimestat.loaders.forces import load_forces

    registry = load_forces()
    result: Counter = Counter()
    with open(path, newline="") as stream:
        for row in csv.DictReader(stream):
            if tool == "crimestat":
                result[(row["area_code"], row["month"], row["crime_type"])] += int(row["count"])
            else:
                force = registry.find(row["Falls within"])
                result[(force.code if force else row["Falls within"], row["Month"], row["Crime type"])] += int(row["len"])
    return result


def huge_member(base: Path, crimestat: list[str]) -> None:
    archive = base / "huge.zip"
    if not archive.exists():
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped, \
                zipped.open("2014-06/2014-06-warwickshire-street.csv", "w", force_zip64=True) as member:
            block = b"x" * (1 << 20)
            for _ in range(1024):
                member.write(block)
    elapsed, peak, code, stderr = measure(crimestat + ["ingest", "police-uk", str(archive)])
    print(f"\n1 GB member without newlines: exit {code} in {elapsed:.2f} s, peak memory {peak / 2**20:,.0f} MiB, "
          f"message {len(stderr)} characters:\n  {stderr.strip()}")
    assert code == 1 and stderr.count("\n") == 1 and len(stderr) < 400, "not one short error"
    assert peak < MEMORY_LIMIT, "memory over the limit"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,5000000,20000000", help="Comma-separated archive sizes in rows.")
    parser.add_argument("--repeats", type=int, default=3, help="Runs of each command per size (medians compared).")
    parser.add_argument("--keep", help="Build the archives in this folder and keep them (reused when present).")
    parser.add_argument("--no-huge", action="store_true", help="Skip the 1 GB member case.")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="crimestat-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        run(args, base)
    finally:  # the archives are gigabytes: kept only when asked (--keep)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(ENV["PYTHONPYCACHEPREFIX"], ignore_errors=True)


def run(args: argparse.Namespace, base: Path) -> None:
    script = Path(sys.executable).parent / "crimestat"
    crimestat = [str(script)] if script.exists() else [sys.executable, "-m", "crimestat"]
    import duckdb
    import polars

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, polars {polars.__version__}, "
          f"duckdb {duckdb.__version__}")
    table = []
    for size in (int(s) for s in args.sizes.split(",")):
        folder = base / f"archive-{size}"
        if not folder.exists():
            build_archive(folder, size)
        files = sorted(folder.rglob("*.csv"))
        rows = sum(1 for _ in open(files[0])) * len(files) - len(files)
        subprocess.run(["cat", *map(str, files)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        commands = {
            "crimestat": crimestat + ["-q", "ingest", "police-uk", str(folder), "--output", str(base / "crimestat.csv")],
            "polars": [sys.executable, "-c", POLARS, str(folder), str(base / "polars.csv")],
            "duckdb": [sys.executable, "-c", DUCKDB, str(folder), str(base / "duckdb.csv")],
        }
        times: dict[str, list[float]] = {tool: [] for tool in commands}
        peaks: dict[str, int] = dict.fromkeys(commands, 0)
        for command in commands.values():  # untimed: bytecode compiled and cached, files in the page cache
            measure(command)
        for _ in range(args.repeats):
            for tool, command in commands.items():
                elapsed, peak, code, stderr = measure(command)
                if code != 0:
                    raise SystemExit(f"{tool} failed ({code}): {stderr[-500:]}")
                times[tool].append(elapsed)
                peaks[tool] = max(peaks[tool], peak)
            found = {tool: counts(base / f"{tool}.csv", tool) for tool in commands}
            if not found["crimestat"] == found["polars"] == found["duckdb"]:
                raise SystemExit(f"the counts differ at {size:,} rows")
            assert sum(found["crimestat"].values()) == rows
        median = {tool: statistics.median(t) for tool, t in times.items()}
        table.append((rows, median, peaks))
        print(f"{rows:,} rows ({sum(f.stat().st_size for f in files) / 1e9:.2f} GB): counts agree; runs "
              + ", ".join(f"{tool} {' '.join(f'{t:.2f}' for t in times[tool])} s" for tool in commands))
    print(f"\n{'rows':>12} {'crimestat':>10} {'polars':>8} {'duckdb':>8} {'÷polars':>8} {'÷duckdb':>8} "
          f"{'peak MiB':>9} (medians of {args.repeats} alternating runs; peak of crimestat's process tree)")
    for rows, median, peaks in table:
        print(f"{rows:>12,} {median['crimestat']:>9.2f}s {median['polars']:>7.2f}s {median['duckdb']:>7.2f}s "
              f"{median['crimestat'] / median['polars']:>8.2f} {median['crimestat'] / median['duckdb']:>8.2f} "
              f"{peaks['crimestat'] / 2**20:>9,.0f}")
        if peaks["crimestat"] > MEMORY_LIMIT:
            print(f"  over the memory limit of {MEMORY_LIMIT / 2**20:.0f} MiB")
    if not args.no_huge:
        huge_member(base, crimestat)


if __name__ == "__main__":
    main()
