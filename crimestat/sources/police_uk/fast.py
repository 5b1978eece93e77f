"""The fast path: whole blocks of plain lines counted at the byte level with numpy (see ``parser``)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

import numpy as np

from . import files as _files
from .files import MAX_QUOTED, _Source

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
    than ``_files.MAX_LINE`` raises ``_LongLine``, so memory stays bounded by ``_files.BLOCK + _files.MAX_LINE``.
    """
    data, view, block = buffer.data, buffer.view, _files.BLOCK
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
        if carry > _files.MAX_LINE:
            raise _LongLine(bytes(data[:MAX_QUOTED + 1]).decode("utf-8", "replace"))
    yield carry, False


def _check_lengths(data: bytearray, end: int) -> None:
    """Raise ``_LongLine`` if a line of ``data[:end]`` (whole lines) is longer than ``_files.MAX_LINE``.

    A block holds up to ``_files.MAX_LINE + _files.BLOCK`` bytes, so a long line can lie wholly inside one. Each step
    looks for the last newline within ``_files.MAX_LINE`` bytes of a line's start: two or three searches a block.
    """
    start = 0
    while end - start > _files.MAX_LINE:
        newline = data.rfind(b"\n", start, start + _files.MAX_LINE + 1)
        if newline < 0:
            raise _LongLine(bytes(data[start:start + MAX_QUOTED + 1]).decode("utf-8", "replace"),
                            data.count(b"\n", 0, start))
        start = newline + 1


class _LongLine(Exception):
    """A line longer than _files.MAX_LINE; the reader knows its number and makes it a DataFileError."""

    def __init__(self, start: str, newlines_before: int = 0):
        super().__init__(start)
        self.newlines_before = newlines_before  # in the block: the line is this many lines after its first


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
