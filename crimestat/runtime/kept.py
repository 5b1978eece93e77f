"""Values read from files, kept for the rest of the process while their files are unchanged."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Kept:
    """Values this process has read from files, kept: loading the same files again in one process (a
    notebook or service calling ``crimestat.load`` repeatedly, a test suite) skips reading and decoding
    them. One is reused only while its files are the ones read (:func:`identity`: a replaced, rewritten
    or re-permissioned file is read afresh, with all its checks). Values are shared, so nothing may change
    them (arrays are read-only). At most ``limit`` bytes are kept, the least recently used dropped first."""

    def __init__(self, limit: int = 256 * 1024 * 1024) -> None:
        import threading
        from collections import OrderedDict

        self.limit, self.size, self.lock = limit, 0, threading.Lock()
        self.kept: OrderedDict[str, tuple[tuple, int, Any]] = OrderedDict()

    def get(self, key: str | Path, version: tuple) -> Any | None:
        with self.lock:
            found = self.kept.get(str(key))
            if found is None or found[0] != version:
                return None
            self.kept.move_to_end(str(key))
            return found[2]

    def put(self, key: str | Path, version: tuple, size: int, value: Any) -> None:
        with self.lock:
            self.size += size - (self.kept.pop(str(key), (None, 0))[1])
            self.kept[str(key)] = (version, size, value)
            while self.size > self.limit:
                self.size -= self.kept.popitem(last=False)[1][1]


def identity(info: os.stat_result) -> tuple[int, ...]:
    """What tells one state of a file from another: device, inode, size, modification and change times."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


_files = Kept(16 * 1024 * 1024)


def kept_load(key: str, paths: tuple[str | os.PathLike, ...], load: Callable[[], Any]) -> Any:
    """``load()`` of ``paths`` (small files crimestat reads in every run, such as its packaged registry and
    classification), or what it gave before in this process while every one of the files is unchanged.
    ``key`` names the load and everything besides the files that it depends on."""
    try:
        infos = [os.stat(path) for path in paths]
    except OSError:
        return load()  # the loader says what is wrong
    version = tuple(identity(info) for info in infos)
    found = _files.get(key, version)
    if found is None:
        found = load()
        _files.put(key, version, sum(info.st_size for info in infos), found)
    return found
