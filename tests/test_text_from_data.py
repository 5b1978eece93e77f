"""Text from data is data: a name from a data file reaches no terminal, Markdown reader, CSV reader,
spreadsheet, chart or file system as anything but its characters."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from conftest import ROOT

HOSTILE = "War|wick\x1b[31m *x* [y](javascript:alert(1)) ![i](http://e/i.png) <b>$\\alpha$ shire"


@pytest.fixture
def forces(tmp_path):
    """The packaged registry with Warwickshire's name replaced by hostile text (its real names kept as
    aliases, so the shipped release still loads) and its police.uk id a path out of any folder."""
    text = (ROOT / "crimestat" / "data" / "forces.csv").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("E23000017,"))
    cells = next(csv.reader([line]))
    cells[1], cells[5], cells[6] = HOSTILE, "../../x", "Warwickshire|" + cells[6]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    path = tmp_path / "forces.csv"
    path.write_text(text.replace(line + "\n", out.getvalue()), encoding="utf-8")
    return path


def test_a_hostile_name_is_shown_as_text_everywhere(run, forces, tmp_path):
    base = ["compare", "--force", "E23000017", "--forces", forces, "-q", "--format"]
    table = run(*base, "table")
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\r" not in table.stdout
    assert "\\x1b[31m" in table.stdout  # shown as an escape: the user still sees what the file holds

    markdown = run(*base, "markdown").stdout
    for planted in ("[y](javascript:", "![i](http:", "<b>", "\x1b", " *x* "):
        assert planted not in markdown
    assert "\\[y\\](javascript&#58;alert(1)) \\!\\[i\\]" in markdown
    # Every line of a table has as many unescaped cell separators as its header line.
    for block in markdown.split("\n\n"):
        rows = [line.replace("\\|", "") for line in block.splitlines() if line.startswith("|")]
        assert len({line.count("|") for line in rows}) <= 1, block

    parsed = list(csv.DictReader(io.StringIO(run(*base, "csv").stdout, newline="")))
    mine = [r for r in parsed if r["area_code"] == "E23000017"]
    assert mine and all(r["area"] == HOSTILE for r in mine)
    assert all(r["area_code"] in ("E23000017", "K04000001") for r in parsed)

    book = tmp_path / "out.xlsx"
    out = run(*base, "xlsx", "--output", book)
    assert out.exit_code == 0, out.output
    with zipfile.ZipFile(book) as archive:
        assert all(b"\x1b" not in archive.read(n) for n in archive.namelist())


def test_report_file_names_from_data_stay_in_the_folder(run, forces, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    out = run("report", "--force", "E23000017", "--forces", forces, "--output-dir", folder, "--format", "html",
              "-q")
    assert out.exit_code == 0, out.output
    written = [p for p in tmp_path.rglob("*.html")]
    assert written and all(p.parent == folder for p in written)
    assert not (tmp_path.parent / "x").exists()


def test_a_chart_shows_dollars_as_text(run, forces, tmp_path):
    out = run("trend", "--force", "E23000017", "--forces", forces, "--plot", tmp_path / "t.svg", "-q")
    assert out.exit_code == 0, out.output
    assert "$\\alpha$" in (tmp_path / "t.svg").read_text(encoding="utf-8").replace("&#36;", "$")


def test_markdown_escapes_every_field():
    from crimestat.render.text import markdown

    # Each planted construct comes out inert (an independent reading: no unescaped bracket, bar or tag).
    shown = markdown("# [a](javascript:x) | <img src=x> _e_ \x1b")
    assert shown == "\\# \\[a\\](javascript&#58;x) \\| &lt;img src=x&gt; \\_e\\_ \\\\x1b"  # the escape shown as the text \\x1b


def test_a_carriage_return_in_a_field_is_quoted_in_csv():
    from crimestat.render import to_csv
    from crimestat.results import Result

    result = Result("t", [{"area": "Warwick\rshire", "value": 1}, {"area": "Kent", "value": 2}], [], [],
                    columns=["area", "value"])
    text = to_csv(result)
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["area", "value"], ["Warwick\rshire", "1"],
                                                                ["Kent", "2"]]
