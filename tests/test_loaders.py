"""Loaders for the ONS crime file, denominators, forces registry and classification."""

import io

import pandas as pd
import pytest

from conftest import BAD, SAMPLE
from crimestat.errors import BadValueError, DataFileError
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
