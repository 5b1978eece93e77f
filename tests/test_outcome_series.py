"""The outcomes series (home-office-outcomes-2026-07): figures, gaps, release selection, commands, bad files.

Expected figures come from two places, written beside each test: the issue's published-style figures (counts
from the Home Office outcomes workbooks as summed by the aggregating project), and an independent pandas
calculation over the shipped CSV (``_independent``), which uses none of crimestat's code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crimestat
from conftest import SAMPLE
from crimestat.errors import DataFileError, MissingColumnError
from crimestat.metrics.plausibility import below_usual
from crimestat.model.forces import ENGLAND_AND_WALES_CODE
from crimestat.model.outcome_series import OutcomeSeries
from crimestat.sources.outcome_series import load_outcome_series

RELEASE = SAMPLE / "releases" / "home-office-outcomes-2026-07"
QUARTERS = RELEASE / "prc-outcomes-force-quarter-2014-15-to-2025-26-230726.csv"
GROUPS = RELEASE / "prc-outcomes-force-offence-group-year-2014-15-to-2025-26-230726.csv"
WARWICKSHIRE = "E23000017"
GREATER_MANCHESTER = "E23000005"


@pytest.fixture(scope="module")
def data():
    return crimestat.load()


@pytest.fixture(scope="module")
def series(data) -> OutcomeSeries:
    return data.outcome_series


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The shipped quarter file read with pandas alone, each row given its quarter's last day."""
    frame = pd.read_csv(QUARTERS)
    start = frame["fy"].str[:4].astype(int)
    frame["end"] = [pd.Timestamp(s + (q == 4), {1: 6, 2: 9, 3: 12, 4: 3}[q], 1) + pd.offsets.MonthEnd(0)
                    for s, q in zip(start, frame["q"])]
    return frame


def _independent(raw: pd.DataFrame, end: str, basis: str = "closed", count: str = "t1",
                 forces: list[str] | None = None, leave_out: tuple[str, ...] = ()) -> tuple[int, int]:
    """Outcomes of ``count`` and outcomes assigned, excluding fraud, over the 12 months to ``end``."""
    stop = pd.Timestamp(end)
    rows = raw[(raw["end"] > stop - pd.DateOffset(months=12)) & (raw["end"] <= stop)
               & (raw["force"] != "British Transport Police") & ~raw["force"].isin(leave_out)]
    if forces is not None:
        rows = rows[rows["force"].isin(forces)]
    return int(rows[f"{basis}_ex_fraud_{count}"].sum()), int(rows[f"{basis}_ex_fraud_assigned"].sum())


# -- the figures ------------------------------------------------------------------------------------


def test_warwickshire_closed_charge_rate_to_march_2025(series, raw):
    # The issue: 3,236 charges of 41,282 investigations closed = 7.84%.
    found = series.value("charge_rate_closed", WARWICKSHIRE, date(2025, 3, 31))
    assert (found.numerator, found.denominator) == (3236, 41282)
    assert (found.numerator, found.denominator) == _independent(raw, "2025-03-31", forces=["Warwickshire"])
    assert round(found.value_percent, 2) == 7.84


@pytest.mark.parametrize("end, published", [("2025-03-31", 9.00), ("2016-03-31", 14.59), ("2026-03-31", 10.51)])
def test_england_and_wales_closed_charge_rate(series, raw, end, published):
    # The England and Wales figures; independently the 43 territorial forces summed with pandas.
    found = series.value("charge_rate_closed", ENGLAND_AND_WALES_CODE, date.fromisoformat(end))
    numerator, denominator = _independent(raw, end)
    assert (found.numerator, found.denominator) == (numerator, denominator)
    assert round(found.value_percent, 2) == published
    assert found.note == "" and found.left_out == ()


def test_recorded_basis_charge_rate_of_the_april_release_is_unchanged(run):
    # The one-year file of home-office-2026-04 still gives charge_rate: 3,237 of 39,544 offences = 8.19%.
    rows = list(csv.DictReader(io.StringIO(run("rank", "--measure", "charge_rate", "--format", "csv", "-q").stdout)))
    mine = next(r for r in rows if r["area_code"] == WARWICKSHIRE and r["statistic"] == "percent")
    assert (mine["numerator"], mine["denominator"], mine["period_end"]) == ("3237", "39544", "2025-03-31")
    assert round(float(mine["value"]), 2) == 8.19


def test_trend_has_41_quarterly_points_and_a_chart(run, tmp_path, raw):
    chart = tmp_path / "charge.png"
    result = run("trend", "--force", "warwickshire", "--measure", "charge_rate_closed", "--from", "2016-03",
                 "--format", "csv", "--plot", chart, "-q")
    assert result.exit_code == 0, result.stderr
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["area_code"] == WARWICKSHIRE]
    assert len(rows) == 41
    assert rows[0]["period_end"] == "2016-03-31" and rows[-1]["period_end"] == "2026-03-31"
    for row in rows:  # every point against pandas
        assert (int(row["numerator"]), int(row["denominator"])) == _independent(raw, row["period_end"],
                                                                                forces=["Warwickshire"])
        assert row["unit"] == "percent"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000


def test_greater_manchester_march_2020_is_missing_and_england_and_wales_names_it(series, raw, run):
    mine = series.value("charge_rate_closed", GREATER_MANCHESTER, date(2020, 3, 31))
    assert mine.value_percent is None and mine.numerator is None
    assert mine.note.startswith("Greater Manchester has no plausible closed-basis outcomes for 3 of the four quarters")
    whole = series.value("charge_rate_closed", ENGLAND_AND_WALES_CODE, date(2020, 3, 31))
    assert whole.left_out == ("Greater Manchester",)
    assert "left out" in whole.note and "Greater Manchester" in whole.note
    # Independently: the other 42 territorial forces summed.
    assert (whole.numerator, whole.denominator) == _independent(raw, "2020-03-31", leave_out=("Greater Manchester",))
    shown = run("trend", "--force", "greater manchester", "--measure", "charge_rate_closed", "--from", "2020-03",
                "--to", "2020-03", "--format", "table", "-q").stdout
    assert "n/a" in shown and "8.6%‡" in shown and "left out" in shown


def test_43_forces_ranked_for_march_2025(run):
    result = run("rank", "--measure", "charge_rate_closed", "--to", "2025-03", "--format", "csv", "-q")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    ranks = [r for r in rows if r["statistic"] == "rank"]
    assert len(ranks) == 43 and all(r["value"] for r in ranks) and all(r["denominator"] == "43" for r in ranks)
    territorial = {f.code for f in crimestat.load().registry.territorial}
    assert {r["area_code"] for r in rows} == territorial | {ENGLAND_AND_WALES_CODE}  # never British Transport Police
    top = next(r for r in ranks if r["value"] == "1")
    assert top["area"] == "City of London"  # pandas: 1,477 / 9,857 = 15.0%, the highest
    positions = {r["verdict"] for r in rows if r["statistic"] == "percent" and r["area_code"] != ENGLAND_AND_WALES_CODE}
    assert positions <= {"within", "above 95%", "below 95%", "above 99.8%", "below 99.8%"}


# -- gaps -----------------------------------------------------------------------------------------------------

# SOURCES.md's known gaps on the recorded basis (zeros written for "not provided", or a partial quarter).
KNOWN_RECORDED = {
    ("British Transport Police", q) for q in ("2014-06", "2014-09", "2014-12", "2015-03")} | {
    ("Cumbria", q) for q in ("2014-06", "2014-09", "2014-12", "2015-03")} | {
    ("Leicestershire", q) for q in ("2014-06", "2014-09", "2014-12", "2015-03")} | {
    ("Metropolitan Police", q) for q in ("2014-06", "2014-09", "2014-12")} | {
    ("Bedfordshire", "2014-06"), ("Hertfordshire", "2014-06"), ("South Yorkshire", "2014-06"),
    ("Dyfed-Powys", "2014-06"), ("Dyfed-Powys", "2014-09"),
    ("Greater Manchester", "2019-09"), ("Greater Manchester", "2019-12"), ("Greater Manchester", "2020-03"),
    ("Wiltshire", "2015-06"), ("Essex", "2017-03"),
}


def _named(data, gaps):
    return {(data.registry.by_code(a).name, f"{q:%Y-%m}") for a, q in gaps}


def test_the_plausibility_rule_finds_the_known_recorded_gaps_and_no_others(data, series):
    assert _named(data, series.gap_list("recorded")) == KNOWN_RECORDED


def test_on_the_closed_basis_only_greater_manchester_and_early_2014_15_quarters(data, series):
    found = _named(data, series.gap_list("closed"))
    later = {g for g in found if g[1] >= "2015-06"}
    assert later == {("Greater Manchester", "2019-09"), ("Greater Manchester", "2019-12"),
                     ("Greater Manchester", "2020-03")}
    # 2014/15 was the framework's first year; SOURCES: several forces' early quarters are partial on both bases.
    assert {g for g in found if g[1] < "2015-06"} == {
        ("Metropolitan Police", "2014-06"), ("Metropolitan Police", "2014-09"), ("Metropolitan Police", "2014-12"),
        ("West Yorkshire", "2014-06"), ("South Yorkshire", "2014-06"), ("Bedfordshire", "2014-06"),
        ("Hertfordshire", "2014-06")}


def test_below_usual():
    values = np.array([[1000, 1100, 0, 1050, 240], [10, 0, 12, 11, 9], [5000, 5000, 5000, 5000, 1300]])
    assert below_usual(values).tolist() == [[False, False, True, False, True], [False] * 5,
                                            [False, False, False, False, False]]
    with pytest.raises(ValueError):
        below_usual(np.array([1, 2, 3]))


def test_maturity_note_on_the_latest_four_recorded_periods_only(series):
    notes = {p: series.value("charge_rate_recorded", WARWICKSHIRE, p) for p in series.periods[-6:]}
    immature = [p for p, v in notes.items() if v.immature]
    assert immature == series.periods[-4:]
    assert all("still being investigated" in notes[p].note for p in immature)
    assert not series.value("charge_rate_closed", WARWICKSHIRE, series.periods[-1]).immature


# -- releases -------------------------------------------------------------------------------------------------


def test_manifest_names_the_workbooks_and_checksums_the_shipped_files():
    manifest = json.loads((RELEASE / "release.json").read_text())
    assert manifest["publisher"] == "Home Office" and manifest["published"] == "2026-07-23"
    years = [s["financial_year"] for s in manifest["sources"]]
    assert years == [f"{y}/{(y + 1) % 100:02d}" for y in range(2014, 2026)]
    assert all(s["url"].startswith("https://assets.publishing.service.gov.uk/") and len(s["sha256"]) == 64
               for s in manifest["sources"])
    assert "summed" in manifest["aggregation"]
    for entry in manifest["files"]:
        assert hashlib.sha256((RELEASE / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]


def test_each_kind_from_the_newest_release_that_has_it(run):
    result = run("compare", "--force", "warwickshire", "--format", "csv", "-q")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    closed = [r for r in rows if r["measure"] == "charge_rate_closed"]
    assert {r["statistic"] for r in closed} == {"percent", "change_points"}
    assert {r["unit"] for r in closed if r["statistic"] == "change_points"} == {"percentage_points"}
    table = run("compare", "--force", "warwickshire", "--format", "table", "-q").stdout
    flat = " ".join(table.split())
    assert "Releases: crime: home-office-2026-04 (Home Office, published 23 April 2026); outcomes: " \
           "home-office-outcomes-2026-07 (Home Office, published 23 July 2026)" in flat


def test_release_pins_every_kind(run):
    refused = run("trend", "--force", "warwickshire", "--measure", "charge_rate_closed", "--release",
                  "home-office-2026-04")
    assert refused.exit_code == 2
    assert "the release 'home-office-2026-04' has no outcomes series" in refused.stderr
    assert "Traceback" not in refused.stderr
    no_crime = run("compare", "--force", "warwickshire", "--release", "home-office-outcomes-2026-07")
    assert no_crime.exit_code == 2 and "has no crime counts" in no_crime.stderr
    pinned = run("trend", "--force", "warwickshire", "--measure", "charge_rate_closed", "--release",
                 "home-office-outcomes-2026-07", "--format", "csv", "-q")
    assert pinned.exit_code == 0
    # The HMIC 2014 reproduction reads no outcomes series.
    old = run("compare", "--force", "warwickshire", "--to", "2014-06", "--release", "ons-2019", "-q").stdout
    assert "charge_rate_closed" not in old and "outcomes" not in old.lower()


def test_releases_lists_the_series_and_latest_stays_the_crime_release(run):
    listed = list(csv.DictReader(io.StringIO(run("releases", "--format", "csv", "-q").stdout)))
    series = next(r for r in listed if r["release"] == "home-office-outcomes-2026-07")
    assert (series["first_period_end"], series["last_period_end"], series["periods"]) == ("2015-03-31", "2026-03-31", "45")
    assert run("releases", "--latest", "--format", "table", "-q").stdout.startswith("home-office-2026-04 ")


# -- commands and formats -------------------------------------------------------------------------------------


def test_outcomes_by_year(run, raw):
    result = run("outcomes", "--force", "warwickshire", "--by-year", "--format", "csv", "-q")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    charge = next(r for r in rows if r["area_code"] == WARWICKSHIRE and r["measure"] == "outcome_t1_closed"
                  and r["period_end"] == "2025-03-31")
    assert (int(charge["numerator"]), int(charge["denominator"])) == (3236, 41282)
    whole = next(r for r in rows if r["area_code"] == ENGLAND_AND_WALES_CODE and r["measure"] == "outcome_oocd_closed"
                 and r["period_end"] == "2020-03-31")
    assert (int(whole["numerator"]), int(whole["denominator"])) == _independent(
        raw, "2020-03-31", count="oocd", leave_out=("Greater Manchester",))
    assert "Greater Manchester" in whole["note"]
    refused = run("outcomes", "--force", "warwickshire", "--by-year", "--to", "2025-03")
    assert refused.exit_code == 2


@pytest.mark.parametrize("fmt", ["json", "xlsx", "markdown"])
def test_trend_of_an_outcome_rate_in_every_format(run, tmp_path, fmt):
    target = tmp_path / f"out.{fmt if fmt != 'markdown' else 'md'}"
    result = run("trend", "--force", "warwickshire", "--measure", "out_of_court_rate_closed", "--format", fmt,
                 "--output", target, "-q")
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        document = json.loads(target.read_text())
        assert document["meta"]["measure"] == "out_of_court_rate_closed"
        assert all(r["value"] is None or 0 < r["value"] < 100 for r in document["rows"])


def test_python_api(data):
    trend = crimestat.trend("warwickshire", "2016-03", measure="charge_rate_closed", data=data)
    assert len(trend.period_ends) == 41 and len(trend.to_frame()) == 82
    ranking = crimestat.rank("positive_outcome_rate_closed", "2025-03", data=data)
    assert sum(rank is not None for rank, _, _ in ranking.entries) == 43
    by_year = crimestat.outcomes("warwickshire", by_year=True, basis="recorded", data=data)
    assert by_year.years[0] == 2014 and by_year.years[-1] == 2025


# -- bad files ------------------------------------------------------------------------------------------------


def _write(tmp_path, edit) -> str:
    """The shipped quarter file (real rows), changed by ``edit`` (a function of the list of rows)."""
    with open(QUARTERS, newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    rows = edit(rows)
    path = tmp_path / "series.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
    return str(path)


def _load(path, data):
    return load_outcome_series(path, data.registry)


def test_a_repeated_quarter_names_its_line(tmp_path, data):
    path = _write(tmp_path, lambda rows: rows[:3] + [rows[2]] + rows[3:])
    with pytest.raises(DataFileError) as caught:
        _load(path, data)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}, line 4, column 'q': a second row for Avon and Somerset, 2014/15 quarter 2 (the first is on line 3); "
        "expected one row per force and quarter"]


def test_a_missing_force(tmp_path, data):
    path = _write(tmp_path, lambda rows: [r for r in rows if r[0] != "Warwickshire"])
    with pytest.raises(DataFileError) as caught:
        _load(path, data)
    assert [p.message for p in caught.value.problems] == [
        "no rows for Warwickshire; expected a row for every territorial force and quarter (a quarter without data "
        "is written as zeros)"]


def test_counts_that_do_not_add_up(tmp_path, data):
    def edit(rows):
        header = rows[0]
        rows[5][header.index("closed_ex_fraud_assigned")] = "1"  # below positive
        rows[7][header.index("recorded_all_oocd")] = str(int(rows[7][header.index("recorded_all_oocd")]) + 1)
        return rows

    path = _write(tmp_path, edit)
    with pytest.raises(DataFileError) as caught:
        _load(path, data)
    problems = caught.value.problems
    assert [(p.line, p.column) for p in problems] == [(6, "closed_ex_fraud_assigned"), (8, "recorded_all_oocd")]
    assert "below closed_ex_fraud_positive" in problems[0].message
    assert "expected out-of-court outcomes to be the sum of their types" in problems[1].message


def test_a_missing_basis_column(tmp_path, data):
    def edit(rows):
        drop = rows[0].index("recorded_ex_fraud_assigned")
        return [r[:drop] + r[drop + 1:] for r in rows]

    path = _write(tmp_path, edit)
    with pytest.raises(MissingColumnError) as caught:
        _load(path, data)
    (problem,) = caught.value.problems
    assert problem.line == 1 and "missing column 'recorded_ex_fraud_assigned'" in problem.message


def test_bad_file_through_the_command_line(tmp_path, run):
    path = _write(tmp_path, lambda rows: rows[:3] + [rows[2]] + rows[3:])
    data_dir = tmp_path / "data" / "releases" / "series"
    data_dir.mkdir(parents=True)
    (data_dir / "series.csv").write_bytes(open(path, "rb").read())
    (data_dir / "release.json").write_text(json.dumps({"name": "series", "published": "2026-07-23", "files": [
        {"role": "outcome_series", "path": "series.csv"}]}))
    result = run("trend", "--force", "warwickshire", "--measure", "charge_rate_closed", "--data-dir",
                 tmp_path / "data")
    assert result.exit_code == 1
    assert result.stderr.startswith("crimestat: error: ") and "line 4, column 'q': a second row" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_knows_the_series_files(run, tmp_path):
    result = run("validate", QUARTERS, GROUPS, "--format", "csv", "-q")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 0
    assert [(r["kind"], r["rows"], r["status"]) for r in rows] == [
        ("Home Office outcomes by force and quarter", "2112", "ok"),  # 44 forces x 48 quarters
        ("Home Office outcomes by force, year and offence group", "5280", "ok")]  # 44 x 12 years x 10 groups
    bad = _write(tmp_path, lambda rows: rows[:3] + [rows[2]] + rows[3:])
    refused = run("validate", bad, "--format", "csv", "-q")
    assert refused.exit_code == 1 and "line 4, column 'q': a second row" in refused.stdout


def test_row_median_is_numpys():
    from crimestat.metrics.plausibility import row_median

    values = np.array([[3, 1, 2, 10], [5, 5, 0, 1], [7, 1, 4, 2]], dtype=float)
    assert row_median(values).tolist() == np.median(values, axis=1).tolist()
    assert row_median(values[:, :3]).tolist() == np.median(values[:, :3], axis=1).tolist()


def test_the_two_files_of_the_release_agree(series):
    # SOURCES: the offence groups add up to the quarter file in all 528 force-years.
    assert series.group_mismatches() == []


def test_files_that_disagree_are_named(series):
    import dataclasses

    groups = dataclasses.replace(series.groups, counts=series.groups.counts.copy())
    year = groups.years.index(2019)
    area = groups.areas.index(WARWICKSHIRE)
    groups.counts[area, year, 0, 0, 0] += 5  # one group's closed-basis charges, 5 more
    found = OutcomeSeries(series.table, series.registry, groups).group_mismatches()
    assert len(found) == 1 and found[0].startswith("Warwickshire, 2019/20: the offence groups' closed-basis charges")


def test_units_of_the_new_statistics():
    from crimestat.results import unit_of

    assert unit_of("change_points", "charge_rate_closed") == "percentage_points"
    assert unit_of("percent", "charge_rate_closed") == "percent"
    assert unit_of("count", "outcomes_assigned_closed") == "count"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(2_000, 200_000), min_size=8, max_size=48), st.integers(0, 47), st.integers(2, 50))
def test_below_usual_flags_a_zero_and_ignores_the_scale(values, where, scale):
    """A quarter written as 0 in a series that is usually thousands is always flagged, and the rule does not
    depend on the unit (scaling every value by the same factor flags the same quarters)."""
    row = np.array(values, dtype=float)
    row[where % len(row)] = 0
    flagged = below_usual(row[None, :])[0]
    assert flagged[where % len(row)]
    assert (below_usual(row[None, :] * scale)[0] == flagged).all()


def test_the_chart_draws_england_and_wales_without_a_force_apart(run, tmp_path):
    chart = tmp_path / "gm.svg"
    result = run("trend", "--force", "greater manchester", "--measure", "charge_rate_closed", "--from", "2019-03",
                 "--to", "2021-03", "--plot", chart, "--format", "csv", "-q")
    assert result.exit_code == 0
    text = chart.read_text()
    assert "England and Wales: see the notes" in text and "Percent of outcomes assigned" in text


def test_trend_of_several_forces(run):
    result = run("trend", "--force", "warwickshire", "--force", "kent", "--measure", "charge_rate_closed",
                 "--format", "csv", "-q")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 0
    assert {r["area"] for r in rows} == {"Warwickshire", "Kent", "England and Wales"}
    assert len([r for r in rows if r["area"] == "England and Wales"]) == 17  # four years of quarters, once


def test_the_python_example_of_the_outcomes_page_runs():
    from conftest import ROOT

    text = (ROOT / "docs" / "outcomes.md").read_text()
    (block,) = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    namespace: dict = {}
    exec(compile(block, "outcomes.md", "exec"), namespace)
    assert len(namespace["trend"].period_ends) == 41
    assert round(namespace["series"].value("charge_rate_closed", WARWICKSHIRE, date(2025, 3, 31)).value_percent, 2) == 7.84


def test_single_crime_files_still_take_the_newest_outcomes_series(run):
    crime_release = SAMPLE / "releases" / "home-office-2026-04"
    result = run("compare", "--force", "warwickshire", "--crime", crime_release / "prc-pfa-mar2013-onwards-tables-230426.csv.gz",
                 "--population", crime_release / "pfa-population-mid2011-mid2024.csv", "--households",
                 crime_release / "pfa-households-census-2021.csv", "--format", "csv", "-q")
    assert result.exit_code == 0, result.stderr
    closed = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["measure"] == "charge_rate_closed"
              and r["statistic"] == "percent"]
    assert [(r["area_code"], r["period_end"]) for r in closed] == [(WARWICKSHIRE, "2025-12-31"),
                                                                    (ENGLAND_AND_WALES_CODE, "2025-12-31")]


def test_rank_uses_the_funnel_for_proportions_with_the_spread_between_forces(data):
    additive = crimestat.rank("charge_rate_closed", "2025-03", data=data)
    assert additive.funnel.method == "additive" and additive.funnel.tau > 0
    assert all(rate.z is not None for rank, rate, _ in additive.entries)
    binomial = crimestat.rank("charge_rate_closed", "2025-03", funnel="poisson", data=data)
    outside = [rate for _, rate, _ in binomial.entries if rate.verdict != "within"]
    assert len(outside) > len([rate for _, rate, _ in additive.entries if rate.verdict != "within"])
    # Greater Manchester has no figure to March 2020: the spread is not estimated from 42, and the notes say why.
    gap = crimestat.rank("charge_rate_closed", "2020-03", data=data)
    assert gap.funnel.method == "poisson" and "Greater Manchester" in gap.funnel.why
    assert sum(rank is not None for rank, _, _ in gap.entries) == 42


def test_which_offence_groups_moved_the_charge_rate(data, raw):
    from crimestat.analyses.outcome_breakdown import outcome_breakdown as charge_breakdown

    found = charge_breakdown(data, WARWICKSHIRE, 2025, 2024)
    # Independently: the year file's groups with pandas, over the quarter file's outcomes assigned.
    groups = pd.read_csv(GROUPS)
    mine = groups[(groups["force"] == "Warwickshire") & ~groups["offence_group"].str.startswith("Fraud")]
    now = mine[mine["fy"] == "2025/26"].set_index("offence_group")["closed_charge"]
    before = mine[mine["fy"] == "2024/25"].set_index("offence_group")["closed_charge"]
    assigned_now = _independent(raw, "2026-03-31", forces=["Warwickshire"])[1]
    assigned_before = _independent(raw, "2025-03-31", forces=["Warwickshire"])[1]
    assert assigned_before == 41282
    for line in found.lines:
        assert (line.numerator, line.denominator) == (now[line.comparator], before[line.comparator])
        assert line.value == pytest.approx(now[line.comparator] * 100 / assigned_now
                                           - before[line.comparator] * 100 / assigned_before)
    assert found.total.value == pytest.approx(now.sum() * 100 / assigned_now - 3236 * 100 / 41282)
    assert sum(line.value for line in found.lines) == pytest.approx(found.total.value)
    # England and Wales across Greater Manchester's gap: both years over the same 42 forces.
    whole = charge_breakdown(data, ENGLAND_AND_WALES_CODE, 2019, 2018)
    charges_2018 = _independent(raw, "2019-03-31", leave_out=("Greater Manchester",))[0]
    assert whole.total.denominator == charges_2018 and "Greater Manchester" in whole.total.note
    assert sum(line.value for line in whole.lines) == pytest.approx(whole.total.value)


def test_breakdown_takes_a_series_rate_apart_by_offence_group(run):
    result = run("breakdown", "--force", "warwickshire", "--measure", "charge_rate_closed", "--to", "2026-03",
                 "--baseline", "2025-03", "--format", "csv", "-q")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    total = next(r for r in rows if r["statistic"] == "change_points")
    parts = [r for r in rows if r["statistic"] == "contribution"]
    assert (total["numerator"], total["denominator"]) == ("3859", "3236")  # the year file's charges, both years
    assert len(parts) == 9 and sum(float(r["value"]) for r in parts) == pytest.approx(float(total["value"]))
    assert {r["unit"] for r in parts} == {"percentage_points"}
    refused = run("breakdown", "--force", "warwickshire", "--measure", "charge_rate_closed", "--to", "2025-12")
    assert refused.exit_code == 2 and "--to 2025-12" in refused.stderr and "March" in refused.stderr
    refused = run("breakdown", "--force", "warwickshire", "--measure", "charge_rate_closed", "--level", "offence")
    assert refused.exit_code == 2 and "by offence group only" in refused.stderr
