"""Which source categories make up which measures: data, not code (see ``data/classification.csv``).

Also where a measure's name is resolved, once for every command: its identifier (``crime_excl_fraud``) or
its label (``Crime excluding fraud``), in any case, or a unique prefix or word of either (``Shoplifting``,
``stalking``); an ambiguous name lists its candidates, an unknown one suggests the nearest. And how a
measure is taken apart (``parts``) at a source's levels: offence groups, subgroups, or the source's own
categories (Home Office offence codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UnknownMeasureError, UsageError

#: A breakdown at the level of the source's own categories names each one as a measure with this prefix
#: (``offence:8L``), so that counts, tests and rows treat a category and a measure alike.
CATEGORY_PREFIX = "offence:"
CATEGORY_LEVEL = "offence"


@dataclass(frozen=True)
class MeasureInfo:
    measure: str
    label: str
    denominator: str  # "population" or "households"

    @property
    def unit(self) -> str:
        return f"per 1,000 {self.denominator}"


def _key(text: str) -> str:
    from .forces import normalise  # one way of comparing names for forces and measures

    return normalise(text)


def _word_match(query: str, key: str) -> bool:
    """Whether ``query`` (normalised) is a prefix of ``key`` or a run of its whole words."""
    return key.startswith(query) or f" {query} " in f" {key} "


@dataclass
class Classification:
    """Source categories mapped to measures, with each measure's label and denominator."""

    members: dict[tuple[str, str], set[str]]  # (source, measure) -> categories
    info: dict[str, MeasureInfo] = field(default_factory=dict)
    levels: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (source, level) -> measures
    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (source, category) -> its label

    def categories(self, measure: str, source: str = "ons") -> set[str]:
        if measure.startswith(CATEGORY_PREFIX):
            return {measure[len(CATEGORY_PREFIX):]}
        self.check(measure)
        return self.members.get((source, measure), set())

    def measures(self, source: str | None = None) -> list[str]:
        found = {m for (s, m) in self.members if source is None or s == source}
        order = list(self.info)
        return sorted(found, key=lambda m: (order.index(m) if m in order else len(order), m))

    def describe(self, measure: str, source: str = "home_office") -> MeasureInfo:
        if measure.startswith(CATEGORY_PREFIX):
            code = measure[len(CATEGORY_PREFIX):]
            label = self.labels.get((source, code))
            return MeasureInfo(measure, f"{code} {label}" if label else code, "population")
        self.check(measure)
        return self.info.get(measure) or MeasureInfo(measure, measure.replace("_", " ").capitalize(), "population")

    def check(self, measure: str) -> None:
        """Raise unless ``measure`` is a measure's identifier (names people write go through :meth:`resolve`)."""
        if measure in self._names():
            return
        meant = self.resolve(measure)  # raises, with the candidates or the nearest names
        raise UnknownMeasureError(f"unknown measure '{measure}'; did you mean '{meant}'? (`crimestat measures` lists "
                                  "them all)")

    def _names(self) -> set[str]:
        # Every command checks measure names many times (each count): a set, rebuilt if members changed.
        size = len(self.members)
        if getattr(self, "_known", (None, -1))[1] != size:
            self._known = ({m for (_, m) in self.members}, size)
        return self._known[0]

    # -- names as people write them ------------------------------------------------------------------------

    def resolve(self, name: str, source: str | None = None) -> str:
        """The measure called ``name``: its identifier or label in any case, or a unique prefix or word of
        either; among several candidates the one the ``source`` has, if only one. Raises
        :class:`UnknownMeasureError` listing the candidates of an ambiguous name, or the nearest names."""
        known = sorted({m for (_, m) in self.members})
        if name in known:
            return name
        query = _key(name)
        names = {m: {_key(m), _key(self.info[m].label) if m in self.info else _key(m)} for m in known}
        exact = [m for m, keys in names.items() if query in keys]
        if len(exact) == 1:
            return exact[0]
        candidates = exact or [m for m, keys in names.items() if query and any(_word_match(query, k) for k in keys)]
        if len(candidates) == 1:
            return candidates[0]
        if candidates and source is not None:
            mine = [m for m in candidates if (source, m) in self.members]
            if len(mine) == 1:
                return mine[0]
            candidates = mine or candidates  # only the candidates these data have
        if candidates:
            listed = ", ".join(f"{m} ({self.describe(m).label})" for m in candidates[:8])
            more = f" and {len(candidates) - 8} more" if len(candidates) > 8 else ""
            raise UnknownMeasureError(f"measure '{name}' could be {listed}{more}; give one of them")
        import difflib

        whole = {k: m for m, ks in names.items() for k in ks}
        words: dict[str, list[str]] = {}
        for m, ks in names.items():
            for word in {w for k in ks for w in k.split()}:  # a misspelt word of a name ('stalkng') finds it too
                words.setdefault(word, []).append(m)
        near = [whole[k] for k in difflib.get_close_matches(query, list(whole), n=3, cutoff=0.75)]
        if not near:  # no whole name is close: a misspelt word of one
            near = [m for k in difflib.get_close_matches(query, list(words), n=3, cutoff=0.75) for m in sorted(words[k])]
        if source is not None and any((source, m) in self.members for m in near):
            near = [m for m in near if (source, m) in self.members]  # the data's own measures
        near = list(dict.fromkeys(near))[:3]
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        raise UnknownMeasureError(f"unknown measure '{name}'{hint} (`crimestat measures` lists them all)")

    # -- taking a measure apart ------------------------------------------------------------------------------

    def levels_of(self, source: str) -> list[str]:
        """The levels a source's measures can be taken apart at, broadest first."""
        found = [level for (s, level) in self.levels if s == source]
        order = ["group", "subgroup", CATEGORY_LEVEL]
        if source == "home_office":
            found.append(CATEGORY_LEVEL)  # offence codes: the Home Office tables' own categories
        return sorted(set(found), key=lambda level: order.index(level) if level in order else len(order))

    def default_level(self, source: str) -> str:
        """Subgroups where the source has them (they name what drove a change: shoplifting, not theft), else
        the source's broadest level."""
        levels = self.levels_of(source)
        return "subgroup" if "subgroup" in levels else levels[0] if levels else CATEGORY_LEVEL

    def parts(self, measure: str, source: str, level: str) -> list[str]:
        """The measures (or ``offence:CODE`` categories) that ``measure`` is made of at ``level``, each
        category of it in exactly one part. A level the source does not have, or a measure with no
        parts at it, is a usage error saying what there is."""
        levels = self.levels_of(source)
        if level not in levels:
            raise UsageError(f"the data ({source.replace('_', ' ')}) have no '{level}' level; expected one of "
                             f"{', '.join(levels)}", parameter="level", value=level)
        mine = self.categories(measure, source)
        if not mine:
            raise UsageError(f"'{self.describe(measure).label}' has no categories in these data",
                             parameter="measure", value=measure)
        if level == CATEGORY_LEVEL:
            return [CATEGORY_PREFIX + c for c in sorted(mine, key=_code_order)]
        found = [m for m in self.levels.get((source, level), [])
                 if self.members.get((source, m)) and self.members[(source, m)] <= mine]
        covered = set().union(*(self.members[(source, m)] for m in found)) if found else set()
        if not found or found == [measure] or covered != mine:
            raise UsageError(f"'{self.describe(measure).label}' is not made of {level}s in these data; expected a "
                             f"measure that spans several (such as crime_excl_fraud), or another --level "
                             f"({', '.join(lv for lv in levels if lv != level)})", parameter="level", value=level)
        return found


def _code_order(code: str) -> tuple:
    """Offence codes in their natural order: 3A before 10, 8L before 8M."""
    import re

    head = re.match(r"\d+", code)
    return (int(head.group()) if head else 10**6, code)
