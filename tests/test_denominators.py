"""Households between the 2011 and 2021 Censuses, interpolated by date (model/denominators.py).

Expected figures are computed here from the shipped Census files themselves (read with the csv module, not
crimestat's loaders): sample_data/releases/home-office-2026-04/pfa-households-census-2011.csv and -2021.csv.
"""

import csv
from datetime import date

import pytest

from crimestat.dataset import DataPaths, load_dataset
from crimestat.model.denominators import CENSUS_DAYS, period_middle

from conftest import SAMPLE

RELEASE = SAMPLE / "releases" / "home-office-2026-04"


def _census(year: int) -> dict[str, int]:
    with open(RELEASE / f"pfa-households-census-{year}.csv", newline="") as f:
        return {row["pfa_code"]: int(row["households"]) for row in csv.DictReader(f)}


H2011, H2021 = _census(2011), _census(2021)
WARWICKSHIRE = "E23000017"


@pytest.fixture(scope="module")
def current():
    return load_dataset(DataPaths(SAMPLE, release="home-office-2026-04"))


def test_census_days_and_middle_of_period():
    assert CENSUS_DAYS == {2011: date(2011, 3, 27), 2021: date(2021, 3, 21)}
    assert period_middle(date(2021, 6, 30)) == date(2020, 12, 30)


def test_warwickshire_interpolated_by_hand(current):
    # Year to June 2021: middle 30 December 2020; 3,566 of the 3,647 days from 27 March 2011 to 21 March 2021.
    got = current.denominators.get("households", WARWICKSHIRE, date(2021, 6, 30))
    share = (date(2020, 12, 30) - date(2011, 3, 27)).days / (date(2021, 3, 21) - date(2011, 3, 27)).days
    assert share == pytest.approx(3566 / 3647)
    expected = round(H2011[WARWICKSHIRE] + share * (H2021[WARWICKSHIRE] - H2011[WARWICKSHIRE]))
    assert got.value == expected
    assert got.at == date(2020, 12, 30) and "interpolated linearly" in got.description
    # From Census day 2021 on: the 2021 count.
    after = current.denominators.get("households", WARWICKSHIRE, date(2021, 9, 30))
    assert after.value == H2021[WARWICKSHIRE] and after.year == 2021


def test_no_step_at_the_2021_census(current):
    # The figure: England and Wales's households rose 6.1% from June to September 2021 when the
    # 2021 Census replaced the 2011 one (24,783,192 / 23,366,044). Now no force moves more than 2%.
    assert sum(H2021.values()) / sum(H2011.values()) - 1 == pytest.approx(0.0607, abs=5e-4)
    codes = [f.code for f in current.registry.territorial] + ["K04000001"]
    for code in codes:
        june = current.denominators.get("households", code, date(2021, 6, 30)).value
        september = current.denominators.get("households", code, date(2021, 9, 30)).value
        assert abs(september / june - 1) < 0.02, code
    whole = current.denominators.get("households", "K04000001", date(2021, 6, 30)).value
    forces = sum(current.denominators.get("households", c, date(2021, 6, 30)).value for c in codes[:-1])
    assert whole == forces  # England and Wales is the sum of the forces


def test_households_move_smoothly_every_quarter(current):
    # Quarter to quarter, England and Wales's households change by about 0.15% (6.1% over ten years).
    ends = [date(y, m, 30 if m in (6, 9) else 31) for y in range(2014, 2026) for m in (3, 6, 9, 12)]
    values = [current.denominators.get("households", "K04000001", d).value for d in ends]
    steps = [b / a - 1 for a, b in zip(values, values[1:])]
    assert max(abs(s) for s in steps) < 0.002
    assert values[-1] == sum(H2021.values())


def test_one_census_serves_every_period(dataset):
    # The 2014 reproduction (ons-2019) has the 2011 Census only: it serves every period, as in HMIC's report.
    got = dataset.denominators.get("households", WARWICKSHIRE, date(2014, 6, 30))
    assert got.value == 231005 and got.at is None and got.description == "2011 Census"


# -- population editions, named from the release's manifest ----------------------------------------------------

def test_manifest_names_the_edition_of_each_population_year():
    from crimestat.loaders.manifest import read_manifest

    release = read_manifest(RELEASE / "release.json")
    population = release.path("population")
    # SOURCES.md: mid-2011 to mid-2023 from ONS MYE23 (July 2024), mid-2024 from the mid-2024 estimates (July 2025).
    assert population.edition(2011) == population.edition(2023) == "MYE23 edition, published July 2024"
    assert population.edition(2024) == "mid-2024 edition, published July 2025"
    assert population.edition(2030) == ""


def test_a_bad_edition_entry_is_refused(tmp_path):
    import json

    from crimestat.errors import DataFileError
    from crimestat.loaders.manifest import read_manifest

    manifest = json.loads((RELEASE / "release.json").read_text())
    manifest["files"][1]["editions"] = [{"from": 2024, "to": 2011, "edition": "x"}]
    path = tmp_path / "release.json"
    path.write_text(json.dumps(manifest))
    with pytest.raises(DataFileError, match="file 2: edition .*expected a list of"):
        read_manifest(path)


def test_notes_name_the_edition_and_a_trend_across_editions_says_so(current):
    from crimestat.analyses.compare import compare
    from crimestat.analyses.trend import trend

    mid_2022 = current.denominators.get("population", WARWICKSHIRE, date(2023, 6, 30))
    assert (mid_2022.year, mid_2022.edition) == (2022, "MYE23 edition, published July 2024")
    notes = " ".join(n.text for n in compare(current, "warwickshire", date(2023, 6, 30)).notes)
    assert "Population: ONS mid-2022 estimates (MYE23 edition, published July 2024)" in notes
    shown = " ".join(trend(current, "warwickshire").notes())
    assert ("Population editions: mid-2021 to mid-2023 from the MYE23 edition, published July 2024; mid-2024 from "
            "the mid-2024 edition, published July 2025.") in shown
    within = " ".join(trend(current, "warwickshire", date(2020, 3, 31), date(2023, 12, 31)).notes())
    assert "Population editions" not in within
