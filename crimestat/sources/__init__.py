"""Crime sources: one record each, saying everything crimestat needs to know about a kind of crime file.

A source record says how its files are recognised (by their header, whatever their name), how they are
loaded into 12-month tidy counts, how its periods step, which measures ``compare``, ``trend``, ``rank`` and
``report`` show by default, and how it is cited. Commands and renderers ask the record; none names a
source. Adding a source is one record (``register``) plus its loader and its rows in the classification.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataFileError, MissingFileError
from ..loaders._csv import read_header
from .record import OGL, ChangeSpan, Loaded, PeriodStep, Source, _REGISTRY, register, unregister  # noqa: F401


def get(key: str) -> Source:
    _load_builtin()
    return _REGISTRY[key]


def all_sources() -> list[Source]:
    _load_builtin()
    return list(_REGISTRY.values())


def keys() -> list[str]:
    """The keys of the sources crimestat reads (the classification's ``source`` column)."""
    return [s.key for s in all_sources()]


def recognise(header: list[str]) -> Source | None:
    """The source whose files have this header, or None."""
    for source in all_sources():
        if source.recognise(header):
            return source
    return None


def _load_builtin() -> None:
    # Importing the modules registers their records; done on first use so that `import crimestat` stays light.
    from . import home_office, ons, police_uk  # noqa: F401


def _header(path: str) -> list[str]:
    """The first line's columns of a file, for recognising its source ([] when it cannot be read)."""
    try:
        return read_header(path)
    except OSError:
        return []  # the loader reports what is wrong with the file


def _is_zip(path: str) -> bool:
    try:
        with open(path, "rb") as stream:
            return stream.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def fallback() -> Source:
    """The source given a file that says nothing of itself (empty, or standard input): its loader says what the
    file should hold."""
    return next(s for s in all_sources() if s.default)


def of_file(path: str) -> Source:
    """The source whose files look like ``path``: by its header, or for a workbook the source that reads them."""
    if path == "-":
        return fallback()
    if Path(path).suffix.lower() in (".ods", ".xlsx") or _is_zip(path):
        return next(s for s in all_sources() if s.workbooks)  # a workbook, whatever its name
    if not Path(path).is_file():
        raise MissingFileError.single(path, "file not found" if not Path(path).exists() else "is not a file")
    header = _header(path)
    if not header:
        return fallback()  # its loader says the file is empty and what it should hold
    found = recognise(header)
    if found is None:
        known = "; ".join(s.title for s in all_sources())
        shown = "".join(c if c.isprintable() else "?" for c in ", ".join(header[:8]))[:200]
        raise DataFileError.single(path, f"is not a crime file crimestat knows (header: {shown}); "
                                         f"expected one of: {known}", 1)
    return found
