"""Checks of the outcomes data: a complete grid of forces and quarters, negative totals, duplicates, and the
wording of what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import BadValueError, DataFileError, Problem
from ..model.forces import Registry
from ..loaders._complete import any_force_short, lost_items
from ..loaders.outcome_types import load_outcome_types, packaged_outcome_types_path  # noqa: F401 (re-exported)
from ..model.periods import FINANCIAL_YEAR

_YEAR = FINANCIAL_YEAR  # one spelling rule for years in every loader (model.periods)


# The Home Office offence groups (as the outcomes data spell them); a group written with other capitals or
# spaces is read as the group, anything else is an error.
OFFENCE_GROUPS = (
    "Criminal damage and arson", "Drug offences", "Fraud offences", "Fraud offences to 2012/13",
    "Miscellaneous crimes against society", "Possession of weapons offences", "Public order offences",
    "Robbery", "Sexual offences", "Theft offences", "Violence against the person",
)


@dataclass(frozen=True)
class _Where:
    """Where rows come from: a CSV file (located by line) or a workbook sheet (located by sheet and row)."""

    file: str
    sheet: str | None = None

    @property
    def unit(self) -> str:
        return "line" if self.sheet is None else "row"

    def problem(self, message: str, line: int | None, column: str | None) -> Problem:
        if self.sheet is None:
            return Problem(self.file, message, line, column)
        from ..loaders.spreadsheet import SheetProblem  # a sheet was read, so the workbook reader is there

        return SheetProblem(self.file, message, line, column, sheet=self.sheet)


def _error(problems: list[Problem]) -> DataFileError:
    return BadValueError(sorted(problems, key=lambda p: (p.line or 0, p.column or "")))


def row_ids(columns: list) -> np.ndarray:
    """One int64 per row, equal for rows equal in every one of ``columns`` (numbered in no useful order).

    Each column is factorised (hashing its text once) and the codes combined, so that rows are compared as
    integers: pandas' ``duplicated`` and ``groupby`` on several text columns cost milliseconds even for a
    file of ten rows.
    """
    ids = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    width = 1
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        n = max(len(uniques), 1)
        if width * n >= 2**62:  # renumber before the product could overflow
            ids, distinct = pd.factorize(ids)
            width = max(len(distinct), 1)
        ids = ids.astype(np.int64) * n + np.asarray(codes, dtype=np.int64)
        width *= n
    return ids


def first_seen(ids: np.ndarray) -> np.ndarray:
    """Group numbers 0, 1, 2 ... in the order each group's first row comes (``groupby(sort=False).ngroup()``)."""
    return np.asarray(pd.factorize(ids)[0], dtype=np.int64)


MIN_FORCES_FOR_COMPLETENESS = 10


def _complete_grid(summed: pd.DataFrame, registry: Registry, where: _Where, lines: np.ndarray) -> None:
    """Every force-quarter must have every (offence group, outcome type) row that all other forces have.

    The outcomes data list every combination for every force and quarter (zeros included), so one that is
    short of rows every other force has was cut at a line end or lost rows, and its rates would be silently
    partial. Checked where at least ten territorial forces have the quarter.
    """
    territorial = {f.code for f in registry.territorial}
    inside = summed["area_code"].isin(territorial).to_numpy()
    rows = summed if inside.all() else summed[inside]  # the usual file is all territorial forces: no copy
    (groups, group_names), (types, type_names) = (pd.factorize(rows[c]) for c in ("offence_group", "outcome_type"))
    width = int(types.max(initial=0)) + 1
    combos = groups * width + types
    # Rows a force had the quarter before and lost while other forces still have them (any number of forces).
    ends, quarter_index = np.unique(rows["period_end"].to_numpy(), return_inverse=True)
    area_index, area_codes = pd.factorize(rows["area_code"])
    lost = lost_items(quarter_index, area_index, combos, MIN_FORCES_FOR_COMPLETENESS)
    if len(lost):
        by_force: dict[tuple[int, int], list[str]] = {}
        for q, a, c in lost.tolist():
            by_force.setdefault((q, a), []).append(f"{group_names[c // width]}, type {type_names[c % width]}")
        raise _error([Problem(where.file, f"{registry.by_code(str(area_codes[a])).name}, the quarter to "
                              f"{pd.Timestamp(ends[q]):%B %Y}, lacks {len(found)} offence group and outcome type rows "
                              f"it had the quarter before and other forces still have ({'; '.join(found[:3])}"
                              f"{'; ...' if len(found) > 3 else ''}): the file may be cut short or rows lost; "
                              "expected a row for each") for (q, a), found in sorted(by_force.items())][:20])
    # The quarters and forces numbered as above (whether some force is short does not depend on the numbering).
    if not any_force_short(quarter_index, np.asarray(area_index), combos, MIN_FORCES_FOR_COMPLETENESS):
        return  # the usual case, found with numpy; the loop below names the forces and rows
    problems: list[Problem] = []
    for end, block in rows.groupby("period_end", sort=True):
        forces = block["area_code"].nunique()
        if forces < MIN_FORCES_FOR_COMPLETENESS:
            continue
        combos = block.groupby(["offence_group", "outcome_type"])["area_code"].nunique()
        everyone_else = set(combos.index[combos == forces - 1])
        for area_code, own in block.groupby("area_code"):
            missing = sorted(everyone_else - set(zip(own["offence_group"], own["outcome_type"])))
            if missing:
                shown = "; ".join(f"{g}, type {t}" for g, t in missing[:3])
                problems.append(Problem(where.file, f"{registry.by_code(str(area_code)).name}, the quarter to "
                                        f"{pd.Timestamp(end):%B %Y}, lacks {len(missing)} offence group and outcome "
                                        f"type rows that every other force has ({shown}{'; ...' if len(missing) > 3 else ''}): "
                                        "the file may be cut short or rows lost; expected a row for each"))
    if problems:
        raise _error(problems[:20])


def _near_group(value: str) -> str:
    import difflib

    near = difflib.get_close_matches(value, OFFENCE_GROUPS, n=1, cutoff=0.6)
    return f" (did you mean '{near[0]}'?)" if near else ""


def _negative_totals(keys: pd.DataFrame, counts: np.ndarray, readable: np.ndarray, lines: np.ndarray,
                     where: _Where, column: str, problems: list[Problem]) -> None:
    """Offence-code rows may carry negative corrections, but their total over the codes may not be negative.

    Only totals whose every row was read as a count are judged, so a cell already reported does not make
    up a negative total that is not there.
    """
    if not len(keys):
        return
    group = first_seen(row_ids([keys[c] for c in keys.columns]))  # groups in the order of their first rows
    n = int(group.max()) + 1
    totals = np.zeros(n, dtype=np.int64)
    np.add.at(totals, group, counts)
    negative = totals < 0
    if not negative.any():
        return  # the usual case
    first_line = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_line, group, np.asarray(lines, dtype=np.int64))
    unreadable = np.zeros(n, dtype=bool)
    np.logical_or.at(unreadable, group, ~np.asarray(readable, dtype=bool))
    first_row = np.full(n, len(group), dtype=np.int64)
    np.minimum.at(first_row, group, np.arange(len(group)))
    for g in np.flatnonzero(negative & ~unreadable).tolist():
        year, quarter, _force, group_name, kind = keys.iloc[int(first_row[g])]
        problems.append(where.problem(
            f"outcomes of type {kind} for '{group_name}' in {year} quarter {quarter} sum to {totals[g]} over "
            f"offence codes (the first of their {where.unit}s is here); expected a total of 0 or more",
            int(first_line[g]), column))


def _duplicates(keys: pd.DataFrame, lines: np.ndarray, where: _Where, problems: list[Problem]) -> None:
    """A row repeated for the same force, quarter, offence (code) and outcome type would be counted twice."""
    ids = row_ids([keys[c] for c in keys.columns])
    if not (np.diff(np.sort(ids)) == 0).any():
        return  # the usual case
    repeated = pd.Series(ids).duplicated(keep="first").to_numpy()
    first_of = pd.Series(np.asarray(lines)).groupby(ids, sort=False).transform("min")
    for r in np.flatnonzero(repeated):
        row = keys.iloc[r]
        what = f"offence code '{row['code']}'" if "code" in keys.columns else f"offence group '{row['group']}'"
        problems.append(where.problem(
            f"duplicate row for the same force, {row['year']} quarter {row['quarter']}, {what} and outcome type "
            f"{row['type']} (first on {where.unit} {first_of.iat[r]}); expected one row each", int(lines[r]), None))


def _year_text(text: str) -> str:
    """A financial year written the one way ('2024 / 25' and '2024-25' are '2024/25'), for comparing rows."""
    start = _year_start(text)
    return f"{start}/{(start + 1) % 100:02d}" if start is not None else text


def _year_start(text: str) -> int | None:
    """2024 from '2024/25'; None unless the two years are consecutive."""
    match = _YEAR.match(text)
    if not match:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    return start if (start + 1) % 100 == end else None


def _span(numbers: list[int]) -> str:
    missing = [n for n in range(numbers[0], numbers[-1] + 1) if n not in numbers] if numbers else []
    text = f"{numbers[0]}-{numbers[-1]}" if numbers else "none"
    return text + (f" except {', '.join(map(str, missing))}" if missing else "")


def _suggest(registry: Registry, name: str) -> str:
    near = registry.suggest(name)
    return f" (did you mean '{near[0]}'?)" if near else ""
