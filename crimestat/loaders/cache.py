"""A cache of validated loads, so that repeated runs on unchanged files skip parsing.

A nightly job or an analyst re-running ``compare`` reads the same ONS file each time; parsing and checking
its 46,000 rows takes longer than everything else the command does. After a successful load the result,
and the warnings the load gave, are kept in ``$CRIMESTAT_CACHE_DIR`` (default ``~/.cache/crimestat``)
under a key made of the file's absolute path, a hash of its contents, crimestat's version and a hash of
its source code. A changed file (even one edited to the same size with its modification time put back),
or changed code, is parsed again, and its entry replaces the earlier one, so the cache holds one entry
per file and kind of load; failed loads are never cached. Hashing costs a few milliseconds for the
ONS file, against a few hundred for parsing it. ``CRIMESTAT_NO_CACHE=1`` turns the cache off. A cache
folder that cannot be written is simply not used.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import DataFileError
from ..log import collecting, warn


@functools.cache
def code_digest() -> str:
    """A digest of crimestat's own source: an entry written by other code (an upgrade, a checkout of
    another commit, a local edit) is never read back, whatever the version number says."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha1()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    given = os.environ.get("CRIMESTAT_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crimestat"


def cached(kind: str, source: Any, load: Callable[[], Any], sha256: str | None = None) -> Any:
    """``load()``, or its cached result when ``source`` is an unchanged file loaded before.

    ``sha256``: the digest a release's manifest gives for the file; a file that differs (a truncated or
    edited download) is an error, checked on every run from the same read that keys the cache.
    """
    is_file = isinstance(source, (str, os.PathLike)) and str(source) != "-"
    content = _sha256(Path(source)) if is_file else None  # one read: checks the manifest and keys the cache
    if sha256 is not None and content is not None and content != sha256:
        raise DataFileError.single(
            str(source), f"differs from its release's manifest (SHA-256 {content[:12]}..., the manifest says "
                         f"{sha256[:12]}...): a truncated or changed file; download the release again")
    if os.environ.get("CRIMESTAT_NO_CACHE") or not is_file:
        return load()
    path = Path(source)
    try:
        code = code_digest()
    except OSError:
        code = None
    if content is None or code is None:
        return load()  # the loader says what is wrong with the file (or crimestat's source is unreadable)
    # One slot per kind of load and file; the entry in it is named for what it was made from.
    slot = f"{kind.split('-')[0]}-{digest(f'{kind}|{path.resolve()}')[:16]}"
    entry = cache_dir() / f"{slot}-{digest(f'{content}|{__version__}|{code}')[:24]}.pickle"
    try:
        with open(entry, "rb") as stream:
            result, warnings = pickle.load(stream)
        for message in warnings:
            warn(message)
        return result
    except Exception:  # a missing, stale or unreadable entry: load afresh
        pass
    with collecting() as warnings:
        result = load()
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as stream:
            pickle.dump((result, warnings), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
        for older in entry.parent.glob(f"{slot}-*.pickle"):  # an earlier version of the file, or of crimestat
            if older != entry:
                older.unlink(missing_ok=True)
    except OSError:
        pass
    return result


def _sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None


def digest(text: str) -> str:
    """A hex digest of ``text``, for cache keys."""
    return hashlib.sha256(text.encode()).hexdigest()
