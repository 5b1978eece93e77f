"""Issue 17's performance table: each piece of work against its floor, as ratios measured in one run.

    python benchmarks/run.py                      # the table, then the police.uk ingest table at 1M rows
    python benchmarks/run.py --rounds 11 --no-ingest
    python benchmarks/run.py --workbook           # also the first read from .xlsx and .ods (builds them, ~1 min)
    python benchmarks/run.py --pythonpath DIR     # measure another checkout (e.g. `git archive` of a commit)
    python benchmarks/run.py --before DIR         # this checkout and another, interleaved in the same rounds

Every command is a fresh process (`python -m crimestat ...`, so start-up is part of the work, as a user
sees it). The commands are run in rounds, one run of each per round, each round starting one command later
than the previous one, so that load from other processes on the machine falls on all of them alike; a
row's ratio is the median of its work over the median of its floor. The floors are `python -c pass`
(start-up of the interpreter) and `python -c "import pandas"`.

"Warm" means the data cache (``$CRIMESTAT_CACHE_DIR``, a fresh folder for the run) already holds the
parsed release, as on every run after the first; "first read" runs with ``CRIMESTAT_NO_CACHE=1``, so the
Home Office CSV.gz (321,893 rows) and the other files are parsed and checked on every run.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Commands run from an empty folder: `python -m` puts the working folder first on sys.path, which would
# shadow --pythonpath with the checkout the script was started from.
NEUTRAL = tempfile.mkdtemp(prefix="crimestat-run-cwd-")
SCRATCH = [Path(NEUTRAL)]  # temporary folders, removed when the script ends (however it ends)


def scratch(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    SCRATCH.append(folder)
    return folder


atexit.register(lambda: [shutil.rmtree(folder, ignore_errors=True) for folder in SCRATCH])
RELEASE = "home-office-2026-04"


@dataclass
class Work:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    before_each: Callable[[], None] | None = None
    times: list[float] = field(default_factory=list)
    available: bool = True
    why: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass
class Row:
    work: str
    floor: str
    target: float | None
    before: str  # the ratio issue 17 measured before this work, as text ("" when not measured)


ROWS = [
    Row("compare", "pandas", 0.6, "1.00"),
    Row("trend", "pandas", 0.6, ""),
    Row("rank", "pandas", 0.6, ""),
    Row("compare", "pass", None, "16.4"),
    # The same warm runs against pandas imported as crimestat runs numpy (OpenBLAS on one thread): how much of
    # the gain is that setting.
    Row("compare", "pandas_1", None, ""),
    Row("trend", "pandas_1", None, ""),
    Row("rank", "pandas_1", None, ""),
    Row("help", "pass", 2.0, "3.4"),
    Row("forces", "pass", 2.0, ""),
    Row("first", "pandas", 3.0, "2.2"),
    Row("first_xlsx", "pandas", None, ""),
    Row("first_ods", "pandas", None, ""),
    Row("compare_all", "compare", 2.0, ""),
    Row("compare_all", "rank", None, "39"),  # issue 17's row: 43 single-force compare calls against one rank
    Row("breakdown_all", "compare_all", 2.0, ""),  # every force's change taken apart, against compare --force all
    Row("report_html", "pandas", 1.5, "2.2"),
    Row("report_html_drawn", "pandas", None, ""),
    # Rank intervals by simulation (4,000 draws): rank within 1.5 times the time of the checkout given with --before
    # (the commit before the intervals); shown only with --before.
    Row("rank", "rank@before", 1.5, ""),
]

LABELS = {
    "pass": 'python -c pass',
    "pandas": 'python -c "import pandas"',
    "pandas_1": "the same, OPENBLAS_NUM_THREADS=1",
    "compare": "compare --force warwickshire (warm)",
    "trend": "trend --force warwickshire (warm)",
    "rank": "rank (warm)",
    "help": "crimestat --help",
    "forces": "crimestat forces",
    "first": "first read of the release + compare",
    "first_xlsx": "first read, crime table as .xlsx + compare",
    "first_ods": "first read, crime table as .ods + compare",
    "compare_all": "compare --force all (warm)",
    "breakdown_all": "breakdown --force all (warm)",
    "report_html": "report --format html (warm)",
    "report_html_drawn": "report --format html (warm data, chart drawn)",
    "rank@before": "rank (warm), the --before checkout",
}


def run_once(work: Work, base_env: dict[str, str]) -> None:
    if work.before_each is not None:
        work.before_each()
    env = dict(base_env, **work.env)
    start = time.perf_counter()
    done = subprocess.run(work.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=NEUTRAL)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{work.name} failed (exit {done.returncode}): {' '.join(work.command)}\n"
                         f"{done.stderr.decode(errors='replace')[-800:]}")
    work.times.append(elapsed)


def build_workbook_release(folder: Path, kind: str = "xlsx") -> Path:
    """A data folder whose release has the crime table as a workbook (``kind`` xlsx or ods), one sheet per
    financial year as the Home Office publishes it, built from the shipped CSV.gz."""
    import gzip
    import io

    import pandas as pd

    release = ROOT / "sample_data" / "releases" / RELEASE
    name = f"{RELEASE}-{kind}"
    target = folder / "releases" / name
    if (target / "release.json").exists():
        return folder
    target.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((release / "release.json").read_text())
    crime = next(f for f in manifest["files"] if f["role"] == "crime")
    frame = pd.read_csv(io.BytesIO(gzip.decompress((release / crime["path"]).read_bytes())), dtype=str,
                        keep_default_na=False)
    sheets = {}
    for year, rows in frame.groupby("Financial Year", sort=True):
        records = []
        for record in rows.itertuples(index=False):
            values: list = list(record)
            values[1], values[-1] = int(values[1]), int(values[-1])  # numbers as numbers, as published
            records.append(values)
        sheets[year.replace("/", "_")] = (list(frame.columns), records)
    workbook = target / (Path(Path(crime["path"]).stem).stem + f".{kind}")
    (_write_xlsx if kind == "xlsx" else _write_ods)(sheets, workbook)
    for entry in manifest["files"]:
        if entry is crime:
            entry["path"] = workbook.name
            entry["sha256"] = hashlib.sha256(workbook.read_bytes()).hexdigest()
        else:
            shutil.copy(release / entry["path"], target / entry["path"])
    manifest["name"] = name
    (target / "release.json").write_text(json.dumps(manifest, indent=2))
    return folder


def _write_xlsx(sheets: dict, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for sheet_name, (header, records) in sheets.items():
        sheet = book.create_sheet(sheet_name)
        sheet.append(header)
        for values in records:
            sheet.append(values)
    book.save(path)


def _write_ods(sheets: dict, path: Path) -> None:
    """A plain OpenDocument spreadsheet (the minimal package: mimetype, manifest, content), written directly:
    odfpy builds every cell as an object and takes many minutes for 2.6 million cells."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    def cell(value) -> str:
        if isinstance(value, int):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'

    namespaces = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'),
            compress_type=zipfile.ZIP_DEFLATED)
        content = zipfile.ZipInfo("content.xml", date_time=(2026, 4, 23, 0, 0, 0))
        content.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(content, "w", force_zip64=True) as stream:
            def write(text: str) -> None:
                stream.write(text.encode("utf-8"))

            write(f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {namespaces} '
                  'office:version="1.2"><office:body><office:spreadsheet>')
            for sheet_name, (header, records) in sheets.items():
                write(f"<table:table table:name={quoteattr(sheet_name)}>")
                for values in [header, *records]:
                    write("<table:table-row>" + "".join(cell(v) for v in values) + "</table:table-row>")
                write("</table:table>")
            write("</office:spreadsheet></office:body></office:document-content>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="Runs of each command (medians compared).")
    parser.add_argument("--pythonpath", help="Import crimestat from this folder (another checkout).")
    parser.add_argument("--workbook", action="store_true", help="Also time the first read from .xlsx and .ods.")
    parser.add_argument("--keep", help="Folder for the built workbook release (reused when present).")
    parser.add_argument("--no-ingest", action="store_true", help="Skip benchmarks/ingest.py.")
    parser.add_argument("--ingest-sizes", default="1000000",
                        help="Rows for benchmarks/ingest.py, comma-separated (issue 17's table: 1000000,20000000; "
                             "the 1 GB member is timed too when 20M is asked for).")
    parser.add_argument("--before", help="Also time the checkout in this folder, in the same rounds (its own "
                                         "data cache), and show its ratios beside the new ones.")
    args = parser.parse_args()

    py = sys.executable
    cache = scratch("crimestat-run-cache-")
    # Bytecode as an installed package has it (pip compiles .pyc files on install): a private cache
    # folder, filled by the warming runs, even where PYTHONDONTWRITEBYTECODE is set (as on this project's
    # machine, where every run would otherwise compile crimestat's modules from source, some 30-50 ms).
    pycache = scratch("crimestat-run-pyc-")
    base_env = dict(os.environ, CRIMESTAT_CACHE_DIR=str(cache), PYTHONPYCACHEPREFIX=str(pycache))
    for name in ("CRIMESTAT_NO_CACHE", "PYTHONDONTWRITEBYTECODE", "OPENBLAS_NUM_THREADS"):
        base_env.pop(name, None)
    if args.pythonpath:
        base_env["PYTHONPATH"] = args.pythonpath
    cs = [py, "-m", "crimestat"]

    def forget_charts() -> None:
        for entry in cache.glob("trend-svg-*"):
            entry.unlink()

    works = {
        "pass": Work("pass", [py, "-c", "pass"]),
        "pandas": Work("pandas", [py, "-c", "import pandas"]),
        "pandas_1": Work("pandas_1", [py, "-c", "import pandas"], env={"OPENBLAS_NUM_THREADS": "1"}),
        "help": Work("help", cs + ["--help"]),
        "forces": Work("forces", cs + ["forces", "--format", "csv"]),
        "compare": Work("compare", cs + ["compare", "--force", "warwickshire", "--format", "csv"]),
        "trend": Work("trend", cs + ["trend", "--force", "warwickshire", "--format", "csv"]),
        "rank": Work("rank", cs + ["rank", "--format", "csv"]),
        "compare_all": Work("compare_all", cs + ["compare", "--force", "all", "--format", "csv"]),
        "breakdown_all": Work("breakdown_all", cs + ["breakdown", "--force", "all", "--format", "csv"]),
        "report_html": Work("report_html", cs + ["report", "--force", "warwickshire", "--format", "html"]),
        "report_html_drawn": Work("report_html_drawn", cs + ["report", "--force", "warwickshire", "--format",
                                                             "html"], before_each=forget_charts),
        "first": Work("first", cs + ["compare", "--force", "warwickshire", "--format", "csv"],
                      env={"CRIMESTAT_NO_CACHE": "1"}),
    }
    keep = (Path(args.keep) if args.keep else scratch("crimestat-run-workbooks-")) if args.workbook else None
    for kind in ("xlsx", "ods"):
        if keep is not None:
            print(f"building the .{kind} release ...", file=sys.stderr, flush=True)
            data = build_workbook_release(keep, kind)
            works[f"first_{kind}"] = Work(f"first_{kind}", cs + [
                "compare", "--force", "warwickshire", "--format", "csv", "--data-dir", str(data), "--release",
                f"{RELEASE}-{kind}"], env={"CRIMESTAT_NO_CACHE": "1"})
        else:
            works[f"first_{kind}"] = Work(f"first_{kind}", [], available=False,
                                          why="not measured (run with --workbook)")

    if args.before:
        cache_before = scratch("crimestat-run-cache-before-")

        def forget_charts_before() -> None:
            for entry in cache_before.glob("trend-svg-*"):
                entry.unlink()

        for name, work in list(works.items()):
            if name in ("pass", "pandas", "pandas_1") or not work.available:
                continue
            works[f"{name}@before"] = Work(f"{name}@before", work.command, dict(
                work.env, PYTHONPATH=args.before, CRIMESTAT_CACHE_DIR=str(cache_before)),
                forget_charts_before if work.before_each else None)

    # Warm the caches (data and bytecode), and find out which commands this checkout has.
    for work in list(works.values()) * 2:
        if not work.available:
            continue
        done = subprocess.run(work.command, capture_output=True, env=dict(base_env, **work.env), cwd=NEUTRAL)
        if done.returncode != 0:
            if work.name.startswith("compare_all"):
                work.available, work.why = False, "not available (no `compare --force all` in this checkout)"
                continue
            if work.name.startswith("breakdown_all"):
                work.available, work.why = False, "not available (no `breakdown` in this checkout)"
                continue
            raise SystemExit(f"{work.name} failed: {done.stderr.decode(errors='replace')[-800:]}")

    order = [w for w in works.values() if w.available]
    for round_number in range(args.rounds):
        shift = round_number % len(order)
        for work in order[shift:] + order[:shift]:
            run_once(work, base_env)

    versions = []
    for package in ("numpy", "pandas", "pyarrow", "matplotlib", "click"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    commit = subprocess.run(["git", "-C", args.pythonpath or str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "not a git checkout"
    print(f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python "
          f"{platform.python_version()}; {', '.join(versions)}")
    print(f"crimestat: {args.pythonpath or ROOT} ({commit}); {args.rounds} rounds, medians; "
          f"cache {cache}")
    print()
    spread = {name: (min(w.times), max(w.times)) for name, w in works.items() if w.times}
    if args.before:
        print(f"before: {args.before}, timed in the same rounds")
    wide = max(len(LABELS[row.work]) for row in ROWS)
    floor_wide = max(len(LABELS[row.floor]) for row in ROWS if row.floor in works)
    print(f"{'work':{wide}} {'compared with':{floor_wide}} {'median':>8} {'ratio':>6} {'target':>7} {'issue':>7}"
          + (f" {'measured before':>16}" if args.before else ""))
    for row in ROWS:
        if row.floor not in works:
            continue  # a row against the --before checkout, without --before
        work, floor = works[row.work], works[row.floor]
        target = f"<= {row.target:g}" if row.target is not None else "report"
        if not work.available:
            print(f"{LABELS[row.work]:{wide}} {LABELS[row.floor]:{floor_wide}} {'':>8} {'':>6} {target:>7} {row.before:>7}  "
                  f"{work.why}")
            continue
        ratio = work.median / floor.median
        met = "" if row.target is None else ("  met" if ratio <= row.target else "  NOT met")
        old = ""
        if args.before:
            earlier = works.get(f"{row.work}@before")
            base = works.get(f"{row.floor}@before", floor)
            old = f" {earlier.median / base.median:16.2f}" if earlier is not None and earlier.available and \
                base.available else f" {'not available':>16}"
        print(f"{LABELS[row.work]:{wide}} {LABELS[row.floor]:{floor_wide}} {work.median:7.3f}s {ratio:6.2f} {target:>7} "
              f"{row.before:>7}{old}{met}")
    print()
    print("floors and spread (min-max of the runs): " + "; ".join(
        f"{name} {low:.3f}-{high:.3f}s" for name, (low, high) in spread.items()))

    if not args.no_ingest:
        sizes = [s.strip() for s in args.ingest_sizes.split(",") if s.strip()]
        huge = [] if "20000000" in sizes else ["--no-huge"]
        print(f"\npolice.uk ingest (benchmarks/ingest.py --sizes {','.join(sizes)} --repeats 3 {' '.join(huge)}):",
              flush=True)
        env = dict(os.environ, **({"PYTHONPATH": args.pythonpath} if args.pythonpath else {}))
        done = subprocess.run([py, str(ROOT / "benchmarks" / "ingest.py"), "--sizes", ",".join(sizes), "--repeats",
                               "3", *huge], env=env)
        if done.returncode != 0:
            print(f"  benchmarks/ingest.py failed (exit {done.returncode})")


if __name__ == "__main__":
    main()
