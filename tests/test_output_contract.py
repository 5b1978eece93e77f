"""The pipeline contract (README, "CSV and JSON output"), xlsx output, --output's format, table widths.

Each test names the behaviour of crimestat 0.2 it replaces (issue 15, "What is wrong today").
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BAD, ROOT
from crimestat.cli import main
from crimestat.errors import UsageError
from crimestat.metrics.rounding import round_half_up
from crimestat.render import choose_format, render, table_width, to_table
from crimestat.results import COLUMNS, Cell, Result, Section, unit_of

COMPARE_2014 = ("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "-q")
TREND_2014 = ("trend", "--release", "ons-2019", "--force", "warwickshire", "--from", "2013-06", "--to", "2014-06", "-q")
RANK_2014 = ("rank", "--release", "ons-2019", "--to", "2014-06", "-q")
FLOAT = re.compile(r"^-?\d+\.\d+$")
INTEGER = re.compile(r"^-?\d+$")
P_VALUE = re.compile(r"^[01]\.\d{1,12}$")


def _invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def csv_of():
    """Each command's CSV, run once for the module."""
    cache: dict[tuple, str] = {}

    def get(*args: str) -> str:
        if args not in cache:
            done = _invoke(*args, "--format", "csv")
            assert done.exit_code == 0, done.output
            cache[args] = done.stdout
        return cache[args]

    return get


def records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def readme_schema() -> dict[str, str]:
    """column -> type, from the README's schema table (a cell may name several columns)."""
    section = (ROOT / "docs/automation.md").read_text().split("## CSV and JSON output", 1)[1].split("\n## ", 1)[0]
    schema = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            for name in re.findall(r"`([a-z_]+)`", cells[0]):
                schema[name] = cells[1]
    return schema


# -- the schema --------------------------------------------------------------------------------------------

def test_readme_schema_lists_every_column_in_order_with_a_type():
    schema = readme_schema()
    assert list(schema) == COLUMNS
    assert set(schema.values()) <= {"code", "text", "date", "float", "integer"}
    assert COLUMNS[-5:] == ["unit", "recording_change", "measure_label", "count", "base_count"]  # appended


@pytest.mark.parametrize("args", [COMPARE_2014, TREND_2014, RANK_2014], ids=["compare", "trend", "rank"])
def test_every_field_has_its_documented_type(csv_of, args):
    schema = readme_schema()
    text = csv_of(*args)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    for record in records(text):
        for column, value in record.items():
            if value == "":
                continue
            kind = schema[column]
            if column == "value" and record["unit"] == "rank":
                kind = "integer"
            if kind == "float":
                assert FLOAT.match(value), (column, value)  # 0.2 wrote repr: 7.98e-83, 83.89999999999999
                assert len(value.lstrip("-").replace(".", "").lstrip("0")) <= 12, (column, value)
            elif kind == "integer":
                assert INTEGER.match(value), (column, value)  # 0.2 could write 27651.0
            elif kind == "date":
                assert re.match(r"^\d{4}-\d{2}-\d{2}$", value), (column, value)
            elif kind == "code":
                assert not set(value) & {",", '"', "\n", "\r"}, (column, value)
            else:
                assert "\n" not in value and "\r" not in value, (column, value)


def test_floats_have_no_repr_noise(csv_of):
    rows = records(csv_of(*COMPARE_2014))
    previous = next(r for r in rows if r["measure"] == "victim_satisfaction" and r["statistic"] == "percent"
                    and r["period_end"] == "2013-06-30" and r["area"] == "Warwickshire")
    assert previous["ci_low"] == "83.9"  # 0.2: 83.89999999999999
    verdict = next(r for r in rows if r["statistic"] == "verdict" and r["comparator"] == "England and Wales")
    assert verdict["value"] == "-1.2"  # 0.2: -1.2000000000000028
    rate = next(r for r in rows if r["measure"] == "crime_excl_fraud" and r["statistic"] == "rate_per_1000")
    assert rate["value"] == "50.3187344523"  # 27651 / 549517 * 1000 = 50.31873445225...; 12 significant digits
    detection = next(r for r in rows if r["measure"] == "detection_rate" and r["area"] == "Warwickshire")
    assert detection["value"] == "22.0"  # a float column keeps its decimal point


def test_p_values_are_in_one_plain_notation(csv_of):
    rows = records(csv_of(*COMPARE_2014)) + records(csv_of(*RANK_2014))
    written = [r[c] for r in rows for c in ("p_value", "p_value_poisson") if r[c]]
    assert written and all(P_VALUE.match(p) for p in written), [p for p in written if not P_VALUE.match(p)]
    change = next(r for r in records(csv_of(*COMPARE_2014)) if r["area"] == "Warwickshire"
                  and r["statistic"] == "pct_change" and r["base_period_end"] == "2010-06-30")
    assert change["p_value_poisson"] == "0.0"  # 0.2: 7.987972822955602e-83 (and England and Wales's 0.0)
    recent = next(r for r in records(csv_of(*COMPARE_2014)) if r["area"] == "England and Wales"
                  and r["statistic"] == "pct_change" and r["base_period_end"] == "2013-06-30")
    assert recent["p_value_poisson"] == "0.00000000018"  # 0.2: 1.800064088270672e-10


def test_unit_says_what_value_is_and_ranks_are_integers(csv_of):
    units = {(r["measure"], r["statistic"]): r["unit"] for r in records(csv_of(*COMPARE_2014))}
    assert units[("crime_excl_fraud", "rate_per_1000")] == "per_1000_population"
    assert units[("domestic_burglary", "rate_per_1000")] == "per_1000_households"
    assert units[("crime_excl_fraud", "pct_change")] == "percent"
    assert units[("victim_satisfaction", "percent")] == "percent"
    assert units[("victim_satisfaction", "verdict")] == "percentage_points"
    ranked = [r for r in records(csv_of(*RANK_2014)) if r["statistic"] == "rank"]
    assert len(ranked) == 43 and {r["unit"] for r in ranked} == {"rank"}
    assert sorted(int(r["value"]) for r in ranked) == list(range(1, 44))  # "1", never "1.0"
    assert all(r["unit"] for r in records(csv_of(*RANK_2014)) + records(csv_of(*TREND_2014)))


@pytest.mark.parametrize("statistic, measure, unit", [
    ("rate_per_1000", "crime_excl_fraud", "per_1000_population"),
    ("rate_per_1000", "residential_burglary", "per_1000_households"),
    ("rate_per_1000000", "homicide", "per_1000000_population"),
    ("pooled_rate_per_1000", "domestic_burglary", "per_1000_households"),
    ("pct_change", "crime_excl_fraud", "percent"),
    ("percent", "charge_rate", "percent"),
    ("verdict", "victim_satisfaction", "percentage_points"),
    ("rank", "crime_excl_fraud", "rank"),
])
def test_unit_of(statistic, measure, unit):
    assert unit_of(statistic, measure) == unit


def test_coded_columns_hold_no_separator(csv_of):
    """0.2 wrote the comparator 'Warwickshire, 12 months to June 2013' and outcome labels in `verdict`."""
    rows = records(csv_of(*COMPARE_2014))
    against_year = next(r for r in rows if r["statistic"] == "verdict" and r["base_period_end"])
    assert against_year["comparator"] == "Warwickshire" and against_year["base_period_end"] == "2013-06-30"
    outcomes = records(csv_of("outcomes", "--force", "warwickshire", "--group", "Violence against the person", "-q"))
    code = [c for c, t in readme_schema().items() if t == "code"]
    assert all(not set(r[c]) & {",", '"'} for r in outcomes for c in code)
    # Where no free text holds a comma, `awk -F,` finds every column.
    lines = csv_of(*COMPARE_2014).splitlines()[1:]
    plain = [(line, record) for line, record in zip(lines, rows) if "," not in record["note"] + record["area"]]
    assert len(plain) > 20
    assert all(line.split(",") == list(record.values()) for line, record in plain)


def test_json_has_null_for_every_missing_value(csv_of):
    done = _invoke(*COMPARE_2014, "--format", "json")
    document = json.loads(done.stdout)
    rows = document["rows"]
    assert all(list(row) == COLUMNS for row in rows)
    assert not [(c, row[c]) for row in rows for c in COLUMNS if row[c] == ""]  # 0.2: "" for verdict, note...
    rate = rows[0]
    assert rate["base_period_end"] is None and rate["verdict"] is None and rate["note"] is None
    assert rate["numerator"] == 27651 and isinstance(rate["numerator"], int)
    assert rate["value"] == 50.3187344523
    ranked = json.loads(_invoke(*RANK_2014, "--format", "json").stdout)["rows"]
    assert all(isinstance(r["value"], int) for r in ranked if r["unit"] == "rank")
    as_csv = records(csv_of(*COMPARE_2014))
    assert [r["value"] for r in as_csv] == ["" if r["value"] is None else _csv_number(r["value"]) for r in rows]


def _csv_number(value) -> str:
    return str(value) if isinstance(value, int) else format(__import__("decimal").Decimal(repr(value)), "f")


def test_validate_csv_has_one_row_per_problem_and_no_line_breaks(run):
    two = BAD / "truncated-last-line.csv"
    result = run("validate", two, BAD / "thousands-separators.csv", "--format", "csv")
    assert result.exit_code == 1
    assert "\n" not in "".join(f for row in csv.reader(io.StringIO(result.stdout)) for f in row)
    rows = records(result.stdout)
    assert [(Path(r["file"]).name, r["status"], bool(r["problem"])) for r in rows] == [
        ("truncated-last-line.csv", "2 problems", True), ("truncated-last-line.csv", "2 problems", True),
        ("thousands-separators.csv", "ok", False)]
    assert list(rows[0]) == ["file", "kind", "rows", "status", "problem"]


# -- loading the CSV with the documented types ----------------------------------------------------------

PANDAS_TYPES = {"code": "string", "text": "string", "float": "float64", "integer": "Int64"}
DUCKDB_TYPES = {"code": "VARCHAR", "text": "VARCHAR", "date": "DATE", "float": "DOUBLE", "integer": "BIGINT"}


@pytest.mark.parametrize("args", [COMPARE_2014, TREND_2014, RANK_2014], ids=["compare", "trend", "rank"])
def test_csv_loads_in_pandas_and_duckdb_with_the_documented_types(csv_of, tmp_path, args):
    import duckdb
    import pandas as pd

    schema = readme_schema()
    path = tmp_path / "out.csv"
    path.write_text(csv_of(*args), encoding="utf-8")
    dates = [c for c, t in schema.items() if t == "date"]
    frame = pd.read_csv(path, dtype={c: PANDAS_TYPES[t] for c, t in schema.items() if t != "date"},
                        parse_dates=dates, keep_default_na=False, na_values=[""])
    assert list(frame.columns) == COLUMNS
    for column, kind in schema.items():
        dtype = str(frame[column].dtype)
        assert dtype.startswith("datetime64") if kind == "date" else dtype == PANDAS_TYPES[kind], (column, dtype)
    ranks = frame[frame["unit"] == "rank"]["value"]
    assert (ranks == ranks.round()).all()

    columns = ", ".join(f"'{c}': '{DUCKDB_TYPES[t]}'" for c, t in schema.items())
    source = f"read_csv('{path}', header = true, columns = {{{columns}}})"
    con = duckdb.connect()
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    assert [(r[0], r[1]) for r in described] == [(c, DUCKDB_TYPES[t]) for c, t in schema.items()]
    assert con.execute(f"SELECT count(*) FROM {source}").fetchone()[0] == len(frame)
    assert con.execute(f"SELECT sum(value) FROM {source}").fetchone()[0] == pytest.approx(frame["value"].sum())
    # DuckDB's own detection reads the counts as integers and the rates as doubles, too.
    detected = dict((r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_csv_auto('{path}')").fetchall())
    assert detected["numerator"] == "BIGINT" and detected["value"] == "DOUBLE" and detected["period_end"] == "DATE"


# -- --output and --format -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, check", [
    ("out.json", lambda data: json.loads(data)["rows"]),
    ("out.xlsx", lambda data: data[:2] == b"PK" and "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()),
    ("out.md", lambda data: data.startswith(b"## Warwickshire compared")),
    ("out.csv", lambda data: data.startswith(b"area_code,")),
])
def test_output_extension_picks_the_format(run, tmp_path, name, check):
    """0.2 wrote CSV to out.json and out.xlsx."""
    target = tmp_path / name
    assert run(*COMPARE_2014, "--output", target).exit_code == 0
    assert check(target.read_bytes())


def test_a_format_that_contradicts_the_extension_is_refused(run, tmp_path):
    target = tmp_path / "out.xlsx"
    result = run(*COMPARE_2014, "--format", "csv", "--output", target)
    assert result.exit_code == 2 and not target.exists()
    assert result.stderr == (f"crimestat: error: --format csv does not match --output {target}, whose extension "
                             "means xlsx; expected a .csv file name, or no --format\n")


def test_choose_format():
    assert choose_format(None, None, terminal=True) == "table"
    assert choose_format(None, None, terminal=False) == "csv"
    assert choose_format(None, "counts.TXT", terminal=True) == "table"  # .txt: the table people read
    with pytest.raises(UsageError, match="does not write '.html' files"):
        choose_format(None, "rates.html", terminal=False)  # not CSV under an .html name
    assert choose_format(None, "Rates.XLSX", terminal=True) == "xlsx"
    assert choose_format("table", "rates.txt", terminal=False) == "table"
    assert choose_format("xlsx", None, terminal=False) == "xlsx"  # stdout redirected to a file
    with pytest.raises(UsageError, match="binary workbook"):
        choose_format("xlsx", None, terminal=True)
    with pytest.raises(UsageError, match="--format json does not match --output a.md"):
        choose_format("json", "a.md", terminal=False)


# -- xlsx ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbook():
    from openpyxl import load_workbook

    done = _invoke(*COMPARE_2014, "--format", "xlsx")
    assert done.exit_code == 0
    return done.stdout_bytes, load_workbook(io.BytesIO(done.stdout_bytes))


def test_xlsx_has_a_sheet_per_table_then_data_and_notes(workbook):
    _, book = workbook
    assert book.sheetnames == ["Rates", "Changes", "Indicators", "Data", "Notes"]


def test_xlsx_numbers_are_numbers_shown_as_the_table_rounds(workbook):
    _, book = workbook
    rates = book.worksheets[0]
    assert [c.value for c in rates[1]] == ["12 months to June 2014: rate per 1,000 population", "Warwickshire",
                                          "England and Wales"]
    assert rates["A2"].value == "Crime excluding fraud"
    assert rates["B2"].value == pytest.approx(50.3187344523) and rates["B2"].number_format == "0.0"
    # Percentages are fractions under a percent format: -14.586% is -0.14586 shown as -15%, so that a formula
    # on the cell is right (HMIC's table printed -15% for Warwickshire's crime excluding fraud).
    change = book["Changes"]["B2"]
    assert change.value == pytest.approx(-0.145862292651) and change.number_format == "0%"
    satisfaction = next(row for row in book["Indicators"].iter_rows() if row[0].value == "Victim satisfaction")
    assert satisfaction[2].value == pytest.approx(0.838) and satisfaction[2].number_format == '0.0%" (±1.7)"'
    data = book["Data"]
    header = [c.value for c in data[1]]
    assert header == COLUMNS
    first = {h: c.value for h, c in zip(header, data[2])}
    assert first["numerator"] == 27651 and isinstance(first["numerator"], int)
    assert first["value"] == pytest.approx(50.3187344523) and first["unit"] == "per_1000_population"
    notes = [c.value for c in book["Notes"]["A"] if c.value]
    assert notes[0] == "Warwickshire compared with England and Wales, 12 months to June 2014"
    assert any(n.startswith("Sources: Office for National Statistics") for n in notes)


def test_xlsx_percentages_are_fractions_under_a_percent_format(workbook):
    """Every cell shown as a percentage holds a fraction: no |value| reaches 1.5 (150%) in these tables."""
    _, book = workbook
    shown = [c for sheet in book.worksheets if sheet.title not in ("Data", "Notes") for row in sheet.iter_rows()
             for c in row if "%" in c.number_format and isinstance(c.value, (int, float))]
    assert len(shown) >= 8
    assert all(abs(c.value) < 1.5 for c in shown), [(c.coordinate, c.value) for c in shown if abs(c.value) >= 1.5]
    assert not any('"%"' in c.number_format for c in shown)  # no literal % sign after a number in percent


def test_xlsx_sheet_names_are_readable_and_unique_and_trend_sheets_have_a_chart():
    from openpyxl import load_workbook

    done = _invoke("trend", "--release", "ons-2019", "--force", "warwickshire", "--force", "Devon and Cornwall",
                   "--to", "2014-06", "--format", "xlsx")
    assert done.exit_code == 0
    book = load_workbook(io.BytesIO(done.stdout_bytes))
    assert book.sheetnames == ["Warwickshire - Trend", "Devon and Cornwall - Trend", "Data", "Notes"]
    for name in book.sheetnames[:2]:
        charts = book[name]._charts
        assert len(charts) == 1 and type(charts[0]).__name__ == "LineChart"
    both = _invoke("compare", "--release", "ons-2019", "--force", "warwickshire", "--force", "Devon and Cornwall",
                   "--to", "2014-06", "--format", "xlsx")
    names = load_workbook(io.BytesIO(both.stdout_bytes)).sheetnames
    # (HMIC's 2014 indicators file has Warwickshire's figures only: Devon and Cornwall has no indicators sheet.)
    assert names == ["Warwickshire - Rates", "Warwickshire - Changes", "Warwickshire - Indicators",
                     "Devon and Cornwall - Rates", "Devon and Cornwall - Changes", "Data", "Notes"]
    assert len({n.lower() for n in names}) == len(names) and all(len(n) <= 31 for n in names)


def test_xlsx_is_reproducible_and_text_is_never_a_formula():
    from openpyxl import load_workbook

    result = Result("=HYPERLINK(\"http://example.invalid\")", [{"name": "=1+1", "n": 3}],
                    [Section(["Name", "N"], [[Cell("=1+1"), Cell(3, "count")]])], ["@SUM(A1)"], columns=["name", "n"])
    first, second = render(result, "xlsx"), render(result, "xlsx")
    assert first == second
    book = load_workbook(io.BytesIO(first))
    assert book["Name"]["A2"].value == "=1+1" and book["Name"]["A2"].data_type == "s"
    assert book["Data"]["A2"].data_type == "s" and book["Data"]["B2"].value == 3


def test_xlsx_is_refused_on_a_terminal(run, monkeypatch):
    monkeypatch.setattr("crimestat.cli.base._stdout_is_terminal", lambda: True)
    result = run(*COMPARE_2014, "--format", "xlsx")
    assert result.exit_code == 2 and "binary workbook" in result.stderr and result.stdout == ""


# -- table widths ----------------------------------------------------------------------------------------

def _widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("args", [
    ("compare", "--force", "warwickshire"),  # 0.2: 89 wide (its rates table), notes up to 228
    COMPARE_2014 + ("--peers", "Kent,Lancashire"),
    ("rank",),  # 0.2: 146
    ("forces",),  # 0.2: 158
    ("measures",),
    ("outcomes", "--force", "warwickshire"),
    ("trend", "--force", "warwickshire"),
], ids=lambda a: " ".join(a[:3]))
def test_tables_fit_80_columns_off_a_terminal(run, args):
    result = run(*args, "--format", "table", "-q")
    assert result.exit_code == 0
    assert _widest(result.stdout) <= 80


def test_wrapping_keeps_every_number_and_every_word_of_the_notes(run, csv_of, monkeypatch):
    table = run(*COMPARE_2014, "--format", "table").stdout
    words = table.split()
    for r in records(csv_of(*COMPARE_2014)):
        if r["statistic"] == "rate_per_1000" and r["value"] and r["measure"] != "asb_incidents":
            shown = f"{round_half_up(float(r['value']), 1)}"
            assert shown in words or shown + "†" in words, (r["measure"], shown)
    monkeypatch.setenv("COLUMNS", "1000")
    wide = run(*COMPARE_2014, "--format", "table").stdout
    notes = wide.split("\n\n")[-1].splitlines()
    assert max(len(n) for n in notes) > 200
    flowing = " ".join(table.split())
    assert all(" ".join(n.split()) in flowing for n in notes)


def test_columns_sets_the_width(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    wide = run("rank", "--format", "table", "-q").stdout
    assert 80 < _widest(wide) <= 120
    monkeypatch.setenv("COLUMNS", "60")
    assert _widest(run(*COMPARE_2014, "--format", "table").stdout) <= 60


def test_terminal_width_when_stdout_is_a_terminal(monkeypatch):
    import os
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback=(80, 24): os.terminal_size((132, 40)))
    assert table_width() == 132
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert table_width() == 80


def test_a_table_that_fits_is_left_alone():
    result = Result("Short", [], [Section(["Label", "Value"], [[Cell("a"), Cell(1.25, "rate")]])], ["A note."])
    assert to_table(result, 80) == "Short\n\nLabel      Value\n-------  -------\na            1.3\n\nA note.\n"
    narrow = to_table(Result("T", [], [Section(["A long label column", "England and Wales"],
                                               [[Cell("Crime excluding fraud, from the 12 months to June 2010"),
                                                 Cell(-15.4, "change")]])], []), 40)
    assert narrow.splitlines()[2:] == [
        "A long label column              England",
        "                               and Wales",
        "---------------------------  -----------",
        "Crime excluding fraud, from         -15%",
        "  the 12 months to June",
        "  2010",
    ]


def test_xlsx_of_several_forces_names_each_sheet_by_its_force(run, tmp_path):
    import openpyxl

    out = tmp_path / "two.xlsx"
    assert run("compare", "--force", "warwickshire", "--force", "kent", "--output", out, "-q").exit_code == 0
    names = openpyxl.load_workbook(out).sheetnames
    assert [n.split(" - ")[0] for n in names[:6]] == ["Warwickshire"] * 3 + ["Kent"] * 3
    assert names[-2:] == ["Data", "Notes"]
