"""Which source categories make up which measures: data, not code (see ``data/classification.csv``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UnknownMeasureError


@dataclass(frozen=True)
class MeasureInfo:
    measure: str
    label: str
    denominator: str  # "population" or "households"

    @property
    def unit(self) -> str:
        return f"per 1,000 {self.denominator}"


@dataclass
class Classification:
    """Source categories mapped to measures, with each measure's label and denominator."""

    members: dict[tuple[str, str], set[str]]  # (source, measure) -> categories
    info: dict[str, MeasureInfo] = field(default_factory=dict)

    def categories(self, measure: str, source: str = "ons") -> set[str]:
        self.check(measure)
        return self.members.get((source, measure), set())

    def measures(self, source: str | None = None) -> list[str]:
        found = {m for (s, m) in self.members if source is None or s == source}
        order = list(self.info)
        return sorted(found, key=lambda m: (order.index(m) if m in order else len(order), m))

    def describe(self, measure: str) -> MeasureInfo:
        self.check(measure)
        return self.info.get(measure) or MeasureInfo(measure, measure.replace("_", " ").capitalize(), "population")

    def check(self, measure: str) -> None:
        if not any(m == measure for (_, m) in self.members):
            import difflib

            known = sorted({m for (_, m) in self.members})
            near = difflib.get_close_matches(measure, known, n=3)
            hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
            raise UnknownMeasureError(f"unknown measure '{measure}'{hint} (`crimestat measures` lists them all)")
