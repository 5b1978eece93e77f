"""The forces registry: every police force area, its ONS code and every name the sources use for it.

Matching is case-insensitive and forgiving about punctuation ("Devon & Cornwall", "devon-and-cornwall",
"Devon and Cornwall Police" are one force). An unknown name is an error that suggests the nearest names.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ..errors import UnknownForceError

ENGLAND_AND_WALES_CODE = "K04000001"
ENGLAND_AND_WALES = "England and Wales"

_SUFFIXES = ("police service", "constabulary", "police")


@dataclass(frozen=True)
class Force:
    """One police force area (or a national body that records crime, kind 'national' or 'fraud')."""

    code: str
    name: str
    region: str = ""
    country: str = ""
    kind: str = "territorial"
    police_uk_id: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def territorial(self) -> bool:
        return self.kind == "territorial"


@functools.lru_cache(maxsize=4096)  # the registry and its loader normalise each of ~280 names: once each
def normalise(name: str) -> str:
    """The key names are compared by: lower case, '&' as 'and', punctuation as single spaces."""
    text = name.lower().replace("&", " and ")
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _without_suffix(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(" " + suffix):
            return key[: -len(suffix) - 1]
    return key


@dataclass
class Registry:
    """All known forces, looked up by any alias or code."""

    forces: list[Force]
    _by_key: dict[str, Force] = field(default_factory=dict, repr=False)
    _by_code: dict[str, Force] = field(default_factory=dict, repr=False, compare=False)
    _territorial: list[Force] | None = field(default=None, repr=False, compare=False)
    _names: dict[str, str] | None = field(default=None, repr=False, compare=False)
    _suggested: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for force in self.forces:
            for name in (force.code, force.name, force.police_uk_id, *force.aliases):
                if name:
                    key = normalise(name)
                    self._by_key.setdefault(key, force)
                    self._by_key.setdefault(_without_suffix(key), force)

    def find(self, name: str) -> Force | None:
        """The force called ``name``, or None."""
        key = normalise(name)
        return self._by_key.get(key) or self._by_key.get(_without_suffix(key))

    def get(self, name: str, partial: bool = True) -> Force:
        """The force called ``name``: any alias or code, or (``partial``, for names people type) a unique prefix
        or word of one (``Avon``, ``Thames``); an ambiguous name raises listing only its candidates, an unknown
        one the nearest names. Names in data are matched whole (``partial=False``)."""
        force = self.find(name)
        if force is not None:
            return force
        candidates = self.candidates(name) if partial else []
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            listed = " or ".join(f"'{f.name}'" for f in candidates[:8])
            more = f" (and {len(candidates) - 8} more)" if len(candidates) > 8 else ""
            raise UnknownForceError(f"force '{name}' could be {listed}{more}; give more of the name")
        raise UnknownForceError(self._unknown_message(name))

    def candidates(self, name: str) -> list[Force]:
        """The forces one of whose names begins with ``name`` or has it as a whole word (or words), by name."""
        query = _without_suffix(normalise(name))
        if not query:
            return []
        found = {f.code: f for f in self.forces for n in (f.name, *f.aliases) if n
                 for key in (normalise(n),) if key.startswith(query) or f" {query} " in f" {key} "}
        return sorted(found.values(), key=lambda f: f.name)

    def by_code(self, code: str) -> Force:
        if not self._by_code:  # built once (a registry's forces are not changed after); the first of a code wins
            self._by_code.update((f.code, f) for f in reversed(self.forces))
        force = self._by_code.get(code)
        if force is None:
            raise UnknownForceError(f"no force with code '{code}'")
        return force

    @property
    def territorial(self) -> list[Force]:
        """The 43 territorial forces of England and Wales, in code order (a new list each time)."""
        if self._territorial is None:
            self._territorial = sorted((f for f in self.forces if f.territorial), key=lambda f: f.code)
        return list(self._territorial)

    def suggest(self, name: str) -> list[str]:
        """The canonical names nearest to an unknown ``name``, best first (worked out once for each name: a file
        can name an unknown force on every row)."""
        if name in self._suggested:
            return list(self._suggested[name])
        if self._names is None:  # built once, like the lookups: a registry's forces are not changed after
            self._names = {normalise(n): f.name for f in self.forces for n in (f.name, *f.aliases) if n}
        import difflib  # here: only an unknown name needs suggestions

        near = difflib.get_close_matches(normalise(name), list(self._names), n=3, cutoff=0.5)
        found = list(dict.fromkeys(self._names[k] for k in near))
        if len(self._suggested) >= 4096:  # a file of ever new names is not kept whole
            self._suggested.clear()
        self._suggested[name] = found
        return list(found)

    def _unknown_message(self, name: str) -> str:
        names = sorted({f.name for f in self.forces})
        suggestions = self.suggest(name)
        message = f"unknown force '{name}'"
        if suggestions:
            message += "; did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?"
        else:
            message += f"; known forces: {', '.join(names)}"
        return message + " (`crimestat forces` lists every name and code)"

