"""What made a total change: each offence group's change in count as a share of the base period's total.

A group's contribution = (its count now − its count then) ÷ the total's count then × 100, in percentage points,
so the contributions of the groups that make up the total add up to the total's percentage change (DESIGN.md,
"Breakdown"). The groups are the ONS offence groups that partition crime excluding fraud, as the
classification defines them for the data's source; a group whose series breaks between the two periods (a
counting-rule change such as burglary's in April 2017) has no count for one of them, and whatever the named
groups do not account for is shown as one remainder, so the parts always add up to the whole.

This is the report's use of the breakdown: a command of its own (``crimestat breakdown``) builds on the same
rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..dataset import Dataset
from ..model.forces import Force

# The offence groups that partition crime excluding fraud, in the order ONS lists them; a source uses those its
# classification defines (the first of two alternatives that has data, e.g. residential or domestic burglary).
GROUPS = ["homicide", "death_or_serious_injury_caused_by_illegal_driving", "violence_with_injury",
          "violence_without_injury", "stalking_and_harassment", "sexual_offences", "robbery",
          "residential_burglary", "domestic_burglary", "non_residential_burglary", "non_domestic_burglary",
          "vehicle_offences", "theft_from_the_person", "bicycle_theft", "shoplifting", "all_other_theft_offences",
          "criminal_damage_and_arson", "drug_offences", "possession_of_weapons_offences", "public_order_offences",
          "miscellaneous_crimes_against_society"]


@dataclass
class Contribution:
    measure: str
    label: str
    base: int | None
    current: int | None
    points: float | None  # percentage points of the total's change
    events: list[str] = field(default_factory=list)  # registered counting-rule changes between the periods

    @property
    def change(self) -> int | None:
        return None if self.base is None or self.current is None else self.current - self.base


@dataclass
class Contributions:
    total_measure: str
    total_label: str
    base_end: date
    current_end: date
    total_base: int | None
    total_current: int | None
    parts: list[Contribution]
    remainder: Contribution | None  # what the named groups do not account for (a break, an unlisted category)

    @property
    def total_change(self) -> float | None:
        if not self.total_base or self.total_current is None:
            return None
        return (self.total_current - self.total_base) * 100 / self.total_base

    def largest(self, n: int = 3, rises: bool = True) -> list[Contribution]:
        """The ``n`` largest contributions up (or down), largest first."""
        known = [p for p in self.parts if p.points is not None and (p.points > 0 if rises else p.points < 0)]
        return sorted(known, key=lambda p: -abs(p.points or 0))[:n]


def contributions(data: Dataset, force: Force, current: date, base: date,
                  total: str = "crime_excl_fraud") -> Contributions:
    """Each offence group's contribution to the force's change in ``total`` from ``base`` to ``current``."""
    source = data.source.key
    counts = data.counts
    whole = data.classification.categories(total, source)
    used: set[str] = set()
    found_base = counts.count(total, force.code, base)
    found_current = counts.count(total, force.code, current)
    total_base, total_current = found_base.value, found_current.value
    parts = []
    for measure in GROUPS:
        if measure not in data.classification.info:
            continue
        categories = data.classification.categories(measure, source) if measure in \
            data.classification.measures(source) else set()
        if not categories or not categories <= whole or categories & used:
            continue
        then, now = counts.count(measure, force.code, base), counts.count(measure, force.code, current)
        if then.value is None and now.value is None:
            continue  # a group these periods do not have (domestic burglary after 2017): its successor counts
        used |= categories
        info = data.classification.describe(measure)
        points = ((now.value - then.value) * 100 / total_base if then.value is not None and now.value is not None
                  and total_base else None)
        events = [text for when, text, touched in data.source.events if base < when <= current and measure in touched]
        parts.append(Contribution(measure, info.label, then.value, now.value, points, events))
    remainder = None
    if total_base and total_current is not None:
        named_base = sum(p.base for p in parts if p.points is not None)  # type: ignore[misc]
        named_current = sum(p.current for p in parts if p.points is not None)  # type: ignore[misc]
        rest_base, rest_current = total_base - named_base, total_current - named_current
        if rest_base or rest_current:
            events = [text for when, text, _ in data.source.events if base < when <= current]
            remainder = Contribution("other", "Other offences (and groups whose series breaks between the periods)",
                                     rest_base, rest_current, (rest_current - rest_base) * 100 / total_base, events)
    return Contributions(total, data.classification.describe(total).label, base, current, total_base, total_current,
                         parts, remainder)
