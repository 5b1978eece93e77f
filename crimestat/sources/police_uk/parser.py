"""Read the police.uk street-level archive: monthly files of one row per crime or ASB incident.

Files are named ``YYYY-MM-<force>-street.csv`` inside ``YYYY-MM/`` folders, and come as folders, zip
archives or ``.csv.gz`` files. Each file is counted on its own (``count_file`` is a pure function of
its bytes), so files can be counted in parallel or by any engine that maps over files; the counts are
then summed.

How a file is read, and why:

- **Streamed in blocks** of 1 MiB, never whole: memory stays bounded whatever the size of a file or
  archive member (a 1 GB member costs the same as a 1 MB one). A line longer than ``MAX_LINE`` bytes
  is an error, not a reason to buffer the rest of the file. Blocks are read straight into one buffer
  kept from file to file (``readinto``: the bytes are copied once, from the system), and the processes
  that count keep the memory numpy frees for the next block (``_keep_freed_memory``).
- **Counted at the byte level with numpy** (our own parser, not pyarrow's or pandas'): a street file
  has no quotes in practice, so a block of whole lines is split at its commas and newlines in a few
  vectorised passes, every row is checked to have exactly the header's number of fields, and the three
  columns needed (Month, Falls within, Crime type) are grouped by their exact bytes. This is about
  twice as fast per core as pyarrow's CSV reader (which tokenises and converts every column), and it
  needs only numpy, which crimestat imports anyway, so a worker starts in milliseconds instead of
  importing pyarrow's compute engine and pandas. Grouping is exact: a field is read as the 8-byte
  words that cover it (gathered as one fixed-size item a row), month and force are checked to be the
  same in every row of the block, crime types are bucketed by a hash and every row is then compared
  word for word with its bucket's representative; a collision falls back to an exact sort.
- **Anything irregular goes through the careful path**, line by line with the ``csv`` module: a block
  with a quote character, a blank line, a row with the wrong number of fields, or any value that
  would not simply be counted. That path knows line numbers, so every skipped row and every error
  names its line. A quoted field may hold a newline (it is one row, counted); a quote that never
  closes (within ``MAX_RECORD_LINES`` lines) is broken quoting: that one line is skipped and the lines
  after it are read again on their own.
- **Encodings and compression are recognised from the bytes**, not the name: gzip by its magic number
  (``.csv.gz``, or a gzipped file named ``.csv``), UTF-16 by its byte-order mark (transcoded to UTF-8
  as it streams), a UTF-8 byte-order mark dropped.

What is an error (the whole ingest fails, exit 1) and what is a skipped row (counted under its reason,
reported, exit 0):

- Skipped rows: a missing month, a month that differs from the file name's, an unknown crime type, a
  force that disagrees with the file name, the wrong number of fields or broken quoting.
- Errors: a Month that is not a month (``YYYY-MM`` with MM 01 to 12; ``2014-13`` is never read as
  January 2015), naming the file and line; a file whose last line has no newline, because that is
  what a truncated download or copy looks like, and a truncated file has silently lost the rows
  after the cut, which no row-level check can see (police.uk files always end with a newline);
  a line too long to be a row; an unreadable, corrupt or undecodable file; in a folder or archive, a
  zip inside a zip, a dangling symbolic link or a folder that cannot be listed, each of which would
  otherwise be left out unseen; a path given that holds no street-level file.
- Every message is short: quoted file content is cut to ``MAX_QUOTED`` characters.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import os
import re
import zipfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from ...errors import CrimestatError, DataFileError, MissingFileError, Problem
from ...model.forces import Force, Registry
from ...loaders._csv import Source, parse_number, read_csv, read_header

# File names are matched without regard to case (a download copied through another system arrives as .CSV).
NAME = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$", re.IGNORECASE)
# Other files of a police.uk download, which are not street-level crime: left out, and said so.
COMPANION = re.compile(r"(?:^|/)\d{4}-\d{2}-[a-z0-9-]+-(?:outcomes|stop-and-search)\.csv(?:\.gz)?$", re.IGNORECASE)
COLUMNS = ("Month", "Falls within", "Crime type")
MAX_EXAMPLES = 5
MAX_PROBLEMS = 20  # per file: the rest are counted, not kept, so a bad 1 GB file cannot fill memory
BLOCK = 1 << 20  # bytes read at a time: large enough to amortise numpy's per-call cost, small enough to stay in cache
MAX_LINE = 1 << 20  # a street-level row is a few hundred bytes; a longer "line" is not a row
MAX_RECORD_LINES = 100  # a quoted field spanning more lines than this is taken as an unclosed quote
MAX_QUOTED = 40  # characters of file content quoted in a message
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _short(text: str) -> str:
    """File content quoted in a message, cut short: a message must stay one readable line."""
    return repr(text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "...")


@dataclass(frozen=True)
class StreetFile:
    """One monthly file to count: where it is, and the month and force its name gives."""

    name: str
    path: str
    member: str | None = None  # inside a zip archive
    month: str = ""
    force_id: str = ""

    @contextlib.contextmanager
    def opened(self) -> Iterator[IO[bytes]]:
        """The file's stored bytes (compressed or not); a file that cannot be opened is a ``DataFileError``."""
        with contextlib.ExitStack() as stack:
            try:
                if self.member is not None:
                    archive = stack.enter_context(zipfile.ZipFile(self.path))
                    stream: IO[bytes] = stack.enter_context(archive.open(self.member))
                else:
                    stream = stack.enter_context(open(self.path, "rb"))
            except (OSError, zipfile.BadZipFile, KeyError) as exc:
                raise DataFileError.single(self.name, f"cannot be read ({_reason(exc)})") from None
            except RuntimeError as exc:  # zipfile: an encrypted member ("password required")
                raise DataFileError.single(self.name, f"cannot be read: the archive member is encrypted "
                                                      f"({_reason(exc)}); expected an archive without a password") from None
            except NotImplementedError as exc:  # zipfile: Deflate64, say
                raise DataFileError.single(self.name, f"cannot be read: {_reason(exc)}; expected a zip archive "
                                                      "compressed with Deflate (unzip it and give the folder)") from None
            yield stream

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes in blocks of at most ``BLOCK``, decompressed and transcoded to UTF-8."""
        with self.opened() as stream:
            yield from stream_chunks(stream, self.name)

    def read(self) -> bytes:
        """The whole file (decompressed, as UTF-8): for small files and tests; counting streams."""
        return b"".join(self.chunks())


def _reason(exc: BaseException) -> str:
    return str(exc)[:120] or type(exc).__name__


class _Source:
    """A file's bytes as UTF-8, written into the reader's own buffer by ``fill`` (0 bytes: the end).

    Bytes come first from ``chunks`` (the file's first bytes, or UTF-16 transcoded as it streams), then
    straight from ``readinto`` (a plain or decompressing stream), so a plain file is copied once, from
    the operating system into the buffer. Errors from a corrupt stream or undecodable UTF-16 become one
    short ``DataFileError`` naming the file.
    """

    def __init__(self, name: str, chunks: Iterator[bytes], readinto: Callable[[memoryview], int | None] | None = None):
        self.name, self.chunks, self.readinto = name, chunks, readinto
        self.pending = memoryview(b"")

    def fill(self, view: memoryview) -> int:
        try:
            while not self.pending:
                chunk = next(self.chunks, None)
                if chunk is None:
                    return (self.readinto(view) or 0) if self.readinto is not None else 0
                self.pending = memoryview(chunk)
            n = min(len(view), len(self.pending))
            view[:n] = self.pending[:n]
            self.pending = self.pending[n:]
            return n
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise DataFileError.single(self.name, f"cannot be read ({_reason(exc)})") from None
        except UnicodeDecodeError as exc:
            raise DataFileError.single(self.name, "starts with a UTF-16 byte-order mark but is not UTF-16 "
                                                  f"({exc.reason})") from None


def _utf8_source(stream: IO[bytes], name: str) -> _Source:
    """A binary stream as UTF-8, recognising gzip by its magic number and UTF-16 by its byte-order mark."""
    try:
        head = stream.read(2)
        stream.seek(0)
        if head == b"\x1f\x8b" or name.endswith(".gz"):  # a .gz name that is not gzip is an error
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        first = b""
        while len(first) < 3:  # enough to recognise a byte-order mark
            more = stream.read(3 - len(first))
            if not more:
                break
            first += more
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise DataFileError.single(name, f"cannot be read ({_reason(exc)})") from None
    if first[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _Source(name, _from_utf16(first, stream))
    if first.startswith(codecs.BOM_UTF8):
        first = first[3:]
    return _Source(name, iter([first]), stream.readinto)  # type: ignore[attr-defined]


def _from_utf16(first: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder("utf-16")()
    chunk = first
    while chunk:
        yield decoder.decode(chunk).encode("utf-8")
        chunk = stream.read(BLOCK)
    yield decoder.decode(b"", final=True).encode("utf-8")


def stream_chunks(stream: IO[bytes], name: str) -> Iterator[bytes]:
    """Blocks of a binary stream as UTF-8, recognising gzip by its magic number and UTF-16 by its BOM.

    Errors from a corrupt gzip stream or undecodable UTF-16 become one short ``DataFileError``.
    """
    source = _utf8_source(stream, name)
    view = memoryview(bytearray(BLOCK))
    while n := source.fill(view):
        yield bytes(view[:n])


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


def find_files(paths: list[str], ignored: list[str] | None = None) -> list[StreetFile]:
    """Every street-level file under the given folders, zip archives, ``.csv`` and ``.csv.gz`` files.

    Nothing under a path is left out unseen: a zip inside a zip, a dangling link or a folder that
    cannot be listed is an error, and so is a path that holds no street-level file. Outcomes and
    stop-and-search files (part of every police.uk download, but not street-level crime) are left out
    and their names added to ``ignored``; other files in a folder (a README, say) are not data.
    """
    found: list[StreetFile] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            if path.is_symlink():
                raise MissingFileError.single(given, "is a symbolic link to nothing (its target is missing)")
            raise MissingFileError.single(given, "not found; expected a folder, a .zip archive or a street-level CSV")
        if path.is_dir():
            mine = _walk(path, given, ignored)
        elif path.suffix.lower() == ".zip":
            mine = _zip_members(given, ignored)
        else:
            mine = [_street(given, given)]
        if not mine:
            raise MissingFileError.single(given, "no street-level files (YYYY-MM-<force>-street.csv) found")
        found += mine
    return found


def _walk(folder: Path, given: str, ignored: list[str] | None) -> list[StreetFile]:
    """The folder's files, depth first in name order. A link to a folder is followed only when it leads to
    a folder inside the tree not walked yet: a link out of the tree is an error (its files are not the
    folder's), and a second way into a folder already walked (a link to a parent, two links to one
    folder) is not walked again, so a loop costs nothing and no file is counted twice."""
    found: list[StreetFile] = []
    try:
        top = folder.resolve()
    except (OSError, RuntimeError) as exc:
        raise DataFileError.single(given, f"is a folder that cannot be listed ({_reason(exc)})") from None
    seen = {top}
    pending = [Path(folder)]
    while pending:
        here = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            raise DataFileError.single(str(exc.filename or here), f"is a folder that cannot be listed "
                                       f"({exc.strerror or _reason(exc)}); its files would be left out") from None
        folders = []
        for entry in entries:
            file = Path(here) / entry.name
            try:
                is_folder = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_folder = False
            if is_folder:
                try:
                    target = file.resolve()
                except (OSError, RuntimeError):
                    raise DataFileError.single(str(file), "is a symbolic link that loops") from None
                if not target.is_relative_to(top):
                    raise DataFileError.single(str(file), f"is a symbolic link to a folder outside {given} "
                                                          f"({target}), which is not followed; give that "
                                                          "folder itself") from None
                if target in seen:
                    continue  # a second way into a folder of the tree: walked once
                seen.add(target)
                folders.append(file)
                continue
            name = entry.name
            if not (NAME.search(name) or COMPANION.search(name) or name.lower().endswith(".zip")):
                continue
            if not file.exists():
                raise MissingFileError.single(str(file), "is a symbolic link to nothing (its target is missing)")
            if name.lower().endswith(".zip"):
                found += _zip_members(str(file), ignored)
            elif COMPANION.search(name):
                if ignored is not None:
                    ignored.append(str(file))
            else:
                found.append(_street(str(file), str(file)))
        pending += reversed(folders)
    return found


def _zip_members(given: str, ignored: list[str] | None) -> list[StreetFile]:
    try:
        with zipfile.ZipFile(given) as archive:
            members = sorted(m for m in archive.namelist() if not m.endswith("/"))
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFileError.single(given, f"is not a readable zip archive ({_reason(exc)})") from None
    nested = [m for m in members if m.lower().endswith(".zip")]
    if nested:
        raise DataFileError.single(f"{given}:{nested[0]}", "is a zip archive inside a zip archive, which is not "
                                   "read; unzip the outer archive and give the inner one")
    if ignored is not None:
        ignored += [f"{given}:{m}" for m in members if COMPANION.search(m)]
    return [_street(f"{given}:{m}", given, m) for m in members if NAME.search(m)]


def _street(name: str, path: str, member: str | None = None) -> StreetFile:
    match = NAME.search(member or Path(path).name)
    month, force_id = (match.group(1), match.group(2).lower()) if match else ("", "")
    return StreetFile(name, path, member, month, force_id)


def _named(file: StreetFile, registry: Registry) -> FileCounts:
    """A file's counts, empty so far, with a problem if its name gives an unknown force or an impossible month."""
    result = FileCounts(files=1)
    if file.force_id and registry.find(file.force_id) is None:
        result.problems.append(Problem(file.name, f"the file name's force '{file.force_id}' is not a known force"))
    elif file.month and not _MONTH.match(file.month):
        result.problems.append(Problem(file.name, f"the file name's month '{file.month}' is not a month; expected "
                                                  "YYYY-MM (month 01 to 12)"))
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


_TAIL = 96  # bytes after a block that reading a field's 8-byte words may touch (and mask off)


class _Buffer:
    """A reusable buffer for a file's blocks, with numpy views of it and scratch space for counting.

    Kept from file to file: a fresh megabyte allocated (and its pages first touched) for every file
    costs about as much as counting a small file.
    """

    def __init__(self, size: int):
        self.size = size
        self.data = bytearray(size + _TAIL)
        self.view = memoryview(self.data)
        self.bytes = np.frombuffer(self.data, np.uint8)
        self.newline = np.empty(size, bool)
        self.separator = np.empty(size, bool)
        self._spans: dict[int, np.ndarray] = {}

    def words(self, first: np.ndarray, n: int) -> np.ndarray:
        """The ``n`` 8-byte words from each offset of ``first``, as one little-endian integer each: (rows, n).

        Gathered as one ``8n``-byte item a row (numpy copies each with one memcpy, whatever its alignment),
        then read as integers: several times faster than gathering unaligned integers one by one.
        """
        if n not in self._spans:
            self._spans[n] = np.ndarray((len(self.data) - 8 * n + 1,), f"V{8 * n}", buffer=self.data, strides=(1,))
        return self._spans[n][first].view("<u8").reshape(len(first), n)  # (not take: slow on these items)


_SPARE: list[_Buffer] = []  # at most one, kept for the next file


@contextlib.contextmanager
def _buffer(size: int) -> Iterator[_Buffer]:
    mine = _SPARE.pop() if _SPARE and _SPARE[-1].size == size else _Buffer(size)
    try:
        yield mine
    finally:
        _SPARE[:] = [mine]


def _blocks(source: _Source, buffer: _Buffer) -> Iterator[tuple[int, bool]]:
    """Blocks of whole lines at the start of ``buffer``: (end, True), each valid until the next is asked for.

    The last is (end, False): what follows the last newline (nothing, in a whole file). A line longer
    than ``MAX_LINE`` raises ``_LongLine``, so memory stays bounded by ``BLOCK + MAX_LINE``.
    """
    data, view, block = buffer.data, buffer.view, BLOCK
    carry = 0  # bytes of a line begun in an earlier read, at the start of the buffer
    while n := source.fill(view[carry:carry + block]):
        end = carry + n
        cut = data.rfind(b"\n", carry, end)
        if cut < 0:
            carry = end
        else:
            _check_lengths(data, cut + 1)
            yield cut + 1, True
            carry = end - cut - 1
            view[:carry] = view[cut + 1:end]
        if carry > MAX_LINE:
            raise _LongLine(bytes(data[:MAX_QUOTED + 1]).decode("utf-8", "replace"))
    yield carry, False


def _check_lengths(data: bytearray, end: int) -> None:
    """Raise ``_LongLine`` if a line of ``data[:end]`` (whole lines) is longer than ``MAX_LINE``.

    A block holds up to ``MAX_LINE + BLOCK`` bytes, so a long line can lie wholly inside one. Each step
    looks for the last newline within ``MAX_LINE`` bytes of a line's start: two or three searches a block.
    """
    start = 0
    while end - start > MAX_LINE:
        newline = data.rfind(b"\n", start, start + MAX_LINE + 1)
        if newline < 0:
            raise _LongLine(bytes(data[start:start + MAX_QUOTED + 1]).decode("utf-8", "replace"),
                            data.count(b"\n", 0, start))
        start = newline + 1


class _LongLine(Exception):
    """A line longer than MAX_LINE; the reader knows its number and makes it a DataFileError."""

    def __init__(self, start: str, newlines_before: int = 0):
        super().__init__(start)
        self.newlines_before = newlines_before  # in the block: the line is this many lines after its first


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
    with _buffer(BLOCK + MAX_LINE) as buffer:
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
            raise DataFileError.single(file.name, f"longer than {MAX_LINE:,} bytes with no newline, so not "
                                       f"a street-level row (it starts {_short(str(exc))})",
                                       number + exc.newlines_before + 1) from None
    assert counter is not None
    if cut_short:
        counter.error("the file ends without a newline, so it may be cut short (an interrupted download or "
                      "copy?) and rows after the cut lost; download it again, or end the last line if it is "
                      "complete", number + 1)
    counter.finish()
    return result


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


# _LOW[n]: keeps the first n bytes of an 8-byte word (little-endian: its low bytes).
_LOW = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
# _FIELD_MASKS[w][n, k]: keeps the bytes of a field's k-th word (of w) that lie inside a field of n bytes.
_FIELD_MASKS = {w: np.array([[(1 << (8 * min(max(n - 8 * k, 0), 8))) - 1 for k in range(w)] for n in range(65)],
                            dtype=np.uint64) for w in range(1, 9)}
# Odd multipliers (for a field's first and last words, and for its length): the top bits of the sum of
# products bucket a value.
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x87C37B91114253D5], dtype=np.uint64)
_BUCKET_BITS = 12


class _FastBlocks:
    """Count a block of whole, quote-free lines by the exact bytes of three columns, with numpy.

    Returns None whenever a block is not perfectly regular (a blank line, a row with too few or too
    many fields, a field longer than 64 bytes), so that the careful path reads it and can say which
    line is wrong. Nothing is ever approximated: hashing only buckets values, and each row's bytes
    are compared with its bucket's representative before a bucket is trusted.
    """

    def __init__(self, width: int, index: tuple[int, int, int]):
        self.width, self.index = width, index

    def count(self, buffer: _Buffer, start: int, end: int) -> tuple[Counter, int] | None:
        """The rows of ``buffer.data[start:end]`` counted by (month, falls within, crime type), and how many."""
        n = end - start
        a = buffer.bytes[start:end]
        newline = np.equal(a, 10, out=buffer.newline[:n])
        separator = np.equal(a, 44, out=buffer.separator[:n])
        np.logical_or(separator, newline, out=separator)
        found = np.flatnonzero(separator)
        rows = int(np.count_nonzero(newline))
        if rows == 0 or len(found) != rows * self.width:
            return None
        # Every row's last separator is a newline and there are as many newlines as rows: so every
        # row has exactly width - 1 commas (and there are no blank lines).
        seps = found.reshape(rows, self.width)
        if not newline.take(seps[:, -1]).all():
            return None
        fields = []
        for i in self.index:
            if i:
                first = seps[:, i - 1] + (start + 1)  # offsets in the buffer
            else:
                first = np.empty(rows, seps.dtype)
                first[0], first[1:] = start, seps[:-1, -1] + (start + 1)
            fields.append((first, seps[:, i] + start))
        (month_first, month_last), (force_first, force_last), (crime_first, crime_last) = fields
        data = buffer.data
        # Month and force are the same in every row of a well-formed file, and so usually is 'Reported
        # by' between them: one check of the stretch from the month to the force, else each on its own.
        if (self.index[0] < self.index[1] and _constant(buffer, month_first, force_last)) or \
                (_constant(buffer, month_first, month_last) and _constant(buffer, force_first, force_last)):
            crimes = _group(buffer, crime_first, crime_last)
            if crimes is None:
                return None
            month, force = (_text(data, int(first[0]), int(last[0])) for first, last in fields[:2])
            groups: Counter = Counter()
            for s, e, count in zip(crime_first[crimes[0]].tolist(), crime_last[crimes[0]].tolist(), crimes[1].tolist()):
                groups[(month, force, _text(data, s, e))] += count
            return groups, rows
        columns = []
        for k, (first, last) in enumerate(fields):
            if k < 2 and _constant(buffer, first, last):
                codes: np.ndarray = np.zeros(rows, np.intp)
                firsts = np.zeros(1, np.intp)
            else:
                grouped = _group(buffer, first, last, codes=True)
                if grouped is None or grouped[2] is None:
                    return None
                firsts, codes = grouped[0], grouped[2]
            columns.append((codes, [_text(data, s, e) for s, e in zip(first[firsts].tolist(), last[firsts].tolist())]))
        (m, months), (f, forces), (c, crimes_) = columns
        groups = Counter()
        nm, nf, nc = len(months), len(forces), len(crimes_)
        combined = c + nc * (f + nf * m)
        if nm * nf * nc <= 1 << 20:
            per_key = np.bincount(combined, minlength=nm * nf * nc)
            keys = np.flatnonzero(per_key)
            ns = per_key[keys]
        else:
            keys, ns = np.unique(combined, return_counts=True)
        for key, count in zip(keys.tolist(), ns.tolist()):
            mi, rest = divmod(key, nf * nc)
            fi, ci = divmod(rest, nc)
            groups[(months[mi], forces[fi], crimes_[ci])] += count
        return groups, rows


def _text(data: bytearray, start: int, end: int) -> str | None:
    """A field's value as the careful path reads it: decoded, stripped, None if empty."""
    return bytes(data[start:end]).decode("utf-8", "replace").strip() or None


def _constant(buffer: _Buffer, first: np.ndarray, last: np.ndarray) -> bool:
    """Whether every row's field, with the separator after it, has exactly the bytes of the first row's.

    The first row's field holds no separator and ends at one; a row with the same bytes from its field's
    start therefore has the same field, ending at the same separator.
    """
    span = int(last[0] - first[0]) + 1
    if span > 96:  # not a month or a force: let _group (and then the careful path) have it
        return False
    n = -(-span // 8)
    words = buffer.words(first, n)
    words[:, -1] &= _LOW[span - 8 * (n - 1)]
    return bool((words == words[0]).all())


def _group(buffer: _Buffer, first: np.ndarray, last: np.ndarray, codes: bool = False) \
        -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """For each distinct value (exactly) of a column's fields: a row holding it and its count; with
    ``codes``, also each row's value as a dense code (an index into those).

    A field is its length and the 8-byte words that cover it (bytes past its end masked off), so two
    fields are equal exactly when these are. Rows are bucketed by a hash of them, and every row is
    compared with its bucket's representative; only if two values share a bucket are the rows sorted
    instead. None for a field longer than 64 bytes (the careful path reads it).
    """
    length = last - first
    longest = int(length.max())
    if longest > 64:
        return None
    n = max(1, -(-longest // 8))
    covering = buffer.words(first, n)
    covering &= _FIELD_MASKS[n].take(length, axis=0)
    # The first and last words and the length only bucket the rows; every word is compared below.
    hashed = covering[:, 0] * _MULTIPLIERS[0] + covering[:, -1] * _MULTIPLIERS[1] + \
        length.astype(np.uint64) * _MULTIPLIERS[2]
    bucket = (hashed >> np.uint64(64 - _BUCKET_BITS)).astype(np.intp)
    rep = np.empty(1 << _BUCKET_BITS, np.intp)
    rep[bucket] = np.arange(len(bucket))
    mine = rep.take(bucket)
    if (length == length.take(mine)).all() and (covering == covering.take(mine, axis=0)).all():
        per_bucket = np.bincount(bucket, minlength=1 << _BUCKET_BITS)
        used = np.flatnonzero(per_bucket != 0)
        dense = None
        if codes:
            dense = np.empty(1 << _BUCKET_BITS, np.intp)
            dense[used] = np.arange(len(used))
            dense = dense.take(bucket)
        return rep.take(used), per_bucket.take(used), dense
    # Two values share a bucket: group by sorting their words exactly instead.
    keys = np.column_stack([length.astype(np.uint64), covering])
    _, firsts, inverse, counts = np.unique(keys, axis=0, return_index=True, return_inverse=True, return_counts=True)
    return firsts, counts, inverse.reshape(-1)


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


def count_archive(paths: list[str], registry: Registry, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> FileCounts:
    """Count every file under ``paths``, file by file, on up to ``workers`` processes (default: all cores).

    Any problem in any file fails the whole count with one ``DataFileError`` listing them: a partial
    count is a wrong figure. A worker process that dies (killed, out of memory) is one clear error too.
    """
    ignored: list[str] = []
    files = find_files(paths, ignored)
    total = FileCounts(ignored=ignored)
    seen: dict[tuple[str, str], str] = {}  # (force code, month) -> the file that gave it

    def add(file: StreetFile, counted: FileCounts) -> None:
        # The same month of a force read twice (a folder and a zip of it, say) would count it twice.
        for code, month in sorted({(c, m) for c, m, _ in counted.counts}):
            if (code, month) in seen:
                counted.problems.append(Problem(file.name, f"{registry.by_code(code).name} {month} is also in "
                                                           f"{seen[(code, month)]}; give each month of a force once"))
            seen.setdefault((code, month), file.name)
        total.add(counted)

    workers = min(workers or os.cpu_count() or 1, len(files))
    if workers > 1:
        for done, (file, counted) in enumerate(_count_in_pool(files, workers, registry), start=1):
            add(file, counted)
            if progress:
                progress(done, len(files))
    else:
        _keep_freed_memory()
        for done, file in enumerate(files, start=1):
            add(file, _count_caught(file, registry))
            if progress:
                progress(done, len(files))
    if total.problems:
        raise DataFileError(total.problems)
    return total


def _count_caught(file: StreetFile, registry: Registry) -> FileCounts:
    """``count_file``, with a file's error returned as its problems, so the other files still report theirs."""
    try:
        return count_file(file, registry)
    except DataFileError as exc:
        return FileCounts(files=1, problems=exc.problems)
    except CrimestatError as exc:
        return FileCounts(files=1, problems=[Problem(file.name, str(exc))])


def _count_in_pool(files: list[StreetFile], workers: int, registry: Registry) -> Iterator[tuple[StreetFile, FileCounts]]:
    """Count files on ``workers`` processes, in order, a few batches in flight per worker.

    Files go to the workers in small batches (enough to keep inter-process traffic well below the
    counting, few enough that a large file does not hold up much behind it). Errors travel back as
    problems inside ``FileCounts`` (an exception would be pickled as its text only); a worker that dies
    is one ``DataFileError`` naming the files it may have been counting.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork shares the parent's imports (numpy, the registry, the classification): a worker starts in
    # milliseconds. Where fork is unavailable, spawn works the same, only slower to start.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    _crime_types()
    size = max(1, min(16, len(files) // (workers * 8)))
    batches = [files[i:i + size] for i in range(0, len(files), size)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                             initializer=_start_worker, initargs=(registry,)) as pool:
        queue: deque = deque()
        batch: list[StreetFile] = []
        try:
            for batch in batches:
                queue.append((batch, pool.submit(_count_in_worker, batch)))
                if len(queue) >= 3 * workers:
                    batch, future = queue.popleft()
                    yield from zip(batch, future.result())
            while queue:
                batch, future = queue.popleft()
                yield from zip(batch, future.result())
        except BrokenProcessPool:
            names = [f.name for f in batch]
            raise DataFileError.single(
                names[0], "a worker process stopped while counting this file"
                + (f" or the {len(names) - 1} after it" if len(names) > 1 else "")
                + " (killed, or out of memory?); nothing was written. Run again, or with --workers 1") from None


def _start_worker(registry: Registry) -> None:
    global _REGISTRY
    _REGISTRY = registry  # with fork, the parent's own object: nothing loaded or sent
    _keep_freed_memory()


def _keep_freed_memory() -> None:
    """Ask glibc's allocator to keep freed memory for reuse instead of handing it back at once.

    Counting allocates and frees numpy temporaries of some hundreds of kilobytes for every block. By
    default glibc returns the top of its heap to the system when they are freed and the next block
    faults the same pages in again: some 300,000 page faults a gigabyte, as much system time as reading
    the files. Keeping 64 MiB of freed heap (M_TOP_PAD) is far more than a block needs, and memory that
    was never used is not kept. Where the C library is not glibc, nothing changes.
    """
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-2, 64 << 20)  # -2: M_TOP_PAD
    except (OSError, AttributeError):
        pass


def _count_in_worker(files: list[StreetFile]) -> list[FileCounts]:
    assert _REGISTRY is not None
    return [_count_caught(file, _REGISTRY) for file in files]


_REGISTRY: Registry | None = None


def iter_counts(counts: FileCounts, registry: Registry) -> Iterator[tuple[str, str, str, str, int]]:
    """Rows ``area_code, area, month, crime_type, count`` in a stable order."""
    names = {code: registry.by_code(code).name for code in {c for c, _, _ in counts.counts}}
    for (code, month, crime), n in sorted(counts.counts.items()):
        yield code, names[code], month, crime, n


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
