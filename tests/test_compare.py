"""compare against HMIC's published Warwickshire figures, and for every force and period."""

import csv

import pytest

from conftest import SAMPLE
from crimestat.analyses.compare import compare
from crimestat.errors import PeriodNotCoveredError, UnknownMeasureError
from crimestat.model.periods import as_period

T = as_period  # period ends are plain dates
PUBLISHED = SAMPLE / "published/hmic-crime-inspection-2014-warwickshire.csv"


def published():
    """(measure, statistic, base, force value, England and Wales value) from HMIC's report."""
    bases = {"12 months to June 2010": T("2010-06-30"), "12 months to June 2013": T("2013-06-30")}
    for row in csv.DictReader(open(PUBLISHED, encoding="utf-8")):
        measure = row["measure"]
        if measure.endswith("_rate") and row["period"] == "12 months to June 2014" and measure != "asb_incident_rate":
            yield measure.removesuffix("_rate"), "rate_per_1000", None, float(row["force_value"]), \
                float(row["england_and_wales_value"])
        elif measure.endswith("_change"):
            base = bases[row["period"].split(" vs ")[1]]
            yield measure.removesuffix("_change"), "pct_change", base, float(row["force_value"]), \
                float(row["england_and_wales_value"])


@pytest.fixture(scope="module")
def warwickshire(dataset):
    result = compare(dataset, "warwickshire", T("2014-06-30"))
    return {(r.area_code, r.measure, r.statistic, r.base_period_end): r for r in result.rows}


@pytest.mark.parametrize("measure, statistic, base, force_value, ew_value", list(published()))
def test_reproduces_hmic_within_revision_tolerance(warwickshire, measure, statistic, base, force_value, ew_value):
    tolerance = 0.1 if statistic == "rate_per_1000" else 1.0  # per 1,000; percentage points
    force = warwickshire[("E23000017", measure, statistic, base)]
    whole = warwickshire[("K04000001", measure, statistic, base)]
    assert force.value == pytest.approx(force_value, abs=tolerance)
    assert whole.value == pytest.approx(ew_value, abs=tolerance)


def test_published_file_holds_all_eight_crime_figures():
    assert len(list(published())) == 8


def test_counts_and_denominators_by_hand(warwickshire):
    row = warwickshire[("E23000017", "domestic_burglary", "rate_per_1000", None)]
    assert (row.numerator, row.denominator) == (1612, 231005)
    assert row.value == pytest.approx(1612 / 231005 * 1000)
    whole = warwickshire[("K04000001", "crime_excl_fraud", "rate_per_1000", None)]
    assert (whole.numerator, whole.denominator) == (3460860, 56948229)


@pytest.mark.parametrize("first", range(0, 43, 6))
def test_every_force_and_period(dataset, first):
    # Every force at every third period (and the last): the invariants below hold row by row, and the
    # forces are spread over the test workers in groups of six.
    ends = sorted(dataset.counts.periods)
    for force in dataset.registry.territorial[first:first + 6]:
        for period in sorted(set(ends[::3] + ends[-1:])):
            result = compare(dataset, force.code, period)
            assert len(result.rows) == 16
            for row in result.rows:
                # A note says why a value is missing, or that a present value rests on small numbers (< 50 crimes).
                assert (row.value is None) == bool(row.note.removeprefix("small numbers") and
                                                   not row.note.startswith("small numbers")), (force.name, period, row)
                if row.note.startswith("small numbers"):
                    assert row.verdict != "differs"
                if row.value is not None:
                    assert row.value == row.value  # never NaN


def test_missing_baseline_says_so_and_keeps_the_rest(dataset):
    result = compare(dataset, "warwickshire", T("2009-06-30"))
    rates = [r for r in result.rows if r.statistic == "rate_per_1000"]
    assert all(r.value is not None for r in rates)
    change = next(r for r in result.rows if r.base_period_end == T("2005-06-30"))
    assert change.value is None
    assert change.note == "the data have no 12 months to June 2005 to compare with"


def test_series_break_after_2017(dataset):
    result = compare(dataset, "warwickshire", T("2018-12-31"))
    burglary = [r for r in result.rows if r.measure == "domestic_burglary"]
    assert [r.value for r in burglary] == [None, None]
    assert burglary[0].note == (
        "series break: 'Domestic burglary' is not recorded by forces in full after the 12 months to March 2017"
    )


def test_explicit_baseline_outside_data_is_an_error(dataset):
    with pytest.raises(PeriodNotCoveredError) as err:
        compare(dataset, "warwickshire", T("2014-06-30"), baseline=T("2001-06-30"))
    assert str(err.value).startswith("baseline=2001-06: no 12-month period ends in June 2001")  # library terms
    assert err.value.for_options({"baseline": "--baseline"}).startswith("--baseline 2001-06: no 12-month")


def test_population_year_override(dataset):
    result = compare(dataset, "warwickshire", T("2014-06-30"), population_year=2014)
    row = result.rows[0]
    assert row.denominator == 552450  # Warwickshire mid-2014, sample_data population file
    with pytest.raises(PeriodNotCoveredError):
        compare(dataset, "warwickshire", T("2014-06-30"), population_year=1990)


def test_chosen_measures(dataset):
    result = compare(dataset, "kent", T("2014-06-30"), measures=["robbery"])
    assert [(r.measure, r.statistic) for r in result.rows] == [("robbery", "rate_per_1000")] * 2 + [
        ("robbery", "pct_change")] * 4
    with pytest.raises(UnknownMeasureError) as err:
        compare(dataset, "kent", T("2014-06-30"), measures=["robery"])
    assert str(err.value).startswith("unknown measure 'robery'; did you mean 'robbery'?")


def test_negative_single_group_total_is_not_a_rate(dataset):
    result = compare(dataset, "cheshire", T("2007-06-30"),
                     measures=["death_or_serious_injury_caused_by_illegal_driving"])
    row = result.rows[0]
    assert row.value is None
    assert row.note == "the source gives a negative total (-1), a net adjustment, not a count"


def test_library_callers_may_pass_timestamps_or_iso_text(dataset):
    """Periods are plain dates inside; a notebook's pandas Timestamps and ISO strings mean the same."""
    import pandas as pd

    from crimestat.analyses.trend import trend

    def figures(result):
        return [(r.measure, r.statistic, r.period_end, r.base_period_end, r.value) for r in result.rows]

    plain = compare(dataset, "warwickshire", T("2014-06-30"), baseline=T("2011-06-30"))
    stamped = compare(dataset, "warwickshire", pd.Timestamp("2014-06-30"), baseline=pd.Timestamp("2011-06-30"))
    text = compare(dataset, "warwickshire", "2014-06-30", baseline="2011-06-30")  # type: ignore[arg-type]
    assert figures(plain) == figures(stamped) == figures(text)
    assert any(r.base_period_end == T("2011-06-30") and r.value is not None for r in plain.rows)
    assert figures(trend(dataset, "warwickshire", pd.Timestamp("2013-06-30"), pd.Timestamp("2014-06-30"))) == \
        figures(trend(dataset, "warwickshire", T("2013-06-30"), T("2014-06-30")))


def test_a_national_force_is_refused_like_in_every_command(dataset):
    # British Transport Police has no resident population and is not part of England and Wales: one rule,
    # the dataset's, refuses it for the library as for every command (compare, trend, rank, report).
    from crimestat.errors import UsageError

    with pytest.raises(UsageError, match="national body, not a police force area"):
        compare(dataset, "british transport police", T("2014-06-30"))
    with pytest.raises(UsageError, match="national body"):
        dataset.forces(["warwickshire", "BTP"])


def _dyfed_powys_homicide_by_quarter() -> dict[tuple[str, str], int]:
    """Dyfed-Powys homicide (codes 1, 4.1, 4.10, 4.2) summed with the csv module from the shipped Home Office
    table (sample_data/releases/home-office-2026-04/prc-pfa-mar2013-onwards-tables-230426.csv.gz), by
    (financial year, quarter). Only the lines naming Dyfed-Powys between commas go to the csv module (a row of
    the force has its name so, never quoted); the csv module then keeps the rows whose Force Name it is."""
    import csv

    from conftest import home_office_lines

    lines = home_office_lines()
    totals: dict[tuple[str, str], int] = {}
    rows = csv.reader([lines[0], *(line for line in lines if ",Dyfed-Powys," in line)])
    header = next(rows)
    year, quarter, force, code, count = (header.index(name) for name in (
        "Financial Year", "Financial Quarter", "Force Name", "Offence Code", "Number of Offences"))
    for row in rows:
        if row[force] == "Dyfed-Powys" and row[code] in ("1", "4.1", "4.10", "4.2"):
            key = (row[year], row[quarter])
            totals[key] = totals.get(key, 0) + int(row[count])
    return totals


def test_small_numbers_are_noted_and_never_marked(run, monkeypatch):
    # The issue: Dyfed-Powys homicide +50% (4 -> 6) had no caveat. Counts from the raw table (calendar 2025 is
    # 2024/25 quarter 4 and 2025/26 quarters 1-3).
    by_quarter = _dyfed_powys_homicide_by_quarter()
    current = sum(by_quarter.get(q, 0) for q in [("2024/25", "4"), ("2025/26", "1"), ("2025/26", "2"), ("2025/26", "3")])
    base = sum(by_quarter.get(q, 0) for q in [("2023/24", "4"), ("2024/25", "1"), ("2024/25", "2"), ("2024/25", "3")])
    assert (current, base) == (6, 4)
    import csv
    import io

    result = run("compare", "--force", "dyfed-powys", "--measure", "homicide", "--format", "csv", "-q")
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["area"] == "Dyfed-Powys"]
    year = next(r for r in rows if r["statistic"] == "pct_change" and r["base_period_end"] == "2024-12-31")
    assert (year["count"], year["base_count"], year["value"]) == ("6", "4", "50.0")
    assert year["note"].startswith("small numbers: 6 and 4 crimes") and year["verdict"] == ""
    rate = next(r for r in rows if r["statistic"].startswith("rate_per"))
    assert rate["note"] == "small numbers: 6 crimes, fewer than 50"
    monkeypatch.setenv("COLUMNS", "250")
    table = run("compare", "--force", "dyfed-powys", "--measure", "homicide", "--format", "table", "-q").stdout
    assert "Small numbers: Dyfed-Powys's homicide rate (6 crimes);" in table
    assert "homicide from December 2024 (6 and 4 crimes): fewer than 50 crimes in a period" in table
