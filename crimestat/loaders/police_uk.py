"""Read the police.uk street-level archive: monthly files of one row per crime or ASB incident.

Files are named ``YYYY-MM-<force>-street.csv`` inside ``YYYY-MM/`` folders, and come as folders, zip
archives or ``.csv.gz`` files. Each file is counted on its own (``count_file`` is a pure function of
its bytes), so files can be counted in parallel or by any engine that maps over files; the counts are
then summed.

How a file is read, and why:

- **Streamed in blocks** of 512 KiB, never whole: memory stays bounded whatever the size of a file or
  archive member (a 1 GB member costs the same as a 1 MB one). A line longer than ``MAX_LINE`` bytes
  is an error, not a reason to buffer the rest of the file.
- **Counted at the byte level with numpy** (our own parser, not pyarrow's or pandas'): a street file
  has no quotes in practice, so a block of whole lines is split at its commas and newlines in a few
  vectorised passes, every row is checked to have exactly the header's number of fields, and the three
  columns needed (Month, Falls within, Crime type) are grouped by their exact bytes. This is about
  twice as fast per core as pyarrow's CSV reader (which tokenises and converts every column), and it
  needs only numpy, which crimestat imports anyway, so a worker starts in milliseconds instead of
  importing pyarrow's compute engine and pandas. Grouping is exact: values are bucketed by a hash,
  and every row is then compared byte for byte with its bucket's representative; a collision falls
  back to an exact sort.
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

from ..errors import CrimestatError, DataFileError, MissingFileError, Problem
from ..forces import Force, Registry
from ._csv import Source, parse_number, read_csv, read_header

NAME = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$")
# Other files of a police.uk download, which are not street-level crime: left out, and said so.
COMPANION = re.compile(r"(?:^|/)\d{4}-\d{2}-[a-z0-9-]+-(?:outcomes|stop-and-search)\.csv(?:\.gz)?$")
COLUMNS = ("Month", "Falls within", "Crime type")
MAX_EXAMPLES = 5
MAX_PROBLEMS = 20  # per file: the rest are counted, not kept, so a bad 1 GB file cannot fill memory
BLOCK = 512 << 10  # bytes read at a time: small enough that numpy's passes over a block stay in cache
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

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes in blocks of at most ``BLOCK``, decompressed and transcoded to UTF-8."""
        with contextlib.ExitStack() as stack:
            try:
                if self.member is not None:
                    archive = stack.enter_context(zipfile.ZipFile(self.path))
                    stream: IO[bytes] = stack.enter_context(archive.open(self.member))
                else:
                    stream = stack.enter_context(open(self.path, "rb"))
            except (OSError, zipfile.BadZipFile, KeyError) as exc:
                raise DataFileError.single(self.name, f"cannot be read ({_reason(exc)})") from None
            yield from stream_chunks(stream, self.name)

    def read(self) -> bytes:
        """The whole file (decompressed, as UTF-8): for small files and tests; counting streams."""
        return b"".join(self.chunks())


def _reason(exc: BaseException) -> str:
    return str(exc)[:120] or type(exc).__name__


def stream_chunks(stream: IO[bytes], name: str) -> Iterator[bytes]:
    """Blocks of a binary stream as UTF-8, recognising gzip by its magic number and UTF-16 by its BOM.

    Errors from a corrupt gzip stream or undecodable UTF-16 become one short ``DataFileError``.
    """
    try:
        head = stream.read(2)
        stream.seek(0)
        if head == b"\x1f\x8b" or name.endswith(".gz"):  # a .gz name that is not gzip is an error
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        first = stream.read(BLOCK)
        if first[:2] in (b"\xff\xfe", b"\xfe\xff"):
            decoder = codecs.getincrementaldecoder("utf-16")()
            chunk = first
            while chunk:
                yield decoder.decode(chunk).encode("utf-8")
                chunk = stream.read(BLOCK)
            yield decoder.decode(b"", final=True).encode("utf-8")
            return
        if first.startswith(codecs.BOM_UTF8):
            first = first[3:]
        chunk = first
        while chunk:
            yield chunk
            chunk = stream.read(BLOCK)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise DataFileError.single(name, f"cannot be read ({_reason(exc)})") from None
    except UnicodeDecodeError as exc:
        raise DataFileError.single(name, f"starts with a UTF-16 byte-order mark but is not UTF-16 ({exc.reason})") \
            from None


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
    found: list[StreetFile] = []

    def unreadable(exc: OSError) -> None:
        raise DataFileError.single(str(exc.filename or given), f"is a folder that cannot be listed "
                                   f"({exc.strerror or _reason(exc)}); its files would be left out") from None

    for root, folders, names in os.walk(folder, onerror=unreadable, followlinks=True):
        folders.sort()
        for name in sorted(names):
            file = Path(root) / name
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
    month, force_id = (match.group(1), match.group(2)) if match else ("", "")
    return StreetFile(name, path, member, month, force_id)


def count_file(file: StreetFile | str, registry: Registry) -> FileCounts:
    """Count one street-level file by force, month and crime type (a pure function of the file's bytes)."""
    if isinstance(file, str):
        file = _street(file, file)
    return count_chunks(file.chunks(), file, registry)


def count_bytes(data: bytes, file: StreetFile, registry: Registry) -> FileCounts:
    """Count a street-level file already in memory (stdin, say), exactly as ``count_file`` would."""
    import io

    return count_chunks(stream_chunks(io.BytesIO(data), file.name), file, registry)


def _lines_blocks(chunks: Iterable[bytes], name: str) -> Iterator[bytes]:
    """Blocks of whole lines (each ending in a newline); the last block is what follows the last newline.

    A line longer than ``MAX_LINE`` raises ``_LongLine``, so memory stays bounded by ``BLOCK + MAX_LINE``.
    """
    carry = b""
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
        else:
            block, carry = data[: cut + 1], data[cut + 1:]
            yield block
        if len(carry) > MAX_LINE:
            raise _LongLine(carry[:MAX_QUOTED + 1].decode("utf-8", "replace"))
    yield carry


class _LongLine(Exception):
    """A line longer than MAX_LINE; ``count_chunks`` knows its number and makes it a DataFileError."""


_VERDICTS: dict[tuple[str | None, ...], tuple[str, str, str]] = {}  # the same few keys, in every file


class _Counter:
    """Counts one file's rows into a ``FileCounts``, knowing its header, force and month."""

    def __init__(self, file: StreetFile, registry: Registry, result: FileCounts, header: list[str]):
        self.file, self.result = file, result
        self.expected: Force | None = registry.find(file.force_id) if file.force_id else None
        self.known = _crime_types()
        self.width = len(header)
        self.index = tuple(header.index(c) for c in COLUMNS)
        self.pending: list[tuple[int, str]] = []  # lines of a quoted field still open
        self.hidden = 0  # errors beyond MAX_PROBLEMS

    def verdict(self, month: str | None, falls: str | None, crime: str | None) -> tuple[str, str, str]:
        """("count", force code, "") or ("skip", reason, detail) or ("error", message, column)."""
        key = (self.file.month, self.expected.code if self.expected else None, month, falls, crime)
        if key not in _VERDICTS:
            if len(_VERDICTS) > 100_000:  # a file of made-up values must not fill memory
                _VERDICTS.clear()
            _VERDICTS[key] = self._verdict(month, falls, crime)
        return _VERDICTS[key]

    def _verdict(self, month: str | None, falls: str | None, crime: str | None) -> tuple[str, str, str]:
        if not month:
            return "skip", "missing month", ""
        if not _MONTH.match(month):
            return "error", f"{_short(month)} is not a month; expected YYYY-MM (month 01 to 12)", "Month"
        if self.file.month and month != self.file.month:
            return "skip", "month differs from the file name's", month
        if self.expected is not None and falls and _registry_code(falls) != self.expected.code:
            return "skip", "force differs from the file name's", falls
        # A file whose name gives no force (renamed, or read from stdin) is counted by its 'Falls within'.
        code = self.expected.code if self.expected is not None else _registry_code(falls) if falls else None
        if code is None:
            if not falls:
                return "skip", "no force in the file name or 'Falls within'", ""
            return "skip", "unknown force in 'Falls within'", falls
        if crime not in self.known:
            return "skip", "unknown crime type", crime or ""
        return "count", code, ""

    def add_groups(self, groups: Counter) -> bool:
        """Count a block's groups if every one is simply counted; False (nothing counted) otherwise."""
        verdicts = {key: self.verdict(*key) for key in groups}  # a handful of keys per block
        if any(v[0] != "count" for v in verdicts.values()):
            return False
        for (month, _falls, crime), n in groups.items():
            self.result.counts[(verdicts[(month, _falls, crime)][1], month, crime)] += n
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


def count_chunks(chunks: Iterable[bytes], file: StreetFile, registry: Registry) -> FileCounts:
    """Count a street-level file given as UTF-8 blocks (see the module docstring for how, and why)."""
    result = FileCounts(files=1)
    if file.force_id and registry.find(file.force_id) is None:
        result.problems.append(Problem(file.name, f"the file name's force '{file.force_id}' is not a known force"))
        return result
    if file.month and not _MONTH.match(file.month):
        result.problems.append(Problem(file.name, f"the file name's month '{file.month}' is not a month; expected "
                                                  "YYYY-MM (month 01 to 12)"))
        return result
    blocks = _lines_blocks(chunks, file.name)
    number = 0  # lines read so far
    try:
        block = next(blocks)
        number = 1
        _count_blocks(block, blocks, file, registry, result)
    except _LongLine as exc:
        raise DataFileError.single(file.name, f"longer than {MAX_LINE:,} bytes with no newline, so not "
                                   f"a street-level row (it starts {_short(str(exc))})", number + 1) from None
    return result


def _count_blocks(block: bytes, blocks: Iterator[bytes], file: StreetFile, registry: Registry,
                  result: FileCounts) -> None:
    first_line, _, rest = block.partition(b"\n")
    header_text = first_line.decode("utf-8", "replace").rstrip("\r")
    header = [c.strip() for c in (_parse([header_text]) or header_text.split(","))]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        result.problems.append(Problem(file.name, f"missing column{'s' if len(missing) > 1 else ''} "
                                       f"{', '.join(repr(c) for c in missing)}; the header has "
                                       f"{_short(header_text)}", 1))
        return
    counter = _Counter(file, registry, result, header)
    fast = _FastBlocks(len(header), counter.index)  # type: ignore[arg-type]
    number = 1  # lines read so far
    pending_tail = b""
    if b"\n" not in block:
        pending_tail = block  # a header with no newline: nothing but the header, or cut short
    for block in _chain([rest], blocks):
        if not block:
            continue
        if not block.endswith(b"\n"):  # only the last block, after the last newline, lacks one
            pending_tail = block
            break
        if not counter.pending and b'"' not in block:
            counted = fast.count(block)
            if counted is not None and counter.add_groups(counted[0]):
                number += counted[1]
                continue
        for text in block[:-1].decode("utf-8", "replace").split("\n"):
            number += 1
            counter.line(number, text.rstrip("\r"))
    if pending_tail.strip():
        counter.error("the file ends without a newline, so it may be cut short (an interrupted download or "
                      "copy?) and rows after the cut lost; download it again, or end the last line if it is "
                      "complete", number + 1)
    counter.finish()


def _chain(first: Iterable[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest


# _MASKS[k][n]: keeps the bytes of the 8-byte window at offset 8k that lie inside a field of n bytes.
_MASKS = np.array([[(1 << (8 * min(max(n - k, 0), 8))) - 1 for n in range(65)] for k in range(0, 64, 8)],
                  dtype=np.uint64)
_HASH = np.uint64(0x9E3779B97F4A7C15)
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

    def count(self, block: bytes) -> tuple[Counter, int] | None:
        """The block's rows counted by (month, falls within, crime type), and how many lines it has."""
        a = np.frombuffer(block, np.uint8)
        newline = a == 10
        seps = np.flatnonzero(newline | (a == 44))
        if len(seps) % self.width:
            return None
        seps = seps.reshape(-1, self.width)  # type: ignore[assignment]
        rows = len(seps)
        # Every row's last separator is a newline and there are as many newlines as rows: so every
        # row has exactly width - 1 commas (and there are no blank lines).
        if rows == 0 or np.count_nonzero(newline) != rows or not (a[seps[:, -1]] == 10).all():
            return None
        padded = block + bytes(80)
        words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
        row_starts = np.empty(rows, np.int64)
        row_starts[0] = 0
        row_starts[1:] = seps[:-1, -1] + 1
        codes, values = [], []
        for i in self.index:
            start = row_starts if i == 0 else seps[:, i - 1] + 1
            grouped = self._group(block, words, start, seps[:, i] - start)
            if grouped is None:
                return None
            codes.append(grouped[0])
            values.append(grouped[1])
        (m, nm), (f, nf), (c, nc) = ((code, len(v)) for code, v in zip(codes, values))
        combined = (m * nf + f) * nc + c
        if nm * nf * nc <= 1 << 20:
            found = np.bincount(combined, minlength=nm * nf * nc)
            keys = np.flatnonzero(found)
            ns = found[keys]
        else:
            keys, ns = np.unique(combined, return_counts=True)
        groups: Counter = Counter()
        for key, n in zip(keys.tolist(), ns.tolist()):
            mi, rest = divmod(key, nf * nc)
            fi, ci = divmod(rest, nc)
            groups[(values[0][mi], values[1][fi], values[2][ci])] += n
        return groups, rows

    @staticmethod
    def _group(block: bytes, words: np.ndarray, start: np.ndarray, length: np.ndarray):
        """Dense codes (one per distinct value, exact) for a column's fields, and each code's value.

        A field is its length and the 8-byte words that cover it (bytes past its end masked off), so
        two fields are equal exactly when these are. Rows are bucketed by a hash of them, and every row
        is compared with its bucket's representative; only if two values share a bucket are the rows
        sorted instead.
        """
        longest = int(length.max())
        if longest > 64:
            return None
        windows = [words[start + k] & _MASKS[k // 8][length] for k in range(0, max(longest, 1), 8)]
        if (length == length[0]).all() and all((w == w[0]).all() for w in windows):  # one value (a month)
            codes = np.zeros(len(length), np.int64)
            first = np.zeros(1, np.int64)
        else:
            h = length.astype(np.uint64)
            for w in windows:
                h = (h ^ w) * _HASH
            bucket = (h >> np.uint64(64 - _BUCKET_BITS)).astype(np.int64)
            rep = np.empty(1 << _BUCKET_BITS, np.int64)
            rep[bucket] = np.arange(len(bucket))
            mine = rep[bucket]
            if (length == length[mine]).all() and all((w == w[mine]).all() for w in windows):
                used = np.flatnonzero(np.bincount(bucket, minlength=1 << _BUCKET_BITS))
                dense = np.empty(1 << _BUCKET_BITS, np.int64)
                dense[used] = np.arange(len(used))
                codes = dense[bucket]
                first = rep[used]
            else:  # two values share a bucket: group by sorting their words exactly instead
                keys = np.stack([length.astype(np.uint64), *windows], axis=1)
                _, first, codes = np.unique(keys, axis=0, return_index=True, return_inverse=True)
                codes = codes.reshape(-1)
        starts, ends = start[first].tolist(), (start[first] + length[first]).tolist()
        values = [block[s:e].decode("utf-8", "replace").strip() or None for s, e in zip(starts, ends)]
        return codes, values


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
        for done, (file, counted) in enumerate(_count_in_pool(files, workers), start=1):
            add(file, counted)
            if progress:
                progress(done, len(files))
    else:
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


def _count_in_pool(files: list[StreetFile], workers: int) -> Iterator[tuple[StreetFile, FileCounts]]:
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
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
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


def _count_in_worker(files: list[StreetFile]) -> list[FileCounts]:
    from .forces import load_forces

    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = load_forces()
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
