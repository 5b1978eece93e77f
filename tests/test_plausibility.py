"""Plausibility everywhere a number enters, and one rule for keys: each test damages real rows of the shipped
Home Office release (23 April 2026) or outcomes extract the way a hostile test did, and checks that the
figure is refused or warned about, never passed on."""

from __future__ import annotations

import gzip
import logging
from datetime import date

import pandas as pd
import pytest

from conftest import SAMPLE, home_office_lines
from crimestat.errors import BadValueError, DataFileError
from crimestat.loaders.forces import load_forces
from crimestat.sources.home_office.parser import load_home_office_crime

RELEASE = SAMPLE / "releases" / "home-office-2026-04"
TABLES = RELEASE / "prc-pfa-mar2013-onwards-tables-230426.csv.gz"
OUTCOMES = RELEASE / "prc-outcomes-2024-25-by-force-quarter-group-type.csv.gz"


@pytest.fixture(scope="module")
def lines():
    """The header and every row of 2024/25 and 2025/26 (all forces): enough quarters for every check, and
    quick to read."""
    every = home_office_lines()  # TABLES' lines, decompressed once per process
    return [every[0]] + [line for line in every[1:] if line.startswith(("2024/25,", "2025/26,"))]


def _write(tmp_path, lines, name="tables.csv"):
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_cell_with_an_extra_digit_is_a_warning_naming_its_line(tmp_path, lines, caplog):
    # Warwickshire's largest count of 2025/26 (code 105A, quarter 2: 1,281 in the file) given a fifth digit.
    at = max((i for i, line in enumerate(lines) if line.startswith("2025/26,2,Warwickshire,") and ",105A," in line),
             key=lambda i: int(lines[i].rsplit(",", 1)[1]))
    assert lines[at].rstrip().endswith(",1281")
    damaged = lines[:at] + [lines[at].rstrip("\n") + "0\n"] + lines[at + 1:]
    with caplog.at_level(logging.WARNING, logger="crimestat"):
        load_home_office_crime(_write(tmp_path, damaged), load_forces())
    warned = [r.getMessage() for r in caplog.records if "out of line" in r.getMessage()]
    assert len(warned) == 1
    assert f"line {at + 1}: 12,810 offences of code 105A for Warwickshire in 2025/26 quarter 2 is out of line with " \
           "its series by ten times or more" in warned[0]


def test_the_shipped_releases_give_no_out_of_line_warning(run):
    # Real quarters hold small negative adjustments (-4 next to 715): not a damaged number.
    result = run("validate", "--release", "home-office-2026-04", "--data-dir", SAMPLE)
    assert result.exit_code == 0 and "out of line" not in result.stderr


def test_a_code_lost_for_two_forces_is_an_error(tmp_path, lines):
    gone = [i for i, line in enumerate(lines) if line.startswith(("2025/26,2,Kent,", "2025/26,2,Surrey,"))
            and ",8N," in line]
    assert len(gone) == 2
    with pytest.raises(BadValueError) as err:
        load_home_office_crime(_write(tmp_path, [x for i, x in enumerate(lines) if i not in gone]), load_forces())
    assert "Kent, 2025/26 quarter 2 lacks 1 offence code it had the quarter before" in str(err.value)
    assert "Surrey, 2025/26 quarter 2 lacks 1 offence code" in str(err.value)


def test_an_aggregate_code_beside_its_parts_is_an_error(tmp_path, lines):
    at = next(i for i, line in enumerate(lines) if line.startswith("2024/25,3,Kent,") and ",1,2\n" in line)
    aggregate = lines[at].replace(",1,2\n", ",1/4.1/4.10/4.2,2\n")
    with pytest.raises(BadValueError, match="aggregate offence code '1/4.1/4.10/4.2' stands beside its parts"):
        load_home_office_crime(_write(tmp_path, lines[:at + 1] + [aggregate] + lines[at + 1:]), load_forces())


def test_a_quarter_ending_after_today_is_an_error(tmp_path, lines):
    year = date.today().year + (1 if date.today().month > 3 else 0)
    later = [x.replace("2025/26,3,", f"{year - 1}/{year % 100:02d},4,", 1) for x in lines if x.startswith("2025/26,3,")]
    with pytest.raises(BadValueError, match="ends after today"):
        load_home_office_crime(_write(tmp_path, lines + later), load_forces())


@pytest.mark.parametrize("spelling", ["lower", "spaces", "2025-26", "2025_26"])
def test_a_row_repeated_in_another_spelling_is_a_duplicate(tmp_path, lines, spelling):
    at = next(i for i, line in enumerate(lines) if line.startswith("2025/26,1,Warwickshire,") and ",8N," in line)
    if spelling == "lower":
        repeat = lines[at].replace(",8N,", ",8n,")
    elif spelling == "spaces":
        repeat = lines[at].replace(",8N,", ", 8N ,")
    else:  # the same year written another way: one key, so the repeat names both lines
        repeat = lines[at].replace("2025/26,", f"{spelling},", 1)
    with pytest.raises(BadValueError, match="duplicate row") as caught:
        load_home_office_crime(_write(tmp_path, lines[:at + 1] + [repeat] + lines[at + 1:]), load_forces())
    assert f"line {at + 2}" in str(caught.value) and f"line {at + 1}" in str(caught.value), str(caught.value)


def test_a_year_written_with_a_hyphen_or_underscore_is_the_same_year(tmp_path, lines):
    # Every 2025/26 row of the real table rewritten as 2025-26 (or 2025_26): the same quarters, the same counts.
    # Warwickshire's code 8N in 2025/26 quarter 1 is read from the real row itself, not from crimestat.
    row = next(line for line in lines if line.startswith("2025/26,1,Warwickshire,") and ",8N," in line)
    expected = int(row.rstrip().rsplit(",", 1)[1])
    forces = load_forces()
    for spelling in ("2025-26", "2025_26"):
        written = [line.replace("2025/26,", f"{spelling},", 1) if line.startswith("2025/26,") else line for line in lines]
        table = load_home_office_crime(_write(tmp_path, written), forces)
        found = table[(table["area_code"] == forces.find("Warwickshire").code)
                      & (table["period_end"] == pd.Timestamp("2025-06-30")) & (table["category"] == "8N")]
        assert found["count"].tolist() == [expected], spelling


def test_an_outcomes_row_repeated_with_a_lower_case_code_is_a_duplicate(tmp_path):
    # The published layout (one row per offence code): a real-looking row written twice, the code in
    # lower case the second time, would have been summed (9.24% for 8.19%).
    from crimestat.sources.outcomes import load_outcomes

    header = ("Financial Year,Financial Quarter,Force Name,Offence Code,Offence Description,Offence Group,"
              "Offence Subgroup,Offence code expired,Outcome Type,Outcome Description,Outcome Group,"
              "Outcomes for offences that were recorded in the quarter,Outcomes for investigations closed in the quarter\n")
    row = ("2024/25,1,Kent,8N,Assault with injury,Violence against the person,Violence with injury,,1,"
           "Charged/Summonsed,Charged/Summonsed,100,90\n")
    path = tmp_path / "outcomes.csv"
    path.write_text(header + row + row.replace(",8N,", ",8n,"), encoding="utf-8")
    with pytest.raises(DataFileError, match="duplicate row"):
        load_outcomes(path, load_forces())


def test_library_tables_are_checked_as_files_are():
    import crimestat  # noqa: F401
    from crimestat.dataset import Dataset

    counts = pd.DataFrame({"area_code": ["Warwickshire", "warwickshire"], "period_end": ["2014-06-30"] * 2,
                           "category": ["Robbery", "robbery"], "count": [240, 250]})
    people = pd.DataFrame({"area_code": ["Warwickshire"], "year": [2013], "population": [548_729]})
    with pytest.raises(DataFileError, match="same area_code, period_end and category"):
        Dataset.from_frames(counts, people)
    with pytest.raises(DataFileError, match="not a whole number"):
        Dataset.from_frames(counts.iloc[:1].assign(count=[240.5]), people)
    homes = pd.DataFrame({"area_code": ["Warwickshire"], "year": [2011], "households": [4 * 548_729]})
    with pytest.raises(DataFileError, match="expected fewer households than people"):
        Dataset.from_frames(counts.iloc[:1], people, homes)


def test_outcomes_above_the_release_s_recorded_crime_are_an_error(run, tmp_path):
    # Kent's robbery outcomes of 2024/25 quarter 1, charged/summonsed (39 in the file), made 3,900: the year's
    # outcomes for robbery then exceed the robberies the same release's crime tables record for Kent.
    text = gzip.decompress(OUTCOMES.read_bytes()).decode("utf-8")
    row = "2024/25,1,Kent,Robbery,Charged/Summonsed,1,39\n"
    assert text.count(row) == 1
    damaged = tmp_path / "outcomes.csv"
    damaged.write_text(text.replace(row, row.replace(",39\n", ",3900\n")), encoding="utf-8")
    out = run("outcomes", "--force", "kent", "--outcomes", damaged, "-q")
    assert out.exit_code == 1
    # Kent's robberies in 2024/25 quarter 1 in the crime tables: codes 34A (20) + 34B (267) = 287; the
    # outcomes file's 22 rows for that quarter sum to 287 as published, 3,861 + 287 = 4,148 once damaged.
    assert ("Kent: 4,148 outcomes for robbery in the quarter to June 2024 (2024/25 quarter 1), more than the "
            "287 offences the crime tables record for that force, quarter and group") in out.stderr
    assert "Traceback" not in out.stderr


def test_outcomes_above_a_quarter_s_recorded_crime_are_an_error_even_when_the_year_agrees(run, tmp_path):
    # One outcome moved from Kent's robberies of 2024/25 quarter 2 to quarter 1 (charged/summonsed 39 -> 40
    # and 31 -> 30): the 12 months still sum to the year's 952 robberies (287 + 259 + 217 + 189 in the crime
    # tables, codes 34A and 34B), but quarter 1 now has 288 outcomes for its 287 robberies.
    text = gzip.decompress(OUTCOMES.read_bytes()).decode("utf-8")
    first, second = "2024/25,1,Kent,Robbery,Charged/Summonsed,1,39\n", "2024/25,2,Kent,Robbery,Charged/Summonsed,1,31\n"
    assert text.count(first) == 1 and text.count(second) == 1
    damaged = tmp_path / "outcomes.csv"
    damaged.write_text(text.replace(first, first.replace(",39\n", ",40\n")).replace(second, second.replace(",31\n", ",30\n")),
                       encoding="utf-8")
    out = run("outcomes", "--force", "kent", "--outcomes", damaged, "-q")
    assert out.exit_code == 1
    assert ("Kent: 288 outcomes for robbery in the quarter to June 2024 (2024/25 quarter 1), more than the 287 "
            "offences the crime tables record") in out.stderr
    assert "quarter 2" not in out.stderr and "Traceback" not in out.stderr


def test_police_uk_monthly_counts_get_the_same_out_of_line_rule(run, tmp_path):
    # Warwickshire's anti-social behaviour in June 2014 (1,737 street-level records in the shipped files,
    # counted by ingest) given an extra digit.
    counts = tmp_path / "counts.csv"
    assert run("ingest", "police-uk", SAMPLE / "police-uk", "--output", counts, "-q").exit_code == 0
    text = counts.read_text(encoding="utf-8")
    row = "E23000017,Warwickshire,2014-06,Anti-social behaviour,1737\n"
    assert text.count(row) == 1
    line = text[:text.index(row)].count("\n") + 1
    counts.write_text(text.replace(row, row.replace(",1737\n", ",17370\n")), encoding="utf-8")
    out = run("validate", counts)
    assert f"line {line}: 17,370 Anti-social behaviour for E23000017 in 2014-06 is out of line with its series by " \
           "ten times or more" in out.stderr


def test_outcomes_rows_lost_for_two_forces_are_an_error(tmp_path):
    from crimestat.sources.outcomes import load_outcomes

    text = gzip.decompress(OUTCOMES.read_bytes()).decode("utf-8").splitlines(True)
    lost = [x for x in text if x.startswith(("2024/25,3,Kent,Robbery,", "2024/25,3,Surrey,Robbery,")) and ",15," in x]
    assert len(lost) == 2
    path = tmp_path / "outcomes.csv"
    path.write_text("".join(x for x in text if x not in lost), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_outcomes(path, load_forces())
    assert "Kent, the quarter to December 2024, lacks 1 offence group and outcome type rows it had the quarter " \
           "before" in str(err.value)


def test_the_published_outcomes_layout_gets_the_out_of_line_rule_per_offence_code(tmp_path, caplog):
    # The header and one real row of the published outcomes layout (tests/data/outcomes/published-layout.csv:
    # Warwickshire, robbery of personal property, charged), repeated over three quarters with counts set to
    # exercise the rule (a fixture, not published figures): 150, then 1,500 (a digit too many), then 150.
    from crimestat.sources.outcomes import load_outcomes

    from conftest import ROOT

    header, row = (ROOT / "tests/data/outcomes/published-layout.csv").read_text(encoding="utf-8").splitlines()[:2]
    cells = row.split(",")
    body = []
    for quarter, count in (("1", 150), ("2", 1500), ("3", 150)):
        cells[1], cells[-2] = quarter, str(count)
        body.append(",".join(cells))
    path = _write(tmp_path, [header + "\n"] + [b + "\n" for b in body], "outcomes.csv")
    with caplog.at_level(logging.WARNING, logger="crimestat"):
        load_outcomes(str(path), load_forces())
    warned = [r.getMessage() for r in caplog.records if "out of line" in r.getMessage()]
    assert len(warned) == 1 and "line 3: 1,500" in warned[0] and "offence code 34B" in warned[0], warned
