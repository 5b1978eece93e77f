"""Writing output: stdout, or a file replaced atomically so a killed run leaves the old file intact.

Files (``--output``, ``--plot``, the report's chart) are written to a temporary file beside the target,
flushed to disk and renamed over it: a full disk, an error or a signal leaves the old file as it was and
no temporary file behind (those a SIGKILLed run leaves are removed by the next write to the folder). An
existing file keeps its permissions. A file the run reads as input is never written over.
"""

from __future__ import annotations

import glob
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from . import signals
from .errors import OutputError, UsageError


_inputs: set[str] = set()
_STALE_SECONDS = 24 * 3600  # a temporary file this old is litter whatever its process id says


def note_input(path: str | os.PathLike) -> None:
    """Remember a file the run reads, so that ``--output`` naming it is refused instead of destroying it."""
    try:
        _inputs.add(os.path.realpath(path))
    except (OSError, ValueError):
        pass


def check_not_input(output: str, option: str = "--output") -> None:
    """A usage error when ``output`` is (a link to) a file this run reads."""
    try:
        real = os.path.realpath(output)
    except (OSError, ValueError):
        return
    if real in _inputs:
        raise UsageError(f"{option} {output}: is one of this run's input files; writing it would destroy the input. "
                         "Expected another file name")
    try:
        info = os.lstat(output)
    except (OSError, ValueError):
        return
    if stat.S_ISLNK(info.st_mode) and hasattr(os, "getuid") and info.st_uid != os.getuid():
        # In a shared folder (/tmp) anyone can plant a link at the name a job writes: following it would write
        # the job's figures over a file of the link's choosing. The kernel's protected_symlinks rule, kept here.
        raise OutputError(f"{option} {output}: is a symbolic link owned by another user; not written through. "
                          "Expected a file name of your own")


def write_output(text: str | bytes, output: str | None) -> None:
    """Write ``text`` to stdout (``None`` or ``-``) or to the file ``output``; ``bytes`` (a binary format,
    xlsx) are written as they are, text as UTF-8.

    A regular file (or a new one) is written beside itself and renamed into place; through a symbolic
    link the link's target is replaced, not the link. A device or pipe (``/dev/stdout``, a FIFO) has no
    place for a temporary file, so it is written directly.
    """
    signals.ready("rendered")
    if output is None or output == "-":
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
            return
        write_stdout(text)
        return
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    if not output.strip():
        raise UsageError("--output is empty; expected a file name, or - for stdout")
    check_not_input(output)
    target = Path(output)
    try:
        mode: int | None = os.stat(target).st_mode  # follows symbolic links
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    if mode is not None and stat.S_ISREG(mode) and not mode & 0o222:
        # Made read-only by hand (yesterday's figures kept on purpose): replacing it would undo that.
        raise OutputError(f"--output {output}: the file is read-only; make it writable or write elsewhere")
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"--output {output}: is a folder; expected a file name")
    if mode is not None and not stat.S_ISREG(mode):
        _write(target, data, output)
        return
    write_atomically(output, lambda stream: stream.write(data), "--output", mode)


def write_atomically(output: str, fill: Callable[[IO[bytes]], object], option: str = "--output",
                     mode: int | None = None) -> None:
    """Write a regular file through a temporary file beside it renamed into place (see the module's notes).

    ``fill`` writes the content to the binary stream it is given; ``mode`` is the existing file's
    (``os.stat``), kept; a new file gets the mode an ordinary new file would have.
    """
    check_not_input(output, option)
    real = Path(os.path.realpath(output))
    if not real.parent.is_dir():
        raise UsageError(f"{option} {output}: folder '{Path(output).parent}' does not exist")
    if mode is None:
        try:
            mode = os.stat(real).st_mode
        except OSError:
            mode = None
    remove_stale_temporaries(real.parent, f".{glob.escape(real.name)}.*.tmp")
    try:
        # The process id in the name lets a later run tell a killed run's file from one in progress.
        handle, temporary = tempfile.mkstemp(prefix=f".{real.name}.{os.getpid()}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise _cannot_write(output, exc, option) from None
    try:
        if mode is not None:
            os.chmod(temporary, stat.S_IMODE(mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes the file private
        with os.fdopen(handle, "wb") as stream:
            fill(stream)
            stream.flush()
            os.fsync(stream.fileno())
        signals.ready("writing")
        os.replace(temporary, real)
        signals.ready("written")
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _cannot_write(output, exc, option) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_stdout(text: str) -> None:
    """Write data to stdout; a closed, full or failing stdout is an :class:`OutputError`, not a traceback.

    Data are written as UTF-8 when stdout's own encoding (``PYTHONIOENCODING``, a C locale) cannot hold
    them: the figures and names must arrive whole, as they do in a ``--output`` file.
    """
    stream = sys.stdout
    if stream is None:
        raise OutputError("standard output is closed; expected somewhere to write the data (or use --output FILE)")
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:
            stream.flush()
            stream.buffer.write(text.encode("utf-8"))
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:  # ValueError: the stream was closed
        reason = getattr(exc, "strerror", None) or str(exc)
        raise OutputError(f"cannot write to standard output ({reason})") from None


def _write(target: Path, data: bytes, output: str) -> None:
    try:
        with open(target, "wb") as stream:
            stream.write(data)
    except OSError as exc:
        raise _cannot_write(output, exc) from None


def _cannot_write(output: str, exc: OSError, option: str = "--output") -> OutputError:
    return OutputError(f"{option} {output}: cannot be written ({exc.strerror or exc})")


#: A temporary file crimestat writes (the cache's, and ``--output``'s beside its target): ``.NAME.PID.RANDOM.tmp``.
_TEMPORARY = re.compile(r"^\..+\.\d+\.[A-Za-z0-9_]{1,16}\.tmp$")


def remove_stale_temporaries(folder: Path, pattern: str) -> None:
    """Remove temporary files (``.NAME.PID.RANDOM.tmp``) left in ``folder`` by runs that were killed.

    A file is litter when the process named in it is gone, or when it is a day old; another run's file
    in progress is left alone. Only the user's own regular files are touched.
    """
    try:
        candidates = list(folder.glob(pattern))
    except OSError:
        return
    uid = os.getuid() if hasattr(os, "getuid") else None
    for candidate in candidates:
        if not _TEMPORARY.match(candidate.name):
            continue  # not a name crimestat gives its temporary files: the user's, left alone
        try:
            info = os.lstat(candidate)
            if not stat.S_ISREG(info.st_mode) or (uid is not None and info.st_uid != uid):
                continue
            parts = candidate.name.split(".")
            pid = int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None
            if (pid is not None and pid != os.getpid() and not _alive(pid)) or \
                    time.time() - info.st_mtime > _STALE_SECONDS:
                candidate.unlink(missing_ok=True)
        except (OSError, ValueError):
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process, or not ours to ask: assume it lives
    return True
