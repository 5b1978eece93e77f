"""The report a board can use: peers beside England and Wales, what changed (the offence groups that
contributed most), no command-line text, only what the data have, and formats it can write.

Expected counts are summed here with the csv module from the shipped Home Office table (real data), not taken
from crimestat: Warwickshire's shoplifting (offence code 46) in the four quarters to December 2021 and to
December 2025 (calendar 2025 is 2024/25 quarter 4 and 2025/26 quarters 1-3).
"""

from __future__ import annotations

import csv
import functools
import re

import pytest

from conftest import SAMPLE, home_office_lines

TABLE = SAMPLE / "releases/home-office-2026-04/prc-pfa-mar2013-onwards-tables-230426.csv.gz"
YEAR_TO_DEC_2025 = {("2024/25", "4"), ("2025/26", "1"), ("2025/26", "2"), ("2025/26", "3")}
YEAR_TO_DEC_2021 = {("2020/21", "4"), ("2021/22", "1"), ("2021/22", "2"), ("2021/22", "3")}
PEERS = "West Mercia,Staffordshire,Leicestershire"


@functools.cache
def _warwickshire_rows() -> list[tuple[str, str, str, str, int]]:
    """Warwickshire's rows of the table: (year, quarter, offence group, code, count), read once. Only the lines
    that name Warwickshire between commas go to the csv module (a row of the force has its name so, never
    quoted); the csv module then keeps the rows whose Force Name it is."""
    lines = home_office_lines()  # the table's lines (TABLE), decompressed once
    rows = csv.DictReader([lines[0], *(line for line in lines if ",Warwickshire," in line)])
    return [(r["Financial Year"], r["Financial Quarter"], r["Offence Group"], r["Offence Code"],
             int(r["Number of Offences"])) for r in rows if r["Force Name"] == "Warwickshire"]


def _warwickshire(codes: set[str] | None, quarters: set[tuple[str, str]]) -> int:
    """Warwickshire's offences with these codes (None: every code but fraud's) over the quarters."""
    return sum(n for year, quarter, group, code, n in _warwickshire_rows() if (year, quarter) in quarters
               and (code in codes if codes is not None else not group.startswith("Fraud")))


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    from click.testing import CliRunner

    from crimestat.cli import main

    folder = tmp_path_factory.mktemp("board")
    runner = CliRunner()
    markdown = runner.invoke(main, ["report", "--force", "warwickshire", "--peers", PEERS, "-q"], catch_exceptions=False)
    html = runner.invoke(main, ["report", "--force", "warwickshire", "--peers", PEERS, "-q", "--output",
                                str(folder / "board.html")], catch_exceptions=False)
    assert markdown.exit_code == 0 and html.exit_code == 0, markdown.stderr + html.stderr
    return markdown.stdout, (folder / "board.html").read_text(encoding="utf-8")


def test_the_report_names_the_peers_and_the_shoplifting_rise(board):
    markdown, _ = board
    then, now = _warwickshire({"46"}, YEAR_TO_DEC_2021), _warwickshire({"46"}, YEAR_TO_DEC_2025)
    assert (then, now) == (2108, 3779)
    for name in ("West Mercia", "Staffordshire", "Leicestershire", "Peer average (4 forces)", "England and Wales"):
        assert f"| {name}" in markdown
    assert "## What changed" in markdown
    total_then, total_now = _warwickshire(None, YEAR_TO_DEC_2021), _warwickshire(None, YEAR_TO_DEC_2025)
    assert f"({total_then:,} to {total_now:,} crimes)" in markdown
    assert f"The largest rises: shoplifting ({then:,} to {now:,}, +{now - then:,})" in markdown
    points = round((now - then) * 100 / total_then, 1)  # 4.4: shoplifting's share of the total's change
    assert re.search(rf"\| Shoplifting +\| +{then:,} \| +{now:,} \| +\+{now - then:,} \| +{points} \|", markdown)
    assert "counting-rule changes for conduct crimes" in markdown  # the registered change the periods straddle


def test_the_report_speaks_of_no_options_and_promises_nothing_it_lacks(board):
    for text in board:
        assert not re.search(r"(^|\s)--[a-z]", text), re.search(r".{40}(^|\s)--[a-z].{40}", text)
        assert "crimestat " not in text.replace("crimestat report", "")  # no command to run
        assert "anti-social behaviour" not in text  # the release has no anti-social behaviour figures
        assert "Not available for" not in text


def test_the_html_report_is_one_self_contained_file(board):
    _, html = board
    assert html.count("<svg") >= 1 and html.count('id="rates"') == 1 and 'id="table-2"' in html
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)  # nothing fetched from elsewhere
    assert "<link" not in html and "<script src" not in html


@pytest.mark.parametrize("name", ["board.pdf", "board.docx"])
def test_a_format_the_report_cannot_write_is_a_usage_error(run, tmp_path, name):
    result = run("report", "--force", "warwickshire", "--output", tmp_path / name)
    assert result.exit_code == 2
    assert "Markdown (.md, .markdown)" in result.stderr and "HTML page (.html, .htm)" in result.stderr
    assert list(tmp_path.iterdir()) == []
