"""Every command's table fits 80 columns (the width of a pipe, a file or a job's log, and COLUMNS=80): labels,
headers, file paths and notes are wrapped, a long trend's sparkline is cut to its last points; numbers never."""

from __future__ import annotations

import pytest

COMMANDS = {
    "compare": ["compare", "--force", "warwickshire"],
    "compare-2014": ["compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06"],
    "compare-peers": ["compare", "--force", "kent", "--peers", "Essex,Hertfordshire"],
    "compare-two": ["compare", "--force", "kent", "--force", "Devon and Cornwall"],
    "trend-long": ["trend", "--force", "kent", "--from", "2015-03"],  # 44 points: 276 columns before
    "trend-2014": ["trend", "--release", "ons-2019", "--force", "warwickshire", "--from", "2004-03", "--to", "2014-06"],
    "rank": ["rank"],  # 86 columns before
    "rank-outcomes": ["rank", "--measure", "charge_rate"],
    "outcomes": ["outcomes", "--force", "kent"],
    "validate": ["validate"],  # the release's file paths: 122 columns before
    "releases": ["releases"],
    "revisions": ["revisions", "--force", "warwickshire", "--to", "2014-06"],
    "forces": ["forces"],
    "measures": ["measures"],
}


@pytest.mark.parametrize("args", list(COMMANDS.values()), ids=list(COMMANDS))
def test_every_command_table_fits_80_columns(run, monkeypatch, args):
    monkeypatch.setenv("COLUMNS", "80")
    result = run(*args, "--format", "table", "-q")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 3
    too_wide = [line for line in lines if len(line) > 80]  # characters, not bytes (†, ‡ and ▁ are one each)
    assert too_wide == []


def test_a_long_trend_shows_its_last_24_points_in_the_sparkline(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = run(*COMMANDS["trend-long"], "--format", "table", "-q")
    spark = next(line for line in result.stdout.splitlines() if line.startswith("trend"))
    assert spark.startswith("trend, last 24")
    marks = spark.removeprefix("trend, last 24").split()
    assert [len(m) for m in marks] == [24, 24]  # the force and England and Wales, 24 quarters each
