"""Checks of tables given in memory (``Dataset.from_frames``) and of denominators once loaded: the rules a
file's loader applies, for tables that never were a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DataFileError

if TYPE_CHECKING:
    import pandas as pd

    from ..model.forces import Registry


def check_households(people: dict, homes: dict, name: str, registry: Registry) -> None:
    """Households are always fewer than people (the release's tables cross-checked): an error otherwise."""
    from ..model.denominators import households_above_population

    found = households_above_population(people, homes)
    if found:
        area, year, count, population = found[0]
        raise DataFileError.single(name, f"{registry.by_code(area).name} has {count:,} households in {year} but "
                                         f"{population:,} people{f' (and {len(found) - 1} more such)' if len(found) > 1 else ''}; "
                                         "expected fewer households than people (a file in another unit?)")


def whole_numbers(column: pd.Series, table: str, name: str) -> pd.Series:
    """The column as whole numbers; a fractional, missing or non-numeric value is an error naming its row."""
    import pandas as pd

    numbers = pd.to_numeric(column, errors="coerce")
    bad = numbers.isna() | (numbers != numbers.round())
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataFileError.single(f"<{table} table>", f"row {row + 1}, column '{name}': {column.iloc[row]!r} is not a "
                                   "whole number; expected a count (fractions are never truncated)")
    return numbers.astype("int64")


def no_repeats(keys: pd.DataFrame, table: str, what: str) -> None:
    repeated = keys.duplicated(keep=False).to_numpy()
    if repeated.any():
        rows = [int(r) + 1 for r in repeated.nonzero()[0][:2]]
        raise DataFileError.single(f"<{table} table>", f"rows {rows[0]} and {rows[1]} have the same {what}; expected "
                                   "one row each (a repeat is never summed or dropped)")
