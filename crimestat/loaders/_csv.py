"""Reading CSV files into rows with their line numbers, and turning cells into checked values.

Every loader reads through here so that every input error says the same things the same way: the file,
the line, the column, what was found and what was expected. Problems are collected, not raised at the
first, so a user sees everything wrong with a file at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
import zlib
from collections.abc import Iterable, Sequence
from itertools import repeat
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..errors import BadValueError, DataFileError, MissingColumnError, MissingFileError, Problem
from ..runtime.log import warn
from ..files import note_input

Source = str | os.PathLike | IO[str] | IO[bytes]

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_PLAIN_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_SCIENTIFIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")
_SUPPRESSION = {"..", ":", "x", "[x]", "*", "-", "c", "[c]", "z", "[z]", "n/a", "na"}


def source_name(source: Source) -> str:
    """The name to show for a source in messages."""
    if isinstance(source, (str, os.PathLike)):
        return "<stdin>" if str(source) == "-" else str(source)
    return str(getattr(source, "name", "<stream>"))


def read_bytes(source: Source, expected: str = "a CSV file") -> bytes | str:
    """A whole source as it is stored: a path, ``-`` for stdin, or an open file (``expected`` says, for a
    folder given by mistake, what should have been given)."""
    name = source_name(source)
    if isinstance(source, (str, os.PathLike)):
        if str(source) == "-":
            return check_lines(sys.stdin.buffer.read(), name)
        path = Path(source)
        if not path.exists():
            raise MissingFileError.single(name, "file not found")
        if path.is_dir():
            raise MissingFileError.single(name, f"is a folder, expected {expected}")
        note_input(path)
        try:
            if path.stat().st_size > UNPACK_MAX:
                raise DataFileError.single(name, f"is {path.stat().st_size / 1024 / 1024:,.0f} MB, more than the "
                                                 f"{UNPACK_MAX // 1024 // 1024:,} MB a table crimestat reads whole can "
                                                 "be; expected the published file")
            return check_lines(path.read_bytes(), name)
        except OSError as exc:
            raise MissingFileError.single(name, f"cannot be read ({exc.strerror})") from None
    data = source.read()
    return check_lines(data, name) if isinstance(data, bytes) else data


def check_lines(data: bytes, name: str) -> bytes:
    """``data``, unless it holds more than ``MAX_LINES`` lines (counted at C speed), which is an error."""
    if len(data) > MAX_LINES and data.count(b"\n") > MAX_LINES:
        raise DataFileError.single(name, f"has more than {MAX_LINES:,} lines: not a table crimestat reads; expected "
                                         "the published file")
    return data


def read_text(source: Source) -> str:
    """Read a whole text source, accepting a path, ``-`` for stdin, or an open file."""
    data = read_bytes(source)
    return data if isinstance(data, str) else decode_bytes(data, source_name(source))


#: A gzip file is unpacked only as far as a table of its size can plausibly go: at most ``UNPACK_RATIO`` times
#: its packed size (text tables pack 5-20 times; the Home Office's 1.8 MB file unpacks to 14 times that)
#: once past ``UNPACK_FLOOR``, and never beyond ``UNPACK_MAX``. A small file that would fill memory with
#: blank lines or padding is an error at that point, before it is held whole.
UNPACK_RATIO = 200
UNPACK_FLOOR = 64 * 1024 * 1024
UNPACK_MAX = 2 * 1024 * 1024 * 1024
#: A table crimestat reads whole has at most this many lines: the largest published one (the Home Office
#: tables, 2002/03 onwards) has about a million; a file of 50 million lines is not one of them, and is refused
#: before it is parsed (a file of blank lines or padding would otherwise cost minutes and gigabytes).
MAX_LINES = 50_000_000


def gunzip(data: bytes, name: str) -> bytes:
    """The bytes unpacked when they are gzip data (recognised by their first bytes, whatever the name says);
    a cut-short or damaged gzip file is an error, never a shorter file, and so is one that unpacks beyond
    the limits above."""
    if data[:2] != b"\x1f\x8b":
        return data
    limit = min(max(UNPACK_FLOOR, UNPACK_RATIO * len(data)), UNPACK_MAX)
    parts: list[bytes] = []
    size = 0
    rest = data
    try:
        while rest:
            if rest[:2] != b"\x1f\x8b":
                if rest.strip(b"\x00"):
                    raise OSError("trailing garbage after the compressed data")
                break  # padding after the last member, as gzip.decompress allows
            unpacker = zlib.decompressobj(wbits=31)
            chunk = unpacker.decompress(rest, limit + 1 - size)
            while True:
                size += len(chunk)
                if size > limit:
                    raise _TooBig()
                parts.append(chunk)
                if unpacker.eof or not unpacker.unconsumed_tail:
                    break
                chunk = unpacker.decompress(unpacker.unconsumed_tail, limit + 1 - size)
            if not unpacker.eof:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            rest = unpacker.unused_data
    except _TooBig:
        raise DataFileError.single(
            name, f"unpacks to more than {limit / 1024 / 1024:,.0f} MB ({UNPACK_RATIO} times its packed size or "
                  f"{UNPACK_FLOOR // 1024 // 1024} MB, whichever is more): not a table crimestat reads; expected "
                  "the published file") from None
    except (EOFError, OSError, zlib.error) as exc:
        raise DataFileError.single(
            name, f"the gzip data are cut short or damaged ({exc}); expected a complete .gz download") from None
    return check_lines(b"".join(parts), name)


class _TooBig(Exception):
    pass


def decode_bytes(data: bytes, name: str) -> str:
    """A file's bytes as text: gzip is unpacked (whatever the name says), UTF-16 and UTF-32 are read by
    their byte-order mark, UTF-8 (with or without a mark) is the default, and anything else is read as
    Windows-1252 with a warning. Reading UTF-16 as Windows-1252 would turn every name into mojibake."""
    data = gunzip(data, name)
    for mark, encoding in _MARKS:
        if data.startswith(mark):
            try:
                return data[len(mark):].decode(encoding)
            except UnicodeDecodeError as exc:
                line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
                raise DataFileError.single(
                    name, f"starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} "
                          f"({exc.reason}); expected a complete file in one encoding", line) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        # Spreadsheets on Windows save CSV as Windows-1252; read it rather than refuse, but say so.
        warn(
            f"{name}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "read as Windows-1252 (Latin-1)"
        )
        return data.decode("cp1252", errors="replace")


# Longest first: the UTF-32 little-endian mark begins with UTF-16's.
_MARKS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
          (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def stdin_bytes() -> bytes:
    """All of standard input, read once (so a file given as '-' can be looked at twice)."""
    from ..runtime import signals

    signals.ready("stdin", wait=False)
    return sys.stdin.buffer.read()


def read_header(source: str) -> list[str]:
    """The first non-blank line's column names of a file (for recognising what it is), from its first bytes."""
    with open(source, "rb") as stream:
        return header_of(stream.read(65536))


def header_of(head: bytes) -> list[str]:
    """The first non-blank line's column names from a file's first bytes: gzip is unpacked as far as it goes,
    UTF-16 and UTF-32 are read by their byte-order mark, UTF-8 is the default. Never an error: a file that has
    no readable header gives what it has, and its loader says what is wrong."""
    if head[:2] == b"\x1f\x8b":
        try:
            import gzip

            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(65536)
        except (OSError, EOFError, zlib.error):
            return []
    text = next((head[len(mark):].decode(encoding, errors="replace") for mark, encoding in _MARKS
                 if head.startswith(mark)), None)
    if text is None:
        text = head.decode("utf-8-sig", errors="replace")
    for line in text.splitlines():
        if line.strip():
            try:
                return [c.strip() for c in next(csv.reader([line.strip()]))]
            except csv.Error:  # a bare carriage return (an old Mac file) or binary: split plainly
                return [c.strip() for c in line.replace("\r", ",").split(",")]
    return []


@dataclass
class CsvTable:
    """A CSV file's header and data rows, each row with the line it started on."""

    name: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    problems: list[Problem] = field(default_factory=list)

    def index(self, column: str) -> int:
        return self.header.index(column)

    def column(self, column: str) -> list[str]:
        i = self.index(column)
        return [row[i] for row in self.rows]

    def problem(self, message: str, row: int | None = None, column: str | None = None) -> None:
        """Record a problem at data row ``row`` (an index into ``rows``)."""
        line = self.lines[row] if row is not None else None
        self.problems.append(Problem(self.name, message, line, column))

    def raise_problems(self, error: type[DataFileError] = BadValueError) -> None:
        if self.problems:
            problems = sorted(self.problems, key=lambda p: (p.line or 0, p.column or ""))
            raise error(problems)


def read_csv(
    source: Source,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    allow_empty: bool = False,
) -> CsvTable:
    """Read a comma-separated file whose header holds at least the ``required`` columns.

    Blank lines are skipped. Column names are matched after trimming spaces; a missing column is
    reported with the columns the file does have and the nearest match.
    """
    return csv_table(read_text(source), source_name(source), required, allow_empty=allow_empty,
                     whole_file=is_whole_file(source))


def is_whole_file(source: Source) -> bool:
    """Whether a source is a file (which must end with a line ending), not text already in memory."""
    return not isinstance(source, io.StringIO)


def csv_table(text: str, name: str, required: Sequence[str], *, allow_empty: bool = False,
              whole_file: bool = True) -> CsvTable:
    """:func:`read_csv` of a source's text (``whole_file``: see :func:`is_whole_file`)."""
    # A file (not text already in memory) must end with a line ending: a download or copy cut short
    # usually stops mid-line, and its last number would be read cut short (5840 as 58).
    cut = text.strip() and not text.endswith(("\n", "\r")) and whole_file
    if not text.strip():
        wanted = f"a header line with the columns {_names(required)}" if required else "a header line and data rows"
        raise DataFileError.single(name, f"file is empty; expected {wanted}")
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    plain = _plain_lines(text)
    if plain is not None and len(plain) > 1:
        header = [cell.strip() for cell in plain[0].split(",")]
        header_line = 1
        _check_header(name, header, header_line, required)
        if set(map(str.count, plain, repeat(","))) == {len(header) - 1}:
            rows = list(map(str.split, plain[1:], repeat(",")))
            lines = list(range(2, len(plain) + 1))
        else:
            plain = None
    if plain is None or len(plain) <= 1:
        header, header_line = _read_rows(text, name, required, rows, lines, problems)
    if cut:
        problems.append(Problem(name, "the last line does not end with a line break, so the file may be cut short "
                                      "(an interrupted download or copy); expected a complete file",
                                text.count("\n") + 1))
    if header is None:
        raise DataFileError(problems or [Problem(name, "no header line; expected column names", 1)])
    if not rows and not problems and not allow_empty:
        raise DataFileError.single(name, "has a header but no data rows", header_line)
    table = CsvTable(name, header, rows, lines, problems)
    return table


#: What a blank line is made of: commas and the characters ``str.strip`` takes for white space (every character
#: whose ``isspace()`` is true; tests/test_csv_reader.py checks the list).
_BLANK = (",\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
          "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _plain_lines(text: str) -> list[str] | None:
    """The lines of a text that the csv module would read as one record each, none of them blank: a text
    without quotes, NULs or blank lines, whose carriage returns are all in line endings (CR LF) and whose lines
    are shorter than the csv module's field limit. None for any other text."""
    if '"' in text or "\0" in text:
        return None
    newline = "\n"
    if "\r" in text:
        crlf = text.count("\r\n")
        if text.count("\r") != crlf:
            return None
        if crlf == text.count("\n"):
            newline = "\r\n"
        else:
            text = text.replace("\r\n", "\n")
    lines = (text[:-len(newline)] if text.endswith(newline) else text).split(newline)
    if not all(map(str.strip, lines, repeat(_BLANK))) or max(map(len, lines)) >= csv.field_size_limit():
        return None
    return lines


def _read_rows(text: str, name: str, required: Sequence[str], rows: list[list[str]], lines: list[int],
               problems: list[Problem]) -> tuple[list[str] | None, int]:
    """Read a text's rows with the csv module, one by one: the header (checked) and its line are returned, the
    data rows and their lines added to ``rows`` and ``lines``, and wrong rows to ``problems``."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    start = 1
    try:
        for record in reader:
            if not "".join(record).strip():  # a blank line, or one of empty cells
                start = reader.line_num + 1
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                header_line = start
                _check_header(name, header, header_line, required)
            elif len(record) != len(header):
                problems.append(
                    Problem(name, f"expected {len(header)} fields, found {len(record)}", start)
                )
            else:
                rows.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(name, f"broken quoting ({exc}); expected a well-formed CSV row", start))
    return header, header_line


def _names(columns: Iterable[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns)


def _check_header(name: str, header: list[str], line: int, required: Sequence[str]) -> None:
    if len(header) == 1 and len(required) != 1:
        for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if delimiter in header[0]:
                raise DataFileError.single(
                    name, f"columns are separated by {label}; expected commas", line
                )
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise DataFileError.single(name, f"column '{column}' appears twice in the header", line)
        seen.add(column)
    missing = [c for c in required if c not in header]
    if len(missing) > 1:
        raise MissingColumnError([Problem(
            name, f"missing columns {_names(missing)}; the header has {_names(header)}", line
        )])
    if missing:
        problems = []
        for column in missing:
            import difflib

            near = difflib.get_close_matches(column, header, n=1, cutoff=0.6)
            hint = f" (is '{near[0]}' meant to be it?)" if near else ""
            problems.append(
                Problem(name, f"missing column '{column}'{hint}; the header has {_names(header)}", line)
            )
        raise MissingColumnError(problems)


def parse_number(
    table: CsvTable,
    row: int,
    column: str,
    text: str,
    *,
    integer: bool = True,
    minimum: float | None = 0,
    what: str = "a whole number of 0 or more",
) -> float | int | None:
    """Parse one cell as a number, recording a problem (and returning None) when it is not one.

    Accepted: plain numbers and numbers with thousands separators ("1,234"). Refused, with the reason:
    empty cells, suppression markers ("..", "[x]", "*"), fractions where a whole number is needed,
    values below ``minimum``, and numbers too large to be real.
    """
    value = text.strip()
    if _THOUSANDS.match(value):
        value = value.replace(",", "")
    if value == "":
        table.problem(f"empty value; expected {what}", row, column)
        return None
    if value.lower() in _SUPPRESSION:
        table.problem(f"'{text}' is a suppression or footnote marker; expected {what}", row, column)
        return None
    if integer and _SCIENTIFIC.match(value):
        # Spreadsheets can write numbers as 1.23457E+15, rounded to the digits shown: not a count to trust.
        table.problem(f"'{text}' is in scientific notation, which may have been rounded; expected {what}, "
                      "written in full", row, column)
        return None
    if not _PLAIN_NUMBER.match(value):
        # float() also takes '6_43', full-width and Arabic-Indic digits, 'nan', 'inf' and '1e3': not as
        # figures are published.
        table.problem(f"'{text}' is not a number; expected {what}", row, column)
        return None
    try:
        number = float(value)
    except ValueError:
        table.problem(f"'{text}' is not a number; expected {what}", row, column)
        return None
    if number != number or number in (float("inf"), float("-inf")):
        table.problem(f"'{text}' is not a number; expected {what}", row, column)
        return None
    if abs(number) >= 1e15:
        table.problem(f"'{text}' is too large to be real; expected {what}", row, column)
        return None
    if integer:
        if number != int(number):
            table.problem(f"'{text}' is not a whole number; expected {what}", row, column)
            return None
        number = int(number)
    if minimum is not None and number < minimum:
        found = "negative" if number < 0 else "zero" if number == 0 else f"below {minimum:g}"
        table.problem(f"'{text}' is {found}; expected {what}", row, column)
        return None
    return number


def parse_numbers(table: CsvTable, column: str, **kwargs) -> list:
    """Parse a whole column with :func:`parse_number`."""
    i = table.index(column)
    return [parse_number(table, r, column, row[i], **kwargs) for r, row in enumerate(table.rows)]


def check_text(table: CsvTable, column: str, what: str) -> list[str]:
    """A text column, trimmed, with empty cells and spreadsheet formulas recorded as problems."""
    i = table.index(column)
    values = [row[i].strip() for row in table.rows]
    if not all(values):
        for r, value in enumerate(values):
            if not value:
                table.problem(f"empty value; expected {what}", r, column)
    return values
