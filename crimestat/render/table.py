"""Tables for people: the terminal table (fitted to ``COLUMNS``) and Markdown."""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap

from ..results import Result
from ..log import printable
from .text import markdown
from .cells import MISSING, _missing_notes, format_cell

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
    """Also breaks after the underscores of identifiers (``death_or_serious_injury_...``) and the slashes of
    paths (``sample_data/releases/...``), and the hyphens of file names, when nothing else fits."""

    wordsep_simple_re = re.compile(r"(\s+|(?<=[_/-])(?=[^\s_/-]))")


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
