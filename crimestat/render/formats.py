"""The output formats, one record each: its name, the file extensions that imply it, whether it is binary,
and the function that writes it. ``--format``, ``--output``'s extension check and every command use this
registry; a new format (Parquet, NDJSON) is one ``Format`` entry and one writer module."""

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

    def write(self, result: Any) -> str | bytes:
        module, function = self.writer.split(":")
        return getattr(importlib.import_module(module, __package__), function)(result)


REGISTRY: dict[str, Format] = {f.name: f for f in (
    Format("table", (".txt",), False, ".table:to_table"),
    Format("csv", (".csv",), False, ".contract:to_csv"),
    Format("json", (".json",), False, ".contract:to_json"),
    Format("markdown", (".md", ".markdown"), False, ".table:to_markdown"),
    Format("xlsx", (".xlsx",), True, ".xlsx:to_xlsx"),
)}
FORMATS = tuple(REGISTRY)

#: Formats an ``--output`` file's extension implies (``.txt`` is a table: CSV has its own extension).
EXTENSIONS = {extension: f.name for f in REGISTRY.values() for extension in f.extensions}


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
    if REGISTRY[chosen].binary and to_stdout and terminal:
        raise UsageError("--format xlsx writes a binary workbook, not for a terminal; expected --output FILE.xlsx "
                         "(or stdout redirected to a file)")
    return chosen


_EXTENSION_OF = {f.name: f.extensions[0][1:] for f in REGISTRY.values() if f.name != "table"}


def render(result: Any, fmt: str) -> str | bytes:
    """The result (an analysis's typed result, or a laid-out Result) in one of ``FORMATS``: text ending with
    a newline, or for ``xlsx`` the workbook's bytes."""
    from .. import signals
    from .views import view

    signals.ready("computed")
    if fmt not in REGISTRY:
        raise ValueError(f"unknown format {fmt!r}")
    return REGISTRY[fmt].write(view(result))
