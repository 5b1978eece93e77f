"""Load denominators: population by force and year (wide force file, or local authorities plus a lookup)
and households by force."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from ..errors import CrimestatError, DataFileError
from ..model.forces import ENGLAND_AND_WALES_CODE, Registry
from ..runtime.log import warn
from ._csv import CsvTable, Source, parse_number, read_csv
from ._series import outliers

if TYPE_CHECKING:
    import pandas as pd

_MID = re.compile(r"^mid[-_ ]?(\d{4})$", re.IGNORECASE)
_AGGREGATES = {ENGLAND_AND_WALES_CODE, "E92000001", "W92000004", "K02000001", "K03000001"}
_CODE_COLUMNS = ("pfa_code", "code", "area_code")
_POSITIVE = "a whole number above 0"
# More people than any police force area could hold (the Metropolitan Police area has about 9 million): a
# figure above it is refused as a unit error, not warned about.
MAX_FORCE_POPULATION = 20_000_000


def _code_column(table: CsvTable, candidates: Sequence[str]) -> str:
    for column in table.header:
        if column.lower() in candidates:
            return column
    raise DataFileError.single(
        table.name,
        f"no police force area code column; expected one of {', '.join(repr(c) for c in candidates)}",
        1,
    )


_NAME_COLUMNS = ("pfa_name", "name", "area", "force")


def _force_code(table: CsvTable, registry: Registry, r: int, column: str, value: str) -> str | None:
    force = registry.find(value) if value else None
    if force is None:
        table.problem(f"'{value}' is not a known police force area code or name", r, column)
        return None
    # A name beside the code must be the same force: swapped codes would give one force another's people.
    name_column = next((c for c in table.header if c.lower() in _NAME_COLUMNS and c != column), None)
    if name_column is not None:
        named = table.rows[r][table.index(name_column)].strip()
        other = registry.find(named) if named else None
        if named and other is not None and other.code != force.code:
            table.problem(f"'{named}' is {other.name} but the code '{value}' is {force.name}; expected the name "
                          "and code of one force", r, name_column)
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
        return _la_population(table, la_column, registry, *_lookups(lookups))
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
            records.append((code, year, _plausible(table, r, column, n), r))
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
        records.append((code, year, _plausible(table, r, "population", n), r))
    return _finish(table, records, "population")


def _plausible(table: CsvTable, r: int, column: str, n):
    if n is not None and n > MAX_FORCE_POPULATION:
        table.problem(f"{int(n):,} is more people than any police force area has; expected at most "
                      f"{MAX_FORCE_POPULATION:,} (is the figure in another unit?)", r, column)
        return None
    return n


def _la_population(table: CsvTable, la_column: str, registry: Registry, lookup: dict[str, str],
                   parts: list[dict[str, set[str]]], names: dict[str, str]) -> pd.DataFrame:
    """Authorities summed to forces. A force's sum for a year must have all its authorities: a file missing
    one (a district dropped, a download cut at a line end) would give the force a rate on part of its
    people. "All" is judged against each lookup that names the force: one of them must be complete, so an
    old lookup plus one of new codes (authorities merged in 2019) works for the years either covers."""
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
        n = parse_number(table, r, "population", row[i_pop], minimum=1, what=_POSITIVE)
        records.append((code, year, n, r))
    seen: dict[tuple[str, object], int] = {}
    for _code, year, _, r in records:  # an authority twice in a year would be summed twice
        key = (table.rows[r][i_la].strip(), year)
        if key in seen and year is not None:
            table.problem(f"a second population figure for local authority '{key[0]}' in {year} (first on line "
                          f"{table.lines[seen[key]]}); expected one row per authority and year", r, la_column)
        seen.setdefault(key, r)
    table.raise_problems()
    present: dict[tuple[str, int], set[str]] = {}
    for code, year, _, r in records:
        present.setdefault((str(code), int(year or 0)), set()).add(table.rows[r][i_la].strip())
    years = sorted({year for (_, year) in present})
    forces = sorted({code for part in parts for code in part})
    for code in forces:
        gaps: dict[tuple[str, ...], list[int]] = {}
        for year in years:
            have = present.get((code, year), set())
            wanted = [part[code] for part in parts if code in part]
            complete = [need for need in wanted if need <= have]
            if any(not (a & b) for i, a in enumerate(complete) for b in complete[i + 1:]):
                # Two lookups' authorities for one force, both complete and with none in common: the old
                # districts and the merged authority that replaced them, counted twice.
                table.problem(f"{_force_name(registry, code)} has in {year} the authorities of two lookups that do "
                              "not overlap (old districts and the authority that replaced them?): its people would "
                              "be counted twice; expected the authorities of one date")
                continue
            if not any(need <= have for need in wanted):
                nearest = min(wanted, key=lambda need: len(need - have))
                gaps.setdefault(tuple(sorted(nearest - have)), []).append(year)
        for missing, when in gaps.items():
            shown = ", ".join(f"{la} ({names[la]})" if names.get(la) else la for la in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            span = f"{when[0]}" if len(when) == 1 else f"{when[0]}-{when[-1]}" if when == list(
                range(when[0], when[-1] + 1)) else ", ".join(map(str, when))
            table.problem(f"{_force_name(registry, code)} has no population for local authorit"
                          f"{'y' if len(missing) == 1 else 'ies'} {shown}{more} in {span}, which the lookup assigns "
                          "to it; expected every authority of a force for each year (the force's rate would be "
                          "on part of its people)")
    table.raise_problems()
    import pandas as pd  # here, not at the top: a file that fails (validate) is read without pandas

    frame = pd.DataFrame(records, columns=["area_code", "year", "population", "row"])
    _warn_breaks(table, frame.rename(columns={"area_code": "la"}).assign(
        la=[table.rows[r][i_la].strip() for *_, r in records]), "la", "population", 1_000)
    summed = frame.groupby(["area_code", "year"], as_index=False).agg(population=("population", "sum"))
    _warn_total(table, summed)
    return _tidy(summed, "population")


def _force_name(registry: Registry, code: str) -> str:
    try:
        return f"{registry.by_code(code).name} ({code})"
    except CrimestatError:
        return code


def _lookups(sources: Sequence[Source]) -> tuple[dict[str, str], list[dict[str, set[str]]], dict[str, str]]:
    """The merged lookup, each file's authorities by force, and the authorities' names where given."""
    mapping: dict[str, str] = {}
    parts: list[dict[str, set[str]]] = []
    names: dict[str, str] = {}
    for source in sources:
        part = load_la_lookup([source], names)
        for la, pfa in part.items():
            if mapping.get(la, pfa) != pfa:
                raise DataFileError.single(str(getattr(source, "name", source)),
                                           f"'{la}' is mapped to {pfa} here but to {mapping[la]} in another lookup")
        mapping.update(part)
        grouped: dict[str, set[str]] = {}
        for la, pfa in part.items():
            grouped.setdefault(pfa, set()).add(la)
        parts.append(grouped)
    return mapping, parts, names


def load_la_lookup(sources: Sequence[Source], names: dict[str, str] | None = None) -> dict[str, str]:
    """Local authority code to police force area code, from ONS lookups (``LADyyCD`` and ``PFAyyCD``);
    ``names`` is filled with the authorities' names (``LADyyNM``) where the lookup gives them."""
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
        name_column = next((c for c in table.header if re.match(r"^LAD\d{2}NM$", c, re.I)), None)
        if names is not None and name_column is not None:
            i_name = table.index(name_column)
            names.update((row[i_la].strip(), row[i_name].strip()) for row in table.rows)
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
    import pandas as pd

    frame = pd.DataFrame(records, columns=["area_code", "year", value, "row"])
    duplicated = frame.duplicated(["area_code", "year"], keep="first") & frame["area_code"].notna()
    for i in frame.index[duplicated]:
        table.problem(
            f"a second {value} figure for {frame.at[i, 'area_code']!s} in {frame.at[i, 'year']!s}",
            int(cast(int, frame.at[i, "row"])), None,
        )
    table.raise_problems()
    if value == "population":
        _warn_breaks(table, frame, "area_code", value, 5_000)
        _warn_total(table, frame)
    else:  # households: the smallest force (City of London) has about 4,000; England and Wales about 24 million
        _warn_breaks(table, frame, "area_code", value, 2_000)
        for year, part in frame.groupby("year"):
            if part["area_code"].nunique() == 43 and not 15_000_000 <= int(part[value].sum()) <= 40_000_000:
                warn(f"{table.name}: the forces' households for {year} add up to {int(part[value].sum()):,}, not "
                     "England and Wales's (about 23 to 25 million); is the file in another unit?")
    return _tidy(frame.drop(columns="row"), value)


def _warn_breaks(table: CsvTable, frame: pd.DataFrame, key: str, value: str, floor: int) -> None:
    """Warn, naming the line, about a figure that breaks with its own area's series tenfold (see
    ``_series``: a year given in thousands, or times 1,000) or that is too small to be an area's
    people at all (``floor``: a force's in thousands; the smallest force, City of London, has 6,000)."""
    for area, part in frame.sort_values([key, "year"]).groupby(key, sort=False):
        values = part[value].tolist()
        rows, years = part["row"].tolist(), part["year"].tolist()
        flagged = set(outliers(values))
        for i, n in enumerate(values):
            if i in flagged:
                around = " and ".join(f"{v:,}" for v in values[max(i - 1, 0):i] + values[i + 1:i + 2])
                warn(f"{table.name}, line {table.lines[rows[i]]}: {value} {n:,} for {area} in {years[i]} is out of "
                     f"line with its other years by ten times or more (next to {around}); is it in another unit?")
            elif n < floor:
                warn(f"{table.name}, line {table.lines[rows[i]]}: {value} {n:,} for {area} in {years[i]} is too "
                     f"small for the area (expected at least {floor:,}); is it in thousands?")


def _warn_total(table: CsvTable, frame: pd.DataFrame) -> None:
    """Warn when the 43 forces' total for a year is not England and Wales's size (52 to 62 million
    between 2001 and 2024): the whole file in thousands, or times 1,000."""
    for year, part in frame.groupby("year"):
        if part["area_code"].nunique() == 43:
            total = int(part["population"].sum())
            if not 30_000_000 <= total <= 100_000_000:
                warn(f"{table.name}: the forces' population for {year} adds up to {total:,}, not England and "
                     "Wales's (about 52 to 62 million); is the file in another unit?")


def _tidy(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    frame = frame.astype({"area_code": "string", "year": "int64", value: "int64"})
    return frame.sort_values(["area_code", "year"], ignore_index=True)


def by_area_and_year(frame: pd.DataFrame, column: str) -> dict[tuple[str, int], int]:
    """A loaded population or households table as ``{(area_code, year): value}``, what rates look up."""
    return {(str(a), int(y)): int(v) for a, y, v in frame[["area_code", "year", column]].itertuples(index=False)}
