"""Values decoded from files, kept for the rest of the process while their files are unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class KeptDecoded:
    """Entries this process has read, kept decoded: loading the same files again in one process (a notebook
    or service calling ``crimestat.load`` repeatedly, a test suite) skips reading and decoding them. One is
    reused only while its file is the one read (device, inode, size, modification and change times: a
    replaced, rewritten or re-permissioned entry is read afresh, with all its checks). Values are shared,
    so their arrays are read-only. At most ``limit`` bytes are kept, the least recently used dropped first."""

    def __init__(self, limit: int = 256 * 1024 * 1024) -> None:
        import threading
        from collections import OrderedDict

        self.limit, self.size, self.lock = limit, 0, threading.Lock()
        self.kept: OrderedDict[str, tuple[tuple[int, ...], int, tuple[Any, list[str]]]] = OrderedDict()

    def get(self, entry: Path, version: tuple[int, ...]) -> tuple[Any, list[str]] | None:
        with self.lock:
            found = self.kept.get(str(entry))
            if found is None or found[0] != version:
                return None
            self.kept.move_to_end(str(entry))
            return found[2]

    def put(self, entry: Path, version: tuple[int, ...], size: int, value: tuple[Any, list[str]]) -> None:
        with self.lock:
            self.size += size - (self.kept.pop(str(entry), (None, 0))[1])
            self.kept[str(entry)] = (version, size, value)
            while self.size > self.limit:
                self.size -= self.kept.popitem(last=False)[1][1]
