"""Read the outcomes series: Home Office outcomes summed to force x quarter (and force x year x offence group).

The quarter file has one row per force and financial quarter (``force, fy, q``) and, for each basis
(``closed_``: outcomes assigned in the quarter; ``recorded_``: outcomes so far of the offences recorded in
it) and scope (``all``, ``ex_fraud``), the counts of outcome types 1, 2, 3, 6, 7, 8, 22, ``oocd`` (the
out-of-court types 2-22 summed), ``positive`` (1 + out-of-court) and ``assigned`` (every type but 0). The
group file has ``force, fy, offence_group`` and charges and out-of-court outcomes on both bases.

Every problem of a file is reported at once, each naming its line and column: a cell that is not a whole
number of 0 or more, an unknown force or year, a force and quarter given twice, counts that do not add up
(out-of-court not the sum of its types, positive not charges plus out-of-court, assigned below positive),
a territorial force missing a quarter the others have. A file lacking a column is refused with the columns
it has. Zeros are read as written: whether a quarter of zeros is a gap is the model's plausibility rule
(``crimestat.model.outcome_series``), not the loader's.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np

from ..errors import BadValueError, DataFileError, Problem
from ..model.forces import Registry
from ..model.outcome_series import BASES, COUNTS, OUTCOME_TYPES, SCOPES, GroupTable, SeriesTable
from ..loaders._csv import CsvTable, Source, parse_number, read_csv
from ..model.periods import FINANCIAL_YEAR

FORCE, YEAR, QUARTER, GROUP = "force", "fy", "q", "offence_group"
_YEAR = FINANCIAL_YEAR  # one spelling rule for years in every loader (model.periods)
_QUARTER_END = {1: (6, 30, 0), 2: (9, 30, 0), 3: (12, 31, 0), 4: (3, 31, 1)}
GROUP_KINDS = ("charge", "oocd")


def series_columns() -> list[str]:
    """The count columns of the quarter file, basis by scope by count: ``closed_all_t1`` ... ``recorded_ex_fraud_assigned``."""
    return [f"{basis}_{scope}_{count}" for basis in BASES for scope in SCOPES for count in COUNTS]


def group_columns() -> list[str]:
    return [f"{basis}_{kind}" for basis in BASES for kind in GROUP_KINDS]


def _year_start(text: str) -> int | None:
    match = _YEAR.match(text.strip())
    if not match:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    return start if (start + 1) % 100 == end and 2000 <= start <= 2100 else None


def _counts(table: CsvTable, columns: list[str]) -> np.ndarray:
    """Every count cell as int64 (rows x columns); a bad cell is recorded as a problem and read as 0.

    One outcome type's count may be negative (the outcomes data carry net recording corrections: the
    2014/15 file has -2 for one type of Leicestershire's); a total (out-of-court, positive, assigned, a
    group's charges) may not."""
    indexes = [table.index(c) for c in columns]
    out = np.zeros((len(table.rows), len(columns)), dtype=np.int64)
    slow = []
    for j, i in enumerate(indexes):
        cells = [row[i] for row in table.rows]
        digits = "".join(cells)
        if cells and digits.isascii() and digits.isdigit() and all(cells) and max(map(len, cells)) <= 18:
            # The usual case, a column of 1 to 18 ASCII digits in every cell: checked as one text and
            # converted by numpy in one pass (a fraction of the time of int() cell by cell).
            values = np.fromstring(",".join(cells), dtype=np.int64, sep=",")
            if len(values) == len(cells):
                out[:, j] = values
                continue
        slow.append(j)
    if not slow:
        return out
    for r, row in enumerate(table.rows):
        for j in slow:
            i = indexes[j]
            cell = row[i]
            if cell.isdigit() and cell.isascii():  # the usual case, without parse_number's checks
                out[r, j] = int(cell)
                continue
            single_type = re.search(r"_t\d+$", columns[j]) is not None
            value = parse_number(table, r, columns[j], cell, minimum=None if single_type else 0,
                                 what="a whole number of outcomes" if single_type else
                                 "a whole number of outcomes of 0 or more")
            if value is not None:
                out[r, j] = int(value)
    return out


def _forces(table: CsvTable, registry: Registry) -> list[str | None]:
    codes: dict[str, str | None] = {}
    found = []
    i = table.index(FORCE)
    for r, row in enumerate(table.rows):
        name = row[i].strip()
        if name not in codes:
            force = registry.find(name) if name else None
            codes[name] = force.code if force is not None else None
            if not name:
                table.problem("empty value; expected a police force name", r, FORCE)
            elif force is None:
                near = registry.suggest(name)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                table.problem(f"'{name}' is not a known police force{hint}; expected a name or code from "
                              "`crimestat forces`", r, FORCE)
        found.append(codes[name])
    return found


def _years(table: CsvTable) -> list[int | None]:
    i = table.index(YEAR)
    years = []
    for r, row in enumerate(table.rows):
        start = _year_start(row[i])
        if start is None:
            table.problem(f"'{row[i]}' is not a financial year; expected one such as 2024/25", r, YEAR)
        years.append(start)
    return years


def quarter_end(year_start: int, quarter: int) -> date:
    """The last day of financial quarter ``quarter`` (1 = April to June) of the year starting in April ``year_start``."""
    month, day, offset = _QUARTER_END[quarter]
    return date(year_start + offset, month, day)


def load_outcome_series(source: Source, registry: Registry) -> SeriesTable:
    """The quarter file as a :class:`SeriesTable`; every problem in it is a ``DataFileError`` naming its line."""
    columns = series_columns()
    table = read_csv(source, [FORCE, YEAR, QUARTER, *columns], ["slug"])
    codes = _forces(table, registry)
    years = _years(table)
    qi = table.index(QUARTER)
    quarters: list[int | None] = []
    for r, row in enumerate(table.rows):
        text = row[qi].strip()
        if text in ("1", "2", "3", "4"):
            quarters.append(int(text))
        else:
            quarters.append(None)
            table.problem(f"'{text}' is not a financial quarter; expected 1, 2, 3 or 4 (quarter 1 is April to June)",
                          r, QUARTER)
    counts = _counts(table, columns)
    shaped = counts.reshape(len(table.rows), len(BASES), len(SCOPES), len(COUNTS))
    _check_sums(table, shaped)

    seen: dict[tuple[str, int, int], int] = {}
    for r, key in enumerate(zip(codes, years, quarters)):
        if None in key:
            continue
        if key in seen:
            table.problem(f"a second row for {registry.by_code(key[0]).name}, {key[1]}/{(key[1] + 1) % 100:02d} quarter "
                          f"{key[2]} (the first is on line {table.lines[seen[key]]}); expected one row per force and "
                          "quarter", r, QUARTER)
        else:
            seen[key] = r  # type: ignore[index]
    table.raise_problems()

    ends = sorted({quarter_end(y, q) for _, y, q in seen})
    areas = sorted({c for c, _, _ in seen})
    area_index = {a: i for i, a in enumerate(areas)}
    quarter_index = {q: i for i, q in enumerate(ends)}
    present = np.zeros((len(areas), len(ends)), dtype=bool)
    # The file's own order of counts is kept: (basis, scope, count).
    cube = np.zeros((len(areas), len(ends), len(BASES), len(SCOPES), len(COUNTS)), dtype=np.int64)
    for (code, year, quarter), r in seen.items():
        a, q = area_index[code], quarter_index[quarter_end(year, quarter)]
        cube[a, q] = shaped[r]
        present[a, q] = True
    _check_complete(table.name, registry, areas, ends, present)
    return SeriesTable(areas, ends, cube)


def _check_sums(table: CsvTable, shaped: np.ndarray) -> None:
    """Counts that do not add up, one problem per row and basis: the row's figures cannot all be right."""
    t = {name: i for i, name in enumerate(COUNTS)}
    types = [t[f"t{n}"] for n in OUTCOME_TYPES if n != 1]
    oocd = shaped[..., types].sum(axis=-1)
    bad_oocd = oocd != shaped[..., t["oocd"]]
    bad_positive = shaped[..., t["t1"]] + shaped[..., t["oocd"]] != shaped[..., t["positive"]]
    bad_assigned = shaped[..., t["assigned"]] < shaped[..., t["positive"]]
    for r, b, s in zip(*np.nonzero(bad_oocd | bad_positive | bad_assigned)):
        prefix = f"{BASES[b]}_{SCOPES[s]}_"
        row = shaped[r, b, s]
        if bad_oocd[r, b, s]:
            table.problem(f"{prefix}oocd is {row[t['oocd']]:,} but its types ({', '.join(prefix + f't{n}' for n in OUTCOME_TYPES if n != 1)}) "
                          f"sum to {oocd[r, b, s]:,}; expected out-of-court outcomes to be the sum of their types",
                          r, prefix + "oocd")
        elif bad_positive[r, b, s]:
            table.problem(f"{prefix}positive is {row[t['positive']]:,} but {prefix}t1 + {prefix}oocd is "
                          f"{row[t['t1']] + row[t['oocd']]:,}; expected positive outcomes to be charges plus "
                          "out-of-court outcomes", r, prefix + "positive")
        if bad_assigned[r, b, s]:
            table.problem(f"{prefix}assigned is {row[t['assigned']]:,}, below {prefix}positive "
                          f"({row[t['positive']]:,}); expected every outcome assigned (positive ones included) to "
                          "be at least the positive outcomes", r, prefix + "assigned")


def _check_complete(name: str, registry: Registry, areas: list[str], ends: list[date], present: np.ndarray) -> None:
    """Every territorial force must have a row for every quarter of the file: one missing is a file cut
    short or a force dropped, and its figures (and England and Wales's) would be silently partial."""
    problems = []
    index = {a: i for i, a in enumerate(areas)}
    for force in registry.territorial:
        i = index.get(force.code)
        if i is None:
            problems.append(Problem(name, f"no rows for {force.name}; expected a row for every territorial force "
                                          "and quarter (a quarter without data is written as zeros)"))
            continue
        lacking = [q for q, ok in zip(ends, present[i]) if not ok]
        if lacking:
            shown = ", ".join(f"{q:%B %Y}" for q in lacking[:3]) + (" ..." if len(lacking) > 3 else "")
            problems.append(Problem(name, f"{force.name} has no row for the quarter{'s' if len(lacking) > 1 else ''} "
                                          f"to {shown}; expected a row for every territorial force and quarter"))
    if problems:
        raise DataFileError(problems)


def load_outcome_groups(source: Source, registry: Registry) -> GroupTable:
    """The force x financial year x offence group file as a :class:`GroupTable`."""
    columns = group_columns()
    table = read_csv(source, [FORCE, YEAR, GROUP, *columns], ["slug"])
    codes = _forces(table, registry)
    years = _years(table)
    gi = table.index(GROUP)
    groups = []
    for r, row in enumerate(table.rows):
        text = " ".join(row[gi].split())
        if not text:
            table.problem("empty value; expected an offence group", r, GROUP)
        groups.append(text)
    counts = _counts(table, columns)
    seen: dict[tuple, int] = {}
    for r, key in enumerate(zip(codes, years, (g.lower() for g in groups))):
        if None in key or not key[2]:
            continue
        if key in seen:
            table.problem(f"a second row for {registry.by_code(key[0]).name}, {key[1]}/{(key[1] + 1) % 100:02d}, "
                          f"'{groups[r]}' (the first is on line {table.lines[seen[key]]}); expected one row per force, "
                          "year and offence group", r, GROUP)
        else:
            seen[key] = r
    table.raise_problems(BadValueError)
    areas = sorted({k[0] for k in seen})
    year_list = sorted({k[1] for k in seen})
    names = sorted({groups[r] for r in seen.values()}, key=str.lower)
    group_index = {g.lower(): i for i, g in enumerate(names)}
    ai = {a: i for i, a in enumerate(areas)}
    yi = {y: i for i, y in enumerate(year_list)}
    cube = np.zeros((len(areas), len(year_list), len(names), len(BASES), len(GROUP_KINDS)), dtype=np.int64)
    present = np.zeros((len(areas), len(year_list)), dtype=bool)
    for (code, year, group), r in seen.items():
        cube[ai[code], yi[year], group_index[group]] = counts[r].reshape(len(BASES), len(GROUP_KINDS))
        present[ai[code], yi[year]] = True
    return GroupTable(areas, year_list, names, cube, present)
