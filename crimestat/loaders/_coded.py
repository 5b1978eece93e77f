"""A plainly shaped CSV file's columns read by Arrow's CSV reader, coded as they are read.

The ONS crime file (46,000 rows) is read this way: Arrow splits and codes the columns in C, where the csv
module and a Python loop over the rows took most of a cold parse. Only a text whose cells are certainly the
ones :func:`._csv.read_csv` would give is read so; any other is left to it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._csv import _BLANK, _check_header


@dataclass
class CodedColumns:
    """The columns of a plainly shaped CSV text (see :func:`coded_columns`), each coded: data row ``r`` holds
    ``values[column][codes[column][r]]`` and is on line ``lines[r]``."""

    name: str
    header: list[str]
    codes: dict[str, np.ndarray]
    values: dict[str, list[str]]
    lines: range


def coded_columns(text: str, name: str, required: Sequence[str]) -> CodedColumns | None:
    """The ``required`` columns of a text, read by Arrow's CSV reader and coded as they are read, when the text
    is plainly shaped, so that they are the cells :func:`read_csv` would give (its ``rows``, split by the csv
    module) and it would record no problem: the header on line 1, no quotes, no NULs, carriage returns only in
    line endings (CR LF), a line ending at the end, every row as wide as the header, no blank row and no cell
    as long as the csv module's field limit. None for any other text (the caller then reads it with
    :func:`csv_table`, which says what is wrong). A header without a required column, or with one twice, is
    the error :func:`read_csv` raises."""
    if '"' in text or "\0" in text or not text.endswith("\n"):
        return None
    first = text[:text.index("\n")].removesuffix("\r")
    if not first.strip(_BLANK) or "\r" in first:
        return None  # a blank line first (the csv module's reading finds the header), or a bare carriage return
    header = [cell.strip() for cell in first.split(",")]
    _check_header(name, header, 1, required)
    if len(header) < 2:
        return None
    import pyarrow as pa  # here: only a plainly shaped file is read by Arrow
    import pyarrow.csv as pa_csv

    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            # One thread: the file is small, and a read on Arrow's thread pool can abort the interpreter at exit
            # ("terminate called without an active exception", apache/arrow#34314).
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, use_threads=False),
            parse_options=pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.dictionary(pa.int32(), pa.string()) for n in names},
                                                  strings_can_be_null=False),
        ).unify_dictionaries()
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return None  # a row of another width (or text that is not Unicode throughout)
    if not table.num_rows or table.num_rows != text.count("\n") - 1:
        return None  # no rows, or a bare carriage return (which Arrow, as the csv module, takes for a line end)
    codes: dict[str, np.ndarray] = {}
    values: dict[str, list[str]] = {}
    blank = np.ones(table.num_rows, dtype=bool)
    limit = csv.field_size_limit() - 1
    for column, n in zip(header, names):
        chunks = table.column(n).chunks
        distinct = chunks[0].dictionary.to_pylist()
        if max(map(len, distinct), default=0) >= limit:
            return None
        code = np.concatenate([_indices(chunk.indices) for chunk in chunks]).astype(np.intp)
        if blank.any():  # a row is blank if every cell is: once no row can be, the other columns need no look
            blank &= np.array([not value.strip(_BLANK) for value in distinct], dtype=bool)[code]
        if column in required:
            codes[column], values[column] = code, distinct
    if blank.any():
        return None
    return CodedColumns(name, header, codes, values, range(2, table.num_rows + 2))


def _indices(indices) -> np.ndarray:
    """A chunk's dictionary codes (int32, never null: strings_can_be_null=False), read from its data buffer:
    the same numbers as ``indices.to_numpy()``, which imports pandas (half a second) to make them."""
    return np.frombuffer(indices.buffers()[1], dtype=np.int32, count=len(indices),
                         offset=indices.offset * np.dtype(np.int32).itemsize)
