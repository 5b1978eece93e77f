"""Benchmark crimestat ingest and compare against their floors, on a synthetic police.uk archive.

    python3 benchmarks/ingest_benchmark.py                  # 1 million and 5 million rows
    python3 benchmarks/ingest_benchmark.py --sizes 200000   # a quick run

The archive is built by resampling rows of the shipped Warwickshire street-level files
(sample_data/police-uk) into YYYY-MM/YYYY-MM-<force>-street.csv files across 20 forces and 60 months,
with the month and force columns rewritten to match each file. It is synthetic: for timing only.

For each size it times, in one run: `crimestat ingest police-uk` (wall time, rows per second, peak
memory of the whole process tree); DuckDB doing the same aggregation (count by force, month and crime
type) over the same files; and `wc -l` over them (the I/O floor). Then it times
`crimestat compare --force warwickshire` against `python -c "import pandas"` (the start-up floor): its
first run (which parses the ONS file and caches the result) and the median of later runs.
Needs the duckdb package (pip install duckdb) for the DuckDB comparison; without it that line is skipped.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sample_data" / "police-uk"
FORCES = [
    ("warwickshire", "Warwickshire Police"), ("west-mercia", "West Mercia Police"), ("kent", "Kent Police"),
    ("essex", "Essex Police"), ("surrey", "Surrey Police"), ("sussex", "Sussex Police"),
    ("hampshire", "Hampshire Constabulary"), ("norfolk", "Norfolk Constabulary"), ("suffolk", "Suffolk Constabulary"),
    ("dorset", "Dorset Police"), ("durham", "Durham Constabulary"), ("cumbria", "Cumbria Constabulary"),
    ("lancashire", "Lancashire Constabulary"), ("merseyside", "Merseyside Police"), ("cheshire", "Cheshire Constabulary"),
    ("gwent", "Gwent Police"), ("north-wales", "North Wales Police"), ("south-wales", "South Wales Police"),
    ("dyfed-powys", "Dyfed Powys Police"), ("wiltshire", "Wiltshire Police"),
]
MONTHS = [f"{y}-{m:02d}" for y in range(2010, 2015) for m in range(1, 13)]


def build_archive(folder: Path, rows: int, seed: int = 2014) -> int:
    """Write a synthetic archive of about ``rows`` rows; returns the number written."""
    pool = []
    for path in sorted(SOURCE.rglob("*-street.csv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0]
        for line in lines[1:]:
            crime_id, _month, _reported, _falls, rest = line.split(",", 4)
            pool.append((crime_id, rest))
    rng = random.Random(seed)
    files = [(m, f) for m in MONTHS for f in FORCES]
    per_file = max(1, rows // len(files))
    written = 0
    for month, (force_id, label) in files:
        out = folder / month / f"{month}-{force_id}-street.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        chosen = rng.choices(pool, k=per_file)
        with open(out, "w", encoding="utf-8", newline="") as stream:
            stream.write(header + "\n")
            stream.writelines(f"{cid},{month},{label},{label},{rest}\n" for cid, rest in chosen)
        written += per_file
    return written


def run_measured(command: list[str], **kwargs) -> tuple[float, int]:
    """Wall time and peak resident memory (bytes, summed over the process tree) of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, **kwargs)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}")
    return elapsed, peak


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            with open(f"/proc/{entry}/statm") as stream:
                rss[int(entry)] = int(stream.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def median_time(command: list[str], repeats: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


DUCKDB_QUERY = """
import sys, duckdb
duckdb.sql(f\"\"\"COPY (SELECT "Falls within" AS force, "Month" AS month, "Crime type" AS crime_type, count(*) AS n
  FROM read_csv('{sys.argv[1]}/*/*-street.csv', header=true, all_varchar=true)
  GROUP BY ALL ORDER BY ALL) TO '{sys.argv[2]}' (HEADER)\"\"\")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,5000000", help="Comma-separated archive sizes in rows.")
    parser.add_argument("--keep", help="Build the archives in this folder and keep them.")
    parser.add_argument("--repeats", type=int, default=5, help="Runs of each start-up command.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="crimestat-bench-"))
    # The command users type: the console script installed beside this Python, else `python -m crimestat`.
    script = Path(sys.executable).parent / "crimestat"
    crimestat = [str(script)] if script.exists() else [sys.executable, "-m", "crimestat"]
    try:
        import duckdb  # noqa: F401
        have_duckdb = True
    except ImportError:
        have_duckdb = False

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    print(f"crimestat: {' '.join(crimestat)}")
    if not have_duckdb:
        print("duckdb is not installed (python3 -m pip install duckdb): the DuckDB comparison is skipped")
    for size in sizes:
        folder = base / f"archive-{size}"
        if not folder.exists():
            started = time.perf_counter()
            written = build_archive(folder, size)
            print(f"\nbuilt {written:,} rows in {len(list(folder.rglob('*.csv')))} files "
                  f"({sum(p.stat().st_size for p in folder.rglob('*.csv')) / 1e9:.2f} GB) "
                  f"in {time.perf_counter() - started:.1f} s")
        files = sorted(str(p) for p in folder.rglob("*.csv"))
        rows = sum(1 for _ in open(files[0])) - 1
        rows *= len(files)
        # Warm the page cache so every tool reads from memory alike.
        subprocess.run(["cat", *files], stdout=subprocess.DEVNULL, check=True)
        ingest_time, ingest_peak = run_measured(
            crimestat + ["-q", "ingest", "police-uk", str(folder), "--output", str(base / "counts.csv")])
        wc_time, _ = run_measured(["wc", "-l", *files])
        print(f"\n{rows:,} rows")
        print(f"  crimestat ingest  {ingest_time:7.2f} s  {rows / ingest_time:12,.0f} rows/s  "
              f"peak memory {ingest_peak / 2**20:,.0f} MiB")
        if have_duckdb:
            duck_time, duck_peak = run_measured([sys.executable, "-c", DUCKDB_QUERY, str(folder),
                                                 str(base / "duck.csv")])
            print(f"  duckdb            {duck_time:7.2f} s  {rows / duck_time:12,.0f} rows/s  "
                  f"peak memory {duck_peak / 2**20:,.0f} MiB")
        print(f"  wc -l (I/O floor) {wc_time:7.2f} s  {rows / wc_time:12,.0f} rows/s")
        if have_duckdb:
            print(f"  ratio ingest / duckdb: {ingest_time / duck_time:.2f} (target at most 1.5)")
        print(f"  ratio ingest / wc -l:  {ingest_time / wc_time:.2f}")

    # compare: the first run on a file parses it and caches the validated result; later runs read the
    # cache and import neither pandas nor the parsers. Both are timed, with a cache folder of our own.
    env = {**os.environ, "CRIMESTAT_CACHE_DIR": str(base / "cache")}
    command = crimestat + ["compare", "--force", "warwickshire", "-q"]
    first = median_time(command + ["--format", "csv"], 1, env=env)
    floor = median_time([sys.executable, "-c", "import pandas"], args.repeats)
    print(f"\npython -c 'import pandas' (start-up floor)          {floor:.2f} s (median of {args.repeats})")
    print(f"crimestat compare --force warwickshire, first run  {first:.2f} s (parses the ONS file, "
          f"ratio {first / floor:.2f})")
    for fmt in ("csv", "table"):
        warm = median_time(command + ["--format", fmt], args.repeats, env=env)
        print(f"crimestat compare --force warwickshire --format {fmt:5s} {warm:.2f} s (median of {args.repeats})")
        print(f"  ratio compare / floor: {warm / floor:.2f} (target at most 1.5)")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
