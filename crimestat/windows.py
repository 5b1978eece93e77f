"""Rolling 12-month totals from monthly counts (police.uk), with every window complete or absent.

A window is summed only when all of its months are present for that force: a month missing inside a
window never becomes a zero. ``missing_months`` names what a requested window lacks.
"""

from __future__ import annotations

from datetime import date
from typing import cast

import pandas as pd

from . import periods


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
