"""The register of counting-rule and classification changes, and names resolved as people write them."""

from __future__ import annotations

from datetime import date

import pytest

from crimestat.errors import BadValueError, UnknownForceError, UnknownMeasureError
from crimestat.loaders.classification import load_classification
from crimestat.loaders.forces import load_forces
from crimestat.loaders.recording_changes import load_recording_changes
from crimestat.model.recording_changes import straddles, window_start


@pytest.fixture(scope="module")
def register():
    return load_recording_changes()


@pytest.fixture(scope="module")
def classification():
    return load_classification()


def by_id(register, key):
    return next(c for c in register.changes if c.id == key)


def test_packaged_register_holds_the_issues_changes_with_sources(register):
    ids = {c.id for c in register.changes}
    assert {"fraud_to_action_fraud", "hmic_crime_data_integrity", "burglary_residential",
            "principal_crime_conduct_2023", "residential_burglary_codes_2023"} <= ids
    assert all(c.source and c.what_changed and c.measures for c in register.changes)
    fraud = by_id(register, "fraud_to_action_fraud")
    assert (fraud.start, fraud.end, fraud.when) == (date(2011, 4, 1), date(2013, 3, 31), "April 2011 to March 2013")
    assert by_id(register, "burglary_residential").start == date(2017, 4, 1)


def test_window_start():
    assert window_start(date(2021, 12, 31)) == date(2021, 1, 1)
    assert window_start(date(2014, 6, 30)) == date(2013, 7, 1)


def test_straddles_by_dates(register):
    may_2023 = by_id(register, "principal_crime_conduct_2023")
    assert straddles(may_2023, date(2021, 12, 31), date(2025, 12, 31))
    assert straddles(may_2023, date(2023, 12, 31), date(2024, 12, 31))  # the base window is Jan-Dec 2023
    assert not straddles(may_2023, date(2024, 12, 31), date(2025, 12, 31))  # both wholly after
    assert not straddles(may_2023, date(2021, 12, 31), date(2022, 12, 31))  # both wholly before
    fraud = by_id(register, "fraud_to_action_fraud")  # phased: straddled while the base is inside it
    assert straddles(fraud, date(2013, 3, 31), date(2014, 3, 31))
    assert not straddles(fraud, date(2014, 3, 31), date(2015, 3, 31))


def test_counts_changes_reach_measures_that_contain_them(register, classification):
    def members(measure):
        return classification.members.get(("home_office", measure), set())

    def names(measure):
        return [c.id for c in register.straddled(members(measure), members, date(2021, 12, 31), date(2025, 12, 31))]

    assert names("crime_excl_fraud") == ["principal_crime_conduct_2023"]  # a counts change in a part of it
    assert names("stalking_and_harassment") == ["principal_crime_conduct_2023"]
    assert names("residential_burglary") == ["residential_burglary_codes_2023"]  # the classification change
    assert names("burglary") == []  # moves crimes inside burglary, whose total continues
    assert names("shoplifting") == []


def test_a_bad_register_names_line_and_column(tmp_path):
    path = tmp_path / "changes.csv"
    path.write_text("id,from,to,effect,measures,title,what_changed,source\n"
                    "a,2023-13,,counts,stalking_and_harassment,t,w,s\n"
                    "b,2023-05,,sometimes,stalking_and_harassment,t,w,s\n")
    with pytest.raises(BadValueError) as err:
        load_recording_changes(path)
    text = str(err.value)
    assert "line 2, column 'from': '2023-13' is not a month; expected YYYY-MM" in text
    assert "line 3, column 'effect': 'sometimes' is not an effect; expected one of counts, classification" in text


@pytest.mark.parametrize("name, force", [("Avon", "Avon and Somerset"), ("Devon", "Devon and Cornwall"),
                                         ("Thames", "Thames Valley"), ("warwick", "Warwickshire"),
                                         ("cornwall", "Devon and Cornwall"), ("Met", "Metropolitan Police")])
def test_a_unique_start_or_word_resolves_a_force(name, force):
    assert load_forces().get(name).name == force


def test_an_ambiguous_force_lists_only_its_candidates():
    with pytest.raises(UnknownForceError) as err:
        load_forces().get("Yorkshire")
    assert str(err.value) == ("force 'Yorkshire' could be 'North Yorkshire' or 'South Yorkshire' or "
                              "'West Yorkshire'; give more of the name")
    assert err.value.exit_code == 2


@pytest.mark.parametrize("name, measure", [("Shoplifting", "shoplifting"), ("violence with injury",
                                           "violence_with_injury"), ("CRIME EXCLUDING FRAUD", "crime_excl_fraud"),
                                           ("stalking", "stalking_and_harassment"), ("burglary", "burglary"),
                                           ("Residential burglary", "residential_burglary")])
def test_measures_by_label_any_case_prefix_or_word(classification, name, measure):
    assert classification.resolve(name, "home_office") == measure


def test_an_ambiguous_or_unknown_measure(classification):
    with pytest.raises(UnknownMeasureError) as err:
        classification.resolve("violence", "home_office")
    assert str(err.value) == ("measure 'violence' could be violence_against_the_person (Violence against the "
                              "person), violence_with_injury (Violence with injury), violence_without_injury "
                              "(Violence without injury); give one of them")
    with pytest.raises(UnknownMeasureError) as err:
        classification.resolve("stalkng", "home_office")
    assert str(err.value).startswith("unknown measure 'stalkng'; did you mean 'stalking_and_harassment'?")


def test_levels_and_parts(classification):
    assert classification.levels_of("home_office") == ["group", "subgroup", "offence"]
    assert classification.levels_of("ons") == ["group"]
    groups = classification.parts("crime_excl_fraud", "home_office", "group")
    assert "theft_offences" in groups and "fraud_offences" not in groups
    covered = set().union(*(classification.members[("home_office", g)] for g in groups))
    assert covered == classification.members[("home_office", "crime_excl_fraud")]  # each code in one group
