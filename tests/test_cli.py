"""The command line as a user runs it: exact output, exit codes and error messages."""

import json

import pytest

from conftest import BAD, DATA, SAMPLE

EXPECTED = DATA / "expected"
WARNING_2017 = (
    "crimestat: warning: {file}: '30-12-2017' is not a month end (lines 41836-42762, 927 rows); "
    "read as 31-12-2017, the quarter end it stands for\n"
)


def test_compare_table_exact(run, tmp_path, monkeypatch):
    monkeypatch.setenv("CRIMESTAT_CACHE_DIR", str(tmp_path))  # a first read of the file: its quirk is warned about
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--format", "table",
                 "--data-dir", SAMPLE)
    assert result.exit_code == 0
    assert result.stdout == (EXPECTED / "compare-warwickshire-2014-06.txt").read_text()
    assert result.stderr == WARNING_2017.format(file=SAMPLE / "releases/ons-2019/rec-crime-pfa.csv")


def test_compare_csv_exact_and_quiet(run):
    result = run("compare", "--release", "ons-2019", "--force", "Warwickshire Police", "--to", "2014-06", "--format", "csv", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == (EXPECTED / "compare-warwickshire-2014-06.csv").read_text()
    assert result.stderr == ""


def test_compare_defaults_to_csv_off_a_terminal_and_to_the_latest_period(run):
    result = run("compare", "--release", "ons-2019", "--force", "E23000017", "-q")
    assert result.stdout.splitlines()[1].startswith(
        "E23000017,Warwickshire,crime_excl_fraud,rate_per_1000,2018-12-31,,")


def test_compare_json_and_markdown(run):
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--format", "json", "-q")
    document = json.loads(result.stdout)
    assert document["meta"]["sources"]["crime"] == "sample_data/releases/ons-2019/rec-crime-pfa.csv"
    assert len(document["rows"]) == 28  # 16 crime figures, 12 indicator rows
    first = document["rows"][0]
    assert first["value"] == pytest.approx(27651 / 549517 * 1000)
    assert first["base_period_end"] is None and first["period_end"] == "2014-06-30"
    markdown = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--format", "markdown", "-q").stdout
    assert "| Crime excluding fraud " in markdown
    assert "|           50.3 |                60.8 |" in markdown


def test_output_file(run, tmp_path):
    target = tmp_path / "out.csv"
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "-q", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text() == (EXPECTED / "compare-warwickshire-2014-06.csv").read_text()


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--force", "warwikshire"],
         2, "crimestat: error: unknown force 'warwikshire'; did you mean 'Warwickshire' or 'Wiltshire'? "
            "(`crimestat forces` lists every name and code)\n"),
        (["--force", "warwickshire", "--to", "2020-06"],
         2, "crimestat: error: --to 2020-06: no 12-month period ends in June 2020 in the crime data; the data "
            "cover the 12 months to March 2003 through the 12 months to December 2018 (yearly periods until "
            "March 2007, then every quarter)\n"),
        (["--force", "warwickshire", "--crime", "missing.csv"],
         1, "crimestat: error: missing.csv: file not found\n"),
        (["--force", "warwickshire", "--crime", BAD / "missing-column.csv"],
         1, f"crimestat: error: {BAD / 'missing-column.csv'}, line 1: missing column 'Rolling year total number "
            "of offences'; the header has '12 months ending', 'PFA', 'Region', 'Offence', 'Total offences'\n"),
        (["--force", "warwickshire", "--crime", BAD / "non-numeric-count.csv"],
         1, f"crimestat: error: {BAD / 'non-numeric-count.csv'}, line 3, column 'Rolling year total number of "
            "offences': 'five' is not a number; expected a whole number of offences\n"),
        (["--force", "warwickshire", "--crime", BAD / "empty.csv"],
         1, f"crimestat: error: {BAD / 'empty.csv'}: file is empty; expected a header line with the columns "
            "'12 months ending', 'PFA', 'Offence', 'Rolling year total number of offences'\n"),
        (["--force", "warwickshire", "--crime", BAD / "header-only.csv"],
         1, f"crimestat: error: {BAD / 'header-only.csv'}, line 1: has a header but no data rows\n"),
        (["--force", "warwickshire", "--population", BAD / "negative-population.csv"],
         1, f"crimestat: error: {BAD / 'negative-population.csv'}, line 2, column 'mid2013': '-5' is negative; "
            "expected a whole number above 0\n"),
        (["--force", "warwickshire", "--households", BAD / "zero-households.csv"],
         1, f"crimestat: error: {BAD / 'zero-households.csv'}, line 2, column 'households': '0' is zero; "
            "expected a whole number above 0\n"),
        (["--force", "warwickshire", "--crime", BAD / "unknown-force.csv"],
         1, f"crimestat: error: {BAD / 'unknown-force.csv'}, line 3, column 'PFA': 'Warwick' is not a known "
            "police force area (did you mean 'Warwickshire'?); expected a name or code from `crimestat forces`\n"),
        (["--force", "warwickshire", "--crime", BAD / "duplicate-key.csv"],
         1, f"crimestat: error: {BAD / 'duplicate-key.csv'}, line 3: duplicate row for Warwickshire, Robbery, "
            "30-06-2014 (first on line 2)\n"),
        (["--force", "warwickshire", "--data-dir", "no-such-dir"],
         2, "crimestat: error: no data releases found in 'no-such-dir' (expected releases/NAME/release.json); pass "
     "--data-dir DIR, --crime FILE, or set CRIMESTAT_DATA_DIR\n"),
        (["--force", "warwickshire", "--to", "2014-13"],
         2, "crimestat: error: --to 2014-13: month 13 does not exist; expected YYYY-MM such as 2014-06, or the "
            "month's last day such as 2014-06-30\n"),
        (["--force", "warwickshire", "--to", "June 2014"],
         2, "crimestat: error: --to June 2014: is not a month; expected YYYY-MM such as 2014-06, or the month's last "
            "day such as 2014-06-30\n"),
    ],
)
def test_compare_errors(run, args, code, message):
    result = run("compare", "--release", "ons-2019", "-q", *args)
    assert result.exit_code == code
    assert result.stderr == message
    assert result.stdout == ""


def test_negative_count_in_crime_file_is_shown_as_not_available(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # notes unwrapped
    result = run("compare", "--release", "ons-2019", "--force", "cheshire", "--to", "2007-06", "--format", "table", "-q",
                 "--measure", "death_or_serious_injury_caused_by_illegal_driving")
    assert result.exit_code == 0
    assert ("  Death or serious injury caused by illegal driving, Cheshire: the source gives a negative total "
            "(-1), a net adjustment, not a count") in result.stdout


def test_small_crime_file_without_all_forces(run, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # rows and notes unwrapped
    # A file with one force still compares it; England and Wales says why it is missing.
    lines = (SAMPLE / "releases/ons-2019/rec-crime-pfa.csv").read_text().splitlines()
    small = tmp_path / "warwickshire.csv"
    small.write_text("\n".join([lines[0]] + [line for line in lines if ",Warwickshire," in line]) + "\n")
    result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--crime", small, "-q", "--format", "table")
    assert result.exit_code == 0
    assert "Crime excluding fraud                                          50.3                  n/a" in result.stdout
    assert "England and Wales needs all 43 territorial forces; the data lack 42 (Metropolitan Police" in result.stdout


def test_forces_listing(run):
    result = run("forces", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == "code,name,region,country,kind,aliases"
    assert "E23000034,City of London,London,England,territorial,London,City of|City of London Police|city-of-london" \
        not in lines  # the comma inside 'London, City of' is quoted
    assert 'E23000034,City of London,London,England,territorial,"London, City of|City of London Police|city-of-london|CoLP"' \
        in lines
    assert len(lines) == 1 + 49  # 43 forces, BTP, 4 fraud bodies, Northern Ireland


def test_measures_listing(run):
    result = run("measures", "--format", "csv")
    assert "domestic_burglary,Burglary in a dwelling,households,ons,Domestic burglary" in result.stdout


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "crimestat", "compare", "--release", "ons-2019", "--force", "warwickshire", "--to",
                           "2014-06", "-q", "--format", "csv"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == (EXPECTED / "compare-warwickshire-2014-06.csv").read_text()


def test_head_closes_pipe_quietly(tmp_path):
    import subprocess

    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "crimestat"  # the console script pip installed for this Python
    done = subprocess.run(f"{script} forces --format csv | head -1", shell=True, capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.stdout == "code,name,region,country,kind,aliases\n"
    assert done.stderr == ""
