"""Crime sources: one record each, saying everything crimestat needs to know about a kind of crime file.

A source record says how its files are recognised (by their header, whatever their name), how they are
loaded into 12-month tidy counts, how its periods step, which measures ``compare``, ``trend``, ``rank`` and
``report`` show by default, and how it is cited. Commands and renderers ask the record; none names a
source. Adding a source is one record (``register``) plus its loader and its rows in the classification.
"""

from __future__ import annotations

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
