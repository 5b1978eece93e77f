"""Order-of-magnitude breaks in a series: a value that disagrees with its own neighbours tenfold.

A population given in thousands (or times 1,000) for one year, a count with its sign flipped, or a count
cut short by a damaged copy (5840 read as 58) are plausible-looking numbers that break with the rest of
their own series. The rule (README "Promises"): a value is suspect when every neighbour it has in its
series (the previous and the next period or year) is at least ``FLOOR`` and the value is at most a tenth
of it or at least ten times it (a negative value is always at most a tenth). Requiring *every* neighbour
to disagree keeps real series changes quiet: a series that drops for good (force-level fraud moving to
Action Fraud in 2013) agrees with its later neighbour, and small counts (homicide: 0, 3, 1) are below the
floor. Counts may also start or stop being recorded, so at the first or last point of a count series
(one neighbour) only a jump up, or a fall below -``FLOOR`` (a sign flipped), is suspect; a population has
no such excuse. The threshold was checked against every file in ``sample_data/releases``: none gives a warning.
"""

from __future__ import annotations

from collections.abc import Sequence

# A tenfold unit error lands a little under ten times its neighbours when they differ from the true value
# (a hostile test found 2,599 -> 25,990 next to 2,650 and 2,700 passing at 10), so the rule is eight.
FACTOR = 8
FLOOR = 100


def outliers(values: Sequence[int | float | None], *, can_stop: bool = False) -> list[int]:
    """Indexes of the values that break with both neighbours (or their only one) by ``FACTOR`` or more.

    ``can_stop``: the series may begin or end with a real fall (counts of a category being retired).
    """
    found = []
    for i, value in enumerate(values):
        if value is None:
            continue
        sides = [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
        if not sides or any(n is None or n < FLOOR for n in sides):
            continue
        if can_stop and len(sides) == 1:
            n = sides[0]
            if value >= n * FACTOR or value <= -FLOOR:  # type: ignore[operator]
                found.append(i)
        elif all(value * FACTOR <= n or value >= n * FACTOR for n in sides):  # type: ignore[operator]
            found.append(i)
    return found
