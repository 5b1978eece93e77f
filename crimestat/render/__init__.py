"""Rendering a command's result as a table for people, or CSV, JSON or Markdown for programs.

Every command renders through here, so rounding and missing values look the same everywhere. People's
formats round as HMIC does (rates to 1 decimal place, changes to whole percent); CSV and JSON carry
unrounded values.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date
from typing import Any

from ..metrics.rounding import round_half_up  # noqa: F401 (re-exported)
from ..rows import Cell, Result

FORMATS = ("table", "csv", "json", "markdown")
MISSING = "n/a"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def render(result: Any, fmt: str) -> str:
    """The result (an analysis's typed result, or a laid-out Result) in one of ``FORMATS``, ending with a
    newline."""
    from .views import view

    result = view(result)
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


def to_table(result: Result) -> str:
    from tabulate import tabulate  # only people's formats need it: keeps CSV start-up fast

    parts = [result.title, ""]
    for section in result.sections:
        parts.append(tabulate(_body(section), headers=section.headers, tablefmt="simple",
                              colalign=_aligns(section), disable_numparse=True))
        parts.append("")
    missing = _missing_notes(result)
    if missing:
        parts.append(f"{MISSING}: not available.")
        parts += [f"  {note}" for note in missing]
    parts += result.notes
    return "\n".join(parts).rstrip("\n") + "\n"


def to_markdown(result: Result) -> str:
    from tabulate import tabulate

    parts = [f"## {result.title}", ""]
    for section in result.sections:
        parts.append(tabulate(_body(section), headers=section.headers, tablefmt="pipe",
                              colalign=_aligns(section), disable_numparse=True))
        parts.append("")
    missing = _missing_notes(result)
    if missing:
        parts.append(f"{MISSING}: not available.")
        parts.append("")
        parts += [f"- {note}" for note in missing]
        parts.append("")
    parts += [f"{note}  " if i < len(result.notes) - 1 else note for i, note in enumerate(result.notes)]
    return "\n".join(parts).rstrip("\n") + "\n"


def plain(value: Any) -> Any:
    """A value as CSV/JSON carry it: ISO dates, full-precision floats, None for missing."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return value


def safe_text(text: str) -> str:
    """Neutralise text that a spreadsheet would run as a formula (OWASP CSV injection advice)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    return safe_text(str(value))


def to_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for record in result.records():
        writer.writerow([_csv_cell(record.get(c)) for c in result.columns])
    return out.getvalue()


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return plain(value)


def to_json(result: Result) -> str:
    document = {
        "title": result.title,
        "meta": _json_ready(result.meta),
        "notes": result.notes,
        "rows": [_json_ready(record) for record in result.records()],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# Reports: Markdown and one self-contained HTML page.

def report_markdown(report, image: str | None = None) -> str:
    """The report as Markdown; ``image`` is the chart file's name beside it."""
    from tabulate import tabulate

    parts = []
    for block in report.blocks:
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
            parts.append(tabulate(_body(block.section), headers=block.section.headers, tablefmt="pipe",
                                  colalign=_aligns(block.section), disable_numparse=True))
        elif block.kind == "figure":
            parts.append(f"![{block.text}]({image})\n\n{block.text}" if image else block.text)
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
