"""Text from data is data: how a name, a note or a title read from a file is written into Markdown, a
spreadsheet cell or a file name (a terminal's rule, :func:`crimestat.log.printable`, is the base of each).

A data file (or a release's ``release.json``) can hold anything: escape sequences that would drive a
terminal, control characters a spreadsheet refuses, Markdown or HTML that a report reader would run, a
``|`` that breaks a Markdown table, a path separator in a name used for a file. Every renderer shows data
text through one of these functions, so the rule is written once.
"""

from __future__ import annotations

import re

from ..log import printable

# Characters Markdown gives a meaning to inline (emphasis, code, links and images, tables, headings,
# strike-through, autolinks and raw HTML); each is written backslash-escaped, which CommonMark and GitHub
# show as the character itself. '&', '<' and '>' become entities so that no HTML passes through.
_MARKDOWN = re.compile(r"([\\`*_\[\]{}|#!~])")


def markdown(text: str) -> str:
    """``text`` as literal Markdown inline text: no emphasis, link, image, heading, table cell break or
    HTML can come from it, and control characters are shown as escapes."""
    text = printable(str(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN.sub(r"\\\1", text)
    # A bare address is linked by GitHub's autolinks; a scheme written with an entity colon is not.
    return re.sub(r"(?i)\b(javascript|data|vbscript|https?|ftp|file):", r"\1&#58;", text)


# Characters an xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE: XML 1.0 forbids them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def spreadsheet_text(text: str) -> str:
    """A cell's text with the characters XML (and so xlsx) cannot hold, and escape sequences, written as
    escapes."""
    return printable(text) if _XML_ILLEGAL.search(text) or printable(text) != text else text


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(text: str, fallback: str = "file") -> str:
    """A name from data made safe as one file name: letters, digits, '.', '_' and '-' only, never starting
    with a dot (no '..', no hidden file, no path separator), at most 100 characters."""
    name = _UNSAFE_NAME.sub("-", text).strip("-").lstrip(".")[:100]
    return name or fallback
