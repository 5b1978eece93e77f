"""Home Office outcomes data: the loader, the outcome types table and outcome rates.

Pinned figures come from a separate pandas one-off on the real file (the calculation is written beside
each), not from crimestat. The real file is the unchanged copy in ``tests/data/outcomes/`` (see its README).
"""

from __future__ import annotations

import gzip
import io
import pickle
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from crimestat.errors import BadValueError, CrimestatError, DataFileError, MissingColumnError, UnknownMeasureError
from crimestat.model.forces import ENGLAND_AND_WALES_CODE
from crimestat.loaders.forces import load_forces
from crimestat.sources.outcomes import load_outcome_types, load_outcomes, looks_like_outcomes
from crimestat.model.outcomes import CATEGORIES, OutcomeCounts, prepare_outcomes

HERE = Path(__file__).resolve().parent / "data" / "outcomes"
REAL = HERE / "prc-outcomes-2024-25-by-force-quarter-group-type.csv.gz"
THREE = HERE / "three-forces.csv.gz"
MARCH_2025 = date(2025, 3, 31)
WARWICKSHIRE = "E23000017"
WEST_MERCIA = "E23000016"
NORTHAMPTONSHIRE = "E23000022"
EW = ENGLAND_AND_WALES_CODE

# The one-off used for every pinned figure below (pandas, on the real file, nothing from crimestat):
#   df = pd.read_csv(REAL); c = df.columns[-1]
#   nf = ~df["Offence Group"].str.startswith("Fraud")          # crime excluding fraud
#   x = df[nf & (df["Force Name"] == FORCE)]; x[c].sum()       # offences recorded (all outcome types)
#   x[x["Outcome Type"].isin(TYPES)][c].sum()                   # outcomes of a category
#   England and Wales: nf & (df["Force Name"] != "British Transport Police") (43 forces)


def pair(rate) -> tuple[int | None, int | None]:
    return rate.numerator, rate.denominator


@pytest.fixture(scope="module")
def registry():
    return load_forces()


@pytest.fixture(scope="module")
def types():
    return load_outcome_types()


@pytest.fixture(scope="module")
def real(registry):
    return load_outcomes(REAL, registry)


@pytest.fixture(scope="module")
def counts(real, registry, types):
    return OutcomeCounts(real, registry, types)


# --- outcome types -------------------------------------------------------------------------------------


def test_outcome_types_are_0_to_22_without_19(types):
    # The real file has types 0-18 and 20-22: pd.read_csv(REAL)["Outcome Type"].unique()
    assert types.numbers == [n for n in range(23) if n != 19]


def test_outcome_categories(types):
    assert types.in_category("not_yet_assigned") == [0]
    assert types.in_category("charge_summons") == [1]
    assert types.in_category("out_of_court") == [2, 3, 6, 7, 8]
    assert types.in_category("diversionary") == [22]
    assert types.in_category("evidential_difficulties") == [14, 15, 16]
    assert types.in_category("no_suspect") == [18]
    assert types.in_category("other") == [4, 5, 9, 10, 11, 12, 13, 17, 20, 21]
    assert sorted(n for c in CATEGORIES for n in types.in_category(c)) == types.numbers


def test_outcome_groups_are_the_published_ones(types):
    raw = pd.read_csv(REAL, dtype=str)
    published = dict(raw[["Outcome Type", "Outcome Group"]].drop_duplicates().itertuples(index=False))
    assert {int(k): v for k, v in published.items()} == {t.number: t.outcome_group for t in types.types}


def test_outcome_types_file_problems_reported(tmp_path):
    bad = tmp_path / "types.csv"
    bad.write_text("outcome_type,label,outcome_group,category\n1,Charged,Charged/Summonsed,charged\n"
                   "1,Again,Charged/Summonsed,charge_summons\n")
    with pytest.raises(BadValueError) as info:
        load_outcome_types(bad)
    message = str(info.value)
    assert "line 2, column 'category': 'charged' is not an outcome category" in message
    assert "line 3, column 'outcome_type': outcome type 1 is listed twice (first on line 2)" in message


# --- the loader ------------------------------------------------------------------------------------------


def test_real_file_loads_as_tidy_quarterly_counts(real):
    assert list(real.columns) == ["area_code", "period_end", "months", "offence_group", "outcome_type", "count"]
    assert len(real) == 38_720  # one row per input row: the summed file has no repeated keys
    assert str(real["count"].dtype) == "int64"
    assert str(real["outcome_type"].dtype) == "int64"
    assert pd.api.types.is_datetime64_any_dtype(real["period_end"])
    assert (real["months"] == 3).all()
    assert sorted(real["period_end"].dt.date.unique()) == [
        date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31), date(2025, 3, 31)]
    assert real["area_code"].nunique() == 44  # 43 territorial forces and British Transport Police
    # pd.read_csv(REAL).iloc[:, -1].sum() = 5,307,473 (5,225,477 for the 43 forces excluding fraud + BTP 81,996)
    assert int(real["count"].sum()) == 5_307_473


def test_gzip_read_by_content_and_from_a_stream(registry, real):
    plain = gzip.decompress(THREE.read_bytes())
    three = load_outcomes(io.BytesIO(plain), registry)
    assert len(three) == 2_640
    from_gz = load_outcomes(THREE, registry)
    pd.testing.assert_frame_equal(three, from_gz)
    subset = real[real["area_code"].isin([WARWICKSHIRE, WEST_MERCIA, NORTHAMPTONSHIRE])].reset_index(drop=True)
    pd.testing.assert_frame_equal(from_gz, subset)


def test_looks_like_outcomes():
    summed = ["Financial Year", "Financial Quarter", "Force Name", "Offence Group", "Outcome Group", "Outcome Type",
              "Outcomes for offences recorded in quarter (summed over offence codes)"]
    published = (HERE / "published-layout.csv").read_text().splitlines()[0].split(",")
    crime = ["Financial Year", "Financial Quarter", "Force Name", "Offence Description", "Offence Group",
             "Offence Subgroup", "Offence Code", "Number of Offences"]
    assert looks_like_outcomes(summed)
    assert looks_like_outcomes(published)
    assert not looks_like_outcomes(crime)


def test_published_layout_summed_over_offence_codes(registry):
    table = load_outcomes(HERE / "published-layout.csv", registry)
    # By hand (README): Robbery, quarter 1: type 0 = 2 (+ an expired code counting nothing), type 1 = 5 + 3,
    # type 18 = -1 + 4.
    assert table[["outcome_type", "count"]].values.tolist() == [[0, 2], [1, 8], [18, 3]]
    assert set(table["area_code"]) == {WARWICKSHIRE}
    assert set(table["offence_group"]) == {"Robbery"}


def test_published_layout_problems(registry):
    path = HERE / "published-layout-bad.csv"
    with pytest.raises(BadValueError) as info:
        load_outcomes(path, registry)
    message = str(info.value)
    column = "column 'Outcomes for offences that were recorded in the quarter'"
    assert f"{path}, line 2, {column}: 'N/A - Offence code expired' but 'Offence code expired' is not 'x'" in message
    assert f"{path}, line 3, {column}: outcomes of type 18 for 'Robbery' in 2024/25 quarter 1 sum to -2" \
        in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown-outcome-type.csv",
         ["line 3, column 'Outcome Type': '19' is not a known outcome type; expected an outcome type listed in "
          "outcome_types.csv (0-22 except 19)"]),
        ("negative-count.csv",
         ["line 2, column 'Outcomes for offences recorded in quarter (summed over offence codes)': '-9' is "
          "negative; expected a whole number of outcomes of 0 or more"]),
        ("non-number.csv",
         ["line 2, column 'Outcomes for offences recorded in quarter (summed over offence codes)': 'eight' is not "
          "a number",
          "line 3, column 'Outcomes for offences recorded in quarter (summed over offence codes)': '..' is a "
          "suppression or footnote marker",
          "line 4, column 'Outcomes for offences recorded in quarter (summed over offence codes)': '1.5' is not a "
          "whole number"]),
        ("truncated.csv",
         ["line 3: the file does not end with a line break, so it may be cut short"]),
        ("duplicate-row.csv",
         ["line 3: duplicate row for the same force, 2024/25 quarter 1, offence group 'Robbery' and outcome type 1 "
          "(first on line 2)"]),
        ("unknown-force.csv",
         ["line 3, column 'Force Name': 'Warwick Shire Police' is not a known police force (did you mean "
          "'Warwickshire'?); expected a name or code from `crimestat forces` (2 rows: lines 3, 4)"]),
    ],
)
def test_bad_files_name_file_line_and_column(registry, name, expected):
    path = HERE / name
    with pytest.raises(DataFileError) as info:
        load_outcomes(path, registry)
    assert isinstance(info.value, CrimestatError)
    message = str(info.value)
    for text in expected:
        assert f"{path}, {text}" in message


def test_every_problem_of_a_file_reported_together(registry, tmp_path):
    header = (HERE / "negative-count.csv").read_text().splitlines()[0]
    path = tmp_path / "many.csv"
    path.write_text(header + "\n2024/25,5,Warwickshire,Robbery,Charged/Summonsed,1,9\n"
                    "2024/25,1,Nowhere,Robbery,Charged/Summonsed,99,x\n2024/2026,1,Warwickshire,,Charged,1,1\n")
    with pytest.raises(BadValueError) as info:
        load_outcomes(path, registry)
    lines = [(p.line, p.column) for p in info.value.problems]
    assert lines == [
        (2, "Financial Quarter"),
        (3, "Force Name"),
        (3, "Outcome Type"),
        (3, "Outcomes for offences recorded in quarter (summed over offence codes)"),
        (4, "Financial Year"),
        (4, "Offence Group"),
    ]


def test_truncated_gzip(registry):
    with pytest.raises(DataFileError, match="gzip data are cut short or damaged"):
        load_outcomes(HERE / "truncated.csv.gz", registry)


def test_rows_with_extra_cells_and_quoted_line_breaks_keep_true_line_numbers(registry, tmp_path):
    header = (HERE / "negative-count.csv").read_text().splitlines()[0]
    path = tmp_path / "odd.csv"
    path.write_text(header + '\n2024/25,1,Warwickshire,Robbery,"Charged/\nSummonsed",1,9\n'
                    "2024/25,1,Warwickshire,Robbery,Charged/Summonsed,2,9,extra\n"
                    "2024/25,1,Warwickshire,Robbery,x,-3,1\n")
    with pytest.raises(BadValueError) as info:
        load_outcomes(path, registry)
    message = str(info.value)
    assert f"{path}, line 4: expected 7 fields, found 8" in message


@pytest.mark.parametrize(("row", "found"), [(",9,extra", 8), ("", 6)])
def test_rows_with_too_many_or_too_few_cells(registry, tmp_path, row, found):
    # pandas drops extra cells and pads short rows silently; both must be errors naming their line.
    header = (HERE / "negative-count.csv").read_text().splitlines()[0]
    path = tmp_path / "ragged.csv"
    path.write_text(header + "\n2024/25,1,Warwickshire,Robbery,Charged/Summonsed,1,9\n"
                    f"2024/25,1,Warwickshire,Robbery,Charged/Summonsed,2{row}\n")
    with pytest.raises(DataFileError) as info:
        load_outcomes(path, registry)
    assert f"{path}, line 3: expected 7 fields, found {found}" in str(info.value)


def test_missing_count_column_and_missing_files(registry, tmp_path):
    path = tmp_path / "crime.csv"
    path.write_text("Financial Year,Financial Quarter,Force Name,Offence Group,Outcome Type,Number of Offences\n"
                    "2024/25,1,Warwickshire,Robbery,1,3\n")
    with pytest.raises(MissingColumnError, match="no outcome count column"):
        load_outcomes(path, registry)
    with pytest.raises(DataFileError, match="file not found"):
        load_outcomes(tmp_path / "nothing.csv", registry)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataFileError, match="file is empty"):
        load_outcomes(empty, registry)


def test_workbook_data_sheet(registry, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    pytest.importorskip("python_calamine")
    pytest.importorskip("crimestat.loaders.spreadsheet")
    workbook = openpyxl.Workbook()
    workbook.active.title = "Cover_sheet"
    workbook.active.append(["Crime outcomes open data"])
    workbook.create_sheet("Notes").append(["Note 1"])
    workbook.create_sheet("Pivot").append(["Sum of outcomes", 123])
    data = workbook.create_sheet("Outcomes open data 2024_25")
    rows = list(pd.read_csv(HERE / "published-layout.csv", dtype=str, keep_default_na=False).itertuples(index=False))
    data.append(list(pd.read_csv(HERE / "published-layout.csv", nrows=0).columns))
    for row in rows:
        data.append([int(v) if v.lstrip("-").isdigit() and i >= 8 else v for i, v in enumerate(row)])
    path = tmp_path / "prc-outcomes-open-data-mar2025-tables-230426.xlsx"
    workbook.save(path)
    misnamed = tmp_path / "outcomes.csv"
    misnamed.write_bytes(path.read_bytes())
    with pytest.raises(DataFileError, match="is a workbook"):
        load_outcomes(misnamed, registry)
    table = load_outcomes(path, registry)
    assert table[["outcome_type", "count"]].values.tolist() == [[0, 2], [1, 8], [18, 3]]
    data.append(["2024/25", "1", "Warwickshire", "34D", "d", "Robbery", "Robbery", "", "19", "d", "g", 1, 1])
    workbook.save(path)
    with pytest.raises(BadValueError) as info:
        load_outcomes(path, registry)
    assert "sheet Outcomes open data 2024_25, row 8, column 'Outcome Type': '19' is not a known outcome type" \
        in str(info.value)


# --- outcome rates ---------------------------------------------------------------------------------------


def test_warwickshire_charge_summons_rate(counts):
    rate = counts.rate("charge_summons", WARWICKSHIRE, MARCH_2025)
    # One-off: x = Warwickshire, excluding fraud; x[c].sum() = 39,544 (= SOURCES.md);
    # x[x["Outcome Type"] == 1][c].sum() = 3,237.
    assert (rate.numerator, rate.denominator) == (3_237, 39_544)
    assert rate.value_percent == 3_237 * 100 / 39_544  # 8.1858...%
    assert round(rate.value_percent, 1) == 8.2
    assert rate.note == ""


def test_england_and_wales_charge_summons_rate(counts):
    rate = counts.rate("charge_summons", EW, MARCH_2025)
    # One-off: the 43 forces (BTP left out), excluding fraud: 5,225,477 (= SOURCES.md); type 1: 452,156.
    assert (rate.numerator, rate.denominator) == (452_156, 5_225_477)
    assert round(rate.value_percent, 1) == 8.7


@pytest.mark.parametrize(
    ("category", "numerator"),
    [
        # One-off, Warwickshire excluding fraud, x[x["Outcome Type"].isin(TYPES)][c].sum():
        ("not_yet_assigned", 529),  # type 0
        ("out_of_court", 741),  # types 2, 3, 6, 7, 8
        ("diversionary", 147),  # type 22
        ("evidential_difficulties", 18_465),  # types 14, 15, 16
        ("no_suspect", 14_818),  # type 18
    ],
)
def test_warwickshire_other_categories(counts, category, numerator):
    rate = counts.rate(category, WARWICKSHIRE, MARCH_2025)
    assert (rate.numerator, rate.denominator) == (numerator, 39_544)


def test_fixture_forces(registry, types):
    three = OutcomeCounts(load_outcomes(THREE, registry), registry, types)
    # One-off (as above, per force): offences excluding fraud and type 1.
    assert pair(three.rate("charge_summons", WEST_MERCIA, MARCH_2025)) == (8_757, 80_845)
    assert pair(three.rate("charge_summons", NORTHAMPTONSHIRE, MARCH_2025)) == (5_882, 59_304)
    assert pair(three.rate("charge_summons", WARWICKSHIRE, MARCH_2025)) == (3_237, 39_544)
    ew = three.rate("charge_summons", EW, MARCH_2025)
    assert ew.value_percent is None and ew.numerator is None
    assert ew.note.startswith("England and Wales needs all 43 territorial forces; the outcomes data lack 40 (")


def test_categories_add_up_to_offences_recorded(counts, registry):
    for force in registry.territorial:
        rates = [counts.rate(c, force.code, MARCH_2025) for c in CATEGORIES]
        assert sum(r.numerator for r in rates) == rates[0].denominator


def test_one_offence_group_and_british_transport_police(counts):
    # One-off: Warwickshire, "Violence against the person": all types 14,446; type 1 1,107.
    assert pair(counts.rate("charge_summons", WARWICKSHIRE, MARCH_2025, "Violence against the person")) == (1_107, 14_446)
    # One-off: British Transport Police, excluding fraud: 81,996; type 1 6,624. BTP is not in England and Wales.
    assert pair(counts.rate("charge_summons", "BTP", MARCH_2025)) == (6_624, 81_996)


def test_no_offences_recorded_gives_a_reason_not_nan(counts):
    rate = counts.rate("charge_summons", WARWICKSHIRE, MARCH_2025, "Fraud offences to 2012/13")
    assert (rate.numerator, rate.denominator, rate.value_percent) == (0, 0, None)
    assert rate.note == ("no offences recorded for Warwickshire, 'Fraud offences to 2012/13', in the 12 months to "
                         "March 2025, so no percentage")
    mix = counts.mix(WARWICKSHIRE, MARCH_2025, "Fraud offences to 2012/13")
    assert mix.total == 0 and all(s.percent is None for s in mix.shares)


def test_periods_need_four_quarters(counts, registry, types):
    assert counts.periods == [MARCH_2025]
    missing = OutcomeCounts(load_outcomes(HERE / "missing-quarter.csv", registry), registry, types)
    assert missing.periods == []
    rate = missing.rate("charge_summons", WARWICKSHIRE, MARCH_2025, "Robbery")
    assert rate.value_percent is None
    assert rate.note == ("the outcomes data have no rows for the quarter to March 2025 (2024/25 quarter 4); the 12 "
                         "months to March 2025 need all four quarters")
    earlier = counts.rate("charge_summons", WARWICKSHIRE, date(2024, 12, 31))
    assert "no rows for the quarter to March 2024 (2023/24 quarter 4)" in earlier.note


def test_england_and_wales_names_a_force_lacking_a_quarter(real, registry, types):
    lacking = real[~((real["area_code"] == WARWICKSHIRE) & (real["period_end"] == pd.Timestamp("2024-09-30")))]
    counts = OutcomeCounts(lacking, registry, types)
    rate = counts.rate("charge_summons", EW, MARCH_2025)
    assert rate.value_percent is None
    assert rate.note == ("England and Wales needs all four quarters of every territorial force; the outcomes data "
                         "have none for Warwickshire in the quarter to September 2024 (2024/25 quarter 2)")
    assert counts.rate("charge_summons", WEST_MERCIA, MARCH_2025).ok


def test_mix(counts):
    mix = counts.mix(WARWICKSHIRE, MARCH_2025)
    assert mix.total == 39_544
    assert [s.outcome_type for s in mix.shares] == [n for n in range(23) if n != 19]
    assert sum(s.count for s in mix.shares) == 39_544
    charged = mix.shares[1]
    assert (charged.label, charged.category, charged.count) == ("Charged/summonsed", "charge_summons", 3_237)
    assert charged.percent == 3_237 * 100 / 39_544
    # One-off: Warwickshire excluding fraud, type 18: 14,818.
    assert mix.shares[18].count == 14_818 and mix.shares[18].label == "Investigation complete - no suspect identified"


def test_usage_errors(counts):
    with pytest.raises(UnknownMeasureError, match="unknown outcome category 'charged'"):
        counts.rate("charged", WARWICKSHIRE, MARCH_2025)  # type: ignore[arg-type]
    with pytest.raises(UnknownMeasureError, match="'Burglary' is not an offence group in the outcomes data"):
        counts.rate("charge_summons", WARWICKSHIRE, MARCH_2025, "Burglary")
    assert "no rows for Action Fraud" in counts.rate("charge_summons", "ACTION_FRAUD", MARCH_2025).note


def test_prepared_cube_is_picklable_and_needs_no_pandas(real, registry, types, tmp_path):
    cube = prepare_outcomes(real)
    path = tmp_path / "cube.pickle"
    path.write_bytes(pickle.dumps(cube))
    again = OutcomeCounts(pickle.loads(path.read_bytes()), registry, types)
    assert pair(again.rate("charge_summons", EW, MARCH_2025)) == (452_156, 5_225_477)
    # A command reading the cached cube: the registry and outcome types are plain Python, no pandas.
    script = (
        "import pickle, sys, datetime\n"
        "from crimestat.loaders.forces import load_forces\n"
        "from crimestat.model.outcomes import OutcomeCounts, OutcomeTypes, OutcomeType\n"
        f"cube = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"types = pickle.loads({pickle.dumps(types)!r})\n"
        "rate = OutcomeCounts(cube, load_forces(), types).rate('charge_summons', 'E23000017', "
        "datetime.date(2025, 3, 31))\n"
        "print(rate.numerator, rate.denominator, 'pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["3237", "39544", "False"]


@pytest.mark.parametrize("grid_limit", [None, 0])
def test_a_force_quarter_short_of_rows_every_other_force_has_is_an_error(tmp_path, monkeypatch, grid_limit):
    """The release's outcomes file with one row of Kent's taken out (its first, in quarter 1): the grid check
    and, with ``GRID_LIMIT = 0``, the sorted count both find it and the loop names the force and the row."""
    from conftest import SAMPLE

    from crimestat.loaders import _complete

    if grid_limit is not None:
        monkeypatch.setattr(_complete, "GRID_LIMIT", grid_limit)
    path = SAMPLE / "releases/home-office-2026-04/prc-outcomes-2024-25-by-force-quarter-group-type.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(True)
    kent = next(i for i, line in enumerate(lines) if line.startswith("2024/25,1,Kent,"))
    short = tmp_path / "short.csv"
    short.write_text("".join(lines[:kent] + lines[kent + 1:]))
    with pytest.raises(BadValueError) as err:
        load_outcomes(short, load_forces())
    group = lines[kent].split(",")[3]
    assert f"Kent, the quarter to June 2024, lacks 1 offence group and outcome type rows that every other force " \
           f"has ({group}, type " in str(err.value)
    assert "Kent" in str(err.value) and str(err.value).count("lacks") == 1
