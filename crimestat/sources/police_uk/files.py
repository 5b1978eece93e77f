"""Finding street-level files (folders, zip archives, .csv.gz) and reading their bytes as UTF-8 blocks."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ...errors import DataFileError, MissingFileError

BLOCK = 1 << 20  # bytes read at a time: large enough to amortise numpy's per-call cost, small enough to stay in cache
MAX_LINE = 1 << 20  # a street-level row is a few hundred bytes; a longer "line" is not a row
MAX_QUOTED = 40  # characters of file content quoted in a message


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


# File names are matched without regard to case (a download copied through another system arrives as .CSV).
NAME = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$", re.IGNORECASE)


# Other files of a police.uk download, which are not street-level crime: left out, and said so.
COMPANION = re.compile(r"(?:^|/)\d{4}-\d{2}-[a-z0-9-]+-(?:outcomes|stop-and-search)\.csv(?:\.gz)?$", re.IGNORECASE)


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
        from ...files import note_input

        for file in mine:  # found inside a folder, read as much as a file named: --output may not replace it
            note_input(file.path)
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
