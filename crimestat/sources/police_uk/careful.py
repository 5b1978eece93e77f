"""The careful path: a file counted line by line where a block is irregular, with every problem named by
its line (see ``parser``), and the counts of one file."""

from __future__ import annotations

import csv
from datetime import date
import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from ...errors import DataFileError, Problem
from ...model.forces import Force, Registry
from . import files as _files
from .fast import _blocks, _buffer, _FastBlocks, _LongLine
from .files import StreetFile, _short, _Source, _street, _utf8_source

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

COLUMNS = ("Month", "Falls within", "Crime type")


MAX_EXAMPLES = 5


MAX_PROBLEMS = 20  # per file: the rest are counted, not kept, so a bad 1 GB file cannot fill memory


MAX_RECORD_LINES = 100  # a quoted field spanning more lines than this is taken as an unclosed quote


@dataclass
class FileCounts:
    """The counts of one file (or many, summed), with what could not be counted and why."""

    counts: Counter = field(default_factory=Counter)  # (force code, month, crime type) -> n
    rows_read: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> n
    examples: dict[str, list[str]] = field(default_factory=dict)
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # outcomes and stop-and-search files left out

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
        self.ignored += other.ignored
        return self


# Verdicts on the same few values, in every file (a file of made-up values must not fill memory: each
# is cleared past _MAX_ANSWERS). By month: (file name's month, Month) -> why a row is not counted, or None.
_BY_MONTH: dict[tuple[str, str | None], tuple[str, str, str] | None] = {}


# By force: (file name's force code, Falls within) -> ("count", force code, "") or why a row is not counted.
_BY_FORCE: dict[tuple[str | None, str | None], tuple[str, str, str]] = {}


_CODES: dict[str, str | None] = {}  # 'Falls within' label -> force code


_ANSWERS_FOR: list[Registry] = []  # the registry whose answers _BY_FORCE and _CODES hold


_MAX_ANSWERS = 100_000


class _Counter:
    """Counts one file's rows into a ``FileCounts``, knowing its header, force and month."""

    def __init__(self, file: StreetFile, registry: Registry, result: FileCounts, header: list[str]):
        self.file, self.result, self.registry = file, result, registry
        if not _ANSWERS_FOR or _ANSWERS_FOR[0] is not registry:
            _BY_FORCE.clear()
            _CODES.clear()
            _ANSWERS_FOR[:] = [registry]
        self.expected: Force | None = registry.find(file.force_id) if file.force_id else None
        self.known = _crime_types()
        self.width = len(header)
        self.index = tuple(header.index(c) for c in COLUMNS)
        self.pending: list[tuple[int, str]] = []  # lines of a quoted field still open
        self.hidden = 0  # errors beyond MAX_PROBLEMS

    def verdict(self, month: str | None, falls: str | None, crime: str | None) -> tuple[str, str, str]:
        """("count", force code, "") or ("skip", reason, detail) or ("error", message, column).

        The month is judged first, then the force, then the crime type: the first reason found is the row's.
        """
        key = (self.file.month, month)
        if key not in _BY_MONTH:
            if len(_BY_MONTH) > _MAX_ANSWERS:
                _BY_MONTH.clear()
            _BY_MONTH[key] = self._by_month(month)
        by_month = _BY_MONTH[key]
        if by_month is not None:
            return by_month
        place = (self.expected.code if self.expected else None, falls)
        if place not in _BY_FORCE:
            if len(_BY_FORCE) > _MAX_ANSWERS:
                _BY_FORCE.clear()
            _BY_FORCE[place] = self._by_force(falls)
        by_force = _BY_FORCE[place]
        if by_force[0] == "count" and crime not in self.known:
            return "skip", "unknown crime type", crime or ""
        return by_force

    def _by_month(self, month: str | None) -> tuple[str, str, str] | None:
        if not month:
            return "skip", "missing month", ""
        if not _MONTH.match(month):
            return "error", f"{_short(month)} is not a month; expected YYYY-MM (month 01 to 12)", "Month"
        if self.file.month and month != self.file.month:
            return "skip", "month differs from the file name's", month
        return None

    def _by_force(self, falls: str | None) -> tuple[str, str, str]:
        if self.expected is not None and falls and self._code(falls) != self.expected.code:
            return "skip", "force differs from the file name's", falls
        # A file whose name gives no force (renamed, or read from stdin) is counted by its 'Falls within'.
        code = self.expected.code if self.expected is not None else self._code(falls) if falls else None
        if code is None:
            if not falls:
                return "skip", "no force in the file name or 'Falls within'", ""
            return "skip", "unknown force in 'Falls within'", falls
        return "count", code, ""

    def _code(self, falls: str) -> str | None:
        """The force code a 'Falls within' label names (labels vary: '&' or 'and', with 'Police' or not)."""
        if falls not in _CODES:
            force = self.registry.find(falls)
            _CODES[falls] = force.code if force else None
        return _CODES[falls]

    def add_groups(self, groups: Counter) -> bool:
        """Count a block's groups if every one is simply counted; False (nothing counted) otherwise."""
        counted = []  # a handful of keys per block
        for (month, falls, crime), n in groups.items():
            kind, code, _ = self.verdict(month, falls, crime)
            if kind != "count":
                return False
            counted.append(((code, month, crime), n))
        counts = self.result.counts
        for key, n in counted:
            counts[key] = counts.get(key, 0) + n
            self.result.rows_read += n
        return True

    def error(self, message: str, line: int | None, column: str | None = None) -> None:
        if len(self.result.problems) < MAX_PROBLEMS:
            self.result.problems.append(Problem(self.file.name, message, line, column))
        else:
            self.hidden += 1

    def row(self, line: int, cells: list[str]) -> None:
        self.result.rows_read += 1
        if len(cells) != self.width:
            self.result.skip("wrong number of fields or broken quoting", 1, f"{self.file.name}, line {line}")
            return
        month, falls, crime = (cells[i].strip() or None for i in self.index)
        kind, what, detail = self.verdict(month, falls, crime)
        if kind == "count":
            self.result.counts[(what, month, crime)] += 1
        elif kind == "skip":
            self.result.skip(what, 1, f"{self.file.name}, line {line}" + (f" ({_short(detail)[1:-1]})" if detail else ""))
        else:
            self.error(what, line, detail)

    def line(self, number: int, text: str) -> None:
        """Feed one physical line (without its newline); a quoted field may continue on the next."""
        todo = deque([(number, text)])
        while todo:
            number, text = todo.popleft()
            if self.pending:
                self.pending.append((number, text))
                record = [t for _, t in self.pending]
                if sum(t.count('"') for t in record) % 2 == 0:
                    cells = _parse(record)
                    if cells is not None and len(cells) == self.width:
                        self.row(self.pending[0][0], cells)
                        self.pending = []
                    else:
                        todo.extendleft(reversed(self._broken()))
                elif len(self.pending) > MAX_RECORD_LINES:
                    todo.extendleft(reversed(self._broken()))
                continue
            if not text.strip():
                continue
            if text.count('"') % 2:
                self.pending = [(number, text)]
                continue
            cells = _parse([text])
            if cells is None:
                self.result.rows_read += 1
                self.result.skip("wrong number of fields or broken quoting", 1, f"{self.file.name}, line {number}")
            else:
                self.row(number, cells)

    def _broken(self) -> list[tuple[int, str]]:
        """Skip the first line of an unclosed quote; the lines after it are read again on their own."""
        (number, _), rest = self.pending[0], self.pending[1:]
        self.pending = []
        self.result.rows_read += 1
        self.result.skip("wrong number of fields or broken quoting", 1, f"{self.file.name}, line {number}")
        return rest

    def finish(self) -> None:
        while self.pending:
            for number, text in self._broken():
                self.line(number, text)
        if self.hidden:
            self.result.problems.append(Problem(self.file.name, f"... and {self.hidden:,} more rows with "
                                                                f"problems like these"))


def _parse(lines: list[str]) -> list[str] | None:
    """The cells of one record (one or more physical lines), or None if its quoting is broken."""
    try:
        records = list(csv.reader([t + "\n" for t in lines], strict=True))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


def _count_source(source: _Source, file: StreetFile, registry: Registry, result: FileCounts) -> FileCounts:
    """Count a street-level file's rows (see the module docstring for how, and why) into ``result``."""
    number = 0  # lines read so far
    with _buffer(_files.BLOCK + _files.MAX_LINE) as buffer:
        data = buffer.data
        counter: _Counter | None = None
        fast: _FastBlocks | None = None
        cut_short = False
        try:
            for end, whole in _blocks(source, buffer):
                start = 0
                if counter is None:  # the first block starts with the header
                    newline = data.find(b"\n", 0, end)
                    header_text = bytes(data[:end if newline < 0 else newline]).decode("utf-8", "replace").rstrip("\r")
                    number = 1
                    header = [c.strip() for c in (_parse([header_text]) or header_text.split(","))]
                    missing = [c for c in COLUMNS if c not in header]
                    if missing:
                        result.problems.append(Problem(file.name, f"missing column{'s' if len(missing) > 1 else ''} "
                                                                  f"{', '.join(repr(c) for c in missing)}; the header "
                                                                  f"has {_short(header_text)}", 1))
                        return result
                    counter = _Counter(file, registry, result, header)
                    fast = _FastBlocks(len(header), counter.index)  # type: ignore[arg-type]
                    if newline < 0:  # a header with no newline: nothing but the header, or cut short
                        cut_short = bool(bytes(data[:end]).strip())
                        break
                    start = newline + 1
                if not whole:  # what follows the last newline: nothing, unless the file was cut short
                    cut_short = bool(bytes(data[start:end]).strip())
                    break
                if start == end:
                    continue
                if not counter.pending and data.find(b'"', start, end) < 0:
                    counted = fast.count(buffer, start, end)  # type: ignore[union-attr]
                    if counted is not None and counter.add_groups(counted[0]):
                        number += counted[1]
                        continue
                number = _feed_lines(counter, data, start, end, number)
        except _LongLine as exc:
            raise DataFileError.single(file.name, f"longer than {_files.MAX_LINE:,} bytes with no newline, so not "
                                       f"a street-level row (it starts {_short(str(exc))})",
                                       number + exc.newlines_before + 1) from None
    assert counter is not None
    if cut_short:
        counter.error("the file ends without a newline, so it may be cut short (an interrupted download or "
                      "copy?) and rows after the cut lost; download it again, or end the last line if it is "
                      "complete", number + 1)
    counter.finish()
    return result


_TYPES: frozenset[str] | None = None


def _crime_types() -> frozenset[str]:
    if _TYPES is None:
        from ...loaders.classification import load_classification

        use_classification(load_classification())
    assert _TYPES is not None
    return _TYPES


def use_classification(classification) -> None:
    """The crime types a file may hold: the police.uk categories of ``classification`` (the packaged one
    unless the command was given another). Set before counting; worker processes inherit it."""
    global _TYPES
    _TYPES = frozenset(c for (s, _), cats in classification.members.items() if s == "police_uk" for c in cats)


def _named(file: StreetFile, registry: Registry) -> FileCounts:
    """A file's counts, empty so far, with a problem if its name gives an unknown force or an impossible month."""
    result = FileCounts(files=1)
    if file.force_id and registry.find(file.force_id) is None:
        result.problems.append(Problem(file.name, f"the file name's force '{file.force_id}' is not a known force"))
    elif file.month and not _MONTH.match(file.month):
        result.problems.append(Problem(file.name, f"the file name's month '{file.month}' is not a month; expected "
                                                  "YYYY-MM (month 01 to 12)"))
    elif file.month and file.month >= f"{date.today():%Y-%m}":
        result.problems.append(Problem(file.name, f"the file name's month '{file.month}' has not ended (today is "
                                                  f"{date.today():%d %B %Y}); expected months that have ended"))
    return result


def count_file(file: StreetFile | str, registry: Registry) -> FileCounts:
    """Count one street-level file by force, month and crime type (a pure function of the file's bytes)."""
    if isinstance(file, str):
        file = _street(file, file)
    result = _named(file, registry)
    if result.problems:
        return result
    with file.opened() as stream:
        return _count_source(_utf8_source(stream, file.name), file, registry, result)


def count_bytes(data: bytes, file: StreetFile, registry: Registry) -> FileCounts:
    """Count a street-level file already in memory (stdin, say), exactly as ``count_file`` would."""
    import io

    result = _named(file, registry)
    if result.problems:
        return result
    return _count_source(_utf8_source(io.BytesIO(data), file.name), file, registry, result)


def count_chunks(chunks: Iterable[bytes], file: StreetFile, registry: Registry) -> FileCounts:
    """Count a street-level file given as UTF-8 blocks of any size, exactly as ``count_file`` would."""
    result = _named(file, registry)
    if result.problems:
        return result
    return _count_source(_Source(file.name, iter(chunks)), file, registry, result)


# A run of blank lines (whitespace and newlines, 64 bytes or more): found by the regular expression engine's
# character-class loop and skipped whole, not line by line in Python, so a file (or a zip member) of
# nothing but newlines costs what reading it costs.
_BLANK_RUN = re.compile(rb"[\n\r \t]{64,}")


def _feed_lines(counter: _Counter, data: bytearray, start: int, end: int, number: int) -> int:
    """Feed the whole lines of ``data[start:end]`` (which ends with a newline) to ``counter``; returns the
    last line's number."""

    def feed(a: int, b: int) -> None:
        nonlocal number
        if b > a:
            for text in bytes(data[a:b - 1]).decode("utf-8", "replace").split("\n"):
                number += 1
                counter.line(number, text.rstrip("\r"))

    pos = start
    while pos < end:
        run = None if counter.pending else _BLANK_RUN.search(data, pos, end)
        if run is None:
            feed(pos, end)
            break
        first = run.start()  # the run's first whole line: after the newline that ends a data line
        if first > pos and data[first - 1] != 0x0A:
            first = data.find(b"\n", first, run.end()) + 1 or -1
        last = data.rfind(b"\n", first, run.end()) + 1 if first > 0 or first == pos else 0
        if first < 0 or last <= first:  # spaces inside one line: not a run of blank lines
            stop = (data.find(b"\n", run.end(), end) + 1) or end
            feed(pos, stop)
            pos = stop
            continue
        feed(pos, first)
        if counter.pending:  # a quoted field is open: the blank lines go through the counter one by one
            pos = first
            continue
        number += data.count(b"\n", first, last)
        pos = last
    return number
