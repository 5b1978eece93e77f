"""Checks of the Home Office tables, vectorised: years, quarters, forces, counts, completeness and duplicates;
only rows that fail are looked at one by one, to say where and why."""

from __future__ import annotations

from datetime import date
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import BadValueError, Problem
from ...model.forces import Registry
from ...loaders._complete import any_force_short, distinct_small, lost_items
from ...loaders._csv import CsvTable, parse_number
from .layout import (CODE, COUNT, COUNT_BOUNDS, COUNT_WHAT, FIRST_YEAR, FORCE, QUARTER, REQUIRED, YEAR, _QUARTERS,
                     _WHOLE, _WHOLE_ANCHORED, _YEAR)

if TYPE_CHECKING:
    from .parser import _Raw

@dataclass
class _Column:
    """A low-cardinality text column as codes into its distinct values (trimmed): checks run on the few
    distinct values, not on 300,000 rows."""

    codes: np.ndarray
    values: np.ndarray  # object array of trimmed text

    @classmethod
    def of(cls, series: pd.Series) -> _Column:
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        # Values equal once trimmed share one code: ' 30C' and '30C' are one offence code, so a row repeated
        # with a space added is a duplicate, not a second count.
        merged, values = pd.factorize(pd.Series([str(u).strip() for u in uniques], dtype=object),
                                      use_na_sentinel=False)
        return cls(np.asarray(merged, dtype="int64")[np.asarray(codes, dtype="int64")],
                   np.asarray(values, dtype=object))

    @classmethod
    def from_arrow(cls, column: pa.ChunkedArray) -> _Column:
        """From a dictionary-encoded column whose chunks share one dictionary (``Table.unify_dictionaries``)."""
        chunks = [chunk for chunk in column.chunks if len(chunk)]
        if not chunks:
            return cls(np.zeros(0, dtype="int64"), np.array([], dtype=object))
        indices = np.concatenate([np.asarray(chunk.indices, dtype="int64") for chunk in chunks])
        distinct = chunks[0].dictionary.to_pylist()
        merged, values = pd.factorize(pd.Series([str(v).strip() for v in distinct], dtype=object),
                                      use_na_sentinel=False)
        return cls(np.asarray(merged, dtype="int64")[indices], np.asarray(values, dtype=object))

    def folded(self) -> _Column:
        """The same column with values equal once case and inner spacing are folded sharing one code: '8n'
        and '8N', '4.10' and ' 4.10' are one offence code (the one rule for keys, as for duplicates)."""
        merged, values = pd.factorize(pd.Series([" ".join(str(v).split()).upper() for v in self.values],
                                                dtype=object), use_na_sentinel=False)
        return _Column(np.asarray(merged, dtype="int64")[self.codes], np.asarray(values, dtype=object))

    def rows_where(self, bad: set[int]) -> np.ndarray:
        """The row indices whose value is one of the ``bad`` distinct values."""
        return np.flatnonzero(np.isin(self.codes, list(bad)))

    def text(self, row: int) -> str:
        return str(self.values[self.codes[row]])


def _tidy(raw: _Raw, registry: Registry) -> pd.DataFrame:
    year, quarter, force, code = raw.columns()
    folded = code.folded()  # the key: '8n' and '8N' are one offence code for duplicates and completeness
    # Rows of empty cells (a CSV line of commas, spreadsheet padding) carry nothing: leave them out.
    # Compared once per distinct value, then spread to the rows (an object comparison per row is slow).
    blank = (
        (year.values == "")[year.codes] & (quarter.values == "")[quarter.codes]
        & (force.values == "")[force.codes] & (code.values == "")[code.codes]
    )
    if blank.any():
        blank &= (raw.counts().astype(str).str.strip() == "").to_numpy()
    keep = np.flatnonzero(~blank) if blank.any() else None

    start = _financial_years(raw, year, keep)
    quarter_number = _quarters(raw, quarter, keep)
    area = _forces(raw, force, registry, keep)
    empty_code = {i for i, v in enumerate(code.values) if not v}
    if empty_code:
        for row in _kept(code.rows_where(empty_code), keep):
            raw.problem(int(row), "empty value; expected an offence code such as '8N' or '4.10'", CODE)
    count = _counts(raw)

    valid = ~(np.isnan(start) | np.isnan(quarter_number) | (area.values == "")[area.codes]
              | np.isin(code.codes, list(empty_code)))
    if keep is not None:
        valid &= ~blank
    _bounds(raw, count, valid)
    _not_after_today(raw, valid, start, quarter_number, year, quarter)
    parts_to_sum = _duplicates(raw, valid, force, year, quarter, folded, area, start, quarter_number)
    _aggregates_beside_parts(raw, valid, folded, area, start, quarter_number, force, year, quarter)
    if raw.problems:
        raise BadValueError(_sorted(raw.problems))
    _complete_quarters(raw, valid, start, quarter_number, area, folded, registry)
    _warn_out_of_line(raw, valid, start, quarter_number, area, folded, count, registry)

    rows = np.flatnonzero(valid) if not valid.all() else slice(None)
    # Quarter q of financial year Y ends in month Y*12 + 2 + 3q (0-based months: q1 -> June of Y).
    month0 = start[rows].astype("int64") * 12 + 2 + 3 * quarter_number[rows].astype("int64")
    areas, categories, counts = area.codes[rows], code.codes[rows], count[rows]
    if parts_to_sum:
        # A combined code listed once per offence it combines (2018-2019 exports): one row, their sum, in the
        # place of the first (rows keep the order of each force, quarter and code's first row).
        span = int(month0.max() - month0.min()) + 1 if len(month0) else 1
        key = (areas.astype("int64") * span + (month0 - month0.min())) * (len(code.values) + 1) + categories
        _, first, group = np.unique(key, return_index=True, return_inverse=True)
        sums = np.zeros(len(first), dtype="int64")
        np.add.at(sums, group.reshape(-1), counts)
        order = np.argsort(first, kind="stable")
        kept = first[order]
        month0, areas, categories, counts = month0[kept], areas[kept], categories[kept], sums[order]
    ends = (month0 - 1970 * 12 + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    return pd.DataFrame(
        {
            "area_code": pd.array(area.values, dtype="string").take(areas),
            "period_end": pd.to_datetime(ends).as_unit("ns"),
            "months": np.full(len(ends), 3, dtype="int64"),
            "category": pd.array(code.values, dtype="string").take(categories),
            "count": counts,
        }
    )


def _quoted(text: str) -> str:
    """A cell quoted in a message: as written, or with escapes where it holds a NUL or another control
    character (which a terminal would show as nothing, so '2012/13' would seem to be refused)."""
    return f"'{text}'" if text.isprintable() else repr(text)


def _kept(rows: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    return rows if keep is None else np.intersect1d(rows, keep)


def _sorted(problems: list[Problem]) -> list[Problem]:
    sheet_order: dict[str, int] = {}
    for p in problems:
        sheet = getattr(p, "sheet", None) or ""
        sheet_order.setdefault(sheet, len(sheet_order))
    return sorted(
        problems, key=lambda p: (sheet_order[getattr(p, "sheet", None) or ""], p.line or 0, p.column or "")
    )


def _financial_years(raw: _Raw, years: _Column, keep: np.ndarray | None) -> np.ndarray:
    """The first calendar year of each row's financial year ('2013/14' -> 2013), NaN where it is malformed."""
    starts = np.full(len(years.values), np.nan)
    reasons: dict[int, str] = {}
    for i, text in enumerate(years.values):
        match = _YEAR.match(text)
        if match and (int(match.group(1)) + 1) % 100 == int(match.group(2)) and \
                FIRST_YEAR <= int(match.group(1)) <= date.today().year:
            starts[i] = float(match.group(1))
        elif match and (int(match.group(1)) + 1) % 100 == int(match.group(2)):
            reasons[i] = (f"{_quoted(text)} is outside the years police recorded crime can cover; expected a financial "
                          f"year from {FIRST_YEAR}/{(FIRST_YEAR + 1) % 100:02d} to this year's")
        elif not text:
            reasons[i] = "empty value; expected a financial year such as 2013/14"
        elif match:
            reasons[i] = (f"{_quoted(text)} is not a financial year: the years are not consecutive; expected a "
                          "financial year such as 2013/14")
        else:
            reasons[i] = f"{_quoted(text)} is not a financial year; expected YYYY/YY (or YYYY-YY), such as 2013/14"
    if reasons:
        for row in _kept(years.rows_where(set(reasons)), keep):
            raw.problem(int(row), reasons[int(years.codes[row])], YEAR)
    return starts[years.codes]


def _quarters(raw: _Raw, quarters: _Column, keep: np.ndarray | None) -> np.ndarray:
    numbers = np.array([_QUARTERS.get(v, np.nan) for v in quarters.values], dtype=float)
    bad = {i for i, n in enumerate(numbers) if np.isnan(n)}
    if bad:
        for row in _kept(quarters.rows_where(bad), keep):
            text = quarters.text(row)
            found = f"{_quoted(text)} is not a quarter" if text else "empty value"
            raw.problem(int(row), f"{found}; expected a financial quarter 1, 2, 3 or 4 (1 = April to June)",
                        QUARTER)
    return numbers[quarters.codes]


def _forces(raw: _Raw, names: _Column, registry: Registry, keep: np.ndarray | None) -> _Column:
    """Each row's registry code ('' where the force is unknown, with a problem recorded), coded by the
    distinct registry codes: 'CIFAS' and 'Cifas' are one area."""
    codes = np.empty(len(names.values), dtype=object)
    reasons: dict[int, str] = {}
    for i, name in enumerate(names.values):
        force = registry.find(name) if name else None
        codes[i] = force.code if force is not None else ""
        if force is not None:
            continue
        if not name:
            reasons[i] = "empty value; expected a police force name"
        else:
            near = registry.suggest(name)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            reasons[i] = (f"{_quoted(name)} is not a known police force{hint}; expected a name or code from "
                          "`crimestat forces`")
    if reasons:
        for row in _kept(names.rows_where(set(reasons)), keep):
            raw.problem(int(row), reasons[int(names.codes[row])], FORCE)
    merged, distinct = pd.factorize(pd.Series(codes, dtype=object), use_na_sentinel=False)
    return _Column(np.asarray(merged, dtype="int64")[names.codes], np.asarray(distinct, dtype=object))


def _counts(raw: _Raw) -> np.ndarray:
    """The counts as int64. The happy path is one arrow cast; only cells that fail it are looked at."""
    try:
        cells = raw.count_cells if raw.count_cells is not None else pa.array(raw.counts())
        if pa.types.is_dictionary(cells.type) and cells.num_chunks:
            # The Arrow reader's counts come coded by their distinct cells (one dictionary for every chunk):
            # each distinct cell is checked and cast once, then spread to the rows.
            chunks = cells.chunks
            trimmed = pc.utf8_trim_whitespace(chunks[0].dictionary)
            if pc.all(pc.match_substring_regex(trimmed, _WHOLE_ANCHORED)).as_py():
                values = np.asarray(pc.cast(trimmed, pa.int64()), dtype="int64")
                return values[np.concatenate([np.asarray(c.indices, dtype=np.intp) for c in chunks])]
            raise TypeError  # a cell that is not a plain whole number: looked at row by row below
        trimmed = pc.utf8_trim_whitespace(cells)
        # Arrow's cast also takes '0x10' (hex); counts are plain ASCII digits, checked first.
        if pc.all(pc.match_substring_regex(trimmed, _WHOLE_ANCHORED)).as_py():
            return np.asarray(pc.cast(trimmed, pa.int64()), dtype="int64")
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, AttributeError):
        pass
    counts = raw.counts()
    text = counts.astype(str).str.strip()
    ok = text.str.fullmatch(_WHOLE).to_numpy(dtype=bool)
    values = np.zeros(len(text), dtype="int64")
    values[ok] = text[ok].astype("int64").to_numpy()
    for i in np.flatnonzero(~ok):
        stub = CsvTable(raw.name, [], [], [0])
        cell = str(counts.iloc[i])
        if not cell.strip():
            blank_row = all(not raw.cell(c, int(i)).strip() for c in REQUIRED)
            if blank_row:
                continue  # a row of empty cells, left out
        parsed = parse_number(stub, 0, COUNT, cell, minimum=None, what=COUNT_WHAT)
        if parsed is None:
            raw.problem(int(i), stub.problems[0].message, raw.count_column)
        elif not re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+|[+-]?[0-9]+(\.0+)?", cell.strip()):
            # '0x10', '1_000', '١٢': Python reads them as numbers, but no release writes a count so.
            raw.problem(int(i), f"{_quoted(cell.strip())} is not written as a whole number of offences; expected digits "
                                "only, such as 129", raw.count_column)
        else:
            values[i] = int(parsed)
    return values


def _bounds(raw: _Raw, count: np.ndarray, valid: np.ndarray) -> None:
    low, high = COUNT_BOUNDS
    for row in np.flatnonzero(valid & ((count < low) | (count > high)))[:20]:
        raw.problem(int(row), f"{int(count[row]):,} is not a plausible count for one force, quarter and offence code; "
                    f"expected {low:,} to {high:,} (negative counts are small recording corrections)",
                    raw.count_column)


MIN_FORCES_FOR_COMPLETENESS = 10


def _complete_quarters(raw: _Raw, valid: np.ndarray, start: np.ndarray, quarter: np.ndarray, area: _Column,
                       code: _Column, registry: Registry) -> None:
    """A force's quarter must list every offence code that all the other forces list in that quarter.

    The published tables give every territorial force a row for every offence code in every quarter (zeros
    included), so a force-quarter short of codes the others all have is a file cut short at a line end, or
    rows lost: its totals would be silently partial. Checked where at least ten territorial forces have the
    quarter (a user's extract of a few forces is left alone).
    """
    territorial = {f.code for f in registry.territorial}
    # By the few distinct areas, not 300,000 object comparisons (np.isin on objects took 0.12 s).
    is_territorial = np.array([name in territorial for name in area.values], dtype=bool)
    rows = np.flatnonzero(valid & is_territorial[area.codes])
    if not len(rows):
        return
    keys = (start[rows] * 10 + quarter[rows]).astype("int64")
    _codes_lost(raw, rows, keys, area, code, registry)
    if not any_force_short(keys - keys.min(), area.codes[rows], code.codes[rows], MIN_FORCES_FOR_COMPLETENESS):
        _last_quarter_complete(raw, rows, start, quarter, area, registry)
        if raw.problems:
            raise BadValueError(_sorted(raw.problems))
        return  # the usual case, found with numpy; the loop below names the forces and codes
    frame = pd.DataFrame({"quarter": start[rows] * 10 + quarter[rows], "area": area.values[area.codes[rows]],
                          "code": code.codes[rows], "row": rows}).drop_duplicates(["quarter", "area", "code"])
    problems = 0
    for quarter_key, block in frame.groupby("quarter", sort=True):
        forces = block["area"].nunique()
        if forces < MIN_FORCES_FOR_COMPLETENESS:
            continue
        held = block.groupby("code")["area"].nunique()
        for area_code, own in block.groupby("area"):
            # Codes every other force has but this one lacks.
            missing = sorted(set(held.index[held == forces - 1]) - set(own["code"]))
            if not missing:
                continue
            names = [str(code.values[c]) for c in missing]
            first = int(own["row"].min())
            year = int(quarter_key) // 10
            raw.problem(first, f"{registry.by_code(str(area_code)).name}, {year}/{(year + 1) % 100:02d} quarter "
                        f"{int(quarter_key) % 10} lacks {len(names)} offence code{'s' if len(names) != 1 else ''} "
                        f"that every other force has ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}): "
                        "the file may be cut short or rows lost; expected a row for every offence code", None)
            problems += 1
            if problems >= 20:
                break
    _last_quarter_complete(raw, rows, start, quarter, area, registry)
    if raw.problems:
        raise BadValueError(_sorted(raw.problems))


def _warn_out_of_line(raw: _Raw, valid: np.ndarray, start: np.ndarray, quarter: np.ndarray, area: _Column,
                      code: _Column, count: np.ndarray, registry: Registry) -> None:
    """Warn, naming the line, about a count eight times (or more) out of line with its own force and offence
    code's quarters: a cell with an extra digit, or one cut short (the rule and wording of the ONS file's)."""
    from ...runtime.log import warn
    from ...loaders._series import grouped_outliers, out_of_line_message

    rows = np.flatnonzero(valid)
    if not len(rows):
        return
    group = area.codes[rows].astype("int64") * (len(code.values) + 1) + code.codes[rows]
    when = (start[rows] * 10 + quarter[rows]).astype("int64")
    order = np.lexsort((when, group))
    suspects = grouped_outliers(group[order], count[rows][order])
    for n, i in enumerate(suspects.tolist()):
        if n >= 20:
            break
        position = int(rows[order[i]])
        around = [int(count[rows[order[j]]]) for j in (i - 1, i + 1)
                  if 0 <= j < len(order) and group[order[j]] == group[order[i]]]
        key = int(when[order[i]])
        year = key // 10
        force = registry.by_code(str(area.values[area.codes[position]])).name
        warn(out_of_line_message(f"{raw.name}, {_where(raw, position)}", int(count[position]),
                                 f"offences of code {code.values[code.codes[position]]} for {force} in "
                                 f"{year}/{(year + 1) % 100:02d} quarter {key % 10}", around))


def _codes_lost(raw: _Raw, rows: np.ndarray, keys: np.ndarray, area: _Column, code: _Column,
                registry: Registry) -> None:
    """A force's quarter must keep every offence code it had the quarter before while other forces still
    have it: rows of one code lost for two forces (or any number) are as partial as rows lost for one."""
    order, quarter_index = distinct_small(keys)
    lost = lost_items(quarter_index, area.codes[rows], code.codes[rows], MIN_FORCES_FOR_COMPLETENESS)
    if not len(lost):
        return
    by_force: dict[tuple[int, int], list[str]] = {}
    for q, a, c in lost.tolist():
        by_force.setdefault((q, a), []).append(str(code.values[c]))
    for n, ((q, a), names) in enumerate(sorted(by_force.items())):
        if n >= 20:
            break
        key = int(order[q])
        year = key // 10
        in_quarter = rows[(quarter_index == q) & (area.codes[rows] == a)]
        names.sort()
        raw.problem(int(in_quarter.min()), f"{registry.by_code(str(area.values[a])).name}, {year}/{(year + 1) % 100:02d} "
                    f"quarter {key % 10} lacks {len(names)} offence code{'s' if len(names) != 1 else ''} it had the "
                    f"quarter before and other forces still have ({', '.join(names[:5])}"
                    f"{', ...' if len(names) > 5 else ''}): the file may be cut short or rows lost; expected a row "
                    "for every offence code", None)


def _last_quarter_complete(raw: _Raw, rows: np.ndarray, start: np.ndarray, quarter: np.ndarray, area: _Column,
                           registry: Registry) -> None:
    """The file's last quarter must have every force the quarter before it has.

    A file cut at a line end between two forces leaves the last quarter with only the forces before the cut:
    every force's codes are complete, but England and Wales cannot be summed and the latest period would be
    one with no figures. (A force missing from an earlier quarter is a gap the figures say n/a for.)
    """
    keys = start[rows] * 10 + quarter[rows]
    order = distinct_small(keys.astype("int64"))[0].astype(keys.dtype)
    if len(order) < 2:
        return
    last, before = order[-1], order[-2]
    have_last = set(area.values[np.unique(area.codes[rows][keys == last])])
    have_before = set(area.values[np.unique(area.codes[rows][keys == before])])
    lacking = sorted(have_before - have_last)
    if len(have_before) >= MIN_FORCES_FOR_COMPLETENESS and lacking:
        names = [registry.by_code(str(c)).name for c in lacking]
        year = int(last) // 10
        position = int(rows[np.flatnonzero(keys == last)[-1]])
        raw.problem(position, f"the last quarter, {year}/{(year + 1) % 100:02d} quarter {int(last) % 10}, has "
                    f"{len(have_last)} of the {len(have_before)} forces of the quarter before; it lacks "
                    f"{', '.join(names[:3])}{f' and {len(names) - 3} more' if len(names) > 3 else ''}: the file "
                    "may be cut short; expected every force in every quarter", None)


def _duplicates(raw: _Raw, valid: np.ndarray, force: _Column, year: _Column, quarter: _Column, code: _Column,
                area: _Column, start: np.ndarray, quarter_number: np.ndarray) -> bool:
    """Record a problem for every repeat of a (force, financial year, quarter, offence code) row beyond what the
    code allows; return whether any allowed repeats are left for the caller to sum.

    A combined code (``1/4.1/4.10/4.2``, homicide) may be listed once per offence it combines, as the Home
    Office exports of 2018-2019 did (ONS's published totals are their sum): up to its number of parts. Any
    other code once. The key uses what each cell means, not how it is written: the registry code ('CIFAS'
    and 'Cifas' are one force), the year and quarter as numbers, and the offence code with case and spacing
    folded ('8n' is '8N').
    """
    key = area.codes.astype("int64")
    key = key * 10_000 + np.nan_to_num(start, nan=0).astype("int64")
    key = key * 10 + np.nan_to_num(quarter_number, nan=0).astype("int64")
    key = key * (len(code.values) + 1) + code.codes
    key = np.where(valid, key, -1 - np.arange(len(key)))  # invalid rows never repeat
    if not (np.diff(np.sort(key)) == 0).any():
        return False  # the usual case: a sort, where hashing every key took several times as long
    keys = pd.Series(key)
    repeated = keys.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return False
    parts = np.array([str(v).count("/") + 1 for v in code.values], dtype="int64")[code.codes]
    seen = keys.groupby(key).cumcount().to_numpy()  # 0 for a key's first row, 1 for its second ...
    first: dict[int, int] = {}
    summed = False
    for row in np.flatnonzero(repeated):
        k = int(key[row])
        if k not in first:
            first[k] = int(row)
        if seen[row] == 0:
            continue
        if seen[row] < parts[row]:
            summed = True  # one of a combined code's parts: summed
            continue
        allowed = (f"; a combined code is listed at most once per offence it combines ({parts[row]})"
                   if parts[row] > 1 else "")
        raw.problem(
            int(row),
            f"duplicate row for {force.text(int(row))}, {year.text(int(row))} quarter {quarter.text(int(row))}, "
            f"offence code '{code.text(int(row))}' (first on {_where(raw, first[k])}); expected one row per force, "
            f"quarter and offence code{allowed}",
            None,
        )
    return summed



def _not_after_today(raw: _Raw, valid: np.ndarray, start: np.ndarray, quarter: np.ndarray, year: _Column,
                     quarter_text: _Column) -> None:
    """A quarter that ends after today cannot have been counted: a mistyped year or quarter, never data."""
    today = date.today()
    this_month = today.year * 12 + today.month - 1  # 0-based months since year 0
    with np.errstate(invalid="ignore"):
        last_month = start * 12 + 2 + 3 * quarter  # the quarter's last month: it has ended once that month is over
        late = valid & ~np.isnan(last_month) & (last_month >= this_month)
    for n, row in enumerate(np.flatnonzero(late).tolist()):
        if n >= 20:
            break
        raw.problem(int(row), f"{year.text(row)} quarter {quarter_text.text(row)} ends after today "
                    f"({today:%d %B %Y}); expected only quarters that have ended", QUARTER)


def _aggregates_beside_parts(raw: _Raw, valid: np.ndarray, code: _Column, area: _Column, start: np.ndarray,
                             quarter: np.ndarray, force: _Column, year: _Column, quarter_text: _Column) -> None:
    """An aggregate offence code ('1/4.1/4.10/4.2', the sum of codes 1, 4.1, 4.10 and 4.2, used where the parts
    are not published) must never stand beside one of its parts in a force's quarter: the two would be
    added together, counting the same offences twice."""
    parts = {i: set(str(v).split("/")) for i, v in enumerate(code.values) if "/" in str(v)}
    if not parts:
        return
    index = {str(v): i for i, v in enumerate(code.values)}
    all_rows = np.flatnonzero(valid)
    all_codes = code.codes[all_rows]
    for aggregate, members in parts.items():
        member_codes = {index[m] for m in members if m in index}
        if not member_codes:
            continue
        # The places (force and quarter) holding both the aggregate and one of its parts, in order: with
        # whole-array steps on the rows of those codes only, not a set of codes per place (a tenth of a
        # second for a whole release).
        is_aggregate = all_codes == aggregate
        if not is_aggregate.any():
            continue
        involved = is_aggregate | np.isin(all_codes, list(member_codes))
        rows, codes, is_aggregate = all_rows[involved], all_codes[involved], is_aggregate[involved]
        is_member = ~is_aggregate
        place = (area.codes[rows].astype("int64") * 10_000 + np.nan_to_num(start[rows]).astype("int64")) * 10 \
            + np.nan_to_num(quarter[rows]).astype("int64")
        for where in np.intersect1d(place[is_aggregate], place[is_member]).tolist():
            here = place == where
            at = rows[np.flatnonzero(here & is_aggregate)[0]]
            found = sorted(str(code.values[c]) for c in set(codes[here].tolist()) & member_codes)
            raw.problem(int(at), f"the aggregate offence code '{code.values[aggregate]}' stands beside its part"
                        f"{'s' if len(found) > 1 else ''} {', '.join(repr(f) for f in found)} in "
                        f"{force.text(int(at))}, {year.text(int(at))} quarter {quarter_text.text(int(at))}: the same "
                        "offences would be counted twice; "
                        "expected either the aggregate or its parts", CODE)


def _where(raw: _Raw, position: int) -> str:
    if raw.sheets is not None and raw.rows is not None:
        return f"sheet {raw.sheets[position]}, row {int(raw.rows[position])}"
    return f"line {raw.line(position)}"
