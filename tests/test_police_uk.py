"""Ingesting the police.uk street-level archive."""

import csv
import functools
import gzip
import io
import shutil
import zipfile
from collections import Counter
from functools import reduce

import pytest

from conftest import DATA, SAMPLE
from crimestat.loaders.forces import load_forces
from crimestat.sources.police_uk.parser import FileCounts, count_archive, count_file, find_files

ARCHIVE = SAMPLE / "police-uk"
MALFORMED = DATA / "police-uk/malformed"


@functools.cache
def _direct_counts(folder):
    counts = Counter()
    for path in sorted(folder.rglob("*-street.csv")):
        with open(path, newline="", encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                counts[(row["Month"], row["Crime type"])] += 1
    return counts


def direct_counts(folder):
    """Counting the rows with the csv module, independently of crimestat's reader (the shipped archive is
    counted once per process: two tests check against it; each caller gets its own copy)."""
    return Counter(_direct_counts(folder))


def test_monthly_counts_equal_counting_rows_directly(run, tmp_path):
    out = tmp_path / "counts.csv"
    result = run("ingest", "police-uk", ARCHIVE, "--output", out, "--workers", "2")
    assert result.exit_code == 0
    rows = list(csv.DictReader(out.open()))
    assert {r["area_code"] for r in rows} == {"E23000017"}
    ingested = Counter({(r["month"], r["crime_type"]): int(r["count"]) for r in rows})
    expected = direct_counts(ARCHIVE)
    assert ingested == expected
    assert sum(expected.values()) == 41408
    assert result.stderr.splitlines() == [
        "crimestat: read 41,408 rows from 11 files; counted 41,408, skipped 0",
        "crimestat: forces (1): Warwickshire",
        "crimestat: months (11): 2014-01 to 2014-11",
    ]


def test_folder_zip_and_gzip_give_identical_output(run, tmp_path):
    folder_out = run("ingest", "police-uk", ARCHIVE, "--format", "csv", "-q").stdout
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(ARCHIVE.rglob("*.csv")):
            zipped.write(path, path.relative_to(ARCHIVE))
    gz = tmp_path / "gz"
    for path in sorted(ARCHIVE.rglob("*.csv")):
        target = gz / path.parent.name / (path.name + ".gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "rb") as source, gzip.open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)
    assert run("ingest", "police-uk", archive, "--format", "csv", "-q").stdout == folder_out
    assert run("ingest", "police-uk", gz, "--format", "csv", "-q", "--workers", "1").stdout == folder_out


def test_malformed_rows_are_counted_and_reported(run):
    result = run("ingest", "police-uk", MALFORMED, "--format", "csv")
    assert result.exit_code == 0
    name = MALFORMED / "2014-06/2014-06-warwickshire-street.csv"
    assert result.stderr.splitlines() == [
        "crimestat: read 40 rows from 1 file; counted 35, skipped 5",
        f"crimestat: warning: skipped 1: missing month, e.g. {name}, line 12",
        f"crimestat: warning: skipped 1: unknown crime type, e.g. {name}, line 13 (Jaywalking)",
        f"crimestat: warning: skipped 1: force differs from the file name's, e.g. {name}, line 14 (West Mercia Police)",
        f"crimestat: warning: skipped 1: wrong number of fields or broken quoting, e.g. {name}, line 15",
        f"crimestat: warning: skipped 1: month differs from the file name's, e.g. {name}, line 16 (2014-05)",
        "crimestat: forces (1): Warwickshire",
        "crimestat: months (1): 2014-06 to 2014-06",
    ]
    counted = sum(int(r["count"]) for r in csv.DictReader(result.stdout.splitlines()))
    assert counted == 35


def test_validate_reports_each_row_that_cannot_be_counted(run):
    name = MALFORMED / "2014-06/2014-06-warwickshire-street.csv"
    result = run("validate", name, "--format", "csv")
    assert result.exit_code == 1
    problems = [r["problem"] for r in csv.DictReader(io.StringIO(result.stdout))]
    assert problems == [
        f"{name}: 1 row cannot be counted: missing month, e.g. line 12",
        f"{name}: 1 row cannot be counted: unknown crime type, e.g. line 13 (Jaywalking)",
        f"{name}: 1 row cannot be counted: force differs from the file name's, e.g. line 14 (West Mercia Police)",
        f"{name}: 1 row cannot be counted: wrong number of fields or broken quoting, e.g. line 15",
        f"{name}: 1 row cannot be counted: month differs from the file name's, e.g. line 16 (2014-05)",
    ]


def test_a_file_without_the_usual_name_is_counted_by_falls_within(run, tmp_path):
    """Renamed, or on stdin: the force comes from the 'Falls within' column, the month from 'Month'."""
    original = ARCHIVE / "2014-01/2014-01-warwickshire-street.csv"
    renamed = tmp_path / "january.csv"
    shutil.copy(original, renamed)
    expected = run("ingest", "police-uk", original, "--format", "csv", "-q").stdout
    assert run("ingest", "police-uk", renamed, "--format", "csv", "-q").stdout == expected
    checked = run("validate", "-", "--format", "csv", input=original.read_text())
    assert checked.exit_code == 0 and "<stdin>,police.uk street-level crime,3405,ok," in checked.stdout


def test_the_same_month_of_a_force_twice_is_an_error_not_a_double_count(run, tmp_path):
    copy = tmp_path / "again"
    shutil.copytree(ARCHIVE / "2014-01", copy / "2014-01")
    for workers in ("1", "2"):
        result = run("ingest", "police-uk", ARCHIVE, copy, "--workers", workers, "--format", "csv")
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == (f"crimestat: error: {copy}/2014-01/2014-01-warwickshire-street.csv: Warwickshire "
                                 f"2014-01 is also in {ARCHIVE}/2014-01/2014-01-warwickshire-street.csv; give each "
                                 "month of a force once\n")


def test_an_ingest_csv_is_checked_row_by_row(run, tmp_path):
    counts = tmp_path / "counts.csv"
    counts.write_text("area_code,area,month,crime_type,count\n"
                      "E23000017,Warwickshire,2014-01,Burglary,297\n"
                      "E23000017,Warwickshire,2014-13,Burglary,5\n"
                      "E23000017,Warwickshire,2014-01,Jaywalking,5\n"
                      "E23000017,Warwickshire,2014-01,Burglary,297\n")
    result = run("validate", counts, "--format", "csv")
    assert result.exit_code == 1
    records = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["kind"] for r in records} == {"police.uk monthly counts"}
    assert [r["problem"] for r in records] == [
        f"{counts}, line 3, column 'month': '2014-13' is not a month; expected YYYY-MM",
        f"{counts}, line 4, column 'crime_type': 'Jaywalking' is not a police.uk crime type",
        f"{counts}, line 5: a second row for Warwickshire, 2014-01, Burglary (first on line 2); each appears once",
    ]
    # compare reads the same file through the same loader: the same problems, exit 1.
    compared = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--police-uk", counts)
    assert compared.exit_code == 1 and "a second row for Warwickshire, 2014-01, Burglary" in compared.stderr


def test_fast_and_slow_paths_agree():
    registry = load_forces()
    whole = count_file(str(DATA / "police-uk/2014-06/2014-06-warwickshire-street.csv"), registry)
    assert whole.rows_read == 40 and not whole.skipped
    # The malformed copy differs in five rows only: the other 35 are counted the same.
    broken = count_file(str(MALFORMED / "2014-06/2014-06-warwickshire-street.csv"), registry)
    assert sum(broken.counts.values()) == 35 and sum(broken.skipped.values()) == 5


def test_per_file_counts_fold_as_a_distributed_engine_would():
    """The README's recipe for Dask: map count_file over find_files, fold with FileCounts.add."""
    registry = load_forces()
    files = find_files([str(ARCHIVE)])
    folded = reduce(FileCounts.add, reversed([count_file(f, registry) for f in files]), FileCounts())
    whole = count_archive([str(ARCHIVE)], registry, workers=1)
    assert folded.counts == whole.counts and folded.files == whole.files == 11
    assert sum(folded.counts.values()) == sum(direct_counts(ARCHIVE).values())


@pytest.mark.parametrize("path, message", [
    (DATA / "police-uk/corrupt.zip", "is not a readable zip archive (File is not a zip file)"),
    (DATA / "police-uk/2014-06-kent-street.csv.gz", "cannot be read (Not a gzipped file (b'no'))"),
    (DATA / "police-uk/nothing-here", "not found; expected a folder, a .zip archive or a street-level CSV"),
])
def test_unreadable_inputs_are_clear_errors(run, path, message):
    result = run("ingest", "police-uk", path)
    assert result.exit_code == 1
    assert result.stderr == f"crimestat: error: {path}: {message}\n"


def test_finds_files_by_name():
    files = find_files([str(ARCHIVE)])
    assert len(files) == 11
    assert (files[0].month, files[0].force_id) == ("2014-01", "warwickshire")


SYNTHETIC = DATA / "police-uk/synthetic-monthly-counts.csv"  # made-up counts, for window arithmetic only


def test_compare_on_monthly_counts_sums_complete_windows(run):
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--police-uk", SYNTHETIC, "--to", "2014-12", "-q",
                 "--format", "csv")
    assert result.exit_code == 0
    rows = {(r["measure"], r["statistic"], r["base_period_end"]): r for r in csv.DictReader(result.stdout.splitlines())
            if r["area_code"] == "E23000017"}
    # Burglary 100 a month; violence 200 + i in month i (i = 13..24 in 2014): 1,200 + 2,622 = 3,822.
    all_crime = rows[("police_uk_all_crime", "rate_per_1000", "")]
    assert (int(all_crime["numerator"]), int(all_crime["denominator"])) == (3822, 552450)  # mid-2014 population
    year = rows[("police_uk_all_crime", "pct_change", "2013-12-31")]
    assert (int(year["count"]), int(year["base_count"])) == (3822, 3678)
    asb = rows[("police_uk_anti_social_behaviour", "rate_per_1000", "")]
    assert int(asb["numerator"]) == 12000


def test_a_window_missing_a_month_is_an_error_naming_it(run):
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--police-uk", ARCHIVE, "--to", "2014-11", "-q")
    assert result.exit_code == 1  # the data lack a complete 12 months: bad data, not bad usage
    assert result.stderr == (
        "crimestat: error: --to 2014-11: the crime data hold no complete 12-month period; the 12 months to "
        "November 2014 need every month's police.uk counts: Warwickshire lacks December 2013\n")


def test_trend_and_rank_take_monthly_counts(run):
    trend = run("trend", "--release", "ons-2019", "--force", "Warwickshire Police", "--police-uk", SYNTHETIC, "-q", "--format", "csv")
    points = [r for r in csv.DictReader(trend.stdout.splitlines()) if r["area_code"] == "E23000017"]
    assert [p["period_end"] for p in points][:2] == ["2013-12-31", "2014-01-31"]  # monthly windows
    assert len(points) == 13
    ranked = run("rank", "--release", "ons-2019", "--police-uk", SYNTHETIC, "-q", "--format", "csv")
    first = next(r for r in csv.DictReader(ranked.stdout.splitlines()) if r["statistic"] == "rank" and r["value"])
    assert (first["area"], first["value"]) == ("Warwickshire", "1")


def test_ingest_json_and_refuses_people_formats(run):
    result = run("ingest", "police-uk", DATA / "police-uk/2014-06", "--format", "json", "-q")
    assert result.exit_code == 0
    import json

    rows = json.loads(result.stdout)["rows"]
    assert sum(r["count"] for r in rows) == 40 and result.stderr == ""
    refused = run("ingest", "police-uk", DATA / "police-uk/2014-06", "--format", "table")
    assert refused.exit_code == 2 and "Invalid value for '--format'" in refused.stderr
