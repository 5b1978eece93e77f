"""The analyses' warm path, this checkout against an older one, as ratios measured in one run.

    python benchmarks/analyses_benchmark.py                  # against commit b3f35b6 (git archive'd to a temp folder)
    python benchmarks/analyses_benchmark.py --before DIR     # against another checkout
    python benchmarks/analyses_benchmark.py --rounds 5 --before-rev HEAD~3

"Warm" means the release is already in the data cache (a fresh ``$CRIMESTAT_CACHE_DIR`` per checkout, filled
once before timing), so what is timed is the figures computed from loaded data, not parsing. Each
measurement is a fresh process of the checkout (``PYTHONPATH``), the two checkouts alternating round by
round so that load from other processes falls on both alike, and what is measured is the process's CPU time
(``time.process_time``) for the part, which waiting for a core on a busy machine does not inflate as it does
wall time; a ratio is the median of the old over the median of the new (above 1: the new is faster). The
parts:

- ``analyses``: through the Python API on datasets loaded once: ``compare`` for each of the 43 forces at
  three periods of the ONS 2019 release and two of the default release, ``compare`` for all forces on both,
  ``trend`` for ten forces on both, ``rank`` (by rate and by change), ``breakdown`` for one force and for all,
  and the report of four forces (``analyses.report.build_report``).
- ``commands``: 60 commands in-process through the CLI (click's CliRunner), each reading the release from
  the cache as a command does: compare, compare --force all, trend, rank, breakdown, outcomes and
  report --format markdown, in table, CSV, JSON and Markdown. Their standard output is hashed, and the
  script says whether both checkouts printed the same bytes.
- ``charts``: three trend charts as SVG and one as PNG, and ``rank --plot`` (a funnel plot as SVG, with the
  ranking it charts), after one trend chart and one funnel plot drawn to import matplotlib and pyplot and load
  the fonts (not timed).
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH: list[Path] = []
atexit.register(lambda: [shutil.rmtree(folder, ignore_errors=True) for folder in SCRATCH])

FORCES_TO_TREND = ["kent", "warwickshire", "metropolitan", "dyfed-powys", "city of london", "cumbria",
                   "west midlands", "lancashire", "essex", "north wales"]
REPORT_FORCES = ["kent", "warwickshire", "city of london", "cumbria"]
R19 = ["--release", "ons-2019"]


def scratch(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    SCRATCH.append(folder)
    return folder


# -- the worker: runs inside a fresh process of one checkout -----------------------------------------------------

def _territorial(data) -> list[str]:
    return [f.name for f in data.registry.territorial]


def _load(release: str | None):
    import crimestat

    data = crimestat.load(release)
    for part in ("registry", "classification", "counts", "denominators", "outcome_series", "outcomes", "indicators"):
        getattr(data, part, None)  # read from the cache now, so that only the analyses are timed
    return data


def work_analyses() -> float:
    import crimestat
    from crimestat.analyses.report import build_report

    d19, d = _load("ons-2019"), _load(None)
    start = time.process_time()
    for name in _territorial(d):
        for to in ("2012-09", "2014-06", "2018-12"):
            crimestat.compare(name, to, data=d19)
        for to in ("2019-06", "2025-12"):
            crimestat.compare(name, to, data=d)
    crimestat.compare("all", data=d)
    crimestat.compare("all", "2014-06", data=d19)
    for name in FORCES_TO_TREND:
        crimestat.trend(name, data=d)
        crimestat.trend(name, data=d19)
    crimestat.rank(data=d)
    crimestat.rank(data=d19)
    crimestat.rank(by="change", data=d)
    crimestat.breakdown("kent", data=d)
    crimestat.breakdown("all", data=d)
    for name in REPORT_FORCES:
        build_report(d, name)
    return time.process_time() - start


def _commands() -> list[list[str]]:
    commands = []
    for fmt in ("table", "csv", "json", "markdown"):
        commands += [["compare", "--force", "warwickshire", "--format", fmt],
                     ["compare", "--force", "kent", "--to", "2014-06", "--format", fmt, *R19],
                     ["compare", "--force", "all", "--format", fmt],
                     ["trend", "--force", "kent", "--format", fmt],
                     ["trend", "--force", "lancashire", "--format", fmt, *R19],
                     ["rank", "--format", fmt],
                     ["rank", "--by", "change", "--format", fmt, *R19],
                     ["breakdown", "--force", "lancashire", "--format", fmt],
                     ["outcomes", "--force", "kent", "--format", fmt]]
    for name in ("warwickshire", "metropolitan", "dyfed-powys", "cumbria", "essex", "north wales"):
        for to in ("2010-03", "2014-06", "2018-12"):
            commands.append(["compare", "--force", name, "--to", to, "--format", "csv", *R19])
        commands.append(["compare", "--force", name, "--to", "2022-12", "--format", "json"])
    for name in REPORT_FORCES:
        commands.append(["report", "--force", name, "--format", "markdown"])  # the Markdown on stdout, no chart
    return commands


def work_commands() -> tuple[float, str]:
    import logging

    from click.testing import CliRunner

    from crimestat.cli import main

    digest = hashlib.sha256()
    commands = _commands()
    CliRunner().invoke(main, commands[0], catch_exceptions=False)  # imports done before timing
    start = time.process_time()
    for args in commands:
        result = CliRunner().invoke(main, args, catch_exceptions=False, prog_name="crimestat")
        digest.update(f"{args} {result.exit_code}\n".encode() + result.stdout_bytes)
        logging.getLogger("crimestat").handlers.clear()  # the CLI adds its handler once per run
        try:
            from crimestat.runtime import log

            log.reset()
        except ImportError:
            pass
    return time.process_time() - start, digest.hexdigest()


def work_charts() -> float:
    import crimestat
    from click.testing import CliRunner

    from crimestat.cli import main
    from crimestat.render import charts

    out = scratch("crimestat-charts-")
    d19, d = _load("ons-2019"), _load(None)
    trends = [crimestat.trend("kent", data=d), crimestat.trend("warwickshire", data=d19),
              crimestat.trend("city of london", data=d19)]
    charts.trend_chart(trends[0], str(out / "warm-up.svg"))  # matplotlib imported and its fonts loaded
    CliRunner().invoke(main, ["rank", "--plot", str(out / "warm-up-funnel.svg")], catch_exceptions=False)  # pyplot
    start = time.process_time()
    for i, result in enumerate(trends):
        charts.trend_chart(result, str(out / f"trend{i}.svg"))
    charts.trend_chart(trends[0], str(out / "trend.png"))
    CliRunner().invoke(main, ["rank", "--plot", str(out / "funnel.svg"), "--force", "kent"], catch_exceptions=False)
    return time.process_time() - start


def worker(part: str) -> None:
    if part == "analyses":
        print(json.dumps({"seconds": work_analyses()}))
    elif part == "commands":
        seconds, digest = work_commands()
        print(json.dumps({"seconds": seconds, "stdout_sha256": digest}))
    else:
        print(json.dumps({"seconds": work_charts()}))


# -- the driver ----------------------------------------------------------------------------------------------------

def run_worker(checkout: Path, cache: Path, part: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "CRIMESTAT_CACHE_DIR": str(cache), "COLUMNS": "80"}
    env.pop("CRIMESTAT_NO_CACHE", None)
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", part], env=env,
                          cwd=scratch("crimestat-cwd-"), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{checkout}: the {part} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def warm(checkout: Path, cache: Path) -> None:
    """Fill the checkout's own data cache (its key includes the code's hash) with both releases."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "CRIMESTAT_CACHE_DIR": str(cache)}
    for extra in ([], R19):
        subprocess.run([sys.executable, "-m", "crimestat", "-q", "compare", "--force", "kent", *extra], env=env,
                       cwd=scratch("crimestat-cwd-"), capture_output=True, check=True)


def checkout_of(rev: str) -> Path:
    folder = scratch("crimestat-before-")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="the older checkout (default: --before-rev, git archive'd)")
    parser.add_argument("--before-rev", default="b3f35b6", help="the commit to compare with (default: b3f35b6)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parts", default="analyses,commands,charts")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    before = args.before.resolve() if args.before else checkout_of(args.before_rev)
    sides = {"before": before, "now": ROOT}
    caches = {side: scratch(f"crimestat-cache-{side}-") for side in sides}
    for side, checkout in sides.items():
        warm(checkout, caches[side])
    parts = args.parts.split(",")
    times: dict[tuple[str, str], list[float]] = {}
    digests: dict[str, set[str]] = {side: set() for side in sides}
    for round_ in range(args.rounds):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for part in parts:
            for side in order:
                found = run_worker(sides[side], caches[side], part)
                times.setdefault((part, side), []).append(found["seconds"])
                if "stdout_sha256" in found:
                    digests[side].add(found["stdout_sha256"])
    print(f"before: {before}\nnow:    {ROOT}\nCPU seconds, medians of {args.rounds} rounds, each a fresh process\n")
    print(f"{'part':<10} {'before':>9} {'now':>9} {'before/now':>11}")
    for part in parts:
        old, new = statistics.median(times[(part, "before")]), statistics.median(times[(part, "now")])
        print(f"{part:<10} {old:>8.2f}s {new:>8.2f}s {old / new:>10.2f}x")
    if "commands" in parts:
        same = digests["before"] == digests["now"] and len(digests["now"]) == 1
        print(f"\ncommands' standard output: {'identical' if same else 'DIFFERENT'} "
              f"({len(_commands())} commands, sha256 {next(iter(digests['now']))[:16]}...)")


if __name__ == "__main__":
    main()
