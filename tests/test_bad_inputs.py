"""The bad-input corpus: every file in tests/data/bad with the exact message and exit code of
`crimestat validate`, or the documented tolerant behaviour (exit 0, with any warning on stderr).

Each expectation was read and checked by a person when the file was added; {file} stands for the path.
"""

import csv
import io

import pandas as pd
import pytest

from conftest import BAD
from crimestat.loaders.denominators import load_la_lookup
from crimestat.loaders.forces import load_forces
from crimestat.sources.ons.parser import load_ons_crime
from crimestat.render import safe_text, to_csv
from crimestat.results import Result, Row

CORPUS = [
    ('absurdly-large.csv', 1, ["{file}, line 2, column 'Rolling year total number of offences': '99999999999999999999' is too large to be real; expected a whole number of offences"], []),
    ('blank-lines-then-bad.csv', 1, ["{file}, line 5, column 'Rolling year total number of offences': 'five' is not a number; expected a whole number of offences"], []),
    ('blank-lines.csv', 0, [], []),
    ('broken-quoting.csv', 1, ['{file}, line 3: broken quoting (unexpected end of data); expected a well-formed CSV row'], []),
    ('byte-order-mark.csv', 0, [], []),
    ('duplicate-indicator.csv', 1, ['{file}, line 3: a second detection_rate row for this area and period (first on line 2)'], []),
    ('duplicate-key.csv', 1, ['{file}, line 3: duplicate row for Warwickshire, Robbery, 30-06-2014 (first on line 2)'], []),
    ('duplicate-population.csv', 1, ['{file}, line 3: a second population figure for E23000017 in 2013'], []),
    ('empty-force.csv', 1, ["{file}, line 2, column 'PFA': empty value; expected a police force area"], []),
    ('empty.csv', 1, ['{file}: file is empty; expected a header line and data rows'], []),
    ('extra-column.csv', 0, [], []),
    ('footnote-star.csv', 1, ["{file}, line 2, column 'Rolling year total number of offences': '*' is a suppression or footnote marker; expected a whole number of offences"], []),
    ('formula-in-name.csv', 1, ['{file}, line 2, column \'PFA\': \'=HYPERLINK("http://example.invalid","x")\' is not a known police force area; expected a name or code from `crimestat forces`'], []),
    ('fractional-count.csv', 1, ["{file}, line 2, column 'Rolling year total number of offences': '24.5' is not a whole number; expected a whole number of offences"], []),
    ('gap-in-periods.csv', 0, [], ['crimestat: warning: {file}: no rows for the 12 months to December 2014 (the periods jump from September 2014 to March 2015); those periods are not available']),
    ('header-only.csv', 1, ['{file}, line 1: has a header but no data rows'], []),
    ('latin1-lookup.csv', 0, [], ['crimestat: warning: {file}: not UTF-8 (byte 0xf4 on line 2); read as Windows-1252 (Latin-1)']),
    ('misdated-quarter-end.csv', 0, [], ["crimestat: warning: {file}: '30-12-2017' is not a month end (line 2); read as 31-12-2017, the quarter end it stands for"]),
    ('missing-column.csv', 1, ["{file}, line 1: missing column 'Rolling year total number of offences'; the header has '12 months ending', 'PFA', 'Region', 'Offence', 'Total offences'"], []),
    ('negative-count-indicators.csv', 1, ["{file}, line 2, column 'numerator': '-3' is negative; expected a whole number of 0 or more"], []),
    ('negative-count.csv', 0, [], []),
    ('negative-population.csv', 1, ["{file}, line 2, column 'mid2013': '-5' is negative; expected a whole number above 0"], []),
    ('non-numeric-count.csv', 1, ["{file}, line 3, column 'Rolling year total number of offences': 'five' is not a number; expected a whole number of offences"], []),
    ('numerator-above-denominator.csv', 1, ["{file}, line 2, column 'numerator': numerator 900 is above denominator 800"], []),
    ('one-column.csv', 1, ['{file}, line 1: not a file crimestat reads: its header matches no known input (ONS recorded crime, population, households, indicators, peers, classification, forces, lookup)'], []),
    ('other-date-format.csv', 1, ["{file}, line 2, column '12 months ending': '2014/06/30' is not a date; expected DD-MM-YYYY, such as 30-06-2014"], []),
    ('own-peer.csv', 1, ['{file}: group starting on line 2: Kent is listed as its own peer'], []),
    ('percent-over-100.csv', 1, ["{file}, line 2, column 'value': '120' is above 100; expected a percentage from 0 to 100"], []),
    ('renamed-column.csv', 1, ["{file}, line 1: missing column 'Offence' (is 'Offence group' meant to be it?); the header has '12 months ending', 'PFA', 'Region', 'Offence group', 'Rolling year total number of offences'"], []),
    ('scientific-notation.csv', 1, ["{file}, line 2, column 'Rolling year total number of offences': '1.23E+05' is in scientific notation, which may have been rounded; expected a whole number of offences, written in full"], []),
    ('semicolons.csv', 1, ['{file}, line 1: columns are separated by semicolons; expected commas'], []),
    ('suppressed-dots.csv', 1, ["{file}, line 2, column 'Rolling year total number of offences': '..' is a suppression or footnote marker; expected a whole number of offences"], []),
    ('suppressed-x.csv', 1, ["{file}, line 2, column 'Rolling year total number of offences': '[x]' is a suppression or footnote marker; expected a whole number of offences"], []),
    ('tabs.csv', 1, ['{file}, line 1: columns are separated by tabs; expected commas'], []),
    ('thousands-separators.csv', 0, [], []),
    ('too-many-fields.csv', 1, ['{file}, line 2: expected 5 fields, found 6'], []),
    ('truncated-last-line.csv', 1, ['{file}, line 3: expected 5 fields, found 3', '{file}, line 3: the last line does not end with a line break, so the file may be cut short (an interrupted download or copy); expected a complete file'], []),
    ('unknown-force.csv', 1, ["{file}, line 3, column 'PFA': 'Warwick' is not a known police force area (did you mean 'Warwickshire'?); expected a name or code from `crimestat forces`"], []),
    ('unknown-indicator.csv', 1, ["{file}, line 2, column 'measure': 'clear_up_rate' is not an indicator; expected one of victim_satisfaction, detection_rate, asb_incidents, asb_incidents_change"], []),
    ('windows-line-endings.csv', 0, [], []),
    ('zero-households.csv', 1, ["{file}, line 2, column 'households': '0' is zero; expected a whole number above 0"], []),
    ('zero-population.csv', 1, ["{file}, line 2, column 'mid2013': '0' is zero; expected a whole number above 0"], []),
]


def test_corpus_is_complete():
    assert len(CORPUS) >= 30
    assert {name for name, *_ in CORPUS} == {p.name for p in BAD.glob("*.csv")}


@pytest.mark.parametrize("name, code, problems, warnings", CORPUS, ids=[c[0] for c in CORPUS])
def test_validate_reports_exactly(run, name, code, problems, warnings):
    path = BAD / name
    result = run("validate", path, "--format", "csv")
    assert result.exit_code == code
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    found = [r["problem"] for r in rows if r["problem"]]  # one row per problem
    assert found == [p.format(file=path) for p in problems]
    assert result.stderr.splitlines() == [w.format(file=path) for w in warnings]
    assert rows[0]["status"] == ("ok" if code == 0 else f"{len(problems)} problem{'s' if len(problems) > 1 else ''}")


# Tolerant behaviour: what the tolerated file is read as.

def load(name):
    return load_ons_crime(BAD / name, load_forces())


def test_thousands_separators_are_read_as_numbers():
    assert load("thousands-separators.csv")["count"].tolist() == [1234]


def test_byte_order_mark_and_windows_line_endings_are_invisible():
    for name in ("byte-order-mark.csv", "windows-line-endings.csv"):
        frame = load(name)
        assert frame["category"].tolist() == ["Robbery"] and frame["count"].tolist() == [240]


def test_latin1_names_survive():
    assert load_la_lookup([BAD / "latin1-lookup.csv"]) == {"W06000001": "W15000001"}


def test_blank_lines_are_skipped_but_counted_in_line_numbers():
    assert load("blank-lines.csv")["count"].tolist() == [240, 5]


def test_extra_columns_are_ignored():
    assert load("extra-column.csv")["count"].tolist() == [240]


def test_misdated_quarter_end_is_the_month_end():
    assert load("misdated-quarter-end.csv")["period_end"].tolist() == [pd.Timestamp("2017-12-31")]


def test_negative_ons_total_is_kept():
    assert load("negative-count.csv")["count"].tolist() == [-1]


def test_gap_in_periods_leaves_the_period_unavailable(run):
    result = run("compare", "--force", "kent", "--to", "2014-12", "--crime", BAD / "gap-in-periods.csv")
    assert result.exit_code == 2
    assert "no 12-month period ends in December 2014" in result.stderr


def test_spreadsheet_formulas_are_neutralised_in_csv():
    assert safe_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_text("+1") == "'+1" and safe_text("@x") == "'@x" and safe_text("-x") == "'-x"
    assert safe_text("Kent") == "Kent"
    row = Row("=1+1", "@SUM(A1)", "m", "rate_per_1000", pd.Timestamp("2014-06-30"), value=-1.5)
    text = to_csv(Result("t", [row], [], []))
    assert text.splitlines()[1].startswith("'=1+1,'@SUM(A1),m,rate_per_1000,2014-06-30,,-1.5,")
