"""Loaders for the ONS crime file, denominators, forces registry and classification."""

import io

import pandas as pd
import pytest

from conftest import BAD, SAMPLE
from crimestat.errors import BadValueError, CrimestatError, DataFileError
from crimestat.loaders.classification import load_classification
from crimestat.loaders.denominators import load_households, load_la_lookup, load_population
from crimestat.loaders.forces import load_forces
from crimestat.sources.ons.parser import load_ons_crime
from crimestat.model.periods import parse_period_end

HEADER = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


@pytest.fixture(scope="module")
def registry():
    return load_forces()


def crime(text, registry):
    return load_ons_crime(io.StringIO(HEADER + text), registry)


def test_ons_rows_become_tidy_counts(registry):
    counts = crime("30-06-2014,Warwickshire,West Midlands,Robbery,240\n"
                   "30-06-2014,Warwickshire Police,West Midlands,Homicide,5\n", registry)
    assert list(counts.columns) == ["area_code", "period_end", "months", "category", "count"]
    assert counts["area_code"].tolist() == ["E23000017", "E23000017"]
    assert counts["period_end"].tolist() == [pd.Timestamp("2014-06-30")] * 2
    assert counts["count"].tolist() == [240, 5]
    assert counts["months"].tolist() == [12, 12]


def test_misdated_quarter_end_is_corrected_with_a_warning(registry, caplog):
    counts = crime("30-12-2017,Warwickshire,West Midlands,Robbery,240\n", registry)
    assert counts["period_end"].tolist() == [pd.Timestamp("2017-12-31")]
    assert ("<stream>: '30-12-2017' is not a month end (line 2); read as 31-12-2017, the quarter end it "
            "stands for") in caplog.text


def test_shipped_file_loads_every_row(registry):
    counts = load_ons_crime(SAMPLE / "releases/ons-2019/rec-crime-pfa.csv", registry)
    assert len(counts) == 46469
    assert counts["period_end"].nunique() == 52
    assert counts["area_code"].nunique() == 47  # 43 forces, BTP and three fraud bodies


def test_negative_totals_are_kept(registry):
    # ONS publishes a few net adjustments as negative totals (e.g. Cheshire, year to June 2007).
    counts = crime("30-06-2007,Cheshire,North West,Death or serious injury caused by illegal driving,-1\n",
                   registry)
    assert counts["count"].tolist() == [-1]


@pytest.mark.parametrize(
    "text, expected",
    [("30-06-2014", "2014-06-30"), ("2014-06-30", "2014-06-30"), ("30-12-2017", "2017-12-31"),
     ("31/03/2003", "2003-03-31")],
)
def test_period_end_formats(text, expected):
    assert parse_period_end(text) == (pd.Timestamp(expected).date(), None)


@pytest.mark.parametrize(
    "text, why",
    [("June 2014", "'June 2014' is not a date; expected DD-MM-YYYY, such as 30-06-2014"),
     ("31-06-2014", "'31-06-2014' is not a real date; expected DD-MM-YYYY, such as 30-06-2014"),
     ("15-06-2014", "'15-06-2014' is not the last day of a month; expected a 12-month period end")],
)
def test_bad_period_ends(text, why):
    assert parse_period_end(text) == (None, why)


def test_population_wide_file_and_local_authorities_agree(registry):
    wide = load_population(SAMPLE / "releases/ons-2019/pfa-population-mid2001-mid2019.csv", registry)
    from_las = load_population(
        SAMPLE / "population/la-population-mid2001-mid2019.csv",
        registry,
        [SAMPLE / "population/lad17-csp17-pfa17-lookup.csv", SAMPLE / "population/lad19-new-codes-pfa.csv"],
    )
    pd.testing.assert_frame_equal(wide, from_las)
    assert len(wide) == 43 * 19
    # ONS's England and Wales totals (SOURCES.md): the forces sum to them.
    assert wide[wide.year == 2013].population.sum() == 56_948_229
    assert wide[wide.year == 2014].population.sum() == 57_408_654
    warwickshire = wide[(wide.area_code == "E23000017") & (wide.year == 2013)]
    assert warwickshire.population.tolist() == [549_517]


def test_local_authorities_missing_from_the_lookup_are_named(registry):
    with pytest.raises(DataFileError) as err:
        load_population(SAMPLE / "population/la-population-mid2001-mid2019.csv", registry,
                        [SAMPLE / "population/lad17-csp17-pfa17-lookup.csv"])
    first = str(err.value).splitlines()[0]
    assert first.endswith("column 'ladcode19': local authority 'E06000058' is not in the lookup; "
                          "add it to a --la-lookup file")


def test_local_authority_file_needs_a_lookup(registry):
    with pytest.raises(DataFileError) as err:
        load_population(SAMPLE / "population/la-population-mid2001-mid2019.csv", registry)
    assert "holds local authorities (column 'ladcode19'); give the authority-to-force lookup" in str(err.value)


def test_a_lookup_for_a_force_level_file_is_said_to_be_unused(registry, caplog):
    lookup = SAMPLE / "population/lad17-csp17-pfa17-lookup.csv"
    wide = load_population(SAMPLE / "releases/ons-2019/pfa-population-mid2001-mid2019.csv", registry, [lookup])
    assert len(wide) == 43 * 19
    assert [r.getMessage() for r in caplog.records] == [
        f"--la-lookup not used: {SAMPLE / 'releases/ons-2019/pfa-population-mid2001-mid2019.csv'} gives population "
        "by police force area, not by local authority"]


def test_long_population_file(registry):
    frame = load_population(io.StringIO("pfa_code,year,population\nWarwickshire,2013,549517\n"), registry)
    assert frame.values.tolist() == [["E23000017", 2013, 549517]]


def test_lookup_that_maps_one_authority_to_two_forces(registry):
    text = "LAD17CD,PFA17CD\nE06000001,E23000013\nE06000001,E23000014\n"
    with pytest.raises(DataFileError) as err:
        load_la_lookup([io.StringIO(text)])
    assert str(err.value) == ("<stream>, line 3, column 'LAD17CD': 'E06000001' is mapped to E23000014 here "
                              "but to E23000013 before")


def test_households(registry):
    frame = load_households(SAMPLE / "releases/ons-2019/pfa-households-census-2011.csv", registry)
    assert frame.households.sum() == 23_366_044
    assert set(frame.year) == {2011}


def test_zero_households_and_negative_population_are_refused(registry):
    with pytest.raises(BadValueError) as err:
        load_households(BAD / "zero-households.csv", registry)
    assert str(err.value) == (f"{BAD / 'zero-households.csv'}, line 2, column 'households': '0' is zero; "
                              "expected a whole number above 0")
    with pytest.raises(BadValueError) as err:
        load_population(BAD / "negative-population.csv", registry)
    assert str(err.value) == (f"{BAD / 'negative-population.csv'}, line 2, column 'mid2013': '-5' is negative; "
                              "expected a whole number above 0")


def test_duplicate_population(registry):
    text = "pfa_code,year,population\nE23000017,2013,5\nWarwickshire,2013,6\n"
    with pytest.raises(BadValueError) as err:
        load_population(io.StringIO(text), registry)
    assert str(err.value) == "<stream>, line 3: a second population figure for E23000017 in 2013"


def test_forces_registry_has_43_territorial_forces(registry):
    territorial = registry.territorial
    assert len(territorial) == 43
    assert {f.country for f in territorial} == {"England", "Wales"}
    assert registry.get("Warwickshire").region == "West Midlands"


def test_classification_maps_every_ons_group():
    classification = load_classification()
    ons = load_ons_crime(SAMPLE / "releases/ons-2019/rec-crime-pfa.csv", load_forces())
    groups = set(ons[ons.area_code.str.startswith(("E23", "W15"))].category)
    for group in groups:
        single = group.lower().replace(" ", "_").replace("-", "_")
        assert classification.categories(single) == {group}
    excl = classification.categories("crime_excl_fraud")
    assert excl == groups - {"Fraud offences"}
    society = classification.categories("other_crimes_against_society")
    assert society == {"Drug offences", "Possession of weapons offences", "Public order offences",
                       "Miscellaneous crimes against society"}
    assert classification.categories("victim_based_crime") == excl - society


def test_classification_file_problems():
    text = "source,category,measure\nons,Robbery,robbery\nons,Robbery,robbery\nons,Homicide,bad name!\n"
    with pytest.raises(BadValueError) as err:
        load_classification(io.StringIO(text))
    assert str(err.value).splitlines() == [
        "<stream>, line 3: repeats line 2",
        "<stream>, line 4, column 'measure': 'bad name!' is not a measure name; expected letters, digits and '_'",
    ]


# --- the ONS parser's fast path and careful path give the same -------------------------------------------

def ons_outcome(source, registry, path="fast"):
    """What ``load_ons_crime`` gives (the frame, or the error's class and message; and the warnings) by one of
    its paths: ``fast`` (the columns read and coded by Arrow, each distinct value checked once), ``rows`` (the same
    checks on rows the csv module read) or ``careful`` (row by row, as every file was read before)."""
    from crimestat.loaders import _csv
    from crimestat.runtime.log import collecting
    from crimestat.sources.ons import parser

    with pytest.MonkeyPatch.context() as patch, collecting() as warnings:
        if path in ("rows", "careful"):
            patch.setattr(_csv, "_plain_lines", lambda text: None)
            patch.setattr(parser, "coded_columns", lambda text, name, required: None)
        if path == "careful":
            patch.setattr(parser, "_fast", lambda columns, lines, registry: None)
        try:
            result = load_ons_crime(source() if callable(source) else source, registry)
        except CrimestatError as exc:
            result = (type(exc).__name__, str(exc))
    return result, list(warnings)


def assert_same_outcomes(source, registry):
    outcomes = [ons_outcome(source, registry, path) for path in ("fast", "rows", "careful")]
    for result, warnings in outcomes[1:]:
        assert warnings == outcomes[0][1]
        if isinstance(result, pd.DataFrame):
            pd.testing.assert_frame_equal(result, outcomes[0][0], check_exact=True)
        else:
            assert result == outcomes[0][0]
    return outcomes[0]


def shipped_rows(forces):
    """The header and the shipped ONS file's rows of some forces (real rows, in the file's order)."""
    lines = (SAMPLE / "releases/ons-2019/rec-crime-pfa.csv").read_text().splitlines(keepends=True)
    return lines[0] + "".join(line for line in lines[1:] if line.split(",")[1] in forces)


def test_fast_and_careful_paths_agree_on_real_rows(registry, tmp_path):
    # Two forces' rows of the shipped file (CR LF line ends, with the file's '30-12-2017' dates): the same
    # frame and the same warning, whichever path reads them.
    text = shipped_rows({"Kent", "Gwent"})
    path = tmp_path / "two-forces.csv"
    path.write_text(text, newline="")
    frame, warnings = assert_same_outcomes(path, registry)
    # Expected from the text itself: one row of counts per data line; the misdated lines are where they are.
    assert len(frame) == text.count("\n") - 1 > 2000
    misdated = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("30-12-2017,")]
    assert misdated == list(range(misdated[0], misdated[-1] + 1))
    assert [w.split(": ", 1)[1] for w in warnings] == [
        f"'30-12-2017' is not a month end (lines {misdated[0]}-{misdated[-1]}, {len(misdated)} rows); read as "
        "31-12-2017, the quarter end it stands for"]


@pytest.mark.parametrize("damage, expected", [
    # (a real row changed, the message expected): each problem the careful path names, line and column.
    (lambda row: row.replace(",Kent,", ",Kentt,"), "'Kentt' is not a known police force area (did you mean 'Kent'?)"),
    (lambda row: row.replace(",Kent,", ",,"), "column 'PFA': empty value; expected a police force area"),
    (lambda row: row.replace("31-03-2003", "31-02-2003"), "'31-02-2003' is not a real date"),
    (lambda row: row.replace("31-03-2003", "31-03-2099"), "'31-03-2099' ends a period after today"),
    (lambda row: row[:-3] + "x\r\n", "is not a number; expected a whole number of offences"),
    (lambda row: row[:-3] + "1,000\r\n", "expected 5 fields, found 6"),
    (lambda row: row.replace(",Robbery,", ", ,"), "empty value; expected an offence group"),
    (lambda row: row[:-2] + "0000000000000000\r\n", "is too large to be real"),
    (lambda row: row + row, "duplicate row for Kent, Robbery, 31-03-2003 (first on line 2)"),
    (lambda row: row.replace("31-03-2003", " 30-03-2003 "), "'30-03-2003' is not a month end (line 2)"),
    (lambda row: row.replace(",Kent,", ',"Kent",'), None),  # quoted: read by the csv module, no problem
    (lambda row: row.replace("\r\n", "\n"), None),  # mixed line ends
    (lambda row: row + "\r\n", None),  # a blank line
    (lambda row: row[:-2] + ".0\r\n", None),  # a whole number written with a decimal point
])
def test_fast_and_careful_paths_agree_on_damaged_rows(registry, tmp_path, damage, expected):
    header, body = shipped_rows({"Kent"}).split("\n", 1)
    robbery = next(line for line in body.splitlines(keepends=True) if line.startswith("31-03-2003,Kent,")
                   and ",Robbery," in line)
    path = tmp_path / "damaged.csv"
    path.write_text(header + "\n" + damage(robbery) + body.replace(robbery, "", 1), newline="")
    result, warnings = assert_same_outcomes(path, registry)
    if expected is None:
        assert isinstance(result, pd.DataFrame) and len(result) == body.count("\n")
        assert "line 2" not in " ".join(warnings)
    else:
        assert expected in (" ".join(result) if isinstance(result, tuple) else " ".join(warnings))


def test_fast_and_careful_paths_agree_on_every_bad_file(registry):
    for path in sorted(BAD.glob("*.csv")):
        assert_same_outcomes(path, registry)


def test_misdated_quarter_end_with_spaces_is_corrected(registry):
    # Before, a date a day short of its month end with spaces around it stopped the load with a KeyError.
    result, warnings = assert_same_outcomes(
        lambda: io.StringIO(HEADER + " 30-12-2017 ,Warwickshire,West Midlands,Robbery,240\n"), registry)
    assert result["period_end"].tolist() == [pd.Timestamp("2017-12-31")]
    assert warnings == ["<stream>: '30-12-2017' is not a month end (line 2); read as 31-12-2017, the quarter end "
                        "it stands for"]


def test_unknown_area_is_suggested_once_per_name(registry, monkeypatch):
    calls = []
    monkeypatch.setattr(registry, "suggest", lambda name: calls.append(name) or ["Kent"])
    with pytest.raises(BadValueError) as caught:
        crime("30-06-2014,Kentt,South East,Robbery,240\n30-06-2014,Kentt,South East,Homicide,2\n", registry)
    assert calls == ["Kentt"]
    assert str(caught.value).count("'Kentt' is not a known police force area (did you mean 'Kent'?)") == 2


# --- the out-of-line rule, vectorised, finds what the row-by-row rule finds --------------------------------

def test_grouped_outliers_find_what_outliers_finds(registry):
    import random

    import numpy as np

    from crimestat.loaders._series import grouped_outliers, outliers

    counts = load_ons_crime(SAMPLE / "releases/ons-2019/rec-crime-pfa.csv", registry)
    counts = counts.sort_values(["area_code", "category", "period_end"], kind="stable")
    shipped = [group.tolist() for _, group in counts.groupby(["area_code", "category"], sort=False)["count"]]
    rng = random.Random(2019)
    damaged = []
    for values in shipped[:400]:
        values = list(values)
        for _ in range(rng.randint(1, 3)):  # a sign flipped, a number cut short or tenfold, a small adjustment
            i = rng.randrange(len(values))
            values[i] = rng.choice([-values[i], values[i] // 100, values[i] * 10, rng.randint(-99, -1),
                                    rng.randint(95, 105), 0, -100, -101])
        damaged.append(values)
    damaged += [[5], [-4], [700, -4], [-4, 700], [700, -4, 715], [100, -1, 100], [99, -1, 100], [800, 100],
                [100, 800], [799, 100], [1000, -100], [-100, 1000], [-99, 1000]]
    for name, series in (("shipped", shipped), ("damaged", damaged)):
        groups = np.repeat(np.arange(len(series)), [len(s) for s in series])
        values = np.array([v for s in series for v in s], dtype=np.int64)
        starts = np.cumsum([0] + [len(s) for s in series])
        expected = [int(starts[k]) + i for k, s in enumerate(series) for i in outliers(s, can_stop=True)]
        found = grouped_outliers(groups, values, can_stop=True, adjustments=False).tolist()
        assert found == expected, name
        if name == "damaged":
            assert len(expected) > 100  # the damage is found (and the small negatives between counts too)
            assert grouped_outliers(groups, values, can_stop=True).tolist() != expected
