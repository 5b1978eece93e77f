"""Rolling 12-month totals from monthly counts (police.uk), with every window complete or absent.

A window is summed only when all of its months are present for that force: a month missing inside a
window never becomes a zero. ``missing_months`` names what a requested window lacks.
"""

from __future__ import annotations

from datetime import date
from typing import cast

import numpy as np
import pandas as pd

from . import periods
from .measures import QuarterCounts


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_name(index: int) -> str:
    return date(index // 12, index % 12 + 1, 1).strftime("%B %Y")


def rolling_windows(monthly: pd.DataFrame, months: int = 12) -> pd.DataFrame:
    """Tidy counts of complete ``months``-month windows from ``area_code, month, category, count`` rows."""
    frame = monthly.assign(index=monthly["month"].map(month_index))
    wide = frame.pivot_table(index=["area_code", "category"], columns="index", values="count", aggfunc="sum")
    present: dict[str, set[int]] = {str(a): set(m) for a, m in frame.groupby("area_code")["index"]}
    records = []
    if not wide.empty:
        first, last = int(min(wide.columns)), int(max(wide.columns))
        wide = wide.reindex(columns=range(first, last + 1))
        # A category with no rows in a month the force reported is a true zero for that month.
        for key, series in wide.iterrows():
            area, category = cast(tuple[str, str], key)
            have = present[area]
            values = series.to_numpy()
            for end in range(first + months - 1, last + 1):
                window = range(end - months + 1, end + 1)
                if all(m in have for m in window):
                    total = sum(0 if pd.isna(values[m - first]) else values[m - first] for m in window)
                    records.append((area, periods.month_end(end // 12, end % 12 + 1), months, category, int(total)))
    return pd.DataFrame(records, columns=["area_code", "period_end", "months", "category", "count"])


def coverage(monthly: pd.DataFrame) -> dict[str, set[int]]:
    """The months each force has counts for."""
    frame = monthly.assign(index=monthly["month"].map(month_index))
    return {str(a): set(m) for a, m in frame.groupby("area_code")["index"]}


def missing_months(have: set[int], end: date, months: int = 12) -> list[str]:
    """The months of the ``months`` months to ``end`` that are not in ``have``."""
    last = end.year * 12 + end.month - 1
    return [month_name(m) for m in range(last - months + 1, last + 1) if m not in have]


# --- quarterly counts (Home Office open data tables) -------------------------------------------------------

_QUARTER_NAMES = {3: "January to March", 6: "April to June", 9: "July to September", 12: "October to December"}


def _quarter_index(ends: pd.Series) -> np.ndarray:
    """Quarters counted from year 0 (the quarter ending in month m of year y is y*4 + m//3 - 1)."""
    stamps = pd.DatetimeIndex(ends)
    return (stamps.year.to_numpy().astype("int64") * 4 + stamps.month.to_numpy().astype("int64") // 3 - 1)


def _quarter_end(index: int) -> date:
    return periods.month_end(index // 4, (index % 4 + 1) * 3)


def quarterly_windows(quarterly: pd.DataFrame) -> pd.DataFrame:
    """Tidy 12-month counts from tidy quarterly counts, one window ending at every complete quarter end.

    ``quarterly`` has ``area_code, period_end, category, count`` (3-month periods ending on quarter ends).
    A window ending at quarter t exists for a force only when the force has rows in all four quarters
    t-3..t: a missing quarter is unknown, never a zero, so that window is simply absent. Within a complete
    window, a category with no row in one of the quarters counts zero for that quarter (the force reported
    the quarter, just not that offence). A category appears in a window when it has a row in at least one
    of the window's quarters, so codes that start later (residential burglary from April 2017) are absent,
    not zero, before they exist.

    Vectorised: counts are laid out as areas x categories x quarters and summed with a cumulative sum,
    which is instant for the Home Office table (49 areas x ~190 codes x ~55 quarters).
    """
    columns = ["area_code", "period_end", "months", "category", "count"]
    if quarterly.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            columns, ("string", "datetime64[ns]", "int64", "string", "int64"))})
    # Sorted codes, and the cube read in (area, quarter, category) order below, give rows already in
    # the order of area, period end and category: no sort of 300,000 rows.
    area_names, cat_names, first, (areas, cats, q), counts, present = _cube(quarterly)
    has_row = np.zeros(counts.shape, dtype=bool)
    has_row[areas, cats, q] = True

    def last4(values: np.ndarray) -> np.ndarray:
        """Sum over each run of four quarters ending at t (t >= 3), along the last axis."""
        total = np.cumsum(values, axis=-1, dtype="int64")
        out = total[..., 3:].copy()
        out[..., 1:] -= total[..., :-4]
        return out

    sums = last4(counts)  # [area, category, t-3]
    complete = last4(present.astype("int64")) == 4  # [area, t-3]
    any_row = last4(has_row.astype("int64")) > 0
    keep = any_row & complete[:, None, :]
    a, t, c = np.nonzero(keep.transpose(0, 2, 1))
    ends_by_t = pd.to_datetime([_quarter_end(int(i) + 3 + first) for i in range(keep.shape[2])]).as_unit("ns")
    # Text columns as takes from the few distinct names (Arrow takes), not 300,000 Python strings.
    return pd.DataFrame(
        {
            "area_code": pd.array(np.asarray(area_names, dtype=object), dtype="string").take(a),
            "period_end": ends_by_t[t],
            "months": np.full(len(a), 12, dtype="int64"),
            "category": pd.array(np.asarray(cat_names, dtype=object), dtype="string").take(c),
            "count": sums[a, c, t],
        }
    )


def _cube(quarterly: pd.DataFrame):
    """Quarterly rows as arrays: the sorted area and category names, the first quarter's index, each row's
    (area, category, quarter) position, the counts cube (area x category x quarter, a code repeated within a
    quarter summed) and which areas have any row in each quarter."""
    quarter = _quarter_index(quarterly["period_end"])
    first = int(quarter.min())
    q = quarter - first
    areas, area_names = pd.factorize(quarterly["area_code"], sort=True)
    cats, cat_names = pd.factorize(quarterly["category"], sort=True)
    counts = np.zeros((len(area_names), len(cat_names), int(q.max()) + 1), dtype="int64")
    np.add.at(counts, (areas, cats, q), quarterly["count"].to_numpy(dtype="int64"))
    present = np.zeros((len(area_names), counts.shape[2]), dtype=bool)
    present[areas, q] = True
    return area_names, cat_names, first, (areas, cats, q), counts, present


def quarter_counts(quarterly: pd.DataFrame) -> QuarterCounts:
    """The quarterly counts of ``area_code, period_end, category, count`` rows as a :class:`QuarterCounts`."""
    if quarterly.empty:
        return QuarterCounts([], [], [], np.zeros((0, 0, 0), dtype="int64"), np.zeros((0, 0), dtype=bool))
    area_names, cat_names, first, _, counts, present = _cube(quarterly)
    n_quarters = counts.shape[2]
    # Kept as 32-bit counts (a cached table's size; the loader's bounds keep one quarter's count far below)
    return QuarterCounts([str(a) for a in area_names], [str(c) for c in cat_names],
                         [_quarter_end(first + i) for i in range(n_quarters)], counts.astype("int32"), present)


def quarter_coverage(quarterly: pd.DataFrame) -> dict[str, set[date]]:
    """The quarter ends each force has counts for (to say why a 12-month period is not available)."""
    ends = quarterly.groupby("area_code")["period_end"].unique()
    return {str(area): {periods.as_period(e) for e in values} for area, values in ends.items()}


def missing_quarters(have: set[date], end: date) -> list[str]:
    """The quarters of the 12 months to ``end`` that are not in ``have``, e.g. ['April to June 2013']."""
    last = end.year * 4 + end.month // 3 - 1
    missing = []
    for index in range(last - 3, last + 1):
        quarter_end = _quarter_end(index)
        if quarter_end not in have:
            missing.append(f"{_QUARTER_NAMES[quarter_end.month]} {quarter_end.year}")
    return missing
