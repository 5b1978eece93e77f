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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

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


def grouped_outliers(groups: np.ndarray, values: np.ndarray, *, can_stop: bool = True,
                     adjustments: bool = True) -> np.ndarray:
    """:func:`outliers` for many series at once: ``groups`` and ``values`` sorted by series, then by period
    (each series' periods consecutive in the file's own order). Returns the positions of the suspect values.
    The same rule, vectorised, for the Home Office tables' 300,000 counts, with one difference: quarterly
    counts carry small negative adjustments (-4 offences in a quarter, next to 715), so a negative value is
    suspect only from -``FLOOR`` down (a sign flipped on a real count). ``adjustments=False`` drops that
    difference: the values found are then exactly those :func:`outliers` finds in each series (for values that
    are not None and below 2**53 / ``FACTOR``, so that the float comparisons are exact)."""
    import numpy as np

    n = len(values)
    if n == 0:
        return np.zeros(0, dtype="int64")
    v = values.astype("float64")
    same_before = np.zeros(n, dtype=bool)
    same_before[1:] = groups[1:] == groups[:-1]
    same_after = np.zeros(n, dtype=bool)
    same_after[:-1] = same_before[1:]
    before = np.where(same_before, np.roll(v, 1), np.nan)
    after = np.where(same_after, np.roll(v, -1), np.nan)
    sides = same_before.astype(int) + same_after.astype(int)
    small = (same_before & (before < FLOOR)) | (same_after & (after < FLOOR))

    def breaks(n_side: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (v * FACTOR <= n_side) | (v >= n_side * FACTOR)

    both = (sides == 2) & breaks(before) & breaks(after)
    one_side = np.where(same_before, before, after)
    if can_stop:
        with np.errstate(invalid="ignore"):
            single = (sides == 1) & ((v >= one_side * FACTOR) | (v <= -FLOOR))
    else:
        single = (sides == 1) & breaks(one_side)
    if not adjustments:
        return np.flatnonzero(~small & (both | single))
    adjustment = (v < 0) & (v > -FLOOR)
    return np.flatnonzero(~small & ~adjustment & (both | single))


def out_of_line_message(place: str, value: int, what: str, around: Sequence[int]) -> str:
    """The one wording of the out-of-line warning, whatever the source: ``place`` is the file and line (or
    sheet and row), ``what`` the category, force and period ("Robbery for Kent in the 12 months to ...")."""
    shown = " and ".join(f"{n:,}" for n in around)
    return (f"{place}: {value:,} {what} is out of line with its series by ten times or more (next to {shown}); "
            "check the file for a damaged number")
