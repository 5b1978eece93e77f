"""Indicators: victim satisfaction with intervals and verdicts, detection rate, anti-social behaviour."""

import json

import pytest

from conftest import DATA, SAMPLE
from crimestat.analyses.compare import compare
from crimestat.errors import BadValueError
from crimestat.analyses.indicators import IndicatorOptions, IndicatorSet
from crimestat.loaders.forces import load_forces
from crimestat.loaders.indicators import load_indicators
from crimestat.model.periods import as_period

T = as_period  # period ends are plain dates
IND = DATA / "indicators"


def rows_of(dataset, path, force="warwickshire", **options):
    indicators = IndicatorSet(load_indicators(path, dataset.registry))
    result = compare(dataset, force, T("2014-06-30"), indicators=indicators, options=IndicatorOptions(**options))
    return {(r.area_code, r.measure, r.statistic, r.period_end, r.base_period_end): r for r in result.rows}


def test_published_warwickshire_figures(dataset):
    rows = rows_of(dataset, SAMPLE / "releases/ons-2019/hmic-2014-published.csv")
    w, ew = "E23000017", "K04000001"
    assert rows[(w, "detection_rate", "percent", T("2014-03-31"), None)].value == 22
    assert rows[(ew, "detection_rate", "percent", T("2014-03-31"), None)].value == 26
    asb = rows[(w, "asb_incidents", "rate_per_1000", T("2014-03-31"), None)]
    assert asb.numerator == 20207 and asb.denominator == 549517  # mid-2013 population for year to March 2014
    assert asb.value == pytest.approx(36.8, abs=0.05)  # published 36.8
    assert rows[(ew, "asb_incidents", "rate_per_1000", T("2014-03-31"), None)].value == 36.8
    assert rows[(w, "asb_incidents", "pct_change", T("2014-03-31"), T("2013-03-31"))].value == -1
    sat = rows[(w, "victim_satisfaction", "percent", T("2014-06-30"), None)]
    assert (sat.value, sat.ci_low, sat.ci_high) == (83.8, pytest.approx(82.1), pytest.approx(85.5))
    ew_sat = rows[(ew, "victim_satisfaction", "percent", T("2014-06-30"), None)]
    assert (ew_sat.ci_low, ew_sat.ci_high) == (pytest.approx(84.8), pytest.approx(85.2))
    against_ew = rows[(w, "victim_satisfaction", "verdict", T("2014-06-30"), None)]
    assert against_ew.verdict == "broadly in line" and against_ew.comparator == "England and Wales"
    assert against_ew.value == pytest.approx(-1.2)
    against_year = rows[(w, "victim_satisfaction", "verdict", T("2014-06-30"), T("2013-06-30"))]
    assert against_year.verdict == "broadly in line"
    # The comparator is a name without commas (a coded CSV column); the previous year is base_period_end.
    assert against_year.comparator == "Warwickshire"


def test_z_test_verdict_agrees_here(dataset):
    rows = rows_of(dataset, SAMPLE / "releases/ons-2019/hmic-2014-published.csv", verdict="z-test")
    verdict = rows[("E23000017", "victim_satisfaction", "verdict", T("2014-06-30"), None)]
    assert verdict.verdict == "broadly in line"
    assert verdict.p_value == pytest.approx(0.1694, abs=1e-4)


def test_counts_give_wilson_intervals_and_computed_rates(dataset):
    rows = rows_of(dataset, IND / "counts.csv")
    sat = rows[("E23000017", "victim_satisfaction", "percent", T("2014-06-30"), None)]
    # statsmodels proportion_confint(838, 1000, method='wilson') = (0.81388, 0.85954)
    assert sat.value == pytest.approx(83.8)
    assert sat.ci_low == pytest.approx(81.3877, abs=0.01) and sat.ci_high == pytest.approx(85.9536, abs=0.01)
    normal = rows_of(dataset, IND / "counts.csv", interval="normal")
    sat = normal[("E23000017", "victim_satisfaction", "percent", T("2014-06-30"), None)]
    assert sat.ci_low == pytest.approx(81.5164, abs=0.01)  # statsmodels 'normal'
    detection = rows[("E23000017", "detection_rate", "percent", T("2014-03-31"), None)]
    assert detection.value == pytest.approx(6000 / 27000 * 100)
    change = rows[("E23000017", "asb_incidents", "pct_change", T("2014-03-31"), T("2013-03-31"))]
    assert change.value == pytest.approx(1.035)  # (20207 - 20000) / 20000


def test_no_respondents_is_not_available(dataset):
    rows = rows_of(dataset, IND / "counts.csv")
    previous = rows[("E23000017", "victim_satisfaction", "percent", T("2013-06-30"), None)]
    assert previous.value is None and previous.note == "no cases (denominator 0), so no percentage"
    verdict = rows[("E23000017", "victim_satisfaction", "verdict", T("2014-06-30"), T("2013-06-30"))]
    assert verdict.verdict == "" and verdict.note.startswith("needs both figures")


def test_zero_half_width_is_a_point_interval(dataset):
    rows = rows_of(dataset, IND / "zero-half-width.csv")
    sat = rows[("E23000017", "victim_satisfaction", "percent", T("2014-06-30"), None)]
    assert sat.ci_low == sat.ci_high == 83.8
    assert rows[("E23000017", "victim_satisfaction", "verdict", T("2014-06-30"), None)].verdict == "lower"


def test_other_confidence_rescales_published_half_width(dataset):
    rows = rows_of(dataset, SAMPLE / "releases/ons-2019/hmic-2014-published.csv", confidence=0.99)
    sat = rows[("E23000017", "victim_satisfaction", "percent", T("2014-06-30"), None)]
    assert sat.ci_high - sat.value == pytest.approx(1.7 * 2.575829 / 1.959964, rel=1e-5)


def test_force_without_indicators_shows_reasons_not_zeros(dataset):
    rows = rows_of(dataset, SAMPLE / "releases/ons-2019/hmic-2014-published.csv", force="kent")
    sat = rows[("E23000032", "victim_satisfaction", "percent", T("2014-06-30"), None)]
    assert sat.value is None
    assert sat.note == "the indicators file has no victim satisfaction for Kent in the 12 months to June 2014"
    crime = rows[("E23000032", "crime_excl_fraud", "rate_per_1000", T("2014-06-30"), None)]
    assert crime.value is not None


def test_every_validation_problem_is_reported():
    with pytest.raises(BadValueError) as err:
        load_indicators(IND / "invalid.csv", load_forces())
    name = IND / "invalid.csv"
    assert str(err.value).splitlines() == [
        f"{name}, line 2, column 'value': '101' is above 100; expected a percentage from 0 to 100",
        f"{name}, line 3, column 'half_width': '-1' is negative; expected a half-width of 0 or more percentage points",
        f"{name}, line 4, column 'numerator': '5.5' is not a whole number; expected a whole number of 0 or more",
        f"{name}, line 5, column 'numerator': numerator 11 is above denominator 10",
        f"{name}, line 6, column 'area': 'Warwick' is not a known force or 'England and Wales' (did you mean 'Warwickshire'?)",
        f"{name}, line 7, column 'measure': 'satisfaction' is not an indicator; expected one of victim_satisfaction, "
        "detection_rate, asb_incidents, asb_incidents_change",
        f"{name}, line 9: a second victim_satisfaction row for this area and period (first on line 8)",
        f"{name}, line 10: give either counts (numerator, denominator) or a published value, not both",
        f"{name}, line 11: no figure; expected counts (numerator, denominator) or a published value",
        f"{name}, line 12, column 'denominator': anti-social behaviour takes no denominator; the population comes "
        "from the data",
        f"{name}, line 13, column 'half_width': only victim_satisfaction takes a half_width",
        f"{name}, line 13, column 'source': empty value; expected where the figure was published",
    ]


def test_invalid_indicators_exit_1(run):
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--indicators", IND / "invalid.csv", "-q")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"crimestat: error: {IND / 'invalid.csv'}, line 2, column 'value': '101' is")
    assert result.stdout == ""


def test_all_formats_show_the_verdicts(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # rows unwrapped
    args = ("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "-q", "--format")
    table = run(*args, "table").stdout
    assert "Victim satisfaction                                      12 months to June 2014      83.8% (±1.7)" \
        "         85.0% (±0.2)" in table
    assert "Satisfaction against England and Wales                   12 months to June 2014   broadly in line" in table
    assert "Detection rate (crimes excluding fraud)                  12 months to March 2014              22%" in table
    markdown = run(*args, "markdown").stdout
    assert "83.8% (±1.7) |" in markdown and "| broadly in line |" in markdown
    csv_lines = run(*args, "csv").stdout.splitlines()
    assert any(line.startswith("E23000017,Warwickshire,victim_satisfaction,verdict,2014-06-30,,-1.2,"
                               ",,,,0.169433044958,broadly in line,England and Wales,") for line in csv_lines)
    document = json.loads(run(*args, "json").stdout)
    verdicts = [r for r in document["rows"] if r["statistic"] == "verdict"]
    assert [v["verdict"] for v in verdicts] == ["broadly in line", "broadly in line"]


def test_without_indicators_file_compare_is_as_before(run, tmp_path):
    # A data folder in the flat layout of earlier versions, without an indicators file.
    release = SAMPLE / "releases" / "ons-2019"
    for folder, name in (("ons-recorded-crime", "rec-crime-pfa.csv"), ("population", "pfa-population-mid2001-mid2019.csv"),
                         ("households", "pfa-households-census-2011.csv")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).symlink_to(release / name)
    result = run("compare", "--force", "warwickshire", "--to", "2014-06", "-q", "--format", "csv",
                 "--data-dir", tmp_path)
    assert result.exit_code == 0
    assert "victim_satisfaction" not in result.stdout
    assert len(result.stdout.splitlines()) == 17


def test_no_indicators_for_the_period_is_one_note_not_a_table_of_gaps(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # notes unwrapped
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2018-12", "--format", "table", "-q")
    assert "Other indicators" not in result.stdout
    assert ("Indicators: the indicators file has no detection, anti-social behaviour or satisfaction figures for "
            "Warwickshire or England and Wales in the 12 months to December 2018; it has figures for the 12 months "
            "to June 2013 to the 12 months to June 2014.") in result.stdout
    csv_out = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2018-12", "--format", "csv", "-q").stdout
    assert ("the indicators file has no victim satisfaction for Warwickshire in the 12 months to December 2018"
            in csv_out)
