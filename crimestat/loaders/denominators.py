"""Load denominators: population by force and year (wide force file, or local authorities plus a lookup)
and households by force."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

import pandas as pd

from ..errors import DataFileError
from ..forces import ENGLAND_AND_WALES_CODE, Registry
from ..log import warn
from ._csv import CsvTable, Source, parse_number, read_csv

_MID = re.compile(r"^mid[-_ ]?(\d{4})$", re.IGNORECASE)
_AGGREGATES = {ENGLAND_AND_WALES_CODE, "E92000001", "W92000004", "K02000001", "K03000001"}
_CODE_COLUMNS = ("pfa_code", "code", "area_code")
_POSITIVE = "a whole number above 0"


def _code_column(table: CsvTable, candidates: Sequence[str]) -> str:
    for column in table.header:
        if column.lower() in candidates:
            return column
    raise DataFileError.single(
        table.name,
        f"no police force area code column; expected one of {', '.join(repr(c) for c in candidates)}",
        1,
    )


def _force_code(table: CsvTable, registry: Registry, r: int, column: str, value: str) -> str | None:
    force = registry.find(value) if value else None
    if force is None:
        table.problem(f"'{value}' is not a known police force area code or name", r, column)
        return None
    return force.code


def load_population(
    source: Source, registry: Registry, lookups: Sequence[Source] = ()
) -> pd.DataFrame:
    """Population by force and mid-year: columns ``area_code, year, population``.

    Reads the wide force-area file (``pfa_code, pfa_name, mid2001, mid2002, ...``), a long force-area
    file (``pfa_code, year, population``), or the ONS local-authority long file
    (``ladcode19, laname19, year, population``) summed to forces with ``lookups`` (authority to force).
    Rows for England and Wales, England or Wales totals are skipped: England and Wales is always the
    sum of the 43 forces.
    """
    table = read_csv(source, [])
    la_column = next((c for c in table.header if re.match(r"^lad(code)?\d*(cd)?$", c, re.I)), None)
    if lookups and not la_column:
        warn(f"--la-lookup not used: {table.name} gives population by police force area, not by local authority")
    if any(_MID.match(c) for c in table.header):
        return _wide_population(table, registry)
    missing = [c for c in ("year", "population") if c not in table.header]
    if missing:
        raise DataFileError.single(
            table.name,
            "expected either mid-year columns (mid2013, mid2014, ...) or the columns 'year' and "
            f"'population'; the header has {', '.join(repr(c) for c in table.header)}",
            1,
        )
    if la_column:
        if not lookups:
            raise DataFileError.single(
                table.name,
                f"holds local authorities (column '{la_column}'); give the authority-to-force lookup "
                "with --la-lookup FILE",
            )
        return _la_population(table, la_column, load_la_lookup(lookups))
    return _long_population(table, registry)


def _wide_population(table: CsvTable, registry: Registry) -> pd.DataFrame:
    code_column = _code_column(table, _CODE_COLUMNS)
    years = [(c, int(_MID.match(c).group(1))) for c in table.header if _MID.match(c)]  # type: ignore[union-attr]
    i_code = table.index(code_column)
    records = []
    for r, row in enumerate(table.rows):
        value = row[i_code].strip()
        if value in _AGGREGATES:
            continue
        code = _force_code(table, registry, r, code_column, value)
        for column, year in years:
            n = parse_number(table, r, column, row[table.index(column)], minimum=1, what=_POSITIVE)
            records.append((code, year, n, r))
    return _finish(table, records, "population")


def _long_population(table: CsvTable, registry: Registry) -> pd.DataFrame:
    code_column = _code_column(table, _CODE_COLUMNS)
    i_code, i_year, i_pop = (table.index(c) for c in (code_column, "year", "population"))
    records = []
    for r, row in enumerate(table.rows):
        value = row[i_code].strip()
        if value in _AGGREGATES:
            continue
        code = _force_code(table, registry, r, code_column, value)
        year = parse_number(table, r, "year", row[i_year], minimum=1800, what="a year such as 2013")
        n = parse_number(table, r, "population", row[i_pop], minimum=1, what=_POSITIVE)
        records.append((code, year, n, r))
    return _finish(table, records, "population")


def _la_population(table: CsvTable, la_column: str, lookup: dict[str, str]) -> pd.DataFrame:
    i_la, i_year, i_pop = (table.index(c) for c in (la_column, "year", "population"))
    records = []
    for r, row in enumerate(table.rows):
        la = row[i_la].strip()
        if la[:1] in ("S", "N"):
            continue  # Scotland and Northern Ireland are outside England and Wales' police force areas
        code = lookup.get(la)
        if code is None:
            table.problem(
                f"local authority '{la}' is not in the lookup; add it to a --la-lookup file", r, la_column
            )
        year = parse_number(table, r, "year", row[i_year], minimum=1800, what="a year such as 2013")
        n = parse_number(table, r, "population", row[i_pop], minimum=0, what="a whole number of 0 or more")
        records.append((code, year, n, r))
    table.raise_problems()
    frame = pd.DataFrame(records, columns=["area_code", "year", "population", "row"])
    summed = frame.groupby(["area_code", "year"], as_index=False).agg(population=("population", "sum"))
    return _tidy(summed, "population")


def load_la_lookup(sources: Sequence[Source]) -> dict[str, str]:
    """Local authority code to police force area code, from ONS lookups (``LADyyCD`` and ``PFAyyCD``)."""
    mapping: dict[str, str] = {}
    for source in sources:
        table = read_csv(source, [])
        la = next((c for c in table.header if re.match(r"^LAD\d{2}CD$", c, re.I)), None)
        pfa = next((c for c in table.header if re.match(r"^PFA\d{2}CD$", c, re.I)), None)
        if la is None or pfa is None:
            raise DataFileError.single(
                table.name,
                "expected a local authority code column (such as 'LAD17CD') and a police force area "
                f"code column (such as 'PFA17CD'); the header has {', '.join(repr(c) for c in table.header)}",
                1,
            )
        i_la, i_pfa = table.index(la), table.index(pfa)
        for r, row in enumerate(table.rows):
            la_code, pfa_code = row[i_la].strip(), row[i_pfa].strip()
            if not la_code or not pfa_code:
                table.problem("empty code; expected a local authority and its police force area", r, None)
            elif mapping.get(la_code, pfa_code) != pfa_code:
                table.problem(
                    f"'{la_code}' is mapped to {pfa_code} here but to {mapping[la_code]} before", r, la
                )
            mapping[la_code] = pfa_code
        table.raise_problems()
    return mapping


def load_households(source: Source, registry: Registry) -> pd.DataFrame:
    """Households by force: ``pfa_code, households`` with an optional ``census_year`` or ``year``.

    Returns ``area_code, year, households``; a file without a year is taken as the 2011 Census.
    """
    table = read_csv(source, ["households"])
    code_column = _code_column(table, _CODE_COLUMNS)
    year_column = next((c for c in ("census_year", "year") if c in table.header), None)
    i_code, i_n = table.index(code_column), table.index("households")
    records = []
    for r, row in enumerate(table.rows):
        value = row[i_code].strip()
        if value in _AGGREGATES:
            continue
        code = _force_code(table, registry, r, code_column, value)
        year = (
            parse_number(table, r, year_column, row[table.index(year_column)], minimum=1800,
                         what="a year such as 2011")
            if year_column else 2011
        )
        n = parse_number(table, r, "households", row[i_n], minimum=1, what=_POSITIVE)
        records.append((code, year, n, r))
    return _finish(table, records, "households")


def _finish(table: CsvTable, records: list, value: str) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["area_code", "year", value, "row"])
    duplicated = frame.duplicated(["area_code", "year"], keep="first") & frame["area_code"].notna()
    for i in frame.index[duplicated]:
        table.problem(
            f"a second {value} figure for {frame.at[i, 'area_code']!s} in {frame.at[i, 'year']!s}",
            int(cast(int, frame.at[i, "row"])), None,
        )
    table.raise_problems()
    return _tidy(frame.drop(columns="row"), value)


def _tidy(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    frame = frame.astype({"area_code": "string", "year": "int64", value: "int64"})
    return frame.sort_values(["area_code", "year"], ignore_index=True)


def by_area_and_year(frame: pd.DataFrame, column: str) -> dict[tuple[str, int], int]:
    """A loaded population or households table as ``{(area_code, year): value}``, what rates look up."""
    return {(str(a), int(y)): int(v) for a, y, v in frame[["area_code", "year", column]].itertuples(index=False)}
