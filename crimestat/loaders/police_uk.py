"""Read the police.uk street-level archive: monthly files of one row per crime or ASB incident.

Files are named ``YYYY-MM-<force>-street.csv`` inside ``YYYY-MM/`` folders, and come as folders, zip
archives or ``.csv.gz`` files. Each file is counted on its own (``count_file`` is a pure function of
its bytes), so files can be counted in parallel or by any engine that maps over files; the counts are
then summed. Memory is bounded by the largest single file, however large the archive.

Rows that cannot be counted are not dropped silently: each is counted under its reason (missing month,
month not the file's, unknown crime type, a force that disagrees with the file name, broken quoting)
and reported.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataFileError, MissingFileError, Problem
from ..forces import Registry
from ._csv import Source, parse_number, read_csv, read_header

NAME = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$")
COLUMNS = ("Month", "Falls within", "Crime type")
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class StreetFile:
    """One monthly file to count: where it is, and the month and force its name gives."""

    name: str
    path: str
    member: str | None = None  # inside a zip archive
    month: str = ""
    force_id: str = ""

    def read(self) -> bytes:
        try:
            if self.member is not None:
                with zipfile.ZipFile(self.path) as archive:
                    data = archive.read(self.member)
            else:
                data = Path(self.path).read_bytes()
            if self.name.endswith(".gz") and self.member is None:
                data = gzip.decompress(data)
            elif self.member is not None and self.member.endswith(".gz"):
                data = gzip.decompress(data)
        except (OSError, zipfile.BadZipFile, EOFError, gzip.BadGzipFile) as exc:
            raise DataFileError.single(self.name, f"cannot be read ({exc})") from None
        return data


@dataclass
class FileCounts:
    """The counts of one file (or many, summed), with what could not be counted and why."""

    counts: Counter = field(default_factory=Counter)  # (force_id, month, crime type) -> n
    rows_read: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> n
    examples: dict[str, list[str]] = field(default_factory=dict)
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    def skip(self, reason: str, n: int, where: str) -> None:
        self.skipped[reason] += n
        examples = self.examples.setdefault(reason, [])
        if len(examples) < MAX_EXAMPLES and where not in examples:
            examples.append(where)

    def add(self, other: FileCounts) -> FileCounts:
        """Sum ``other`` into these counts; returns them, so ``add`` can fold counts in any engine."""
        self.counts.update(other.counts)
        self.rows_read += other.rows_read
        self.skipped.update(other.skipped)
        for reason, examples in other.examples.items():
            mine = self.examples.setdefault(reason, [])
            mine.extend(examples[: MAX_EXAMPLES - len(mine)])
        self.files += other.files
        self.problems += other.problems
        return self


def find_files(paths: list[str]) -> list[StreetFile]:
    """Every street-level file under the given folders, zip archives, ``.csv`` and ``.csv.gz`` files."""
    found: list[StreetFile] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise MissingFileError.single(given, "not found; expected a folder, a .zip archive or a street-level CSV")
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and (NAME.search(file.name) or file.suffix == ".zip"):
                    found += find_files([str(file)]) if file.suffix == ".zip" else [_street(str(file), str(file))]
        elif path.suffix == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    members = sorted(m for m in archive.namelist() if NAME.search(m))
            except (zipfile.BadZipFile, OSError) as exc:
                raise DataFileError.single(given, f"is not a readable zip archive ({exc})") from None
            found += [_street(f"{given}:{m}", str(path), m) for m in members]
        else:
            found.append(_street(given, given))
    if not found:
        raise MissingFileError.single(", ".join(paths), "no street-level files (YYYY-MM-<force>-street.csv) found")
    return found


def _street(name: str, path: str, member: str | None = None) -> StreetFile:
    match = NAME.search(member or Path(path).name)
    month, force_id = (match.group(1), match.group(2)) if match else ("", "")
    return StreetFile(name, path, member, month, force_id)


def count_file(file: StreetFile | str, registry: Registry) -> FileCounts:
    """Count one street-level file by force, month and crime type (a pure function of the file's bytes)."""
    if isinstance(file, str):
        file = _street(file, file)
    data = file.read()
    return count_bytes(data, file, registry)


def count_bytes(data: bytes, file: StreetFile, registry: Registry) -> FileCounts:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    result = FileCounts(files=1)
    expected = registry.find(file.force_id) if file.force_id else None
    known_types = _crime_types()
    if file.force_id and expected is None:
        result.problems.append(Problem(file.name, f"the file name's force '{file.force_id}' is not a known force"))
        return result
    text_start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    header_end = data.find(b"\n")
    header = data[text_start: header_end if header_end >= 0 else len(data)].decode("utf-8", "replace").strip()
    columns = [c.strip() for c in header.split(",")]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        result.problems.append(Problem(file.name, f"missing column{'s' if len(missing) > 1 else ''} "
                                       f"{', '.join(repr(c) for c in missing)}; the header has {header!r}", 1))
        return result
    lines = sum(1 for line in data.splitlines() if line.strip()) - 1
    invalid: list[tuple[int | None, str]] = []

    def on_invalid(row):
        invalid.append((row.number, row.text))
        return "skip"

    try:
        reader = pacsv.open_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(block_size=8 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(include_columns=list(COLUMNS),
                                                 column_types={c: pa.string() for c in COLUMNS},
                                                 strings_can_be_null=True),
        )
        groups: Counter = Counter()
        parsed = 0
        for batch in reader:
            table = pa.Table.from_batches([batch])
            parsed += table.num_rows
            grouped = table.group_by(list(COLUMNS), use_threads=False).aggregate([([], "count_all")])
            for month, falls, crime, n in zip(*(grouped.column(i).to_pylist() for i in range(4))):
                groups[(month, falls, crime)] += n
    except pa.ArrowInvalid as exc:
        return _count_slowly(data, file, expected, known_types, result, f"{exc}")
    if parsed + len(invalid) != lines:
        # Broken quoting joined physical lines: count line by line to say which.
        return _count_slowly(data, file, expected, known_types, result, None)
    result.rows_read = parsed + len(invalid)
    for _number, text in invalid:
        result.skip("wrong number of fields or broken quoting", 1, f"{file.name}: {text[:60]!r}")
    for (month, falls, crime), n in groups.items():
        _classify(result, file, expected, known_types, month, falls, crime, n, None)
    return result


def _classify(result: FileCounts, file: StreetFile, expected, known_types, month, falls, crime, n, line) -> None:
    where = f"{file.name}" + (f", line {line}" if line else "")
    if not month:
        result.skip("missing month", n, where)
        return
    if file.month and month != file.month:
        result.skip("month differs from the file name's", n, f"{where} ({month})")
        return
    if expected is not None and falls and _registry_code(falls) != expected.code:
        result.skip("force differs from the file name's", n, f"{where} ({falls})")
        return
    # A file whose name gives no force (renamed, or read from stdin) is counted by its 'Falls within'.
    code = expected.code if expected is not None else _registry_code(falls) if falls else None
    if code is None:
        reason = "no force in the file name or 'Falls within'" if not falls else "unknown force in 'Falls within'"
        result.skip(reason, n, where if not falls else f"{where} ({falls})")
        return
    if crime not in known_types:
        result.skip("unknown crime type", n, f"{where} ({crime})")
        return
    result.counts[(code, month, crime)] += n


def _count_slowly(data: bytes, file: StreetFile, expected, known_types, result: FileCounts, why: str | None) -> FileCounts:
    import csv

    text = data.decode("utf-8-sig", errors="replace").splitlines()
    header = next(csv.reader([text[0]]))
    index = {c.strip(): i for i, c in enumerate(header)}
    for number, line in enumerate(text[1:], start=2):
        if not line.strip():
            continue
        result.rows_read += 1
        try:
            cells = next(csv.reader([line], strict=True))
        except csv.Error:
            result.skip("wrong number of fields or broken quoting", 1, f"{file.name}, line {number}")
            continue
        if len(cells) != len(header) or line.count('"') % 2:
            result.skip("wrong number of fields or broken quoting", 1, f"{file.name}, line {number}")
            continue
        month, falls, crime = (cells[index[c]].strip() or None for c in COLUMNS)
        _classify(result, file, expected, known_types, month, falls, crime, 1, number)
    return result


_CODES: dict[str, str | None] = {}


def _registry_code(name: str) -> str | None:
    """The force code a 'Falls within' label names (labels vary: '&' or 'and', with 'Police' or not)."""
    if name not in _CODES:
        from .forces import load_forces

        force = load_forces().find(name)
        _CODES[name] = force.code if force else None
    return _CODES[name]


_TYPES: frozenset[str] | None = None


def _crime_types() -> frozenset[str]:
    global _TYPES
    if _TYPES is None:
        from .classification import load_classification

        classification = load_classification()
        _TYPES = frozenset(c for (s, _), cats in classification.members.items() if s == "police_uk" for c in cats)
    return _TYPES


def count_archive(paths: list[str], registry: Registry, workers: int | None = None,
                  progress=None) -> FileCounts:
    """Count every file under ``paths``, file by file, on up to ``workers`` processes (default: all cores)."""
    files = find_files(paths)
    total = FileCounts()
    seen: dict[tuple[str, str], str] = {}  # (force code, month) -> the file that gave it

    def add(file: StreetFile, counted: FileCounts) -> None:
        # The same month of a force read twice (a folder and a zip of it, say) would count it twice.
        for code, month in sorted({(c, m) for c, m, _ in counted.counts}):
            if (code, month) in seen:
                counted.problems.append(Problem(file.name, f"{registry.by_code(code).name} {month} is also in "
                                                           f"{seen[(code, month)]}; give each month of a force once"))
            seen.setdefault((code, month), file.name)
        total.add(counted)

    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(files) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(files))) as pool:
            for done, (file, counted) in enumerate(zip(files, pool.map(_count_in_worker, files, chunksize=4)),
                                                   start=1):
                add(file, counted)
                if progress:
                    progress(done, len(files))
    else:
        for done, file in enumerate(files, start=1):
            add(file, count_file(file, registry))
            if progress:
                progress(done, len(files))
    if total.problems:
        raise DataFileError(total.problems)
    return total


def _count_in_worker(file: StreetFile) -> FileCounts:
    from .forces import load_forces

    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = load_forces()
    return count_file(file, _REGISTRY)


_REGISTRY: Registry | None = None


def iter_counts(counts: FileCounts, registry: Registry) -> Iterator[tuple[str, str, str, str, int]]:
    """Rows ``area_code, area, month, crime_type, count`` in a stable order."""
    for (code, month, crime), n in sorted(counts.counts.items()):
        yield code, registry.by_code(code).name, month, crime, n


MONTHLY_COLUMNS = ["area_code", "area", "month", "crime_type", "count"]
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def load_monthly_counts(paths: list[str], registry: Registry):
    """Monthly counts ``area_code, month, category, count`` from an ingest CSV or from police.uk files."""
    import pandas as pd

    if len(paths) == 1 and Path(paths[0]).is_file() and not NAME.search(paths[0]) and \
            read_header(paths[0])[:1] == ["area_code"]:
        return load_counts_csv(paths[0], registry)
    counts = count_archive(paths, registry)
    frame = pd.DataFrame([(code, month, crime, n) for (code, month, crime), n in sorted(counts.counts.items())],
                         columns=["area_code", "month", "category", "count"])
    return frame.groupby(["area_code", "month", "category"], as_index=False)["count"].sum()


def load_counts_csv(source: Source, registry: Registry):
    """An ``ingest police-uk`` CSV (``area_code, area, month, crime_type, count``) as monthly counts.

    Each force, month and crime type appears once: a second row (two ingest outputs joined with
    overlapping months, say) would count those crimes twice, so it is an error, not a sum.
    """
    import pandas as pd

    table = read_csv(source, MONTHLY_COLUMNS)
    known = _crime_types()
    records = []
    first: dict[tuple[str, str, str], int] = {}
    for r, row in enumerate(table.rows):
        code, _, month, crime, count = (row[table.index(c)].strip() for c in MONTHLY_COLUMNS)
        force = registry.find(code)
        if force is None:
            table.problem(f"'{code}' is not a known force code", r, "area_code")
        if not _MONTH.match(month):
            table.problem(f"'{month}' is not a month; expected YYYY-MM", r, "month")
        if crime not in known:
            table.problem(f"'{crime}' is not a police.uk crime type", r, "crime_type")
        n = parse_number(table, r, "count", count, minimum=0, what="a whole number of 0 or more")
        if force is not None:
            key = (force.code, month, crime)
            if key in first:
                table.problem(f"a second row for {force.name}, {month}, {crime} (first on line "
                              f"{table.lines[first[key]]}); each appears once", r)
            first.setdefault(key, r)
        records.append((force.code if force else None, month, crime, n))
    table.raise_problems()
    return pd.DataFrame(records, columns=["area_code", "month", "category", "count"])
