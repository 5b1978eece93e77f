"""How big a workbook's sheets are, found by streaming their XML before the spreadsheet reader is asked.

python-calamine builds each sheet it reads as one dense block from the first cell to the farthest one,
and reserves room for the size a sheet declares. A 5 KB ``.xlsx`` with one stray cell at ``XFD1048576``
(or a declared ``<dimension ref="A1:XFD1048576"/>``), or a 2 KB ``.ods`` of one cell repeated over a
million rows, asks it for gigabytes. So the size of every sheet is measured here first, from the zip
entries as they stream (never held whole, and never unpacked beyond ``MAX_XML_BYTES``): an ``.xlsx``
sheet by its declared dimension and its cells' and rows' references, an ``.ods`` table by walking its rows
and cells with their repeat counts (empty cells, which the reader skips, count only as position).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath
from xml.etree import ElementTree
from xml.parsers import expat

from ..errors import DataFileError

#: The largest sheet read: rows x columns (the Home Office's outcomes sheets are about a million rows of
#: a dozen columns) and columns (their tables have fewer than 20).
MAX_CELLS = 25_000_000
MAX_COLUMNS = 256
#: The most XML one sheet (or an .ods file's content.xml) may unpack to.
MAX_XML_BYTES = 2 * 1024 * 1024 * 1024
_CHUNK = 1 << 20

_NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_NS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class TooLarge(Exception):
    def __init__(self, sheet: str, rows: int, columns: int):
        super().__init__(sheet)
        self.sheet, self.rows, self.columns = sheet, rows, columns


def check_workbook_size(path: str, sheets: Callable[[str], bool] | None = None) -> None:
    """Raise a ``DataFileError`` naming the sheet when a sheet would be larger than ``MAX_CELLS`` or wider
    than ``MAX_COLUMNS``. ``sheets`` picks the sheets that will be read (an ``.xlsx`` is read sheet by sheet;
    an ``.ods`` is read whole, so all its tables count). Files that are not zip workbooks are left to the
    reader."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the reader says what is wrong (or it is an old .xls, which has no such XML)
    try:
        with archive:
            names = set(archive.namelist())
            if "content.xml" in names:
                _ods(archive, sheets)
            elif "xl/workbook.xml" in names:
                _xlsx(archive, sheets)
    except TooLarge as exc:
        raise DataFileError.single(
            path, f"sheet {exc.sheet} reaches row {exc.rows:,} and column {exc.columns:,} "
                  f"({exc.rows * exc.columns:,} cells); expected a table of at most {MAX_COLUMNS} columns and "
                  f"{MAX_CELLS:,} cells (a stray cell far from the table? delete it and save again)") from None
    except _Unpacked as exc:
        raise DataFileError.single(path, f"{exc}; expected a workbook whose sheets unpack to at most "
                                         f"{MAX_XML_BYTES // 1024 // 1024:,} MB") from None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError,
            ElementTree.ParseError, expat.ExpatError):
        return  # damaged, encrypted or oddly packed: the reader's own message says so


class _Unpacked(Exception):
    pass


def _stream(archive: zipfile.ZipFile, member: str):
    size = 0
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > MAX_XML_BYTES:
                raise _Unpacked(f"{member} unpacks to more than {MAX_XML_BYTES // 1024 // 1024:,} MB")
            yield chunk


def _check(sheet: str, rows: int, columns: int) -> None:
    if columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        raise TooLarge(sheet, rows, columns)


_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,4})(\d{1,9})\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d{1,9})\"")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"([A-Z]{0,4})(\d{0,9}):?([A-Z]{0,4})(\d{0,9})\"")


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n


def _xlsx(archive: zipfile.ZipFile, wanted: Callable[[str], bool] | None) -> None:
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = ElementTree.fromstring(archive.read("xl/workbook.xml")[:MAX_XML_BYTES])
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        rels = ElementTree.Element("none")
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for sheet in book.iter(f"{main}sheet"):
        name = sheet.get("name", "")
        if wanted is not None and not wanted(name):
            continue
        target = targets.get(sheet.get(f"{rel}id"), "")
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        if member not in archive.namelist():
            continue
        rows = columns = 0
        tail = b""
        for chunk in _stream(archive, member):
            text = tail + chunk
            for m in _DIMENSION.finditer(text):
                last_col, last_row = m.group(3) or m.group(1), m.group(4) or m.group(2)
                if last_col and last_row:
                    _check(name, int(last_row), _column_number(last_col))
            letters = set(_CELL_REF.findall(text))
            if letters:
                columns = max(columns, max(_column_number(c) for c, _ in letters))
                rows = max(rows, max(int(r) for _, r in letters))
            found = _ROW_REF.findall(text)
            if found:
                rows = max(rows, max(map(int, found)))
            _check(name, rows, columns)
            tail = text[-256:]  # a reference cut between two chunks is seen whole in the next


def _ods(archive: zipfile.ZipFile, wanted: Callable[[str], bool] | None) -> None:
    # Only a repeat count can make a small file a large sheet: without one, the XML's own size bounds it.
    largest = 0
    tail = b""
    for chunk in _stream(archive, "content.xml"):
        for count in re.findall(rb"number-(?:rows|columns)-repeated=\"(\d{1,12})\"", tail + chunk):
            largest = max(largest, int(count))
        tail = chunk[-64:]  # an attribute cut between two chunks is seen whole
    if largest < 1024:
        return
    state = {"table": "", "row": 0, "rows": 0, "columns": 0, "repeat": 1, "col": 0, "row_end": 0,
             "cell": None}
    table_tag, row_tag = f"{_NS_TABLE} table", f"{_NS_TABLE} table-row"
    cells = (f"{_NS_TABLE} table-cell", f"{_NS_TABLE} covered-table-cell")
    rows_repeated, cols_repeated = f"{_NS_TABLE} number-rows-repeated", f"{_NS_TABLE} number-columns-repeated"
    value_type = f"{_NS_OFFICE} value-type"

    def start(tag, attrs):
        if tag == table_tag:
            state.update(table=attrs.get(f"{_NS_TABLE} name", ""), row=0, rows=0, columns=0)
        elif tag == row_tag:
            state.update(repeat=int(attrs.get(rows_repeated, 1)), col=0, row_end=0)
        elif tag in cells:
            state["cell"] = [int(attrs.get(cols_repeated, 1)), value_type in attrs]
        elif state["cell"] is not None:
            state["cell"][1] = True  # a cell with content (text) is read, however it is typed

    def end(tag):
        if tag in cells and state["cell"] is not None:
            repeat, filled = state["cell"]
            state["col"] += repeat
            if filled:
                state["row_end"] = state["col"]
            state["cell"] = None
        elif tag == row_tag:
            if state["row_end"]:
                state["rows"] = state["row"] + state["repeat"]
                state["columns"] = max(state["columns"], state["row_end"])
                _check(state["table"], state["rows"], state["columns"])
            state["row"] += state["repeat"]

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    for chunk in _stream(archive, "content.xml"):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
