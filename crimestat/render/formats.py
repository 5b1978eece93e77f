"""The output formats, one record each: its name, the file extensions that imply it, whether it is binary,
and the function that writes it, in two families chosen the same way: the tables of every command and the
board report. ``--format``, ``--output``'s extension check and every command use them; a new table format
(Parquet, NDJSON) is one ``Format`` entry in ``TABLES`` and one writer module."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Format:
    """One output format. ``writer`` is ``module:function`` (imported when first used, so a CSV run never
    imports the workbook writer); the function takes a laid-out ``Result`` and gives text or bytes."""

    name: str
    extensions: tuple[str, ...]  # the ``--output`` extensions that imply it; the first is the usual one
    binary: bool
    writer: str

    def write(self, result: Any, *extra: Any) -> str | bytes:
        module, function = self.writer.split(":")
        return getattr(importlib.import_module(module, __package__), function)(result, *extra)


@dataclass(frozen=True)
class Formats:
    """A family of formats chosen the same way: ``--format`` if given, else ``--output``'s extension, else the
    default. The tables of every command are one family; the board report (a document) is another."""

    formats: tuple[Format, ...]
    unknown: str  # the refusal of an extension no format writes: ``{output}`` and ``{suffix}`` filled in
    default: str  # when nothing is said (a table family writes a table on a terminal, ``terminal`` below)
    terminal: str | None = None
    numbered: bool = False  # ``counts.2025``: a numbered name, not a format's extension

    def __getitem__(self, name: str) -> Format:
        return {f.name: f for f in self.formats}[name]

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.formats)

    def __iter__(self):
        return iter(self.formats)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.formats)

    @property
    def extensions(self) -> dict[str, str]:
        """Each ``--output`` extension and the format it implies."""
        return {extension: f.name for f in self.formats for extension in f.extensions}

    def choose(self, fmt: str | None, output: str | None, terminal: bool = False) -> str:
        """The format to write: ``fmt`` if given, else the one ``output``'s extension implies, else the default
        (``self.terminal`` on a terminal). A ``fmt`` that contradicts the extension is a usage error, as is an
        extension no format writes, and a binary format for a terminal."""
        from pathlib import Path

        from ..errors import UsageError

        to_stdout = output is None or output == "-"
        suffix = "" if to_stdout else Path(output).suffix.lower()  # type: ignore[arg-type]
        implied = self.extensions.get(suffix)
        if fmt is None and suffix and implied is None and not (self.numbered and suffix[1:].isdigit()):
            # out.html or out.pdf would otherwise get another format silently: say what the extensions mean.
            raise UsageError(f"--output {output}: " + self.unknown.format(suffix=suffix))
        if fmt is not None and implied is not None and fmt != implied:
            raise UsageError(f"--format {fmt} does not match --output {output}, whose extension means {implied}; "
                             f"expected a {self[fmt].extensions[0]} file name, or no --format"
                             if self[fmt].extensions[0] != ".txt" else
                             f"--format {fmt} does not match --output {output}, whose extension means {implied}; "
                             "expected another file name, or no --format")
        chosen = fmt or implied or (self.terminal if to_stdout and terminal and self.terminal else self.default)
        if self[chosen].binary and to_stdout and terminal:
            raise UsageError(f"--format {chosen} writes a binary workbook, not for a terminal; expected --output "
                             f"FILE{self[chosen].extensions[0]} (or stdout redirected to a file)")
        return chosen


#: The tables every command writes.
TABLES = Formats(
    (
        Format("table", (".txt",), False, ".table:to_table"),
        Format("csv", (".csv",), False, ".contract:to_csv"),
        Format("json", (".json",), False, ".contract:to_json"),
        Format("markdown", (".md", ".markdown"), False, ".table:to_markdown"),
        Format("xlsx", (".xlsx",), True, ".xlsx:to_xlsx"),
    ),
    unknown="crimestat does not write '{suffix}' files; expected .csv, .json, .md, .xlsx or .txt (a table), or give "
            "--format",
    default="csv", terminal="table", numbered=True,
)

#: The board report: a document, in Markdown (its chart an image beside it) or one self-contained HTML page.
REPORTS = Formats(
    (
        Format("markdown", (".md", ".markdown"), False, ".report:report_markdown"),
        Format("html", (".html", ".htm"), False, ".report:report_html"),
    ),
    unknown="a report is written as Markdown (.md, .markdown) or one self-contained HTML page (.html, .htm), not "
            "{suffix}; for PDF or Word, write .html and print or open it from a browser or word processor",
    default="markdown",
)

REGISTRY: dict[str, Format] = {f.name: f for f in TABLES}
FORMATS = TABLES.names

#: Formats an ``--output`` file's extension implies (``.txt`` is a table: CSV has its own extension).
EXTENSIONS = TABLES.extensions


def choose_format(fmt: str | None, output: str | None, terminal: bool) -> str:
    """The table format to write (see :meth:`Formats.choose`): ``fmt`` if given, else the one ``output``'s
    extension implies (``.csv``, ``.json``, ``.md``, ``.xlsx``), else a table on a terminal and CSV otherwise."""
    return TABLES.choose(fmt, output, terminal)


def render(result: Any, fmt: str) -> str | bytes:
    """The result (an analysis's typed result, or a laid-out Result) in one of ``FORMATS``: text ending with
    a newline, or for ``xlsx`` the workbook's bytes."""
    from ..runtime import signals
    from .views import view

    signals.ready("computed")
    if fmt not in REGISTRY:
        raise ValueError(f"unknown format {fmt!r}")
    return REGISTRY[fmt].write(view(result))
