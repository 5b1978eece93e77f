"""`crimestat breakdown`, `rank --by change`, and the registered recording changes they name.

Expected figures come from the raw Home Office table shipped in sample_data (police recorded crime open data
tables, 23 April 2026), summed here with pandas, independently of crimestat's loaders: a 12-month period to
December is financial-year quarters 1-3 of that year plus quarter 4 of the year before; England and Wales is
the 43 territorial forces (not British Transport Police or the fraud bodies).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

import crimestat
from crimestat.analyses.breakdown import what_changed
from crimestat.dataset import DataPaths, load_dataset

from conftest import SAMPLE, home_office_lines

HOME_OFFICE = SAMPLE / "releases" / "home-office-2026-04" / "prc-pfa-mar2013-onwards-tables-230426.csv.gz"
NOT_TERRITORIAL = {"British Transport Police", "Action Fraud", "CIFAS", "Cifas", "Financial Fraud Action UK",
                   "UK Finance"}


@pytest.fixture(scope="module")
def raw():
    """The Home Office table read with pandas alone and summed by calendar year of the quarter's end (the
    four quarters ending March to December of a year are its 12 months to December), force, group and
    subgroup."""
    import pandas as pd

    columns = ["Financial Year", "Financial Quarter", "Force Name", "Offence Group", "Offence Subgroup",
               "Number of Offences"]
    # The table's lines (HOME_OFFICE, decompressed once per process and shared with the other files that read
    # it: conftest.home_office_lines) from 2020/21 on: every line starts with its financial year, unquoted.
    lines = home_office_lines()
    text = lines[0] + "".join(line for line in lines[1:] if line[:7] >= "2020/21")
    table = pd.read_csv(io.StringIO(text), dtype=str, usecols=columns)
    table = table[table["Financial Year"] >= "2020/21"]
    table["n"] = pd.to_numeric(table["Number of Offences"].str.strip(), errors="coerce").fillna(0).astype(int)
    table["year"] = table["Financial Year"].str[:4].astype(int) + (table["Financial Quarter"].astype(int) == 4)
    table = table[~table["Force Name"].isin(NOT_TERRITORIAL)]
    return table.groupby(["year", "Force Name", "Offence Group", "Offence Subgroup"], as_index=False)["n"].sum()


def year_to_december(raw, year: int, subgroup: str | None = None, force: str | None = None) -> int:
    """The independent count of the 12 months to December ``year`` (excluding fraud)."""
    part = raw[(raw["year"] == year) & (raw["Offence Group"] != "Fraud offences")]
    if subgroup is not None:
        part = part[part["Offence Subgroup"] == subgroup]
    if force is not None:
        part = part[part["Force Name"] == force]
    return int(part["n"].sum())


@pytest.fixture(scope="module")
def home_office():
    return load_dataset(DataPaths(SAMPLE, release="home-office-2026-04"))


@pytest.fixture(scope="module")
def warwickshire(home_office):
    return crimestat.breakdown("warwickshire", "2025-12", "2021-12", level="subgroup", data=home_office)


def line(result, measure):
    return next(x for x in result.lines if x.measure.measure == measure)


def test_the_issue_figures_are_the_raw_tables(raw):
    # The issue's figures, checked against the raw file before they are used below.
    assert year_to_december(raw, 2021, "Shoplifting", "Warwickshire") == 2108
    assert year_to_december(raw, 2025, "Shoplifting", "Warwickshire") == 3779
    assert year_to_december(raw, 2021, "Stalking and harassment", "Warwickshire") == 5227
    assert year_to_december(raw, 2025, "Stalking and harassment", "Warwickshire") == 4284
    assert year_to_december(raw, 2021, "Stalking and harassment") == 708317
    assert year_to_december(raw, 2025, "Stalking and harassment") == 621921


def test_warwickshire_by_subgroup(warwickshire, raw):
    shop, stalking = line(warwickshire, "shoplifting"), line(warwickshire, "stalking_and_harassment")
    assert (shop.change.denominator, shop.change.numerator) == (2108, 3779)  # Home Office tables, pandas above
    assert (stalking.change.denominator, stalking.change.numerator) == (5227, 4284)
    assert (stalking.england_and_wales.denominator, stalking.england_and_wales.numerator) == (708317, 621921)
    base = year_to_december(raw, 2021, force="Warwickshire")  # 38,394 crimes excluding fraud
    assert warwickshire.total.change.denominator == base
    assert warwickshire.total.change.numerator == year_to_december(raw, 2025, force="Warwickshire")
    assert shop.contribution.value == pytest.approx(1671 / base * 100, abs=1e-12)
    assert sum(x.contribution.value for x in warwickshire.lines) == pytest.approx(warwickshire.total.change.value,
                                                                                  abs=1e-9)
    # Largest contributions first: shoplifting leads the rises, stalking and harassment the falls.
    assert warwickshire.lines[0] is shop
    frame = warwickshire.to_frame()
    assert set(frame["statistic"]) == {"pct_change", "contribution", "rate_per_1000"}
    rises, falls = warwickshire.largest(1)
    assert rises == [shop] and falls == [stalking]


def test_the_2023_counting_rule_change_is_named(warwickshire):
    stalking = line(warwickshire, "stalking_and_harassment")
    assert [c.id for c in stalking.recording_changes] == ["principal_crime_conduct_2023"]
    assert "2023 counting-rule changes for conduct crimes" in stalking.change.recording_change
    assert not line(warwickshire, "shoplifting").recording_changes
    table = crimestat.render.render(warwickshire, "table")
    words = " ".join(table.split())
    assert "harassment §" in table and "The 2023 counting-rule changes for conduct crimes (May 2023)" in words
    assert max(len(x) for x in table.splitlines()) <= 80


def test_breakdown_csv_and_json_rows(run):
    done = run("breakdown", "--release", "home-office-2026-04", "--force", "Warwickshire", "--baseline", "2021-12",
               "--level", "subgroup", "--format", "csv", "-q")
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    shop = {r["statistic"]: r for r in rows if r["measure"] == "shoplifting" and r["area_code"] == "E23000017"}
    assert (shop["pct_change"]["count"], shop["pct_change"]["base_count"]) == ("3779", "2108")
    assert shop["contribution"]["unit"] == "percentage_points" and shop["contribution"]["numerator"] == "1671"
    assert float(shop["contribution"]["value"]) == pytest.approx(167100 / 38394)
    stalking = [r for r in rows if r["measure"] == "stalking_and_harassment" and r["statistic"] == "pct_change"]
    assert all("2023 counting-rule changes" in r["recording_change"] for r in stalking)  # force and E&W
    as_json = json.loads(run("breakdown", "--release", "home-office-2026-04", "--force", "warwickshire",
                             "--baseline", "2021-12", "--format", "json", "-q").stdout)
    assert as_json["meta"]["recording_changes"] == ["residential_burglary_codes_2023", "principal_crime_conduct_2023"]


def test_offence_level_adds_up_and_labels_codes(home_office):
    result = crimestat.breakdown("warwickshire", "2025-12", "2021-12", level="offence",
                                 measure="stalking and harassment", data=home_office)
    assert {x.measure.measure for x in result.lines} == {"offence:8L", "offence:8M", "offence:8Q", "offence:8R",
                                                         "offence:8U"}
    assert line(result, "offence:8R").measure.label == "8R Malicious Communications"
    assert sum(x.change.numerator for x in result.lines) == 4284
    assert sum(x.change.denominator for x in result.lines) == 5227


def test_breakdown_all_forces(run):
    done = run("breakdown", "--release", "home-office-2026-04", "--force", "all", "--level", "group",
               "--format", "csv", "-q")
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    totals = [r for r in rows if r["measure"] == "crime_excl_fraud" and r["statistic"] == "contribution"]
    assert len({r["area_code"] for r in totals}) == 43


@pytest.mark.parametrize("args, message", [
    (["--level", "subgroup", "--release", "ons-2019", "--to", "2014-06"],
     "--level subgroup: the data (ons) have no 'subgroup' level; expected one of group"),
    (["--measure", "Shoplifting", "--level", "subgroup"], "--level subgroup: 'Shoplifting' is not made of subgroups"),
    (["--to", "2024-12", "--baseline", "2025-06"], "--baseline 2025-06: the baseline must end before the period compared (2024-12)"),
    (["--measure", "violence"], "measure 'violence' could be violence_against_the_person (Violence against the "
                                "person), violence_with_injury"),
])
def test_breakdown_usage_errors(run, args, message):
    done = run("breakdown", "--force", "warwickshire", "-q", *args)
    assert done.exit_code == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stdout == ""


def test_compare_four_year_change_names_the_counting_rule_change(home_office):
    result = crimestat.compare("warwickshire", "2025-12", "2021-12", data=home_office)
    four_years = result.change("crime_excl_fraud", "baseline")
    one_year = result.change("crime_excl_fraud", "year")
    assert [c.id for c in four_years.recording_changes] == ["principal_crime_conduct_2023"]
    assert "2023 counting-rule changes" in four_years.force.recording_change
    assert one_year.recording_changes == [] and one_year.force.recording_change == ""
    assert any(n.kind == "recording_change" and "May 2023" in n.text for n in result.notes)


def test_what_changed_names_contributors_and_the_rule_change(warwickshire):
    text = what_changed(warwickshire)
    assert text.startswith("Crime excluding fraud in Warwickshire rose by 3 percent from the 12 months to December 2021")
    assert "shoplifting (2,108 to 3,779, +1,671)" in text
    assert "stalking and harassment (5,227 to 4,284, -943)" in text
    assert "the 2023 counting-rule changes for conduct crimes (May 2023)" in text
    assert "residential burglary codes" not in text  # a reclassification moves no total


def test_rank_by_change_gives_rank_one_to_the_largest_rise(home_office, raw):
    ranking = crimestat.rank("shoplifting", "2025-12", by="change", data=home_office)
    # Independently: each force's shoplifting in the 12 months to December 2025 against December 2024.
    forces = sorted(set(raw["Force Name"]))
    change = {f: year_to_december(raw, 2025, "Shoplifting", f) / year_to_december(raw, 2024, "Shoplifting", f)
              for f in forces}
    largest = max(change, key=change.get)
    first = next(e for e in ranking.entries if e.rank == 1)
    assert first.rate.area == largest == "Northamptonshire"
    assert first.year.value == pytest.approx((change[largest] - 1) * 100)
    assert ranking.by == "change" and ranking.ranked_base.isoformat() == "2024-12-31"
    ranks = [e.rank for e in ranking.entries if e.rank is not None]
    assert len(ranks) == 43 and ranks == sorted(ranks)


def test_rank_by_change_cli(run):
    done = run("rank", "--release", "home-office-2026-04", "--measure", "Shoplifting", "--by", "change",
               "--format", "table", "-q")
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("Shoplifting: forces ranked by change from the 12 months to December 2024")
    assert "     1  Northamptonshire" in done.stdout


def test_measure_names_as_people_write_them(run):
    done = run("compare", "--release", "home-office-2026-04", "--force", "warwickshire", "--measure", "Shoplifting",
               "--format", "csv", "-q")
    assert done.exit_code == 0, done.stderr
    crime = {r["measure"] for r in csv.DictReader(io.StringIO(done.stdout))
             if r["statistic"] == "pct_change" or r["statistic"].startswith("rate_per_")}
    assert crime == {"shoplifting"}  # the indicators' rows (charge rate ...) come from the outcomes data
    misspelt = run("trend", "--release", "home-office-2026-04", "--force", "warwickshire", "--measure", "stalkng")
    assert misspelt.exit_code == 2
    assert "unknown measure 'stalkng'; did you mean 'stalking_and_harassment'?" in misspelt.stderr


def test_trend_names_and_marks_recording_changes(home_office):
    result = crimestat.trend("warwickshire", "2021-12", "2025-12", measure="STALKING AND HARASSMENT",
                             data=home_office)
    assert [c.id for c in result.recording_changes] == ["principal_crime_conduct_2023"]
    assert result.breaks == [(result.recording_changes[0].start,
                              "recording change: the 2023 counting-rule changes for conduct crimes")]
    assert any("counting-rule changes for conduct crimes (May 2023)" in n for n in result.notes())
    marked = [r.period_end.isoformat() for r in result.force_rates if r.recording_change]
    assert marked[0] == "2023-06-30" and marked[-1] == "2025-12-31"  # the first point after May 2023, onwards
    assert not result.force_rates[0].recording_change


def test_report_says_what_changed(home_office):
    from crimestat.analyses.report import build_report

    report = build_report(home_office, "warwickshire")
    text = [b.text for b in report.blocks if b.kind == "p" and "largest rises" in b.text]
    assert len(text) == 1
    assert "shoplifting (2,108 to 3,779, +1,671)" in text[0]  # the raw tables, as above
    assert "the 2023 counting-rule changes for conduct crimes (May 2023)" in text[0]
