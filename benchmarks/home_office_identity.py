"""Check that the Home Office and outcomes loaders give the same results as an older checkout, file by file.

    python benchmarks/home_office_identity.py                # against commit b3f35b6 (git archive)
    python benchmarks/home_office_identity.py --before DIR   # against another checkout (DIR/crimestat)
    python benchmarks/home_office_identity.py --also DIR     # and every file under DIR (e.g. inputs saved from a test run)

Inputs: every file of tests/data and sample_data/releases, each given to the crime, outcomes and (for the
outcomes series release) series loaders, and damaged copies of the shipped release written to a temporary
folder: rows dropped (one, forty, a code for 2, 5 or 12 forces, a force's quarter, the file's end), rows
repeated, an aggregate offence code beside its parts, counts made ten times larger, bad cells in the outcomes
and series files. Both checkouts load each input in their own process; the tidy tables (values, dtypes, index),
the errors (type and text) and the warnings must be identical. Prints one line per difference and a count.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import pickle
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from home_office_benchmark import BASE, PRELUDE, old_checkout  # run as a script: its folder is on the path

ROOT = Path(__file__).resolve().parents[1]

RELEASE = ROOT / "sample_data" / "releases" / "home-office-2026-04"
SERIES = ROOT / "sample_data" / "releases" / "home-office-outcomes-2026-07"

RUNNER = PRELUDE + r'''
items = pickle.load(open(sys.argv[2], "rb"))
out = []
for loader, path in items:
    with collecting() as said, warnings.catch_warnings(record=True) as python_warnings:
        warnings.simplefilter("always")
        try:
            result = ("ok", loaders[loader](path, registry))
        except Exception as exc:
            result = ("error", type(exc).__name__, str(exc))
    out.append((result, list(said), [str(w.message) for w in python_warnings]))
pickle.dump(out, open(sys.argv[3], "wb"))
'''


def write_csv(path: Path, header: list[str], rows: list[list[str]], gz: bool = False) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)


def damaged_copies(folder: Path) -> list[tuple[str, Path]]:
    """Damaged copies of the shipped files (real rows, changed as each name says), for the checks' messages."""
    rng = random.Random(35)
    made: list[tuple[str, Path]] = []

    def save(loader: str, name: str, header: list[str], rows: list[list[str]], gz: bool = False) -> None:
        path = folder / name
        write_csv(path, header, rows, gz)
        made.append((loader, path))

    text = gzip.decompress((RELEASE / "prc-pfa-mar2013-onwards-tables-230426.csv.gz").read_bytes()).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    not_territorial = ("Action Fraud", "CIFAS", "Cifas", "UK Finance", "British Transport Police")
    for part, years in (("2017-2020", ("2017/18", "2018/19", "2019/20")), ("2024-2026", ("2024/25", "2025/26"))):
        base = [r for r in rows if r[0] in years]
        territorial = [i for i, r in enumerate(base) if r[2] not in not_territorial and r[1] == "2"]
        save("crime", f"{part}.csv", header, base)
        save("crime", f"{part}.csv.gz", header, base, gz=True)
        for k in range(3):
            i = rng.choice(territorial)
            save("crime", f"{part}-one-row-dropped-{k}.csv", header, base[:i] + base[i + 1:])
            save("crime", f"{part}-row-repeated-{k}.csv", header, base[:i + 1] + [base[i]] + base[i + 1:])
        for forces in (2, 5, 12):
            first = base[rng.choice(territorial)]
            names = sorted({r[2] for r in base if r[:2] == first[:2]})
            rng.shuffle(names)
            gone = set(names[:forces])
            save("crime", f"{part}-code-dropped-for-{forces}-forces.csv", header,
                 [r for r in base if not (r[:2] == first[:2] and r[6] == first[6] and r[2] in gone)])
        save("crime", f"{part}-end-cut.csv", header, base[:-rng.randint(50, 400)])
        forty = set(rng.sample(territorial, 40))
        save("crime", f"{part}-forty-rows-dropped.csv", header, [r for i, r in enumerate(base) if i not in forty])
        quarter = base[territorial[len(territorial) // 2]]
        save("crime", f"{part}-force-quarter-dropped.csv", header, [r for r in base if r[:3] != quarter[:3]])
        part_row = next(r for r in base if r[6] in ("1", "4.1", "4.10", "4.2") and r[2] == "Kent")
        aggregate = [*part_row[:6], "1/4.1/4.10/4.2", part_row[7]]
        save("crime", f"{part}-aggregate-beside-parts.csv", header, base + [aggregate])
        larger = [list(r) for r in base]
        for i in rng.sample(territorial, 25):
            if larger[i][7].isdigit() and int(larger[i][7]) > 20:
                larger[i][7] = str(int(larger[i][7]) * 10)
        save("crime", f"{part}-counts-ten-times.csv", header, larger)

    text = gzip.decompress((RELEASE / "prc-outcomes-2024-25-by-force-quarter-group-type.csv.gz").read_bytes()).decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    for k in range(3):
        i = rng.randrange(len(rows))
        save("outcomes", f"outcomes-one-row-dropped-{k}.csv", header, rows[:i] + rows[i + 1:])
        save("outcomes", f"outcomes-row-repeated-{k}.csv", header, rows[:i + 1] + [rows[i]] + rows[i + 1:])
    larger = [list(r) for r in rows]
    for i in rng.sample(range(len(rows)), 30):
        if larger[i][-1].isdigit() and int(larger[i][-1]) > 20:
            larger[i][-1] = str(int(larger[i][-1]) * 10)
    save("outcomes", "outcomes-counts-ten-times.csv", header, larger)
    bad = [list(r) for r in rows]
    bad[100][-1], bad[200][-1], bad[300][2], bad[400][5], bad[500][3] = "-5", "x", "Kentt", "99", "robbery "
    save("outcomes", "outcomes-bad-cells.csv", header, bad)
    save("outcomes", "outcomes-end-cut.csv", header, rows[:-300])
    middle = rows[len(rows) // 2]
    save("outcomes", "outcomes-force-quarter-dropped.csv", header, [r for r in rows if r[1:3] != middle[1:3]])

    for loader, name in (("series", "prc-outcomes-force-quarter-2014-15-to-2025-26-230726.csv"),
                         ("groups", "prc-outcomes-force-offence-group-year-2014-15-to-2025-26-230726.csv")):
        header, *rows = list(csv.reader(open(SERIES / name, encoding="utf-8")))
        counts = [i for i, c in enumerate(header) if c.startswith(("closed_", "recorded_"))]
        for label, row, value in (("negative-total", 10, "-3"), ("negative-type", 20, "-2"), ("text", 30, "n/a"),
                                  ("19-digits", 40, "9" * 19), ("18-digits", 50, "9" * 18), ("plus", 60, "+5"),
                                  ("empty", 70, ""), ("space", 80, " 7"), ("decimal", 90, "7.0")):
            changed = [list(r) for r in rows]
            changed[row][counts[row % len(counts)]] = value
            save(loader, f"{loader}-{label}.csv", header, changed)
    return made


def differences(old, new) -> str | None:
    import pandas as pd

    if old[1:] != new[1:]:
        return f"warnings differ: {old[1:]} / {new[1:]}"
    a, b = old[0], new[0]
    if a[0] != b[0] or (a[0] == "error" and a != b):
        return f"{a[:3]} / {b[:3]}"
    if a[0] == "ok" and isinstance(a[1], pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
        except AssertionError as exc:
            return str(exc)
        if list(map(str, a[1].dtypes)) != list(map(str, b[1].dtypes)) or a[1].to_csv() != b[1].to_csv():
            return "dtypes or text differ"
    elif a[0] == "ok" and pickle.dumps(a[1]) != pickle.dumps(b[1]):
        return "tables differ"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help=f"a checkout of the old code (default: git archive of {BASE})")
    parser.add_argument("--also", action="append", default=[], help="a folder of more inputs (every file in it)")
    args = parser.parse_args()
    files = sorted(p for p in [*(ROOT / "tests" / "data").rglob("*"), *(ROOT / "sample_data" / "releases").rglob("*")]
                   if p.is_file() and p.suffix not in (".py", ".md", ".json"))
    for folder in args.also:
        files += sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.name != "meta.json")
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        (work / "damaged").mkdir()
        items = [(loader, str(p)) for p in files for loader in ("crime", "outcomes")]
        items += [(loader, str(SERIES / name)) for loader, name in
                  (("series", "prc-outcomes-force-quarter-2014-15-to-2025-26-230726.csv"),
                   ("groups", "prc-outcomes-force-offence-group-year-2014-15-to-2025-26-230726.csv"))]
        items += [(loader, str(path)) for loader, path in damaged_copies(work / "damaged")]
        pickle.dump(items, open(work / "items.pickle", "wb"))
        old_root = old_checkout(args.before, work / "old")
        results = {}
        for which, root in (("old", old_root), ("new", ROOT)):
            subprocess.run([sys.executable, "-c", RUNNER, str(root), str(work / "items.pickle"),
                            str(work / f"{which}.pickle")], check=True, stderr=subprocess.DEVNULL)
            results[which] = pickle.load(open(work / f"{which}.pickle", "rb"))
        found = 0
        kinds: dict[str, int] = {}
        for (loader, path), old, new in zip(items, results["old"], results["new"]):
            kinds[f"{loader} {old[0][0]}"] = kinds.get(f"{loader} {old[0][0]}", 0) + 1
            problem = differences(old, new)
            if problem:
                found += 1
                print(f"DIFFERENT {loader} {path}: {problem[:500]}")
    print(f"{len(items)} loads compared with {args.before or BASE}: {found} different "
          f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
