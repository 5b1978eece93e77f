"""Rendering a command's result as a table for people, or CSV, JSON or Markdown for programs.

Every command renders through here, so rounding and missing values look the same everywhere. People's
formats round as HMIC does (rates to 1 decimal place, changes to whole percent); CSV and JSON carry
unrounded values.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import sys
import textwrap
from datetime import date
from typing import Any

from ..metrics.rounding import round_half_up  # noqa: F401 (re-exported)
from ..rows import Cell, Result
from ..text import markdown, printable

FORMATS = ("table", "csv", "json", "markdown", "xlsx")
#: Formats an ``--output`` file's extension implies (``.txt`` implies none: tables and CSV both use it).
EXTENSIONS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown", ".xlsx": "xlsx",
              ".txt": "table"}
MISSING = "n/a"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def choose_format(fmt: str | None, output: str | None, terminal: bool) -> str:
    """The format to write: ``fmt`` if given, else the one ``output``'s extension implies (``.csv``,
    ``.json``, ``.md``, ``.xlsx``), else a table on a terminal and CSV otherwise. A ``fmt`` that contradicts
    the extension is a usage error, as is an xlsx workbook (binary) for a terminal."""
    from pathlib import Path

    from ..errors import UsageError

    to_stdout = output is None or output == "-"
    suffix = "" if to_stdout else Path(output).suffix.lower()  # type: ignore[arg-type]
    implied = EXTENSIONS.get(suffix)
    if fmt is None and suffix and implied is None and not suffix[1:].isdigit():
        # out.html or out.xls would otherwise get CSV silently: say what the extensions mean instead.
        raise UsageError(f"--output {output}: crimestat does not write '{suffix}' files; expected .csv, .json, .md, "
                         ".xlsx or .txt (a table), or give --format")
    if fmt is not None and implied is not None and fmt != implied:
        raise UsageError(f"--format {fmt} does not match --output {output}, whose extension means {implied}; "
                         f"expected a .{_EXTENSION_OF[fmt]} file name, or no --format" if fmt in _EXTENSION_OF else
                         f"--format {fmt} does not match --output {output}, whose extension means {implied}; "
                         "expected another file name, or no --format")
    chosen = fmt or implied or ("table" if to_stdout and terminal else "csv")
    if chosen == "xlsx" and to_stdout and terminal:
        raise UsageError("--format xlsx writes a binary workbook, not for a terminal; expected --output FILE.xlsx "
                         "(or stdout redirected to a file)")
    return chosen


_EXTENSION_OF = {"csv": "csv", "json": "json", "markdown": "md", "xlsx": "xlsx"}


def format_cell(cell: Cell) -> str:
    """A cell as people read it."""
    value = cell.value
    if cell.kind == "text":
        text = "" if value is None else str(value)
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        text = MISSING
    elif cell.kind == "rate":
        text = f"{round_half_up(value, 1)}"
    elif cell.kind == "change":
        text = f"{round_half_up(value, 0)}%"
    elif cell.kind == "percent":
        text = f"{round_half_up(value, 1)}%"
    elif cell.kind == "percent0":
        text = f"{round_half_up(value, 0)}%"
    elif cell.kind == "percent_ci":
        text = _percent_ci(*value)
    elif cell.kind == "verdict":
        text = str(value)
    elif cell.kind == "signed_count":
        text = f"{int(value):+,}"
    elif cell.kind == "count":
        text = f"{int(value):,}"
    else:
        raise ValueError(f"unknown cell kind {cell.kind!r}")
    return text + cell.marker


def _percent_ci(value: float, low: float | None, high: float | None) -> str:
    """'83.8% (±1.7)' for a symmetric interval, '83.8% (81.4 to 86.0)' otherwise, as HMIC writes them."""
    text = f"{round_half_up(value, 1)}%"
    if low is None or high is None:
        return text
    below, above = value - low, high - value
    if abs(below - above) < 0.05:
        return f"{text} (±{round_half_up((below + above) / 2, 1)})"
    return f"{text} ({round_half_up(low, 1)} to {round_half_up(high, 1)})"


def render(result: Any, fmt: str) -> str | bytes:
    """The result (an analysis's typed result, or a laid-out Result) in one of ``FORMATS``: text ending with
    a newline, or for ``xlsx`` the workbook's bytes."""
    from .views import view

    result = view(result)
    if fmt == "xlsx":
        from .xlsx import to_xlsx

        return to_xlsx(result)
    if fmt == "csv":
        return to_csv(result)
    if fmt == "json":
        return to_json(result)
    if fmt == "markdown":
        return to_markdown(result)
    if fmt == "table":
        return to_table(result)
    raise ValueError(f"unknown format {fmt!r}")


def _missing_notes(result: Result) -> list[str]:
    notes = []
    for section in result.sections:
        for row in section.rows:
            for cell in row:
                if cell.note and cell.note not in notes:
                    notes.append(cell.note)
    return notes


def _body(section) -> list[list[str]]:
    """A section's cells as text; where a column has markers, unmarked cells get matching padding."""
    body = [[format_cell(c) for c in row] for row in section.rows]
    for col in range(len(section.headers)):
        width = max((len(row[col].marker) for row in section.rows if col < len(row)), default=0)
        if width:
            for r, row in enumerate(section.rows):
                if not row[col].marker and body[r][col]:
                    body[r][col] += " " * width
    return body


def _aligns(section) -> list[str]:
    return section.align or ["left"] + ["right"] * (len(section.headers) - 1)


def table_width() -> int:
    """The width tables are fitted to: ``$COLUMNS`` if set, else the terminal's width when stdout is a
    terminal, else 80 (a file, a pipe, a nightly job's log)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), MIN_WIDTH)
    try:
        terminal = sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return max(shutil.get_terminal_size((80, 24)).columns, MIN_WIDTH) if terminal else 80


#: Narrower than this, wrapping would make tables unreadable; they are fitted to this width instead.
MIN_WIDTH = 40
_PADDING = 2  # tabulate's "simple" format: two spaces between columns, two beside each header
_MONTHS = re.compile(r"\b(January|February|March|April|June|July|August|September|October|November|December)\b")


class _IdentifierWrapper(textwrap.TextWrapper):
    """Also breaks after the underscores of identifiers (``death_or_serious_injury_...``)."""

    wordsep_simple_re = re.compile(r"(\s+|(?<=_)(?=[^\s_]))")


def _wrap(text: str, width: int, indent: str = "", identifiers: bool = False) -> str:
    """Text wrapped at spaces (and, with ``identifiers``, after underscores) to ``width``; a word (a number,
    a code) is never broken."""
    lines = []
    wrapper = (_IdentifierWrapper if identifiers else textwrap.TextWrapper)(
        break_long_words=False, break_on_hyphens=False)
    for line in text.split("\n"):
        lead = line[:len(line) - len(line.lstrip(" "))]
        wrapper.width, wrapper.initial_indent, wrapper.subsequent_indent = max(width, len(lead) + 1), lead, lead + indent
        lines.append(wrapper.fill(line.strip(" ")) if line.strip() else line)
    return "\n".join(lines)


def _longest_word(texts: list[str], identifiers: bool = False) -> int:
    split = _IdentifierWrapper.wordsep_simple_re.split if identifiers else str.split
    return max((len(word.strip()) for text in texts for word in split(text)), default=0)


def _widest_line(texts: list[str]) -> int:
    return max((len(line) for text in texts for line in text.split("\n")), default=0)


def _fit(headers: list[str], body: list[list[str]], aligns: list[str], width: int) -> tuple[list[str], list[list[str]]]:
    """Headers and cells narrowed so that the table fits ``width``, in these steps until it does: month names
    abbreviated in headers ("December" -> "Dec"); headers wrapped onto two lines; left-aligned (text) columns
    wrapped down to 20 characters, the widest first; headers wrapped onto more lines, down to their column's
    cells; text columns wrapped down to their longest word. The first column's continuation lines are
    indented. Right-aligned columns (numbers) are never wrapped or cut, nor is any word: a table that cannot
    fit stays wider than ``width``."""
    n = len(headers)
    cells = [[row[c] for row in body if c < len(row)] for c in range(n)]
    cell_w = [_widest_line(col) for col in cells]
    head_w = [_widest_line([h]) for h in headers]

    def total() -> int:
        return sum(max(cell_w[c], head_w[c] + _PADDING) for c in range(n)) + _PADDING * (n - 1)

    if total() <= width:
        return headers, body
    headers = [_MONTHS.sub(lambda m: m[0][:3], h) for h in headers]
    head_w = [_widest_line([h]) for h in headers]
    text = [a == "left" for a in aligns]
    indent = [_PADDING if c == 0 else 0 for c in range(n)]
    word = [_longest_word(cells[c]) + indent[c] for c in range(n)]
    head_word = [_longest_word([h]) for h in headers]

    def shrink_headers(floor: list[int]) -> None:
        while total() > width:
            # Only where the header, not the cells, sets the column's width.
            can = [c for c in range(n) if head_w[c] > floor[c] and head_w[c] + _PADDING > cell_w[c]]
            if not can:
                return
            head_w[max(can, key=lambda c: (head_w[c], -c))] -= 1

    def shrink_text(floor: list[int]) -> None:
        while total() > width:
            can = [c for c in range(n) if text[c] and cell_w[c] > floor[c]]
            if not can:
                return
            widest = max(can, key=lambda c: (max(cell_w[c], head_w[c] + _PADDING), -c))
            cell_w[widest] -= 1
            head_w[widest] = max(min(head_w[widest], cell_w[widest] - _PADDING), head_word[widest])

    shrink_headers([max(head_word[c], cell_w[c] - _PADDING, -(-head_w[c] // 2)) for c in range(n)])
    shrink_text([max(word[c], 20) for c in range(n)])
    shrink_headers([max(head_word[c], cell_w[c] - _PADDING) for c in range(n)])
    shrink_text(word)
    # Last, identifiers (measure names) after their underscores.
    shrink_text([_longest_word(cells[c], identifiers=True) + indent[c] for c in range(n)])
    headers = [h if _widest_line([h]) <= head_w[c] else _wrap(h, head_w[c]) for c, h in enumerate(headers)]
    body = [[t if not text[c] or _widest_line([t]) <= cell_w[c] else
             _wrap(t, cell_w[c], " " * indent[c], identifiers=cell_w[c] < word[c]) for c, t in enumerate(row)]
            for row in body]
    return headers, body


def to_table(result: Result, width: int | None = None) -> str:
    """The result for people: title, tables, notes, fitted to ``width`` (default :func:`table_width`)."""
    from tabulate import tabulate  # only people's formats need it: keeps CSV start-up fast

    width = width or table_width()
    parts = [_wrap(printable(result.title), width), ""]
    for section in result.sections:
        # Text from data never reaches a terminal raw: an escape sequence in a name is shown as '\x1b'.
        body = [[printable(c) for c in row] for row in _body(section)]
        headers, body = _fit([printable(h) for h in section.headers], body, _aligns(section), width)
        parts.append(tabulate(body, headers=headers, tablefmt="simple", colalign=_aligns(section),
                              disable_numparse=True))
        parts.append("")
    missing = _missing_notes(result)
    if missing:
        parts.append(f"{MISSING}: not available.")
        parts += [_wrap(f"  {printable(note)}", width, "  ") for note in missing]
    parts += [_wrap(printable(note), width, "  ") for note in result.notes]
    return "\n".join(parts).rstrip("\n") + "\n"


def to_markdown(result: Result) -> str:
    from tabulate import tabulate

    # Every field is data: escaped so that no name or note can add a link, an image, HTML or a table cell.
    parts = [f"## {markdown(result.title)}", ""]
    for section in result.sections:
        parts.append(tabulate([[markdown(c) for c in row] for row in _body(section)],
                              headers=[markdown(h) for h in section.headers], tablefmt="pipe",
                              colalign=_aligns(section), disable_numparse=True))
        parts.append("")
    missing = _missing_notes(result)
    if missing:
        parts.append(f"{MISSING}: not available.")
        parts.append("")
        parts += [f"- {markdown(note)}" for note in missing]
        parts.append("")
    notes = [markdown(note) for note in result.notes]
    parts += [f"{note}  " if i < len(notes) - 1 else note for i, note in enumerate(notes)]
    return "\n".join(parts).rstrip("\n") + "\n"


def plain(value: Any) -> Any:
    """A value as CSV/JSON carry it: ISO dates, full-precision floats, None for missing."""
    if value is None:
        return None
    if type(value) is date:
        return value.isoformat()
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return value


# The pipeline contract (README, "CSV and JSON output"): numbers are written as numbers without repr's
# noise, integer columns as integers, p-values in one notation, and missing values as nothing (CSV) or
# null (JSON), never "" in one place and null in another.

#: Significant digits kept of a float: more than any count or rate needs, fewer than repr's 17 (which
#: shows binary noise: 83.89999999999999).
SIGNIFICANT = 12
#: p-values are written to this many decimal places in plain notation: 0.000000000180, never 1.8e-10,
#: and a p-value below 5e-13 (including one that underflowed to 0) is written 0.0.
P_DECIMALS = 12
P_VALUE_COLUMNS = frozenset({"p_value", "p_value_poisson"})
#: Columns that hold whole numbers (counts, populations, ranks); a whole float there is written as an integer.
INTEGER_COLUMNS = frozenset({"numerator", "denominator", "per", "rank", "rows", "count", "categories",
                             "count_change"})


def contract_value(column: str, value: Any, record: dict[str, Any] | None = None) -> Any:
    """A value as the CSV/JSON contract carries it: ``None`` for missing (also for ""), ISO date text, an
    int for whole numbers in integer columns (and a rank row's ``value``), a float rounded to
    ``SIGNIFICANT`` digits (p-values to ``P_DECIMALS`` places), or text."""
    value = plain(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    whole = column in INTEGER_COLUMNS or (column == "value" and record is not None and record.get("unit") == "rank")
    if isinstance(value, int):
        return value
    if whole and value.is_integer():
        return int(value)
    if column in P_VALUE_COLUMNS:
        return round(value, P_DECIMALS) + 0.0  # + 0.0: never -0.0
    return float(f"{value:.{SIGNIFICANT}g}") + 0.0


def number_text(column: str, value: float | int) -> str:
    """A contract number as CSV text: integers as digits, floats in plain notation with a decimal point
    (so a column of floats reads as floats even where every value is whole)."""
    if isinstance(value, int):
        return str(value)
    if column in P_VALUE_COLUMNS:
        text = f"{value:.{P_DECIMALS}f}".rstrip("0")
    else:
        from decimal import Decimal

        text = format(Decimal(repr(value)), "f")
        if "." in text:
            text = text.rstrip("0")
    if text.endswith("."):
        text += "0"
    elif "." not in text:
        text += ".0"
    return text


def safe_text(text: str) -> str:
    """Neutralise text that a spreadsheet would run as a formula (OWASP CSV injection advice)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(column: str, value: Any, record: dict[str, Any] | None = None) -> str:
    if value is None:
        return ""
    if type(value) is str:  # most cells: labels, codes, notes (what contract_value would return as they are)
        return safe_text(value)
    if type(value) is int:  # counts (ingest writes 17,000 rows of them): digits, as number_text writes them
        return str(value)
    value = contract_value(column, value, record)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return number_text(column, value)
    return safe_text(str(value))


def to_csv(result: Result) -> str:
    """RFC 4180 CSV: a field holding a comma, a quote or a line break is quoted (only ``area``, ``note``
    and listings' free text can; coded columns never hold one)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for record in result.records():
        cells = [_csv_cell(c, record.get(c), record) for c in result.columns]
        if any("\r" in cell for cell in cells):
            # Python's writer quotes a field holding '\n' but not one holding a lone '\r', which a reader
            # takes for a line end: such a row is quoted here, as RFC 4180 asks.
            out.write(",".join(_quoted(cell) for cell in cells) + "\n")
        else:
            writer.writerow(cells)
    return out.getvalue()


def _quoted(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _json_ready(value: Any, column: str = "", record: dict[str, Any] | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v, k, value) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, column) for v in value]
    return contract_value(column, value, record)


def to_json(result: Result) -> str:
    """The rows (the CSV's columns, every one present, ``null`` where missing) with title, meta and notes."""
    document = {
        "title": result.title,
        "meta": _json_ready(result.meta),
        "notes": result.notes,
        "rows": [_json_ready({c: record.get(c) for c in result.columns}) for record in result.records()],
    }
    import json  # here: the table and CSV formats, most runs, need not import it

    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# Reports: Markdown and one self-contained HTML page.

def _escaped_block(block, escape):
    """A copy of a report block with its text and items escaped (the table is escaped cell by cell)."""
    import dataclasses

    changes = {}
    if isinstance(getattr(block, "text", None), str):
        changes["text"] = escape(block.text)
    if getattr(block, "items", None):
        changes["items"] = [escape(i) for i in block.items]
    return dataclasses.replace(block, **changes) if changes and dataclasses.is_dataclass(block) else block


def report_markdown(report, image: str | None = None) -> str:
    """The report as Markdown; ``image`` is the chart file's name beside it."""
    from tabulate import tabulate

    def escape(text: str) -> str:
        # Text from data files (indicator sources, names, the release's title) is text, neither HTML nor
        # Markdown: no planted <script>, remote image, javascript: link, heading or table cell break.
        return markdown(str(text))

    parts = []
    for block in report.blocks:
        block = _escaped_block(block, escape)
        if block.kind == "h1":
            parts.append(f"# {block.text}")
        elif block.kind == "h2":
            parts.append(f"## {block.text}")
        elif block.kind == "p":
            parts.append(block.text)
        elif block.kind == "note":
            parts.append(f"*{block.text.lstrip('*')}*" if block.text.startswith("*") else f"_{block.text}_")
        elif block.kind == "list":
            parts.append("\n".join(f"- {item}" for item in block.items))
        elif block.kind == "table":
            parts.append(tabulate([[escape(c) for c in row] for row in _body(block.section)],
                                  headers=[escape(h) for h in block.section.headers], tablefmt="pipe",
                                  colalign=_aligns(block.section), disable_numparse=True))
        elif block.kind == "figure":
            parts.append(f"![{block.text}]({image})\n\n{block.text}" if image else
                         f"{block.text} (The chart is not included: give --chart FILE.png, or --format html.)")
    return "\n\n".join(parts) + "\n"


_CSS = """
body { font-family: Arial, Helvetica, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 3px solid #00567a; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; color: #00567a; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .95rem; }
th, td { border: 1px solid #b8b8b8; padding: .35rem .5rem; vertical-align: top; }
th { background: #e8f0f4; text-align: left; }
td.num, th.num { text-align: right; }
figure { margin: 1.5rem 0; }
figure svg { width: 100%; height: auto; }
figcaption { font-style: italic; font-size: .9rem; }
.note { font-size: .9rem; font-style: italic; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  table, figure { break-inside: avoid; }
  th { background: #e8f0f4 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def report_html(report, svg: str | None) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; nothing fetched)."""
    from html import escape

    parts = ["<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8"/>',
             '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
             f"<title>{escape(report.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>"]
    for block in report.blocks:
        if block.kind in ("h1", "h2"):
            parts.append(f"<{block.kind}>{escape(block.text)}</{block.kind}>")
        elif block.kind == "p":
            parts.append(f"<p>{escape(block.text)}</p>")
        elif block.kind == "note":
            parts.append(f'<p class="note">{escape(block.text)}</p>')
        elif block.kind == "list":
            parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>")
        elif block.kind == "table":
            section = block.section
            aligns = _aligns(section)
            head = "".join(f'<th scope="col"{_num(a)}>{escape(h)}</th>' for h, a in zip(section.headers, aligns))
            rows = "".join(
                "<tr>" + "".join(
                    (f'<th scope="row">{escape(c)}</th>' if i == 0 else f"<td{_num(aligns[i])}>{escape(c)}</td>")
                    for i, c in enumerate(row)) + "</tr>"
                for row in _body(section))
            parts.append(f'<table id="rates"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
        elif block.kind == "figure":
            chart = svg or ""
            parts.append(f'<figure id="trend">{chart}<figcaption>{escape(block.text)}</figcaption></figure>')
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _num(align: str) -> str:
    return ' class="num"' if align == "right" else ""
