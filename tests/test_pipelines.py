"""Scheduled jobs and pipelines: several forces in one call, honest options, skipping when nothing is new."""

from __future__ import annotations

import os

import pytest


def test_repeated_force_gives_every_force(run):
    result = run("compare", "--force", "warwickshire", "--force", "kent", "--format", "csv", "-q")
    assert result.exit_code == 0
    areas = {line.split(",")[1] for line in result.stdout.splitlines()[1:]}
    assert areas == {"Warwickshire", "Kent", "England and Wales"}


@pytest.mark.parametrize("args", [
    ("compare", "--force", "kent", "--to", "2014-06", "--to", "2015-06"),
    ("rank", "--measure", "robbery", "--measure", "crime_excl_fraud"),
    ("trend", "--force", "kent", "--measure", "robbery", "--measure=homicide"),
    ("ingest", "police-uk", "x", "--output", "a.csv", "--output", "b.csv"),
])
def test_a_single_value_option_given_twice_is_a_usage_error(run, args):
    result = run(*args)
    assert result.exit_code == 2
    assert "is given more than once; it takes one value" in result.stderr


def test_compare_all_is_the_single_force_calls_with_england_and_wales_once(run):
    """One call for all forces equals the 43 single-force comparisons, each rendered as `--format csv`
    renders it, concatenated with England and Wales's rows once."""
    from crimestat.analyses.compare import compare
    from crimestat.dataset import DataPaths, load_dataset
    from crimestat.render import render

    every = run("compare", "--force", "all", "--format", "csv", "-q").stdout.splitlines()
    codes = run("forces", "--format", "csv").stdout.splitlines()[1:]
    territorial = [line.split(",")[0] for line in codes if ",territorial," in line]
    assert len(territorial) == 43
    data = load_dataset(DataPaths())
    single = run("compare", "--force", territorial[0], "--format", "csv", "-q").stdout
    assert render(compare(data, territorial[0]), "csv") == single  # the library call is the command's output
    expected, seen = [], set()
    for n, code in enumerate(territorial):
        lines = render(compare(data, code), "csv").splitlines()
        expected += lines[:1] if n == 0 else []
        for line in lines[1:]:
            if line.startswith("K04000001,"):
                if line in seen:
                    continue
                seen.add(line)
            expected.append(line)
    assert every == expected
    assert sum(line.startswith("K04000001,") for line in every) == len(seen)


def test_national_bodies_are_refused_with_the_reason(run):
    result = run("compare", "--force", "Action Fraud", "-q")
    assert result.exit_code == 2
    assert "Action Fraud is a national body, not a police force area" in result.stderr
    assert run("trend", "--force", "btp", "-q").exit_code == 2


def test_an_unknown_measure_suggests_the_nearest_not_all(run):
    result = run("compare", "--force", "kent", "--measure", "robery", "-q")
    assert result.exit_code == 2
    assert result.stderr == ("crimestat: error: unknown measure 'robery'; did you mean 'robbery'? "
                             "(`crimestat measures` lists them all)\n")


def test_if_newer_than_skips_a_job_when_nothing_is_new(run):
    skipped = run("compare", "--force", "kent", "--if-newer-than", "2025-12", "--format", "csv")
    assert skipped.exit_code == 3 and skipped.stdout == ""
    assert "nothing newer than 2025-12" in skipped.stderr
    ran = run("compare", "--force", "kent", "--if-newer-than", "2025-09", "--format", "csv", "-q")
    assert ran.exit_code == 0 and ran.stdout.startswith("area_code,")


def test_report_markdown_to_stdout_writes_no_chart_unasked(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("report", "--force", "warwickshire", "-q")
    assert result.exit_code == 0 and result.stderr == ""
    assert list(tmp_path.iterdir()) == []
    assert "(The chart is in the HTML version of this report.)" in result.stdout  # no command-line text
    chart = run("report", "--force", "warwickshire", "--chart", tmp_path / "c.png", "-q")
    assert chart.exit_code == 0 and (tmp_path / "c.png").stat().st_size > 0 and chart.stderr == ""


def test_report_for_several_forces_needs_a_folder_and_writes_one_file_each(run, tmp_path):
    assert run("report", "--force", "warks", "--force", "kent", "-q").exit_code == 2
    result = run("report", "--force", "warks", "--force", "kent", "--output-dir", tmp_path, "--format", "html", "-q")
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kent-2025-12.html", "warwickshire-2025-12.html"]


def test_default_data_dir_is_documented(run):
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert "CRIMESTAT_DATA_DIR" in readme and os.environ.get("CRIMESTAT_DATA_DIR") is None


def test_a_known_quirk_is_shown_once_per_file_version_then_only_with_verbose(run, tmp_path, monkeypatch):
    """The ONS file's misdated '30-12-2017' rows: warned on the first run, not on the next (a nightly log
    carries it once), again with --verbose; a quiet first run does not count as shown, and the run after it,
    from the cache, gives the warning and the same output."""
    monkeypatch.setenv("CRIMESTAT_CACHE_DIR", str(tmp_path / "cache"))
    args = ("compare", "--release", "ons-2019", "--force", "kent", "--format", "csv")

    def stderr(*extra):
        return run(*args, *extra).stderr

    quiet = run(*args, "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert list((tmp_path / "cache").iterdir())  # the quiet run filled the cache
    first = run(*args)  # from the cache, which gives the file's warnings again
    assert first.exit_code == 0 and first.stdout == quiet.stdout
    assert first.stderr.startswith("crimestat: warning: ") and "'30-12-2017' is not a month end" in first.stderr
    assert "'30-12-2017'" in stderr("-v")
    assert stderr() == ""
    assert stderr("--verbose").startswith("crimestat: warning (shown before for this file): ")


def test_report_and_ingest_take_the_format_from_the_output_name(run, tmp_path):
    from conftest import SAMPLE

    page = tmp_path / "kent.html"
    assert run("report", "--force", "kent", "--output", page, "-q").exit_code == 0
    assert page.read_text().startswith("<!DOCTYPE html>")
    clash = run("report", "--force", "kent", "--output", page, "--format", "markdown", "-q")
    assert clash.exit_code == 2 and "does not match --output" in clash.stderr
    # The one rule of render/formats for tables and reports: the clash names the file name that would do.
    assert clash.stderr == (f"crimestat: error: --format markdown does not match --output {page}, whose extension "
                            "means html; expected a .md file name, or no --format\n")
    counts = tmp_path / "counts.json"
    assert run("ingest", "police-uk", SAMPLE / "police-uk/2014-06", "--output", counts, "-q").exit_code == 0
    assert counts.read_text().lstrip().startswith("{")
    assert run("ingest", "police-uk", SAMPLE / "police-uk/2014-06", "--output", tmp_path / "c.xlsx").exit_code == 2


def test_usage_errors_are_one_line_in_crimestat_style(run):
    for args in (("compare",), ("compare", "--force", "kent", "--bogus"), ("rank", "--measure", "a", "--measure", "b")):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr.startswith("crimestat: error: ") and result.stderr.count("\n") == 1


def test_an_output_name_crimestat_cannot_write_is_refused(run, tmp_path):
    result = run("compare", "--force", "kent", "--output", tmp_path / "rates.html", "-q")
    assert result.exit_code == 2 and "does not write '.html' files" in result.stderr
    assert not (tmp_path / "rates.html").exists()
