"""A cache of validated loads, so that repeated runs on unchanged files skip parsing.

A nightly job or an analyst re-running ``compare`` reads the same ONS file each time; parsing and checking
its 46,000 rows takes longer than everything else the command does. After a successful load the result,
and the warnings the load gave, are kept in ``$CRIMESTAT_CACHE_DIR`` (default ``~/.cache/crimestat``)
under a key made of the file's absolute path, a hash of its contents, crimestat's version and a hash of
its source code. A changed file (even one edited to the same size with its modification time put back),
or changed code, is parsed again, and its entry replaces the earlier one, so the cache holds one entry
per file and kind of load; failed loads are never cached. ``CRIMESTAT_NO_CACHE=1`` turns the cache off.
A cache folder that cannot be written is simply not used.

Safety (README "Promises"; tests/test_cache.py):

- Entries are data, never code: a JSON description plus raw numeric arrays (no pickle), so a planted
  entry can at worst be refused. Each entry carries the SHA-256 of its contents and is refused, and
  loaded afresh, when a bit has flipped or the file is cut short.
- Entries are read only when they are regular files owned by the user and writable by no one else, opened
  without following symbolic links; the folder is made private (0700) and entries are written 0600
  through a new file (``O_EXCL | O_NOFOLLOW``) renamed into place, so a link planted in a shared folder
  is never written through.
- The input file is read once: its bytes are hashed and, when a loader can take bytes, parsed from the
  same buffer, so a file replaced during a run cannot have its new figures stored under the old key.
  Otherwise the file is hashed again after parsing and the result is not stored if it changed.
- Temporary files are removed on failure (a full disk) and on SIGINT/SIGTERM; those a killed run left
  behind (SIGKILL) are removed by the next run once their process is gone.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from .version import __version__
from .runtime import signals
from .errors import DataFileError
from .runtime.kept import Kept, identity
from .runtime.log import collecting, remind, showing_warnings, warn
from .files import note_input, remove_stale_temporaries

_MAGIC = b"crimestat-cache 2\n"
_SUFFIX = ".entry"
# Array element types an entry may hold: numbers only, never Python objects.
_DTYPES = {"<i8", "<i4", "<f8", "|b1", "<u8", "<u4", "|u1", "|i1"}


@functools.cache
def code_digest() -> str:
    """A digest of crimestat's own source: an entry written by other code (an upgrade, a checkout of
    another commit, a local edit) is never read back, whatever the version number says."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha1()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


#: The names of the files crimestat writes in its cache folder: entries (``SLOT-DIGEST.entry``), the markers
#: beside them (``.shown``) and the temporary files of a write in progress (``.SLOT.PID.RANDOM.tmp``).
_OWN_NAME = re.compile(r"^(?:[a-z0-9_]+(?:-[a-z0-9_]+)*-[0-9a-f]{16}-[0-9a-f]{24}\.entry(?:\.shown)?"
                       r"|\.[a-z0-9_]+(?:-[a-z0-9_]+)*-[0-9a-f]{16}\.\d+\.[0-9a-f]{8}\.tmp)$")




def cache_dir() -> Path:
    """The cache folder. ``$CRIMESTAT_CACHE_DIR`` is used as it is when it does not exist yet (crimestat makes
    it) or holds only crimestat's own files; any other existing folder (empty, or with the user's files) is
    the user's, and the cache is a ``crimestat`` folder inside it, so that crimestat never changes the
    folder's mode or removes a file it did not make."""
    given = os.environ.get("CRIMESTAT_CACHE_DIR")
    if given:
        folder = Path(given)
        return folder if _own_or_new(folder) else folder / "crimestat"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crimestat"


def _own_or_new(folder: Path) -> bool:
    try:
        info = os.lstat(folder)
    except OSError:
        return True  # made by crimestat when it first stores an entry (or not at all)
    if not stat.S_ISDIR(info.st_mode):
        return False
    try:
        with os.scandir(folder) as entries:
            names = [e.name for _, e in zip(range(10_000), entries)]
    except OSError:
        return False
    return bool(names) and all(_OWN_NAME.match(n) for n in names)


def differs_from_manifest(name: str, expected: str, found: str) -> str:
    """The message for a release file that is not the file its manifest names: both digests, and what to do."""
    return (f"differs from its release's manifest: the manifest ({Path(name).parent / 'release.json'}) expects "
            f"SHA-256 {expected}, the file has {found}. The file was changed or cut short after the release was "
            "written: put back the file as published, or, if the change is meant, add the files as a new release "
            "(`crimestat releases add FILE... --name NAME`)")


def cached(kind: str, source: Any, load: Callable[[], Any], sha256: str | None = None,
           load_bytes: Callable[[bytes], Any] | None = None) -> Any:
    """``load()``, or its cached result when ``source`` is an unchanged file loaded before.

    ``sha256``: the digest a release's manifest gives for the file; a file that differs (a truncated or
    edited download) is an error, checked on every run from the same read that keys the cache.
    ``load_bytes``: parses the file from the bytes that were hashed (one read of the file); without it,
    ``load()`` reads the file again and the file is re-hashed before its result is stored.
    """
    signals.ready("reading")
    is_file = isinstance(source, (str, os.PathLike)) and str(source) != "-"
    if is_file:
        note_input(source)
    data = _read(Path(source)) if is_file else None  # one read: checks the manifest and keys the cache
    content = hashlib.sha256(data).hexdigest() if data is not None else None
    if sha256 is not None and content is not None and content != sha256:
        raise DataFileError.single(str(source), differs_from_manifest(str(source), sha256, content))

    def fresh() -> Any:
        return load_bytes(data) if load_bytes is not None and data is not None else load()

    if os.environ.get("CRIMESTAT_NO_CACHE") or not is_file:
        result = fresh()
        signals.ready("parsed")
        return result
    path = Path(source)
    try:
        code = code_digest()
    except OSError:
        code = None
    if content is None or code is None:
        return load()  # the loader says what is wrong with the file (or crimestat's source is unreadable)
    # One slot per kind of load and file; the entry in it is named for what it was made from.
    slot = f"{kind.split('-')[0]}-{digest(f'{kind}|{path.resolve()}')[:16]}"
    folder = cache_dir()
    entry = folder / f"{slot}-{digest(f'{content}|{__version__}|{code}')[:24]}{_SUFFIX}"
    found = _read_entry(entry)
    if found is not None:
        result, warnings = found
        _replay(warnings, entry)
        signals.ready("parsed")
        return result
    with collecting() as warnings:
        result = fresh()
    signals.ready("parsed")
    if load_bytes is None and _sha256(path) != content:
        return result  # the file changed while it was parsed: its figures belong to no key we can name
    try:
        payload = encode((result, list(warnings)))
    except TypeError:
        return result  # a result this format cannot hold is simply not cached
    _store(folder, entry, slot, payload)
    if warnings and showing_warnings():
        _mark_shown(entry)
    return result


def _entry(kind: str, slot_key: str, content_key: str) -> tuple[Path, Path, str]:
    folder = cache_dir()
    slot = f"{kind}-{digest(f'{kind}|{slot_key}')[:16]}"
    return folder, folder / f"{slot}-{digest(f'{content_key}|{__version__}|{code_digest()}')[:24]}{_SUFFIX}", slot


def lookup(kind: str, slot_key: str, content_key: str) -> Any | None:
    """The value stored for ``content_key`` under this kind and slot by this crimestat, or None.

    For values that are not a file's load (a drawn chart): ``slot_key`` names what the value is of (one
    entry kept per slot), ``content_key`` everything it depends on besides crimestat's code and version.
    The same checks as ``cached`` apply (ownership, no symbolic links, SHA-256); None when the cache is off.
    """
    if os.environ.get("CRIMESTAT_NO_CACHE"):
        return None
    try:
        _, entry, _ = _entry(kind, slot_key, content_key)
    except OSError:
        return None
    found = _read_entry(entry)
    return None if found is None else found[0]


def store(kind: str, slot_key: str, content_key: str, value: Any) -> None:
    """Keep ``value`` (data only: numbers, text, dates, arrays, dataclasses) for ``lookup``; replaces the
    slot's earlier entry. A cache that cannot be written is not used."""
    if os.environ.get("CRIMESTAT_NO_CACHE"):
        return
    try:
        folder, entry, slot = _entry(kind, slot_key, content_key)
    except OSError:
        return
    _store(folder, entry, slot, encode((value, [])))


def _replay(warnings: list[str], entry: Path) -> None:
    """A cached load's warnings: shown until once seen (a marker beside the entry), then only with --verbose."""
    marker = entry.with_name(entry.name + ".shown")
    try:
        seen = stat.S_ISREG(os.lstat(marker).st_mode)
    except OSError:
        seen = False
    for message in warnings:
        (remind if seen else warn)(message)
    if warnings and not seen and showing_warnings():
        _mark_shown(entry)


def _mark_shown(entry: Path) -> None:
    try:
        descriptor = os.open(entry.with_name(entry.name + ".shown"),
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        os.close(descriptor)
    except OSError:
        pass  # already there, or a folder we cannot write: the warning is simply shown again next time


# -- reading and writing entries ------------------------------------------------------------------------

def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def file_digest(path: str | os.PathLike) -> str:
    """A file's SHA-256, read in blocks (memory bounded whatever its size); OSError when it cannot be read."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _sha256(path: Path) -> str | None:
    data = _read(path)
    return hashlib.sha256(data).hexdigest() if data is not None else None


_decoded = Kept()  # the entries this process has read and decoded (runtime/kept.py)


def _read_entry(entry: Path) -> tuple[Any, list[str]] | None:
    """The entry's (result, warnings), or None when it is missing, not ours, damaged or not data."""
    try:
        descriptor = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if (not stat.S_ISREG(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
                or (hasattr(os, "getuid") and info.st_uid != os.getuid())):
            return None  # planted by someone else, or open to them: not to be trusted
        version = identity(info)
        known = _decoded.get(entry, version)
        if known is not None:
            return known
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            raw = stream.read()
    except OSError:
        return None
    finally:
        os.close(descriptor)
    try:
        found = decode(raw, read_only=True)
    except (ValueError, TypeError, KeyError, IndexError):
        return None  # damaged or written by something else: load afresh (and replace it)
    if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], list)):
        return None
    value = (found[0], [str(m) for m in found[1]])
    if len(raw) == info.st_size:  # read whole, as the file stood when it was checked
        _decoded.put(entry, version, len(raw), value)
    return value


def _store(folder: Path, entry: Path, slot: str, payload: bytes) -> None:
    """Write ``payload`` to ``entry`` through a private new file renamed into place; never through a link."""
    temporary: Path | None = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            return  # a link, or another user's folder: not written into
        if info.st_mode & 0o077 and folder.name == "crimestat" and folder != Path(os.environ.get(
                "CRIMESTAT_CACHE_DIR") or "/nonexistent"):
            os.chmod(folder, 0o700)  # crimestat's own folder, made open by hand, is made private again
        remove_stale_temporaries(folder, "*.tmp")
        temporary = folder / f".{slot}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(temporary, flags, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, entry)
        temporary = None
        for older in folder.glob(f"{slot}-*"):  # an earlier version of the file, or of crimestat
            if older != entry and not older.is_symlink():
                older.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        if temporary is not None:  # a full disk, a signal: leave no partial file behind
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass


# -- the data-only format ----------------------------------------------------------------------------------

def encode(value: Any) -> bytes:
    """``value`` as bytes: a JSON description with arrays kept as raw numbers, and its SHA-256.

    Layout: magic line, one JSON header line (payload length and SHA-256), then the payload: a JSON body
    line followed by the arrays' bytes. Only plain data can be written: None, bools, numbers, strings,
    dates, lists, tuples, sets, dicts, numeric numpy arrays, and the dataclasses in :data:`TYPES`.
    """
    arrays: list[bytes] = []
    body = json.dumps(_to_json(value, arrays), separators=(",", ":"), allow_nan=False).encode()
    payload = body + b"\n" + b"".join(arrays)
    header = json.dumps({"length": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}).encode()
    return _MAGIC + header + b"\n" + payload


def decode(raw: bytes, read_only: bool = False) -> Any:
    """The value :func:`encode` wrote; ValueError when the bytes are damaged, cut short or not an entry.
    ``read_only``: its arrays cannot be changed (a value kept to be shared)."""
    if not raw.startswith(_MAGIC):
        raise ValueError("not a crimestat cache entry")
    end = raw.index(b"\n", len(_MAGIC))
    header = json.loads(raw[len(_MAGIC):end])
    payload = raw[end + 1:]
    if len(payload) != header["length"] or hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise ValueError("checksum mismatch")
    split = payload.index(b"\n")
    body = json.loads(payload[:split])
    return _from_json(body, memoryview(payload)[split + 1:], read_only)


def _to_json(value: Any, arrays: list[bytes]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return {"$f": repr(number)} if number != number or number in (float("inf"), float("-inf")) else number
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, list):
        return [_to_json(v, arrays) for v in value]
    if isinstance(value, tuple):
        return {"$t": [_to_json(v, arrays) for v in value]}
    if isinstance(value, (set, frozenset)):
        if value and all(type(v) is date for v in value):
            return {"$sd": [v.isoformat() for v in value]}  # the quarters a force has: read in bulk
        return {"$s": [_to_json(v, arrays) for v in value]}
    if isinstance(value, dict):
        if value and all(type(k) is date for k in value) and all(type(v) is str for v in value.values()):
            # A lifetime's status by period (thousands of them): dates and texts as two lists, read in bulk.
            return {"$ds": [[k.isoformat() for k in value], list(value.values())]}
        if value and _plain_keys(value) and all(type(v) in _PLAIN for v in value.values()):
            # Populations and households by (area, year): the keys' parts and the values as lists.
            return {"$tm": [*map(list, zip(*value)), list(value.values())]}
        return {"$m": [[_to_json(k, arrays), _to_json(v, arrays)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        dtype = value.dtype.newbyteorder("<") if value.dtype.byteorder == ">" else value.dtype
        if dtype.str not in _DTYPES:
            raise TypeError(f"arrays of {value.dtype} are not cached")
        offset = sum(len(a) for a in arrays)
        data = np.ascontiguousarray(value, dtype=dtype).tobytes()
        arrays.append(data)
        return {"$a": [dtype.str, list(value.shape), offset, len(data)]}
    name = type(value).__name__
    if is_dataclass(value) and TYPES.get(name) is type(value):
        return {"$o": name, "f": {f.name: _to_json(getattr(value, f.name), arrays) for f in fields(value) if f.init}}
    raise TypeError(f"{name} is not cached")


def _from_json(value: Any, arrays: memoryview, read_only: bool = False) -> Any:
    if isinstance(value, list):
        return [_from_json(v, arrays, read_only) for v in value]
    if not isinstance(value, dict):
        return value
    if "$o" in value:
        cls = TYPES[value["$o"]]
        return cls(**{k: _from_json(v, arrays, read_only) for k, v in value["f"].items()})
    ((tag, inner),) = value.items()
    if tag == "$f":
        return float(inner)
    if tag == "$d":
        return _date(inner)
    if tag == "$t":
        return tuple(_from_json(v, arrays, read_only) for v in inner)
    if tag == "$s":
        return {_hashable(_from_json(v, arrays, read_only)) for v in inner}
    if tag == "$m":
        return {_hashable(_from_json(k, arrays, read_only)): _from_json(v, arrays, read_only) for k, v in inner}
    if tag == "$sd":
        return set(map(_date, inner))
    if tag == "$tm":
        *parts, values = inner
        if not parts or any(len(part) != len(values) for part in parts) or \
                not all(type(v) in _PLAIN for column in inner for v in column):
            raise ValueError("bad tuple map")
        return dict(zip(zip(*parts), values))
    if tag == "$ds":
        keys, texts = inner
        if len(keys) != len(texts) or not all(type(t) is str for t in texts):
            raise ValueError("bad date map")
        return dict(zip(map(_date, keys), texts))
    if tag == "$a":
        dtype, shape, offset, length = inner
        if dtype not in _DTYPES or offset < 0 or offset + length > len(arrays):
            raise ValueError("bad array")
        array = np.frombuffer(arrays[offset:offset + length], dtype=np.dtype(dtype)).copy()
        array = array.reshape([int(n) for n in shape])
        array.flags.writeable = not read_only  # shared when kept decoded (``runtime.kept``): nothing may change it
        return array
    raise ValueError(f"unknown tag {tag}")


_PLAIN = (str, int)  # what a bulk map's keys and values may be (JSON reads them back as they were)


def _plain_keys(value: dict) -> bool:
    """Whether every key is a tuple of texts and whole numbers, all of one length."""
    lengths = {len(k) if type(k) is tuple and all(type(part) in _PLAIN for part in k) else -1 for k in value}
    return len(lengths) == 1 and min(lengths) > 0


@functools.lru_cache(maxsize=4096)
def _date(text: str) -> date:
    """A date from its ISO text; the few period ends of a table recur in every lifetime, so each is parsed once."""
    if type(text) is not str:
        raise ValueError("bad date")
    return date.fromisoformat(text)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        raise ValueError("a list cannot be a key")
    return value


_TYPE_HOMES = {"CountTable": ".model.measures", "QuarterCounts": ".model.measures", "Lifetime": ".model.breaks", "OutcomeCube": ".model.outcomes",
               "SeriesTable": ".model.outcome_series", "GroupTable": ".model.outcome_series"}


class _Types(dict):
    """The dataclasses an entry may hold, each imported when first needed (a trend never reads an outcomes
    cube, so it need not import the outcome measures)."""

    def __missing__(self, key: str) -> type:
        if key not in _TYPE_HOMES:
            raise KeyError(key)
        import importlib

        kind = getattr(importlib.import_module(_TYPE_HOMES[key], __package__), key)
        self[key] = kind
        return kind

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default


TYPES: dict[str, type] = _Types()


def digest(text: str) -> str:
    """A hex digest of ``text``, for cache keys."""
    return hashlib.sha256(text.encode()).hexdigest()
